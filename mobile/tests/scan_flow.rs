//! Headless app test: a fake frame source with a generated library code →
//! scan task → resolve against a real server on a loopback port.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use bevy::prelude::*;
use pustaka_markers::{generate, payload::MarkerCode};
use pustaka_mobile::camera::{CaptureStatus, Frame, FrameError, FrameSource, PendingSource};
use pustaka_mobile::i18n::Locale;
use pustaka_mobile::net::{Resolution, Resolutions};
use pustaka_mobile::scanning::Detections;
use pustaka_mobile::tracking::TrackedCodes;
use pustaka_mobile::{AppConfig, AppPlugin};

/// Replays one frame over and over, like a camera pointed at a still code.
struct StillSource {
    frame: Frame,
}

impl FrameSource for StillSource {
    fn describe(&self) -> String {
        "still test frame".into()
    }
    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        std::thread::sleep(Duration::from_millis(30));
        self.frame.seq += 1;
        Ok(self.frame.clone())
    }
}

fn frame_with_code(url: &str) -> Frame {
    let code = generate::luma_image(url, 5).unwrap();
    let (w, h) = (640u32, 480u32);
    let mut rgb = vec![200u8; (w * h * 3) as usize];
    for y in 0..code.height() {
        for x in 0..code.width() {
            let v = code.data()[y * code.width() + x];
            let i = (((y + 60) * w as usize) + x + 100) * 3;
            rgb[i..i + 3].copy_from_slice(&[v, v, v]);
        }
    }
    Frame::from_rgb(0, w, h, &rgb).unwrap()
}

/// Starts the server with the demo library on a loopback port, on `rt`
/// (dropping or shutting down `rt` stops it and closes its connections).
/// Returns its data dir (keep it alive) and base URL; installs the TLS
/// crypto provider the app's client needs.
fn demo_server(rt: &tokio::runtime::Runtime) -> (tempfile::TempDir, String) {
    let data = tempfile::tempdir().unwrap();
    let server = rt
        .block_on(pustaka_backend::Application::build(
            pustaka_backend::ServeConfig::for_tests(data.path().to_path_buf(), true),
        ))
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    rt.spawn(server.run_until_stopped());
    let _ = rustls::crypto::ring::default_provider().install_default();
    (data, base)
}

/// A server that accepts every connection and never answers (a stalled
/// Wi-Fi link). Returns its base URL and the count of connections accepted.
fn stalled_server() -> (String, Arc<AtomicUsize>) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let stalled = format!("http://{}", listener.local_addr().unwrap());
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for conn in listener.incoming().flatten() {
            count.fetch_add(1, Ordering::SeqCst);
            held.push(conn);
        }
    });
    (stalled, accepted)
}

