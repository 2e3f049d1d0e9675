//! The scan worker (`markers/wasm`) in a real browser: a page on a live
//! server that starts the worker and posts it luma frames, for the worker's
//! browser test and the wasm-vs-native benchmark.
//!
//! The worker is built beforehand by `cargo xtask scan-worker` (also run by
//! `cargo xtask test` and `bench`) into `<target>/scan-worker`, or the folder
//! `PUSTAKA_SCAN_WORKER_DIR` names. The page and the worker are served by
//! `pustaka-server --web-app` at `/ar/`, as phones get them: a worker must
//! come from the page's origin, and `.wasm` must be `application/wasm`.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use pustaka_markers::LumaImage;
use serde::Deserialize;

use crate::{Browser, TestServer, skip, target_dir};

/// The environment variable naming a built scan worker folder.
pub const WORKER_DIR_ENV: &str = "PUSTAKA_SCAN_WORKER_DIR";

/// Frame size of the test frames: 720p, what phones' cameras give the app.
pub const FRAME_720P: (usize, usize) = (1280, 720);

/// The test page: starts the worker, posts frames, and resolves each post
/// with the worker's answer to it (matched by id; a message without an id
/// answers the pending post without one).
const TEST_PAGE: &str = r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Scan worker test</title></head>
<body><main><h1>Scan worker test</h1></main>
<script src="test-page.js"></script></body></html>
"#;

/// The test page's script, a file of its own: the server's Content-Security-Policy
/// allows no inline script on the app's pages.
const TEST_SCRIPT: &str = r#""use strict";
let worker = null;
const waiting = new Map();
const frames = [];
function answer(key, message) {
  const resolve = waiting.get(key);
  if (resolve) { waiting.delete(key); resolve(message); }
}
window.startWorker = (url) => new Promise((resolve, reject) => {
  worker = new Worker(url);
  worker.onmessage = (e) => {
    const m = e.data;
    if (m.type === "ready") resolve(m);
    else if (m.type === "error" && m.id === undefined && waiting.size === 0) reject(m.message);
    else answer(m.id === undefined ? null : m.id, m);
  };
  worker.onerror = (e) => reject("worker failed: " + e.message);
});
window.addFrame = (base64) => {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  frames.push(bytes);
  return frames.length - 1;
};
window.post = (message, transfer) => new Promise((resolve) => {
  waiting.set(message.id === undefined ? null : message.id, resolve);
  worker.postMessage(message, transfer || []);
});
window.scanFrame = (id, index, width, height) => {
  const luma = frames[index].slice().buffer;
  return window.post({ type: "frame", id, width, height, luma }, [luma]);
};
let nextId = 1000000;
window.scanRepeated = async (index, width, height, n) => {
  const out = [];
  for (let i = 0; i < n; i++) {
    const start = performance.now();
    const m = await window.scanFrame(nextId++, index, width, height);
    if (m.type !== "detections") throw new Error(m.message);
    out.push([m.scan_ms, performance.now() - start]);
  }
  return out;
};
"#;

/// A frame as the test sends it: luma bytes and size.
#[derive(Debug, Clone)]
pub struct Frame {
    /// A short name for messages.
    pub name: String,
    /// The luma image (row-major, `stride == width`).
    pub image: LumaImage,
}

/// The worker's answer to one message, as the page received it.
#[derive(Debug, Clone, Deserialize)]
pub struct Reply {
    /// `detections` or `error`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The frame id it answers (`None` for a message without one).
    pub id: Option<i64>,
    /// Frame size echoed back (detections only).
    pub width: Option<u32>,
    /// Frame size echoed back (detections only).
    pub height: Option<u32>,
    /// Time of the scan inside the worker, ms (detections only).
    pub scan_ms: Option<f64>,
    /// The codes found (detections only).
    #[serde(default)]
    pub detections: Vec<ReplyDetection>,
    /// What went wrong (errors only).
    pub message: Option<String>,
}

/// One detection in a [`Reply`].
#[derive(Debug, Clone, Deserialize)]
pub struct ReplyDetection {
    /// The payload text.
    pub text: String,
    /// Corners `[x, y]` in frame pixels.
    pub corners: [[f32; 2]; 4],
    /// Read mirrored.
    pub mirrored: bool,
    /// Payload not text.
    #[serde(default)]
    pub binary: bool,
}

/// The built worker folder and its script's file name, or `None` after a
/// skip message (a failure under `CI=true`).
pub fn built_worker(what: &str) -> Option<(PathBuf, String)> {
    let dir = match std::env::var_os(WORKER_DIR_ENV) {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => target_dir().join("scan-worker"),
    };
    let script = std::fs::read_dir(&dir).ok().and_then(|entries| {
        entries
            .filter_map(|e| e.ok()?.file_name().into_string().ok())
            .find(|n| n.starts_with("scan-worker.") && n.ends_with(".js"))
    });
    match script {
        Some(s) => Some((dir, s)),
        None => {
            skip(&format!(
                "{what}: no scan worker in {} (build it with `cargo xtask scan-worker`)",
                dir.display()
            ));
            None
        }
    }
}

/// A browser showing the test page with a started worker.
pub struct WorkerPage {
    /// The server that serves page and worker.
    pub server: TestServer,
    /// The browser.
    pub browser: Browser,
    /// What the worker's `ready` said (`variant`: `simd` or `scalar`).
    pub variant: String,
    /// The script's URL.
    worker_url: String,
    /// The bundle folder (worker files + the test page).
    _bundle: tempfile::TempDir,
}

