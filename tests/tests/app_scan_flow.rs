//! The app against a real server on a loopback port: a fake frame source
//! with a generated library code → scan task → resolve → the card; the
//! offline cache; scan events. (The app's tests without a server stay in
//! `mobile/tests/scan_flow.rs`.)

use std::time::{Duration, Instant};

use bevy::prelude::*;
use pustaka_markers::{generate, payload::MarkerCode};
use pustaka_mobile::camera::{Frame, FrameError, FrameSource, PendingSource};
use pustaka_mobile::config::NetTimeouts;
use pustaka_mobile::i18n::Locale;
use pustaka_mobile::net::{Resolution, Resolutions};
use pustaka_mobile::scan::scanning::Detections;
use pustaka_mobile::scan::tracking::TrackedCodes;
use pustaka_mobile::{AppConfig, AppPlugin};
use pustaka_test_support::bevy::run_until;
use pustaka_test_support::peers::{StalledServer, canned_server};
use pustaka_test_support::server::TestServer;

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

#[test]
fn scanned_code_resolves_against_a_real_server() {
    let server = TestServer::demo().start_blocking();

    let url = MarkerCode::parse("BK0001")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: server.base_url().into(),
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

    let (o, card) = run_until(
        &mut app,
        "BK0001 resolved and tracked",
        Duration::from_secs(60),
        |app| {
            let resolved = app.world().resource::<Resolutions>().0.get("BK0001");
            let tracked = app
                .world()
                .resource::<TrackedCodes>()
                .codes
                .iter()
                .find(|c| c.visible);
            match (resolved, tracked) {
                (Some(Resolution::Ready(o)), Some(card)) => Some((o.clone(), card.clone())),
                _ => None,
            }
        },
    );
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
    let label = pustaka_mobile::ui::cards::card_label(
        &card,
        app.world().resource::<Resolutions>(),
        app.world().resource::<Locale>(),
    );
    assert!(label.starts_with("Si Kancil dan Buaya."), "{label}");
}

/// Resolves once with the server up, then again with it gone: the cached
/// overlay comes back marked offline.
#[test]
fn cached_overlay_is_shown_offline() {
    // The server has its own runtime: stopping it closes every connection.
    let server = TestServer::demo().start_blocking();
    let base = server.base_url().to_owned();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();

    let client = reqwest::Client::new();
    let timeouts = NetTimeouts::default();
    let cache = pustaka_mobile::net::cache::OverlayCache::new(cache_dir.path(), 1 << 20);
    let resolve = |code: &str, lang: pustaka_api::Lang, url: &str| {
        rt.block_on(pustaka_mobile::net::resolve_with_cache(
            &client,
            &timeouts,
            Some(&cache),
            code,
            lang,
            url,
        ))
    };
    let url = format!("{base}/api/v1/markers/BK0001");
    let (first, reached) = resolve("BK0001", pustaka_api::Lang::Id, &url);
    assert!(reached);
    let Resolution::Ready(fresh) = first else {
        panic!("{first:?}")
    };
    // The server's own "unknown code" is "not found".
    let (unknown, reached) = resolve(
        "BK0099",
        pustaka_api::Lang::Id,
        &format!("{base}/api/v1/markers/BK0099"),
    );
    assert!(reached);
    assert_eq!(unknown, Resolution::NotFound);

    server.stop();
    let (second, reached) = resolve("BK0001", pustaka_api::Lang::Id, &url);
    assert!(!reached, "server should be gone: {second:?}");
    assert_eq!(second, Resolution::Offline(fresh.clone()));
    // A visitor who switched to English while offline gets the Indonesian
    // copy rather than nothing.
    let (english, _) = resolve("BK0001", pustaka_api::Lang::En, &format!("{url}?lang=en"));
    assert_eq!(english, Resolution::Offline(fresh));

    // A code never seen before has nothing to fall back on.
    let (third, _) = resolve(
        "BK0002",
        pustaka_api::Lang::Id,
        &format!("{base}/api/v1/markers/BK0002"),
    );
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
        let stand_in = canned_server(answer);
        let url = format!("http://{stand_in}/api/v1/markers/BK0001");
        let (got, reached) = resolve("BK0001", pustaka_api::Lang::Id, &url);
        let status = answer.lines().next().unwrap_or_default();
        assert!(!reached, "{status}: {got:?}");
        assert!(matches!(got, Resolution::Offline(_)), "{status}: {got:?}");
        assert!(
            cache.get("BK0001", pustaka_api::Lang::Id).is_some(),
            "{status}: the saved copy was deleted"
        );
        // Without a cached copy it is an error, not an endless retry.
        let (got, _) = resolve(
            "BK0002",
            pustaka_api::Lang::Id,
            &format!("http://{stand_in}/api/v1/markers/BK0002"),
        );
        assert!(matches!(got, Resolution::Failed(_)), "{status}: {got:?}");
    }
}

