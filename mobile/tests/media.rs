//! Media in the app against a real server on a loopback port: the media disk
//! cache (store, cap, LRU eviction, restart, offline, no half files), covers
//! becoming textures on cards, and the trailer player (real frames into one
//! texture, muted start, sound toggle, children gone after stop).

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy_egui::egui;
use pustaka_api::{MarkerOverlay, MediaRole};
use pustaka_mobile::i18n::Locale;
use pustaka_mobile::net::media::{MediaBytes, MediaCache, MediaError, MediaName, MediaNameExt};
use pustaka_mobile::net::{Resolution, Resolutions};
use pustaka_mobile::pictures::{self, Pictures};
use pustaka_mobile::trailer::{AudioOutput, AudioStatus, TrailerPlayer, VideoStatus};
use pustaka_mobile::{AppConfig, AppPlugin};

/// Hang guard for loops that wait on background work (not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(90);

/// A demo server on its own runtime (dropping the runtime takes it offline).
fn demo_server(data: &Path, trailer: bool) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let config = pustaka_backend::ServeConfig {
        demo_trailer: trailer,
        ..pustaka_backend::ServeConfig::for_tests(data.to_path_buf(), true)
    };
    let server = rt
        .block_on(pustaka_backend::Application::build(config))
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    rt.spawn(server.run_until_stopped());
    (rt, base)
}

/// The app's own client, with its timeouts.
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pustaka_mobile::net::http_client().unwrap()
}

fn overlay(rt: &tokio::runtime::Runtime, base: &str, code: &str) -> MarkerOverlay {
    rt.block_on(async {
        client()
            .get(format!("{base}/api/v1/markers/{code}?lang=id"))
            .send()
            .await
            .unwrap()
            .error_for_status()
            .unwrap()
            .json()
            .await
            .unwrap()
    })
}

fn cover_url(o: &MarkerOverlay) -> String {
    o.media
        .iter()
        .find(|m| m.role == MediaRole::Cover)
        .unwrap_or_else(|| panic!("{} has no cover: {:?}", o.code, o.media))
        .url
        .clone()
}

fn files_in(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default()
}

fn size_of(m: &MediaBytes) -> u64 {
    m.read().unwrap().len() as u64
}

#[test]
fn media_cache_stores_caps_evicts_survives_restart_and_serves_offline() {
    let data = tempfile::tempdir().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let (server_rt, base) = demo_server(data.path(), false);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let urls: Vec<String> = ["BK0001", "BK0002", "BK0003"]
        .iter()
        .map(|c| cover_url(&overlay(&rt, &base, c)))
        .collect();
    let client = client();

    // Learn the sizes through an uncapped in-memory cache.
    let probe = MediaCache::new(None, u64::MAX);
    let sizes: Vec<u64> = urls
        .iter()
        .map(|u| size_of(&rt.block_on(probe.fetch(&client, u)).unwrap()))
        .collect();
    assert!(sizes.iter().all(|s| *s > 0), "{sizes:?}");
    let (a, b, c) = (sizes[0], sizes[1], sizes[2]);
    // Room for A and C but not for all three: B must go when C arrives.
    let cap = a + c + b / 2;
    let cache = MediaCache::new(Some(cache_dir.path()), cap);
    let media_dir = cache_dir.path().join("media");

    let got_a = rt.block_on(cache.fetch(&client, &urls[0])).unwrap();
    let MediaBytes::File(path_a) = &got_a else {
        panic!("with a cache folder media is a file: {got_a:?}")
    };
    assert!(path_a.starts_with(&media_dir), "{}", path_a.display());
    let name_a = MediaName::from_url(&urls[0]).unwrap();
    assert!(name_a.matches(&std::fs::read(path_a).unwrap()));
    std::thread::sleep(Duration::from_millis(20));
    rt.block_on(cache.fetch(&client, &urls[1])).unwrap();
    std::thread::sleep(Duration::from_millis(20));
    // Using A makes B the least recently used.
    assert!(cache.get(&name_a).is_some());
    std::thread::sleep(Duration::from_millis(20));
    rt.block_on(cache.fetch(&client, &urls[2])).unwrap();
    assert!(cache.size_bytes() <= cap, "{} > {cap}", cache.size_bytes());
    let name_b = MediaName::from_url(&urls[1]).unwrap();
    assert!(cache.get(&name_b).is_none(), "B was least recently used");
    assert_eq!(files_in(&media_dir).len(), 2, "{:?}", files_in(&media_dir));

    // A restart: a new cache on the same folder still has A and C.
    drop(cache);
    let cache = MediaCache::new(Some(cache_dir.path()), cap);
    assert!(cache.get(&name_a).is_some());

    // A cached file damaged behind the cache's back is fetched again.
    std::fs::write(path_a, b"not the cover any more").unwrap();
    let again = rt.block_on(cache.fetch(&client, &urls[0])).unwrap();
    assert_eq!(&again, &got_a);
    assert!(
        name_a.matches(&std::fs::read(path_a).unwrap()),
        "still damaged"
    );
    assert!(again.is_intact(&name_a));

    // The server goes away: cached media still comes, uncached media fails cleanly.
    drop(server_rt);
    let offline = rt.block_on(cache.fetch(&client, &urls[2])).unwrap();
    assert_eq!(size_of(&offline), c);
    let err = rt.block_on(cache.fetch(&client, &urls[1])).unwrap_err();
    assert!(matches!(err, MediaError::Network(_)), "{err}");
    assert!(
        files_in(&media_dir).iter().all(|f| !f.ends_with(".part")),
        "{:?}",
        files_in(&media_dir)
    );
}

