//! The AR app (`mobile/web`, built by `cargo xtask web`) in a real headless
//! Chromium with a fake camera made by ffmpeg from the demo scene, against a
//! real server with the demo library on a loopback port:
//!
//! - the page starts, takes the camera, finds the scene's codes in the scan
//!   worker, resolves them and draws the cards; the hidden DOM mirror names
//!   each title, and the canvas is not blank where the cards are;
//! - a press on a card's mirror button opens the panel (mirrored too), its
//!   trailer plays in the page's `<video>`;
//! - the language switch turns the texts to English;
//! - with the camera refused, the message and the code field show, and a
//!   photo chosen through the file input is scanned.
//!
//! The server serves the bundle at `/ar/` itself (`serve --web-app DIR`).
//!
//! The bundle comes from `PUSTAKA_WEB_APP` or `<target>/web-app`
//! (`cargo xtask web --dev` writes it); without one the test is skipped (a
//! failure under CI=true).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pustaka_browser_tests::ar_app::{
    MIRROR_SCRIPT, camera_shaped_viewport, chromium_args, fake_camera, fake_camera_from,
    mirror_codes, one_at_a_time, serve, wait_for,
};
use pustaka_browser_tests::fantoccini::Locator;
use pustaka_browser_tests::{Browser, skip, target_dir};
use pustaka_test_support::server::TestServer;
use serde_json::Value;

/// The demo scene's codes in `shelf-01.jpg` (see assets/demo/README.md).
const SCENE_CODES: &[&str] = &["BK0001", "RK0001", "EV0001"];
/// Loading the wasm and compiling the shaders on SwiftShader takes a while
/// on a busy 2-core machine; the scan worker a little more.
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// From camera to every card, once started.
const CARDS_TIMEOUT: Duration = Duration::from_secs(120);

/// The bundle folder, if one was built.
fn bundle_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("PUSTAKA_WEB_APP")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("web-app"));
    dir.join("index.html").is_file().then_some(dir)
}

/// Presses the button `css` the way assistive technology does (a click event).
async fn press(b: &Browser, css: &str) {
    let found = b
        .client()
        .execute(
            "const e = document.querySelector(arguments[0]); if (e) e.click(); return !!e;",
            vec![Value::String(css.to_string())],
        )
        .await
        .expect("script runs");
    assert_eq!(found, Value::Bool(true), "no {css} to press");
}

/// The demo titles by code, from the server's own API.
async fn titles(base: &str, lang: &str) -> Vec<(String, String)> {
    let http = reqwest::Client::new();
    let mut out = Vec::new();
    for code in SCENE_CODES {
        let o: Value = http
            .get(format!("{base}/api/v1/markers/{code}?lang={lang}"))
            .send()
            .await
            .expect("server answers")
            .json()
            .await
            .expect("an overlay");
        out.push((
            code.to_string(),
            o["title"].as_str().unwrap_or("").to_string(),
        ));
    }
    out
}