impl WorkerPage {
    /// Copies the built worker and the test page into a bundle, serves it
    /// with `--web-app`, opens the page and starts the worker (`simd =
    /// false` forces the scalar wasm). `None` after a skip message.
    ///
    /// # Panics
    /// When the worker does not start (its error message is in the panic).
    pub async fn start(what: &str, simd: bool) -> Option<Self> {
        let (worker_dir, script) = built_worker(what)?;
        let browser = Browser::start(what).await?;
        let bundle = tempfile::tempdir().expect("temp dir");
        copy_files(&worker_dir, bundle.path());
        std::fs::write(bundle.path().join("index.html"), TEST_PAGE).expect("test page");
        std::fs::write(bundle.path().join("test-page.js"), TEST_SCRIPT).expect("test script");
        let root = bundle.path().to_path_buf();
        let server = TestServer::spawn_with(false, move |c| c.web_app = Some(root)).await;
        browser.goto(&server.url("/ar/")).await;
        let worker_url = if simd {
            script
        } else {
            format!("{script}?simd=0")
        };
        let mut page = Self {
            server,
            browser,
            variant: String::new(),
            worker_url,
            _bundle: bundle,
        };
        page.variant = page.restart_worker().await;
        Some(page)
    }

    /// Starts (again) the worker; returns its variant.
    async fn restart_worker(&self) -> String {
        let ready = self
            .run(
                "startWorker(arguments[0]).then(done, (e) => done({error: String(e)}))",
                vec![self.worker_url.clone().into()],
            )
            .await;
        if let Some(e) = ready.get("error") {
            panic!("the scan worker did not start: {e}");
        }
        ready["variant"].as_str().unwrap_or("").to_owned()
    }

    /// Runs `body` as an async script whose last argument is `done`.
    ///
    /// # Panics
    /// When the script fails.
    pub async fn run(&self, body: &str, args: Vec<serde_json::Value>) -> serde_json::Value {
        let script = format!("const done = arguments[arguments.length - 1]; {body}");
        self.browser
            .client()
            .execute_async(&script, args)
            .await
            .unwrap_or_else(|e| panic!("script failed: {e}\n{body}"))
    }

    /// Sends a frame's bytes to the page (kept there for repeated scans);
    /// returns its index.
    pub async fn add_frame(&self, frame: &Frame) -> u64 {
        let b64 = base64::engine::general_purpose::STANDARD.encode(frame.image.data());
        self.run("done(addFrame(arguments[0]))", vec![b64.into()])
            .await
            .as_u64()
            .expect("frame index")
    }

    /// Posts frame `index` (added by [`Self::add_frame`]) with `id` and
    /// returns the worker's answer.
    pub async fn scan(&self, id: i64, index: u64, frame: &Frame) -> Reply {
        let (w, h) = (frame.image.width(), frame.image.height());
        let v = self
            .run(
                "scanFrame(arguments[0], arguments[1], arguments[2], arguments[3]).then(done)",
                vec![id.into(), index.into(), w.into(), h.into()],
            )
            .await;
        serde_json::from_value(v).expect("a worker reply")
    }

    /// Posts any message and returns the worker's answer.
    pub async fn post(&self, message: serde_json::Value) -> Reply {
        let v = self
            .run("post(arguments[0]).then(done)", vec![message])
            .await;
        serde_json::from_value(v).expect("a worker reply")
    }

    /// Scans frame `index` `n` times in a row; per scan, the worker's own
    /// `scan_ms` and the page's round trip, in ms.
    pub async fn scan_repeated(&self, index: u64, frame: &Frame, n: usize) -> Vec<(f64, f64)> {
        let (w, h) = (frame.image.width(), frame.image.height());
        let v = self
            .run(
                "scanRepeated(arguments[0], arguments[1], arguments[2], arguments[3])\
                 .then(done, (e) => done({error: String(e)}))",
                vec![index.into(), w.into(), h.into(), n.into()],
            )
            .await;
        serde_json::from_value(v.clone()).unwrap_or_else(|_| panic!("scans failed: {v}"))
    }

    /// Ends the browser session.
    pub async fn close(self) {
        self.browser.close().await;
    }
}

fn copy_files(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).expect("worker dir").flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::copy(entry.path(), to.join(entry.file_name())).expect("copy worker file");
        }
    }
}

/// The demo scene's shelf photos (`assets/demo`, real photos with the demo
/// library's codes) as 1280×720 luma frames: the top 720 rows of each
/// 1280×960 photo, which hold every code.
///
/// # Panics
/// When a photo is missing or not 1280 px wide (the demo scene changed).
pub fn demo_frames_720p() -> Vec<Frame> {
    let dir = pustaka_test_support::workspace_root().join("assets/demo");
    ["shelf-01.jpg", "shelf-02.jpg"]
        .iter()
        .map(|name| {
            let photo = image::open(dir.join(name))
                .unwrap_or_else(|e| panic!("{name}: {e}"))
                .to_luma8();
            let (w, h) = FRAME_720P;
            assert_eq!(photo.width() as usize, w, "{name}");
            let data = photo.as_raw()[..w * h].to_vec();
            Frame {
                name: (*name).to_owned(),
                image: LumaImage::new(w, h, data).expect("frame shape"),
            }
        })
        .collect()
}