#[test]
fn scanned_code_resolves_against_a_real_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_data, base) = demo_server(&rt);

    let url = MarkerCode::parse("BK0001")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: base,
            ..default()
        })
        .insert_resource(PendingSource::new(move || {
            Ok(StillSource {
                frame: frame_with_code(&url),
            })
        }))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });

    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        app.update();
        let resolved = app
            .world()
            .resource::<Resolutions>()
            .0
            .get("BK0001")
            .cloned();
        let tracked = app
            .world()
            .resource::<TrackedCodes>()
            .codes
            .iter()
            .find(|c| c.visible)
            .cloned();
        if let (Some(Resolution::Ready(o)), Some(card)) = (&resolved, &tracked) {
            assert_eq!(o.title, "Si Kancil dan Buaya");
            let d = app.world().resource::<Detections>();
            assert_eq!(d.codes.len(), 1);
            // The code was pasted at (100, 60) plus a 20 px quiet zone.
            assert!(
                (d.codes[0].corners[0] - Vec2::new(120.0, 80.0)).length() < 4.0,
                "{:?}",
                d.codes[0].corners
            );
            // The overlay the card layer draws for it: anchored at the code,
            // saying the book's title.
            assert!(
                (card.corners[0] - Vec2::new(120.0, 80.0)).length() < 4.0,
                "{:?}",
                card.corners
            );
            let label = pustaka_mobile::ui::card_label(
                card,
                app.world().resource::<Resolutions>(),
                app.world().resource::<Locale>(),
            );
            assert!(label.starts_with("Si Kancil dan Buaya."), "{label}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no resolution within 60 s: {resolved:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Resolves once with the server up, then again with it gone: the cached
/// overlay comes back marked offline.
#[test]
fn cached_overlay_is_shown_offline() {
    // The server gets its own runtime so that dropping it closes every connection.
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_data, base) = demo_server(&server_rt);
    let cache_dir = tempfile::tempdir().unwrap();

    let client = reqwest::Client::new();
    let cache = pustaka_mobile::net::cache::OverlayCache::new(cache_dir.path(), 1 << 20);
    let url = format!("{base}/api/v1/markers/BK0001");
    let (first, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        Some(&cache),
        "BK0001",
        pustaka_api::Lang::Id,
        &url,
    ));
    assert!(reached);
    let Resolution::Ready(fresh) = first else {
        panic!("{first:?}")
    };
    // The server's own "unknown code" is "not found".
    let (unknown, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        Some(&cache),
        "BK0099",
        pustaka_api::Lang::Id,
        &format!("{base}/api/v1/markers/BK0099"),
    ));
    assert!(reached);
    assert_eq!(unknown, Resolution::NotFound);

    server_rt.shutdown_timeout(Duration::from_secs(1));
    let (second, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        Some(&cache),
        "BK0001",
        pustaka_api::Lang::Id,
        &url,
    ));
    assert!(!reached, "server should be gone: {second:?}");
    assert_eq!(second, Resolution::Offline(fresh.clone()));
    // A visitor who switched to English while offline gets the Indonesian
    // copy rather than nothing.
    let (english, _) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        Some(&cache),
        "BK0001",
        pustaka_api::Lang::En,
        &format!("{url}?lang=en"),
    ));
    assert_eq!(english, Resolution::Offline(fresh));

    // A code never seen before has nothing to fall back on.
    let (third, _) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        Some(&cache),
        "BK0002",
        pustaka_api::Lang::Id,
        &format!("{base}/api/v1/markers/BK0002"),
    ));
    assert!(matches!(third, Resolution::Failed(_)), "{third:?}");

    // Something else answering in the server's place: a Wi-Fi login page
    // (200, HTML), a proxy's 403, another web server's 404 page, a JSON 404
    // that is not "marker not found". The cached copy is shown, marked
    // offline, and stays saved.
    for answer in [
        "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 32\r\nConnection: close\r\n\r\n<html>Login ke Wi-Fi dulu</html>",
        "HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        "HTTP/1.1 404 File not found\r\nContent-Type: text/html\r\nContent-Length: 23\r\nConnection: close\r\n\r\n<h1>File not found</h1>",
        "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 57\r\nConnection: close\r\n\r\n{\"error\":{\"code\":\"route_not_found\",\"message\":\"no route\"}}",
    ] {
        let stand_in = stand_in_server(answer);
        let url = format!("http://{stand_in}/api/v1/markers/BK0001");
        let (got, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
            &client,
            Some(&cache),
            "BK0001",
            pustaka_api::Lang::Id,
            &url,
        ));
        let status = answer.lines().next().unwrap_or_default();
        assert!(!reached, "{status}: {got:?}");
        assert!(matches!(got, Resolution::Offline(_)), "{status}: {got:?}");
        assert!(
            cache.get("BK0001", pustaka_api::Lang::Id).is_some(),
            "{status}: the saved copy was deleted"
        );
        // Without a cached copy it is an error, not an endless retry.
        let (got, _) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
            &client,
            Some(&cache),
            "BK0002",
            pustaka_api::Lang::Id,
            &format!("http://{stand_in}/api/v1/markers/BK0002"),
        ));
        assert!(matches!(got, Resolution::Failed(_)), "{status}: {got:?}");
    }
}

/// A loopback server that gives every request the same raw HTTP `answer`.
fn stand_in_server(answer: &'static str) -> std::net::SocketAddr {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut conn in listener.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let _ = conn.read(&mut buf);
            let _ = conn.write_all(answer.as_bytes());
        }
    });
    addr
}

/// The app's scan-event batch is what the server accepts (202), and a bad one is refused.
#[test]
fn scan_events_reach_the_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_data, base) = demo_server(&rt);
    let client = reqwest::Client::new();

    let mut queue = pustaka_mobile::net::scans::ScanQueue::open(None);
    let t0 = Instant::now();
    for code in ["BK0001", "RK0001", "EV0001"] {
        assert!(queue.record(code, t0));
    }
    let batch: Vec<_> = queue.pending().cloned().collect();
    let sent = rt.block_on(pustaka_mobile::net::scans::send_batch(
        &client,
        &base,
        batch.clone(),
    ));
    assert_eq!(sent, Ok(3));

    let mut bad = batch;
    bad[0].code = "not a code!".into();
    let refused = rt.block_on(pustaka_mobile::net::scans::send_batch(&client, &base, bad));
    assert!(refused.is_err(), "{refused:?}");
}

