//! What the AR app's browser tests and benchmarks share: the fake camera made
//! by ffmpeg from the demo scene, the server that serves the bundle at
//! `/ar/`, Chromium's switches for a fake camera and WebGL on `SwiftShader`,
//! a camera-shaped viewport, and reading the page's DOM mirror.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use pustaka_test_support::server::TestServer;
use serde_json::Value;

use crate::{Browser, target_dir};

/// The demo scene the fake camera shows (`assets/demo/shelf-01.jpg`, three
/// library codes; see assets/demo/README.md), relative to the workspace root.
pub const DEMO_SCENE: &str = "assets/demo/shelf-01.jpg";

/// Folder under the target dir for the fake camera's files.
const CAMERA_DIR: &str = "browser-ar";

/// Script for [`wait_for`]: the live region's text and the mirror's card
/// buttons (`{live, cards: [{code, name}]}`).
pub const MIRROR_SCRIPT: &str = "return {live: document.getElementById('pustaka-live').textContent, \
     cards: [...document.querySelectorAll('#pustaka-cards button[data-code]')] \
       .map(b => ({code: b.dataset.code, name: b.textContent}))};";

/// The fake camera: the demo scene ([`DEMO_SCENE`]) as one Y4M frame
/// (Chromium repeats it).
///
/// # Panics
/// As [`fake_camera_from`].
pub fn fake_camera() -> PathBuf {
    let scene = pustaka_test_support::workspace_root().join(DEMO_SCENE);
    fake_camera_from(&scene, "shelf-01")
}

/// The fake camera showing the picture at `image` as one Y4M frame, written
/// as `<target>/browser-ar/{name}.y4m`. Y4M, not MJPEG: Debian's headless
/// Chromium delivers a one-frame MJPEG as flat green frames.
///
/// # Panics
/// When ffmpeg (Debian package `ffmpeg`) is missing or cannot convert `image`.
pub fn fake_camera_from(image: &Path, name: &str) -> PathBuf {
    let dir = target_dir().join(CAMERA_DIR);
    std::fs::create_dir_all(&dir)
        .unwrap_or_else(|e| panic!("cannot create {}: {e}", dir.display()));
    let out = dir.join(format!("{name}.y4m"));
    let status = Command::new("ffmpeg")
        .args(["-loglevel", "error", "-y", "-i"])
        .arg(image)
        .args(["-pix_fmt", "yuv420p", "-f", "yuv4mpegpipe"])
        .arg(&out)
        .status()
        .unwrap_or_else(|e| panic!("ffmpeg does not run (Debian package `ffmpeg`): {e}"));
    assert!(status.success(), "ffmpeg could not make {}", out.display());
    out
}

/// A real server with the demo library (and its trailer) serving the bundle
/// at `/ar/` (`serve --web-app DIR`), on a loopback port.
///
/// # Panics
/// As [`pustaka_test_support::server::TestServerBuilder::start`].
pub async fn serve(bundle: &Path) -> TestServer {
    let bundle = bundle.to_path_buf();
    TestServer::demo()
        .configure(|c| {
            c.demo_trailer = true;
            c.web_app = Some(bundle);
        })
        .start()
        .await
}

/// Polls `script` (returning a value) every half second until `done` says
/// yes, and returns that value.
///
/// # Panics
/// After `timeout`, with the last value, the page's state and a screenshot
/// named `ar-timeout-{what}`.
pub async fn wait_for(
    b: &Browser,
    what: &str,
    script: &str,
    timeout: Duration,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let deadline = Instant::now() + timeout;
    loop {
        let v = b
            .client()
            .execute(script, vec![])
            .await
            .unwrap_or(Value::Null);
        if done(&v) {
            return v;
        }
        if Instant::now() > deadline {
            let state = b
                .client()
                .execute(
                    "return {body: Object.assign({}, document.body.dataset), \
                     fallback: document.getElementById('fallback').hidden ? null : \
                     document.getElementById('fallback').innerText, \
                     live: document.getElementById('pustaka-live').textContent};",
                    vec![],
                )
                .await
                .unwrap_or(Value::Null);
            b.screenshot(&format!("ar-timeout-{what}")).await;
            panic!("{what}: not within {timeout:?}; last value {v}; page {state}");
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// The codes of the mirror's card buttons in a [`MIRROR_SCRIPT`] answer.
pub fn mirror_codes(v: &Value) -> Vec<String> {
    v["cards"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["code"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Gives the page a viewport of the fake camera's shape (16:9, as the
/// 1280×720 it delivers). The app fills the screen with the camera picture
/// and crops what overflows, as phone camera views do; in the default
/// 1280×857 viewport that crop cuts the demo scene's shelf code (RK0001, at
/// the photo's left edge) in half, and a code whose centre is off screen
/// rightly gets no card.
///
/// # Panics
/// When the window cannot be resized.
pub async fn camera_shaped_viewport(b: &Browser) {
    let chrome = b
        .client()
        .execute("return window.outerHeight - window.innerHeight;", vec![])
        .await
        .ok()
        .and_then(|v| v.as_u64())
        .and_then(|h| u32::try_from(h).ok())
        .unwrap_or(0);
    b.client()
        .set_window_size(1280, 720 + chrome)
        .await
        .expect("the window can be resized");
}

/// Chromium's switches for the AR app: the fake camera showing `camera`,
/// WebGL2 on `SwiftShader`, autoplay; with `fake_ui` the camera prompt is
/// answered yes, without it every prompt is denied.
pub fn chromium_args(camera: &Path, fake_ui: bool) -> Vec<String> {
    let mut args = vec![
        "--use-fake-device-for-media-stream".to_string(),
        format!("--use-file-for-fake-video-capture={}", camera.display()),
        "--enable-unsafe-swiftshader".to_string(),
        "--use-angle=swiftshader".to_string(),
        "--enable-webgl".to_string(),
        "--ignore-gpu-blocklist".to_string(),
        "--autoplay-policy=no-user-gesture-required".to_string(),
    ];
    if fake_ui {
        args.push("--use-fake-ui-for-media-stream".into());
    } else {
        args.push("--deny-permission-prompts".into());
    }
    args
}

/// [`serve`], with `public_url` as the server's public URL: the base of the
/// absolute media and page URLs its API answers with. A benchmark that puts
/// a proxy in front of the server gives the proxy's URL, so the page's media
/// requests go through the proxy (and stay same-origin) too.
///
/// # Panics
/// As [`serve`].
pub async fn serve_behind(bundle: &Path, public_url: &str) -> TestServer {
    let bundle = bundle.to_path_buf();
    let public_url = public_url.to_string();
    TestServer::demo()
        .configure(|c| {
            c.demo_trailer = true;
            c.web_app = Some(bundle);
            c.public_url = Some(public_url);
        })
        .start()
        .await
}

/// One AR browser session at a time in this process: each loads the whole
/// app in software WebGL and a scan worker, and several at once on a 2-core
/// machine starve each other past every timeout. A test holds the guard for
/// its whole run: `let _turn = ar_app::one_at_a_time().await;`.
pub async fn one_at_a_time() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}