/// The app's scan-event batch is what the server accepts (202), and a bad one is refused.
#[test]
fn scan_events_reach_the_server() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = TestServer::demo().start_blocking();
    let base = server.base_url();
    let client = reqwest::Client::new();

    let mut queue = pustaka_mobile::net::scans::ScanQueue::open(None);
    let t0 = Instant::now();
    for code in ["BK0001", "RK0001", "EV0001"] {
        assert!(queue.record(code, t0));
    }
    let batch: Vec<_> = queue.pending().cloned().collect();
    let timeout = NetTimeouts::default().request;
    let sent = rt.block_on(pustaka_mobile::net::scans::send_batch(
        &client,
        base,
        batch.clone(),
        timeout,
    ));
    assert_eq!(sent, Ok(3));

    let mut bad = batch.clone();
    bad[0].code = "not a code!".into();
    let refused = rt.block_on(pustaka_mobile::net::scans::send_batch(
        &client, base, bad, timeout,
    ));
    assert!(refused.is_err(), "{refused:?}");

    // A server that takes the connection and never answers: the send gives
    // up after its timeout instead of holding the queue for good.
    let stalled = StalledServer::start();
    let stuck = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(30),
            pustaka_mobile::net::scans::send_batch(
                &client,
                &stalled.base_url,
                batch,
                Duration::from_millis(300),
            ),
        )
        .await
    });
    let Ok(stuck) = stuck else {
        panic!("the send was still waiting after 30 s on a server that never answers")
    };
    assert!(stuck.is_err(), "{stuck:?}");
}

/// A server that accepts connections and never answers (a stalled Wi-Fi
/// link): the copy saved on the device is shown at once, while the request
/// is still out, and without claiming the network is down.
#[test]
fn a_saved_copy_is_shown_while_a_stalled_server_is_asked() {
    // Save BK0001 the way the app does, from a real server.
    let server = TestServer::demo().start_blocking();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = pustaka_mobile::net::cache::OverlayCache::new(cache_dir.path(), 1 << 20);
    let (first, _) = rt.block_on(pustaka_mobile::net::resolve_with_cache(
        &reqwest::Client::new(),
        &NetTimeouts::default(),
        Some(&cache),
        "BK0001",
        pustaka_api::Lang::Id,
        &server.url("/api/v1/markers/BK0001"),
    ));
    let Resolution::Ready(saved) = first else {
        panic!("{first:?}")
    };
    server.stop();

    // The stalled server: holds every connection open, says nothing.
    let stalled = StalledServer::start();

    let url = MarkerCode::parse("BK0001")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: stalled.base_url.clone(),
            cache_dir: Some(cache_dir.path().to_path_buf()),
            cache_max_bytes: 1 << 20,
            // The real timeouts: the saved copy must show long before them.
            timeouts: NetTimeouts::default(),
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
    let shown = run_until(
        &mut app,
        "BK0001 to show something",
        Duration::from_secs(60),
        |app| {
            let shown = app.world().resource::<Resolutions>().0.get("BK0001");
            assert!(
                stalled.accepted() < 2,
                "the first attempt gave up and nothing was shown: {shown:?}"
            );
            shown.filter(|r| **r != Resolution::Pending).cloned()
        },
    );
    assert_eq!(shown, Resolution::Cached(saved));
    assert!(stalled.accepted() <= 1, "shown only after a retry");
    let status = app.world().resource::<pustaka_mobile::net::NetStatus>();
    assert!(!status.offline, "nothing has failed yet");
}
