//! Media in the app against a real server on a loopback port: the media disk
//! cache (store, cap, LRU eviction, restart, offline, no half files), covers
//! becoming textures on cards, and the detail panel starting and stopping
//! the demo trailer. (Media tests without a server stay in
//! `mobile/tests/media.rs`.)

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use bevy::prelude::*;
use bevy_egui::egui;
use pustaka_api::{MarkerOverlay, MediaRole};
use pustaka_mobile::config::NetTimeouts;
use pustaka_mobile::i18n::Locale;
use pustaka_mobile::media::pictures::{self, Pictures};
use pustaka_mobile::media::trailer::{AudioOutput, VideoStatus};
use pustaka_mobile::net::media::{MediaBytes, MediaCache, MediaError, MediaName, MediaNameExt};
use pustaka_mobile::net::{Resolution, Resolutions};
use pustaka_mobile::ui::detail::Panel;
use pustaka_mobile::{AppConfig, AppPlugin};
use pustaka_test_support::bevy::run_until;
use pustaka_test_support::server::TestServer;

/// Hang guard for loops that wait on background work (not a timing assertion).
const HANG_GUARD: Duration = Duration::from_secs(90);

/// The app's own client, with its timeouts.
fn client() -> reqwest::Client {
    pustaka_test_support::server::install_crypto_provider();
    pustaka_mobile::net::http_client(&NetTimeouts::default()).unwrap()
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
    let cache_dir = tempfile::tempdir().unwrap();
    let server = TestServer::demo().start_blocking();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let urls: Vec<String> = ["BK0001", "BK0002", "BK0003"]
        .iter()
        .map(|c| cover_url(&overlay(&rt, server.base_url(), c)))
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
    server.stop();
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
    let server = TestServer::demo().start_blocking();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let o = overlay(&rt, server.base_url(), "BK0002");
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
            server_url: server.base_url().into(),
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
    run_until(&mut app, "the cover to decode", HANG_GUARD, |app| {
        let pictures = app.world().resource::<Pictures>();
        assert!(!pictures.failed(&pick.url), "the cover failed to decode");
        pictures.is_decoded(&pick.url).then_some(())
    });

    // Draw the card the way the overlay layer does, on a headless egui context.
    let ctx = egui::Context::default();
    ctx.enable_accesskit();
    let mut pictures = app.world_mut().remove_resource::<Pictures>().unwrap();
    let locale = app.world().resource::<Locale>();
    let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
        pictures.upload(ui.ctx());
        pustaka_mobile::ui::cards::overlay_summary(ui, &o, locale);
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

fn process_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

#[test]
fn opening_and_closing_the_panel_starts_and_stops_the_demo_trailer() {
    if !pustaka_test_support::tool_available("ffmpeg") {
        return;
    }
    let server = TestServer::demo()
        .configure(|c| c.demo_trailer = true)
        .start_blocking();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let o = overlay(&rt, server.base_url(), "BK0001");
    assert!(
        pustaka_mobile::media::trailer::trailer_ref(&o).is_some(),
        "the demo title has a trailer: {:?}",
        o.media
    );
    let mut app = App::new();
    app.add_plugins(MinimalPlugins)
        .insert_resource(AppConfig {
            server_url: server.base_url().into(),
            ..default()
        })
        .insert_resource(Panel::detail("BK0001"))
        .add_plugins(AppPlugin {
            with_rendering: false,
        });
    app.world_mut()
        .resource_mut::<pustaka_mobile::media::trailer::Trailer>()
        .output = AudioOutput::Discard;
    // The first update settles the language (which clears resolutions).
    app.update();
    app.world_mut()
        .resource_mut::<Resolutions>()
        .0
        .insert("BK0001".into(), Resolution::Ready(o));
    let pids = run_until(&mut app, "the trailer to start", HANG_GUARD, |app| {
        let trailer = app
            .world()
            .resource::<pustaka_mobile::media::trailer::Trailer>();
        let p = trailer.player()?;
        if let VideoStatus::Failed(e) = p.video_status() {
            panic!("{e}");
        }
        // The generated trailer has a chime: both decoders run.
        (p.frames_shown() > 0 && p.child_pids().len() == 2).then(|| {
            assert!(p.is_muted());
            p.child_pids()
        })
    });
    *app.world_mut().resource_mut::<Panel>() = Panel::Closed;
    app.update();
    assert!(
        app.world()
            .resource::<pustaka_mobile::media::trailer::Trailer>()
            .player()
            .is_none()
    );
    for pid in pids {
        assert!(!process_alive(pid), "ffmpeg {pid} outlived the panel");
    }
}