/// A server that announces `announced` bytes, sends `body` and hangs up.
fn lying_server(announced: usize, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { return };
            // Read the whole request first, so closing does not reset the connection.
            let mut req = Vec::new();
            let mut buf = [0u8; 1024];
            while !req.windows(4).any(|w| w == b"\r\n\r\n") {
                match sock.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => req.extend_from_slice(&buf[..n]),
                }
            }
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {announced}\r\n\r\n"
            );
            let _ = sock.write_all(head.as_bytes());
            let _ = sock.write_all(&body);
            let _ = sock.shutdown(std::net::Shutdown::Both);
        }
    });
    format!("http://{addr}")
}

/// A server that announces `announced` bytes, sends `body`, then holds the
/// connection open without sending more.
fn stalling_server(announced: usize, body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for sock in listener.incoming() {
            let Ok(mut sock) = sock else { return };
            let mut buf = [0u8; 4096];
            let _ = sock.read(&mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: {announced}\r\n\r\n"
            );
            let _ = sock.write_all(head.as_bytes());
            let _ = sock.write_all(&body);
            held.push(sock);
        }
    });
    format!("http://{addr}")
}

#[test]
fn a_cut_or_corrupt_download_leaves_no_file() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let cache_dir = tempfile::tempdir().unwrap();
    let cache = MediaCache::new(Some(cache_dir.path()), 10_000_000);
    let client = client();
    let hash = "ab".repeat(32);

    let cut = lying_server(100_000, vec![7u8; 1_000]);
    let err = rt
        .block_on(cache.fetch(&client, &format!("{cut}/media/{hash}.png")))
        .unwrap_err();
    assert!(matches!(err, MediaError::Network(_)), "{err}");

    let wrong = lying_server(1_000, vec![7u8; 1_000]);
    let err = rt
        .block_on(cache.fetch(&client, &format!("{wrong}/media/{hash}.png")))
        .unwrap_err();
    assert!(matches!(err, MediaError::HashMismatch), "{err}");

    let err = rt
        .block_on(cache.fetch(&client, &format!("{wrong}/media/../../etc/passwd")))
        .unwrap_err();
    assert!(matches!(err, MediaError::BadUrl(_)), "{err}");

    // A download that stalls half-way (the link hangs, the server keeps the
    // connection open) is given up by the read timeout, long before the
    // 120 s allowed for a whole trailer; the guard here is 60 s.
    let stalled = stalling_server(100_000, vec![7u8; 1_000]);
    let got = rt.block_on(async {
        tokio::time::timeout(
            Duration::from_secs(60),
            cache.fetch(&client, &format!("{stalled}/media/{hash}.png")),
        )
        .await
    });
    let err = got.expect("a stalled download hung the fetch").unwrap_err();
    assert!(matches!(err, MediaError::Network(_)), "{err}");

    assert_eq!(
        files_in(&cache_dir.path().join("media")),
        Vec::<String>::new()
    );
}

/// Every texture a shape paints with, nested shapes included.
fn textures_of(shape: &egui::Shape, out: &mut HashSet<egui::TextureId>) {
    match shape {
        egui::Shape::Vec(v) => v.iter().for_each(|s| textures_of(s, out)),
        s => {
            out.insert(s.texture_id());
        }
    }
}

