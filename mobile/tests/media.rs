//! Media in the app without a server: downloads that break off, lie or
//! stall leave nothing behind, and the trailer player (real frames into one
//! texture, muted start, sound toggle, children gone after stop). (The media
//! cache and covers against a real server are the end-to-end tests' work:
//! `tests/tests/app_media.rs`.)

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use bevy_egui::egui;
use pustaka_mobile::config::NetTimeouts;
use pustaka_mobile::media::trailer::{AudioOutput, AudioStatus, TrailerPlayer, VideoStatus};
use pustaka_mobile::net::media::{MediaBytes, MediaCache, MediaError};
use pustaka_test_support::wait::{poll_until, try_poll_until};

/// Hang guard for loops that wait on background work (not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(90);

/// The app's client with timeouts short enough that a stalled download is
/// given up in well under a second (the app's real read timeout is 5 s).
fn client() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    pustaka_mobile::net::http_client(&NetTimeouts {
        read: Duration::from_millis(300),
        ..NetTimeouts::default()
    })
    .unwrap()
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

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs egui frames until the player has shown `frames` frames; returns the
/// texture seen and the last frame's pixels handed to the renderer.
fn play_frames(player: &mut TrailerPlayer, frames: u64) -> (egui::TextureId, Vec<egui::Color32>) {
    let ctx = egui::Context::default();
    let mut ids = HashSet::new();
    let mut last_pixels = Vec::new();
    try_poll_until("the trailer's frames", HANG_GUARD, || {
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
        (player.frames_shown() >= frames && !last_pixels.is_empty()).then_some(())
    })
    .unwrap_or_else(|e| panic!("{e}: {:?}", player.video_status()));
    assert_eq!(ids.len(), 1, "one texture reused for every frame: {ids:?}");
    (ids.into_iter().next().unwrap(), last_pixels)
}

#[test]
fn trailer_plays_real_frames_muted_and_stop_ends_its_children() {
    if !pustaka_test_support::tool_available("ffmpeg") {
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
    if !pustaka_test_support::tool_available("ffmpeg") {
        return;
    }
    let Some(clip) = pustaka_test_support::data_path("video/mdn_rabbit320.mp4") else {
        return;
    };
    let bytes = std::fs::read(clip).unwrap();
    let mut player = TrailerPlayer::start(MediaBytes::Memory(bytes.into()), AudioOutput::Discard);
    play_frames(&mut player, 3);
    poll_until("the sound to start", HANG_GUARD, || {
        (player.audio_status() != AudioStatus::Starting).then_some(())
    });
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
    if !pustaka_test_support::tool_available("ffmpeg") {
        return;
    }
    let Some(clip) = pustaka_test_support::data_path("video/mdn_rabbit320.mp4") else {
        return;
    };
    // On a machine with speakers this plays (muted); without, it is silent. Never a crash.
    let mut player = TrailerPlayer::start(MediaBytes::File(clip), AudioOutput::Device);
    play_frames(&mut player, 3);
    assert!(player.is_muted());
    poll_until("the sound to settle", HANG_GUARD, || {
        (player.audio_status() != AudioStatus::Starting).then_some(())
    });
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