/// A camera that is missing at first and then appears (plugged in): the
/// problem is shown while it lasts and cleared by the first frame, and the
/// capture loop survives it.
#[test]
fn a_failing_camera_is_reported_then_cleared() {
    struct LateCamera {
        failures_left: u32,
    }
    impl FrameSource for LateCamera {
        fn describe(&self) -> String {
            "late camera".into()
        }
        fn next_frame(&mut self) -> Result<Frame, FrameError> {
            std::thread::sleep(Duration::from_millis(20));
            if self.failures_left > 0 {
                self.failures_left -= 1;
                return Err(FrameError::Source("kamera 5: could not open device".into()));
            }
            Frame::from_rgb(1, 4, 4, &[90; 48])
        }
    }
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: "http://127.0.0.1:9".into(),
            ..default()
        })
        .insert_resource(PendingSource::new(|| Ok(LateCamera { failures_left: 3 })))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });
    let status = |app: &App| app.world().resource::<CaptureStatus>().problem();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut seen_problem = None;
    loop {
        app.update();
        match status(&app) {
            Some(p) => seen_problem = Some(p),
            None if seen_problem.is_some() => break,
            None => {}
        }
        assert!(
            Instant::now() < deadline,
            "problem seen: {seen_problem:?}, now: {:?}",
            status(&app)
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(
        seen_problem.is_some_and(|p| p.contains("kamera 5")),
        "the source's own words are kept"
    );
}

/// A stalled server and no saved copy: one request, then "cannot connect"
/// (the card's "retrying" comes from the code being asked again later),
/// not three requests that each wait out the read timeout.
#[test]
fn a_stalled_server_is_not_retried_at_once() {
    let (stalled, accepted) = stalled_server();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let client = pustaka_mobile::net::http_client().unwrap();
    let (got, reached) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &client,
        None,
        "BK0001",
        pustaka_api::Lang::Id,
        &format!("{stalled}/api/v1/markers/BK0001"),
    ));
    assert!(matches!(got, Resolution::Failed(_)), "{got:?}");
    assert!(!reached, "a stalled server is not an answer");
    assert_eq!(accepted.load(Ordering::SeqCst), 1, "retried at once");
}

/// A server that accepts connections and never answers (a stalled Wi-Fi
/// link): the copy saved on the device is shown at once, while the request
/// is still out, and without claiming the network is down.
#[test]
fn a_saved_copy_is_shown_while_a_stalled_server_is_asked() {
    // Save BK0001 the way the app does, from a real server.
    let server_rt = tokio::runtime::Runtime::new().unwrap();
    let (_data, base) = demo_server(&server_rt);
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = pustaka_mobile::net::cache::OverlayCache::new(cache_dir.path(), 1 << 20);
    let (first, _) = server_rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &reqwest::Client::new(),
        Some(&cache),
        "BK0001",
        pustaka_api::Lang::Id,
        &format!("{base}/api/v1/markers/BK0001"),
    ));
    let Resolution::Ready(saved) = first else {
        panic!("{first:?}")
    };
    server_rt.shutdown_timeout(Duration::from_secs(1));

    // The stalled server: holds every connection open, says nothing.
    let (stalled, accepted) = stalled_server();

    let url = MarkerCode::parse("BK0001")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: stalled,
            cache_dir: Some(cache_dir.path().to_path_buf()),
            cache_max_bytes: 1 << 20,
            ..default()
        })
        .insert_resource(PendingSource::new(move || {
            Ok(StillSource {
                frame: frame_with_code(&url),
            })
        }))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });

    // Without the saved copy shown first, nothing would show until the
    // request had timed out.
    loop {
        app.update();
        let shown = app
            .world()
            .resource::<Resolutions>()
            .0
            .get("BK0001")
            .cloned();
        if let Some(r) = shown.clone()
            && r != Resolution::Pending
        {
            assert_eq!(r, Resolution::Cached(saved));
            assert!(
                accepted.load(Ordering::SeqCst) <= 1,
                "shown only after a retry"
            );
            let status = app.world().resource::<pustaka_mobile::net::NetStatus>();
            assert!(!status.offline, "nothing has failed yet");
            break;
        }
        assert!(
            accepted.load(Ordering::SeqCst) < 2,
            "the first attempt gave up and nothing was shown: {shown:?}"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