/// Which way the page takes its camera frames (`processor`: from
/// `MediaStreamTrackProcessor`; `video`: drawn from a playing `<video>`) and
/// how the scan worker's luma was made (`plane`: a `VideoFrame`'s Y plane;
/// `rgba`: from the drawn picture), as the page tells in `data-frames` and
/// `data-luma` on its body.
async fn frame_path(b: &Browser) -> [String; 2] {
    let v = b
        .client()
        .execute(
            "return [document.body.dataset.frames || '', document.body.dataset.luma || ''];",
            vec![],
        )
        .await
        .expect("script runs");
    [0, 1].map(|i| v[i].as_str().unwrap_or("").to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ar_app_finds_resolves_and_mirrors_the_demo_codes() {
    let _turn = one_at_a_time().await;
    let Some(bundle) = bundle_dir() else {
        skip("AR app in a browser: no bundle (run `cargo xtask web --dev`)");
        return;
    };
    let camera = fake_camera();
    let Some(b) = Browser::start_with_args("AR app", &chromium_args(&camera, true)).await else {
        return;
    };
    let server = serve(&bundle).await;
    let base = server.base_url().to_owned();
    let expected = titles(&base, "id").await;
    camera_shaped_viewport(&b).await;

    b.goto(&format!("{base}/ar/")).await;
    wait_for(
        &b,
        "app-started",
        "return [document.body.dataset.app, document.body.dataset.camera];",
        START_TIMEOUT,
        |v| v[0] == "started" && v[1] == "on",
    )
    .await;
    let mirror = wait_for(&b, "all-cards", MIRROR_SCRIPT, CARDS_TIMEOUT, |v| {
        let codes = mirror_codes(v);
        let names: Vec<&str> = v["cards"]
            .as_array()
            .map(|a| a.iter().filter_map(|c| c["name"].as_str()).collect())
            .unwrap_or_default();
        SCENE_CODES.iter().all(|c| codes.iter().any(|x| x == c))
            && expected.iter().all(|(_, t)| names.contains(&t.as_str()))
    })
    .await;
    let live = mirror["live"].as_str().unwrap_or("");
    assert!(
        live.contains("kode terlihat") && expected.iter().all(|(_, t)| live.contains(t)),
        "the live region names every title: {live}"
    );
    // Chromium has MediaStreamTrackProcessor: the worker got the camera
    // frames' own luma planes, not luma made from a drawn picture.
    assert_eq!(
        frame_path(&b).await,
        ["processor", "plane"],
        "the frames come from MediaStreamTrackProcessor, the luma from their Y plane"
    );
    let shot = b.screenshot("ar-cards").await;
    assert!(
        std::fs::metadata(&shot).map(|m| m.len()).unwrap_or(0) > 50_000,
        "the camera picture and cards make a busy screenshot, not a blank one"
    );
    // The screen shows the camera picture: the screenshot (what the visitor
    // sees, composited) is not a few flat colours. (A WebGL canvas read back
    // from script outside its frame is blank, so the pixels come from the
    // screenshot.)
    let picture = image::open(&shot)
        .expect("the screenshot is a PNG")
        .to_rgb8();
    let distinct: std::collections::HashSet<[u8; 3]> = picture
        .pixels()
        .map(|p| [p[0] >> 4, p[1] >> 4, p[2] >> 4])
        .collect();
    assert!(
        distinct.len() > 200,
        "the screen shows a picture, {} colours",
        distinct.len()
    );

    // A press on the mirror's card button opens the panel; its trailer plays.
    // Pressed from script: the mirror's buttons are visually hidden (1 px),
    // and a busy page may rebuild one between a find and a WebDriver click.
    // The card's button, pressed as soon as it is there: on a busy machine
    // the scanner may miss a code in a frame, and its card (and button)
    // leave for a moment.
    wait_for(
        &b,
        "press-card",
        "const e = document.querySelector('#pustaka-cards button[data-code=\"BK0001\"]'); \
         if (e) e.click(); return !!e;",
        CARDS_TIMEOUT,
        |v| v == true,
    )
    .await;
    let panel = wait_for(
        &b,
        "panel",
        "const p = document.getElementById('pustaka-panel'); \
         return p.hidden ? null : {code: p.dataset.code, text: p.innerText};",
        CARDS_TIMEOUT,
        |v| v["code"] == "BK0001",
    )
    .await;
    let bk = &expected[0].1;
    assert!(
        panel["text"].as_str().unwrap_or("").contains(bk.as_str()),
        "the panel mirror shows {bk}: {panel}"
    );
    wait_for(
        &b,
        "trailer",
        "const v = document.getElementById('pustaka-video'); \
         return {hidden: v.hidden, src: v.currentSrc, t: v.currentTime, w: v.getBoundingClientRect().width};",
        CARDS_TIMEOUT,
        |v| {
            v["hidden"] == false
                && v["src"].as_str().is_some_and(|s| s.contains("/media/"))
                && v["t"].as_f64().unwrap_or(0.0) > 0.0
                && v["w"].as_f64().unwrap_or(0.0) > 50.0
        },
    )
    .await;
    b.screenshot("ar-panel").await;

    // The language switch: the mirror (and what egui draws) turn English,
    // and the trailer plays on (a new load of the <video> would restart it).
    let before = b
        .client()
        .execute(
            "const v = document.getElementById('pustaka-video'); window.__reloads = 0; \
             for (const e of ['emptied', 'loadstart']) v.addEventListener(e, () => window.__reloads++); \
             return {src: v.currentSrc, t: v.currentTime};",
            vec![],
        )
        .await
        .expect("script runs");
    press(&b, "#pustaka-lang").await;
    let english = titles(&base, "en").await;
    wait_for(
        &b,
        "english",
        "return [document.documentElement.lang, document.getElementById('pustaka-live').textContent];",
        CARDS_TIMEOUT,
        |v| {
            v[0] == "en"
                && v[1].as_str().is_some_and(|l| {
                    l.contains("in view") && english.iter().all(|(_, t)| l.contains(t))
                })
        },
    )
    .await;
    let panel_en = wait_for(
        &b,
        "english-panel",
        "const p = document.getElementById('pustaka-panel'); return p.hidden ? null : p.innerText;",
        CARDS_TIMEOUT,
        |v| {
            v.as_str()
                .is_some_and(|t| t.contains(english[0].1.as_str()))
        },
    )
    .await;
    let after = b
        .client()
        .execute(
            "const v = document.getElementById('pustaka-video'); \
             return {reloads: window.__reloads, src: v.currentSrc, t: v.currentTime, hidden: v.hidden};",
            vec![],
        )
        .await
        .expect("script runs");
    assert!(
        after["reloads"] == 0
            && after["hidden"] == false
            && after["src"] == before["src"]
            && after["t"].as_f64() >= before["t"].as_f64(),
        "the trailer plays on through the switch: before {before}, after {after}, panel {panel_en}"
    );
    b.screenshot("ar-english").await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_camera_offers_the_code_field_and_a_photo() {
    let _turn = one_at_a_time().await;
    let Some(bundle) = bundle_dir() else {
        skip("AR app in a browser: no bundle (run `cargo xtask web --dev`)");
        return;
    };
    let camera = fake_camera();
    let Some(b) =
        Browser::start_with_args("AR app, camera refused", &chromium_args(&camera, false)).await
    else {
        return;
    };
    let server = serve(&bundle).await;
    let base = server.base_url().to_owned();
    b.goto(&format!("{base}/ar/")).await;
    let shown = wait_for(
        &b,
        "refused",
        "const f = document.getElementById('fallback'); \
         return f.hidden ? null : {reason: f.dataset.reason, text: f.innerText, \
           field: !!document.getElementById('code-input').offsetParent};",
        START_TIMEOUT,
        |v| v["reason"] == "camera-refused",
    )
    .await;
    let text = shown["text"].as_str().unwrap_or("");
    assert!(
        text.contains("Kamera tidak diizinkan")
            && text.contains("Izinkan")
            && shown["field"] == true,
        "the refusal says how to allow the camera and offers the code field: {shown}"
    );
    b.screenshot("ar-camera-refused").await;

    // A photo instead: shelf-02 holds BK0002 and EV0001.
    let photo = pustaka_test_support::workspace_root().join("assets/demo/shelf-02.jpg");
    b.client()
        .find(Locator::Id("photo-input"))
        .await
        .expect("the photo input")
        .send_keys(&photo.display().to_string())
        .await
        .expect("a file chosen");
    wait_for(&b, "photo-cards", MIRROR_SCRIPT, CARDS_TIMEOUT, |v| {
        mirror_codes(v).iter().any(|c| c == "BK0002")
    })
    .await;
    b.screenshot("ar-photo").await;

    // The code field opens the web page of a typed code.
    b.goto(&format!("{base}/ar/")).await;
    wait_for(
        &b,
        "refused-again",
        "return document.getElementById('fallback').dataset.reason || null;",
        START_TIMEOUT,
        |v| v == "camera-refused",
    )
    .await;
    let field = b
        .client()
        .find(Locator::Id("code-input"))
        .await
        .expect("the code field");
    field.send_keys("bk0001").await.expect("typed");
    b.client()
        .find(Locator::Css("#code-form button[type=submit]"))
        .await
        .expect("the open button")
        .click()
        .await
        .expect("press");
    wait_for(
        &b,
        "code-page",
        "return location.pathname;",
        CARDS_TIMEOUT,
        |v| v == "/m/BK0001",
    )
    .await;
    b.close().await;
}

/// A listener that counts the connections made to it (the foreign code's
/// host: nothing may ever connect).
fn trap() -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("trap listener");
    let port = listener.local_addr().expect("trap address").port();
    let hits = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    std::thread::spawn(move || {
        for _ in listener.incoming() {
            counted.fetch_add(1, Ordering::SeqCst);
        }
    });
    (port, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_foreign_code_gets_a_chip_and_no_request_to_its_host() {
    let _turn = one_at_a_time().await;
    let Some(bundle) = bundle_dir() else {
        skip("AR app in a browser: no bundle (run `cargo xtask web --dev`)");
        return;
    };
    // A scene of two codes: a library code, and one that looks like a code
    // page but lives on another host (plain http, a port of its own).
    let (trap_port, hits) = trap();
    let foreign = format!("http://127.0.0.1:{trap_port}/m/BK0002");
    let library = "https://perpustakaan.metrokota.go.id/m/BK0001";
    let mut scene = image::GrayImage::from_pixel(1280, 720, image::Luma([235]));
    for (text, x) in [(library, 160), (foreign.as_str(), 760)] {
        let code = pustaka_markers::generate::luma_image(text, 7).expect("a code");
        for y in 0..code.height() {
            for dx in 0..code.width() {
                scene.put_pixel(
                    (x + dx) as u32,
                    (200 + y) as u32,
                    image::Luma([code.data()[y * code.width() + dx]]),
                );
            }
        }
    }
    let picture = target_dir().join("browser-ar").join("foreign.png");
    std::fs::create_dir_all(picture.parent().expect("a parent")).expect("browser-ar dir");
    scene.save(&picture).expect("scene written");
    let camera = fake_camera_from(&picture, "foreign");
    let Some(b) = Browser::start_with_args("AR app", &chromium_args(&camera, true)).await else {
        return;
    };
    let server = serve(&bundle).await;
    camera_shaped_viewport(&b).await;
    b.goto(&server.url("/ar/")).await;
    let script = "return {live: document.getElementById('pustaka-live').textContent, \
         chips: [...document.querySelectorAll('#pustaka-cards p')].map(p => p.textContent), \
         cards: [...document.querySelectorAll('#pustaka-cards button[data-code]')] \
           .map(b => ({code: b.dataset.code, name: b.textContent}))};";
    let seen = wait_for(&b, "chip-and-card", script, START_TIMEOUT, |v| {
        mirror_codes(v) == ["BK0001"]
            && v["chips"].as_array().is_some_and(|c| {
                c.iter()
                    .any(|t| t.as_str().is_some_and(|t| t.contains("127.0.0.1")))
            })
    })
    .await;
    let chip = seen["chips"][0].as_str().unwrap_or("");
    assert!(
        chip.contains("Bukan kode perpustakaan"),
        "the chip says it is not the library's: {seen}"
    );
    b.screenshot("ar-foreign").await;
    // Give the app time it would need to ask (it asks the library at once).
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(
        hits.load(std::sync::atomic::Ordering::SeqCst),
        0,
        "nothing connected to the foreign code's host"
    );
    b.close().await;
}

/// The server's scan events as `(code, scanned_at, client)`, oldest first.
async fn scan_events(server: &TestServer) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT code, scanned_at, client FROM scan_events ORDER BY scanned_at, id")
        .fetch_all(&server.state().db)
        .await
        .expect("scan events readable")
}

/// A demo server on `addr` (port 0: a free one) over the data in `dir`,
/// serving `bundle`, on a runtime of its own: dropping it closes every
/// connection, as when a phone loses the library's Wi-Fi (a server task on
/// the test's runtime would leave the browser's kept-alive connections
/// answering).
async fn serve_at(bundle: &Path, dir: &Path, addr: std::net::SocketAddr) -> TestServer {
    let builder = TestServer::demo()
        .data_dir(dir)
        .bind(addr)
        .configure(|c| c.web_app = Some(bundle.to_path_buf()));
    // `start_blocking` builds a runtime, which a runtime's thread may not.
    std::thread::spawn(move || builder.start_blocking())
        .join()
        .expect("the server starts")
}

/// The scan events the page keeps in `localStorage` (the app's queue).
const QUEUED_SCRIPT: &str = "const q = JSON.parse(localStorage.getItem('pustaka-scan-queue') || '{\"scans\":[]}'); \
     return q.scans.map(s => [s.code, s.scanned_at]);";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_the_saved_cards_show_and_queued_scans_arrive_later() {
    let _turn = one_at_a_time().await;
    let Some(bundle) = bundle_dir() else {
        skip("AR app in a browser: no bundle (run `cargo xtask web --dev`)");
        return;
    };
    let camera = fake_camera();
    let Some(b) = Browser::start_with_args("AR app offline", &chromium_args(&camera, true)).await
    else {
        return;
    };
    let data = tempfile::tempdir().expect("a data dir");
    let server = serve_at(
        &bundle,
        data.path(),
        "127.0.0.1:0".parse().expect("an address"),
    )
    .await;
    let (addr, base) = (server.addr(), server.base_url().to_owned());
    let expected = titles(&base, "id").await;
    camera_shaped_viewport(&b).await;

    // The first visit: every card, the service worker in control and the
    // overlays it has kept.
    b.goto(&format!("{base}/ar/")).await;
    wait_for(&b, "first-visit-cards", MIRROR_SCRIPT, START_TIMEOUT, |v| {
        let codes = mirror_codes(v);
        SCENE_CODES.iter().all(|c| codes.iter().any(|x| x == c))
    })
    .await;
    b.client()
        .execute(
            "window.__kept = null; navigator.serviceWorker.ready \
               .then(() => caches.open('pustaka-data-v1')).then(c => c.keys()) \
               .then(k => { window.__kept = {controlled: !!navigator.serviceWorker.controller, \
                 urls: k.map(r => r.url)}; });",
            vec![],
        )
        .await
        .expect("script runs");
    let kept = wait_for(
        &b,
        "overlays-kept",
        "return window.__kept;",
        CARDS_TIMEOUT,
        |v| v["controlled"] == true,
    )
    .await;
    for code in SCENE_CODES {
        assert!(
            kept["urls"].as_array().is_some_and(|u| u.iter().any(|u| u
                .as_str()
                .is_some_and(|u| u.contains(&format!("/markers/{code}"))))),
            "the service worker kept the overlay of {code}: {kept}"
        );
    }
    // The first visit's scans arrive while online.
    let deadline = Instant::now() + CARDS_TIMEOUT;
    while scan_events(&server).await.len() < SCENE_CODES.len() {
        assert!(Instant::now() < deadline, "the first visit's scans arrive");
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    // The library's server goes away; the page is reloaded.
    drop(server);
    let offline_since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    b.goto(&format!("{base}/ar/")).await;
    let offline = wait_for(&b, "offline-cards", MIRROR_SCRIPT, START_TIMEOUT, |v| {
        let codes = mirror_codes(v);
        SCENE_CODES.iter().all(|c| codes.iter().any(|x| x == c))
            && v["live"].as_str().is_some_and(|l| l.contains("Luring"))
    })
    .await;
    let live = offline["live"].as_str().unwrap_or("");
    assert!(
        expected.iter().all(|(_, t)| live.contains(t.as_str())),
        "the saved cards name their titles with the offline banner: {live}"
    );
    b.screenshot("ar-offline").await;

    // The scans made offline wait in the page's storage, and stay there
    // through another reload.
    let queued = wait_for(&b, "queued", QUEUED_SCRIPT, CARDS_TIMEOUT, |v| {
        SCENE_CODES.iter().all(|c| {
            v.as_array().is_some_and(|q| {
                q.iter()
                    .any(|s| s[0] == *c && s[1].as_str() >= Some(offline_since.as_str()))
            })
        })
    })
    .await;
    b.goto(&format!("{base}/ar/")).await;
    wait_for(
        &b,
        "offline-again",
        "return document.body.dataset.app || null;",
        START_TIMEOUT,
        |v| v == "started",
    )
    .await;
    let after_reload = b
        .client()
        .execute(QUEUED_SCRIPT, vec![])
        .await
        .expect("script runs");
    for s in queued.as_array().into_iter().flatten() {
        assert!(
            after_reload.as_array().is_some_and(|q| q.contains(s)),
            "{s} is still queued after the reload: {after_reload}"
        );
    }

    // The server comes back on the same address and data: the queued scans
    // arrive, and the page's queue empties.
    let server = serve_at(&bundle, data.path(), addr).await;
    let deadline = Instant::now() + CARDS_TIMEOUT;
    loop {
        let arrived = scan_events(&server).await;
        let all = queued.as_array().into_iter().flatten().all(|s| {
            arrived
                .iter()
                .any(|(code, at, client)| s[0] == *code && s[1] == *at && client == "web")
        });
        if all {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the queued scans {queued} arrive; the server has {arrived:?}"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    wait_for(&b, "queue-empty", QUEUED_SCRIPT, CARDS_TIMEOUT, |v| {
        v.as_array().is_some_and(Vec::is_empty)
    })
    .await;
    b.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_media_stream_track_processor_the_drawn_video_is_scanned() {
    let _turn = one_at_a_time().await;
    let Some(bundle) = bundle_dir() else {
        skip("AR app in a browser: no bundle (run `cargo xtask web --dev`)");
        return;
    };
    let camera = fake_camera();
    let Some(b) = Browser::start_with_args(
        "AR app without MediaStreamTrackProcessor",
        &chromium_args(&camera, true),
    )
    .await
    else {
        return;
    };
    // A browser without it (Firefox, Safari < 18), before the page's script runs.
    b.cdp(
        "Page.addScriptToEvaluateOnNewDocument",
        serde_json::json!({ "source": "delete window.MediaStreamTrackProcessor;" }),
    )
    .await
    .expect("CDP: hide MediaStreamTrackProcessor");
    let server = serve(&bundle).await;
    camera_shaped_viewport(&b).await;
    b.goto(&server.url("/ar/")).await;
    wait_for(&b, "fallback-cards", MIRROR_SCRIPT, START_TIMEOUT, |v| {
        let codes = mirror_codes(v);
        SCENE_CODES.iter().all(|c| codes.iter().any(|x| x == c))
    })
    .await;
    assert_eq!(
        frame_path(&b).await,
        ["video", "rgba"],
        "the frames are drawn from the <video>, the luma made from the picture"
    );
    b.screenshot("ar-fallback-frames").await;
    b.close().await;
}