#[test]
fn a_cover_ends_up_as_a_texture_on_the_card() {
    let data = tempfile::tempdir().unwrap();
    let (server_rt, base) = demo_server(data.path(), false);
    let o = overlay(&server_rt, &base, "BK0002");
    let pick = pictures::card_picture(&o).expect("a card picture");
    let cover = o.media.iter().find(|m| m.role == MediaRole::Cover).unwrap();
    assert_eq!(
        Some(&pick.url),
        cover.preview_url.as_ref().or(Some(&cover.url)),
        "the card prefers the preview"
    );

    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: base,
            ..default()
        })
        .add_plugins(AppPlugin {
            with_rendering: false,
        });
    // The first update settles the language (which clears resolutions).
    app.update();
    app.world_mut()
        .resource_mut::<Resolutions>()
        .0
        .insert("BK0002".into(), Resolution::Ready(o.clone()));
    let deadline = Instant::now() + HANG_GUARD;
    while !app.world().resource::<Pictures>().is_decoded(&pick.url) {
        assert!(
            !app.world().resource::<Pictures>().failed(&pick.url),
            "the cover failed to decode"
        );
        assert!(Instant::now() < deadline, "the cover never arrived");
        app.update();
        std::thread::sleep(Duration::from_millis(5));
    }

    // Draw the card the way the overlay layer does, on a headless egui context.
    let ctx = egui::Context::default();
    ctx.enable_accesskit();
    let mut pictures = app.world_mut().remove_resource::<Pictures>().unwrap();
    let locale = app.world().resource::<Locale>();
    let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
        pictures.upload(ui.ctx());
        pustaka_mobile::ui::overlay_summary(ui, &o, locale);
    });
    // The texture's pixels were handed to the renderer.
    let uploaded_now = pictures
        .texture(&pick.url)
        .is_some_and(|t| out.textures_delta.set.contains_key(&t));
    out.textures_delta.clear();
    let texture = pictures.texture(&pick.url).expect("uploaded");
    assert!(matches!(texture, egui::TextureId::Managed(_)));
    assert!(uploaded_now);
    let mut painted = HashSet::new();
    out.shapes
        .iter()
        .for_each(|c| textures_of(&c.shape, &mut painted));
    assert!(painted.contains(&texture), "{painted:?} lacks {texture:?}");
    // Screen readers hear the cover's alt text.
    let tree = out
        .platform_output
        .accesskit_update
        .expect("an AccessKit update");
    assert!(
        tree.nodes
            .iter()
            .any(|(_, n)| n.label() == Some(pick.alt.as_str())),
        "no node labelled {:?}",
        pick.alt
    );
}

fn ffmpeg_available() -> bool {
    let found = std::process::Command::new("ffmpeg")
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !pustaka_test_support::in_ci(),
            "CI must have ffmpeg (cargo xtask test installs it)"
        );
        eprintln!("SKIPPED: ffmpeg not installed");
    }
    found
}

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs egui frames until the player has shown `frames` frames; returns the
/// texture seen and the last frame's pixels handed to the renderer.
fn play_frames(player: &mut TrailerPlayer, frames: u64) -> (egui::TextureId, Vec<egui::Color32>) {
    let ctx = egui::Context::default();
    let deadline = Instant::now() + HANG_GUARD;
    let mut ids = HashSet::new();
    let mut last_pixels = Vec::new();
    loop {
        let mut seen = None;
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            seen = player.update_texture(ui.ctx());
        });
        if let Some((id, _)) = seen {
            ids.insert(id);
            for delta in out.textures_delta.set.get(&id).into_iter().flatten() {
                let egui::ImageData::Color(img) = &delta.image;
                last_pixels = img.pixels.clone();
            }
        }
        out.textures_delta.clear();
        if let VideoStatus::Failed(e) = player.video_status() {
            panic!("trailer failed: {e}");
        }
        if player.frames_shown() >= frames && !last_pixels.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no frames: {:?}",
            player.video_status()
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(ids.len(), 1, "one texture reused for every frame: {ids:?}");
    (ids.into_iter().next().unwrap(), last_pixels)
}

#[test]
fn trailer_plays_real_frames_muted_and_stop_ends_its_children() {
    if !ffmpeg_available() {
        return;
    }
    let Some(clip) = pustaka_test_support::data_path("video/clip_02_caminandes.mp4") else {
        return;
    };
    let mut player = TrailerPlayer::start(MediaBytes::File(clip), AudioOutput::Discard);
    assert!(player.is_muted(), "trailers start muted");
    let (_, pixels) = play_frames(&mut player, 5);
    let VideoStatus::Playing { width, height, fps } = player.video_status() else {
        panic!("{:?}", player.video_status())
    };
    assert_eq!(pixels.len(), (width * height) as usize);
    assert!((fps - 24.0).abs() < 0.01, "{fps}");
    // A real picture, not a blank one.
    let distinct: HashSet<_> = pixels.iter().take(50_000).collect();
    assert!(distinct.len() > 100, "{} colours", distinct.len());
    // This clip has no sound track.
    assert_eq!(player.audio_status(), AudioStatus::NoTrack);

    player.set_muted(false);
    assert!(!player.is_muted());
    player.set_muted(true);
    assert!(player.is_muted());
    player.set_paused(true);
    assert!(player.is_paused());
    player.set_paused(false);

    let pids = player.child_pids();
    assert_eq!(pids.len(), 1, "one video decoder: {pids:?}");
    assert!(pids.iter().all(|p| process_alive(*p)));
    player.stop();
    assert!(player.child_pids().is_empty());
    for pid in pids {
        assert!(
            !process_alive(pid),
            "ffmpeg {pid} is still there (or a zombie)"
        );
    }
}

#[test]
fn trailer_with_sound_from_memory_runs_two_decoders_and_stops_both() {
    if !ffmpeg_available() {
        return;
    }
    let Some(clip) = pustaka_test_support::data_path("video/mdn_rabbit320.mp4") else {
        return;
    };
    let bytes = std::fs::read(clip).unwrap();
    let mut player = TrailerPlayer::start(MediaBytes::Memory(bytes.into()), AudioOutput::Discard);
    play_frames(&mut player, 3);
    let deadline = Instant::now() + HANG_GUARD;
    while player.audio_status() == AudioStatus::Starting {
        assert!(Instant::now() < deadline, "sound never started");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(player.audio_status(), AudioStatus::Playing);
    let pids = player.child_pids();
    assert_eq!(pids.len(), 2, "a video and a sound decoder: {pids:?}");
    drop(player);
    for pid in pids {
        assert!(
            !process_alive(pid),
            "ffmpeg {pid} is still there (or a zombie)"
        );
    }
}

#[test]
fn without_a_sound_device_the_trailer_still_plays() {
    if !ffmpeg_available() {
        return;
    }
    let Some(clip) = pustaka_test_support::data_path("video/mdn_rabbit320.mp4") else {
        return;
    };
    // On a machine with speakers this plays (muted); without, it is silent. Never a crash.
    let mut player = TrailerPlayer::start(MediaBytes::File(clip), AudioOutput::Device);
    play_frames(&mut player, 3);
    assert!(player.is_muted());
    let deadline = Instant::now() + HANG_GUARD;
    while player.audio_status() == AudioStatus::Starting {
        assert!(Instant::now() < deadline, "sound never settled");
        std::thread::sleep(Duration::from_millis(5));
    }
    assert!(matches!(
        player.audio_status(),
        AudioStatus::Playing | AudioStatus::Unavailable(_)
    ));
    let pids = player.child_pids();
    player.stop();
    for pid in pids {
        assert!(!process_alive(pid));
    }
}

#[test]
fn opening_and_closing_the_panel_starts_and_stops_the_demo_trailer() {
    if !ffmpeg_available() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let (server_rt, base) = demo_server(data.path(), true);
    let o = overlay(&server_rt, &base, "BK0001");
    assert!(
        pustaka_mobile::trailer::trailer_ref(&o).is_some(),
        "the demo title has a trailer: {:?}",
        o.media
    );
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: base,
            ..default()
        })
        .insert_resource(pustaka_mobile::ui::OpenDetail(Some("BK0001".into())))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });
    app.world_mut()
        .resource_mut::<pustaka_mobile::trailer::Trailer>()
        .output = AudioOutput::Discard;
    // The first update settles the language (which clears resolutions).
    app.update();
    app.world_mut()
        .resource_mut::<Resolutions>()
        .0
        .insert("BK0001".into(), Resolution::Ready(o));
    let deadline = Instant::now() + HANG_GUARD;
    let pids = loop {
        app.update();
        let trailer = app.world().resource::<pustaka_mobile::trailer::Trailer>();
        if let Some(p) = trailer.player() {
            if let VideoStatus::Failed(e) = p.video_status() {
                panic!("{e}");
            }
            // The generated trailer has a chime: both decoders run.
            if p.frames_shown() > 0 && p.child_pids().len() == 2 {
                assert!(p.is_muted());
                break p.child_pids();
            }
        }
        assert!(Instant::now() < deadline, "the trailer never started");
        std::thread::sleep(Duration::from_millis(5));
    };
    app.world_mut()
        .resource_mut::<pustaka_mobile::ui::OpenDetail>()
        .0 = None;
    app.update();
    assert!(
        app.world()
            .resource::<pustaka_mobile::trailer::Trailer>()
            .player()
            .is_none()
    );
    for pid in pids {
        assert!(!process_alive(pid), "ffmpeg {pid} outlived the panel");
    }
}
