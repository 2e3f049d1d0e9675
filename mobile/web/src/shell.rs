//! The browser side of the shell (wasm32 only): start-up, the functions the
//! page calls, and the page functions the app calls.
//!
//! The page (`static/app.js`) defines `window.pustakaPage` with `mirror(json)`
//! and `video(json)` before calling [`start`]; the app calls them after a
//! frame in which what they show changed.

use std::cell::RefCell;

use bevy::prelude::*;
use bevy::window::WindowPlugin;
use bevy_egui::EguiPlugin;
use crossbeam_channel::{Receiver, Sender, unbounded};
use pustaka_api::Lang;
use pustaka_mobile::camera::{CaptureStatus, LatestFrame, WebCamera};
use pustaka_mobile::i18n::Locale;
use pustaka_mobile::media::trailer::{Trailer, TrailerPhase};
use pustaka_mobile::scan::scanning::{ExternalScan, ExternalScans};
use pustaka_mobile::ui::detail::Panel;
use pustaka_mobile::ui::mirror::Mirror;
use pustaka_mobile::{AppConfig, AppPlugin};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

/// The canvas the app draws into (the page's `<canvas id="pustaka-canvas">`).
pub const CANVAS_SELECTOR: &str = "#pustaka-canvas";

#[wasm_bindgen]
extern "C" {
    /// `pustakaPage.mirror(json)`: the page rewrites its hidden DOM mirror
    /// from a `pustaka_mobile::ui::mirror::Mirror`.
    #[wasm_bindgen(js_namespace = pustakaPage, js_name = mirror, catch)]
    fn page_mirror(json: &str) -> Result<(), JsValue>;
    /// `pustakaPage.video(json)`: the page shows its `<video>` at a place
    /// (a [`VideoPlace`]), or hides it (`null`).
    #[wasm_bindgen(js_namespace = pustakaPage, js_name = video, catch)]
    fn page_video(json: &str) -> Result<(), JsValue>;
}

/// What the page passes to [`start`] (JSON).
#[derive(Debug, Deserialize)]
struct StartOptions {
    /// The content server, without a trailing slash (the page's own origin).
    server_url: String,
    /// `id` or `en`.
    #[serde(default)]
    lang: Option<String>,
    /// A code to open at once (`/ar/?code=`), when it resolves.
    #[serde(default)]
    code: Option<String>,
    /// Hosts whose codes are this library's, besides the defaults (the
    /// page's own host).
    #[serde(default)]
    library_hosts: Vec<String>,
}

/// Where the page should lay its `<video>`, CSS pixels from the canvas's
/// top-left corner (egui points at egui's default zoom).
#[derive(Debug, Clone, PartialEq, Serialize)]
struct VideoPlace {
    url: String,
    alt: String,
    x: f32,
    y: f32,
    width: f32,
    height: f32,
}

/// What the page asks of the app between frames.
#[derive(Debug)]
enum Command {
    Open(String),
    Close,
    Lang(Lang),
}

/// The commands' receiving end, drained once per frame.
#[derive(Resource)]
struct PageCommands(Receiver<Command>);

/// What the page's calls need between frames.
struct Handles {
    camera: WebCamera,
    scans: ExternalScans,
    commands: Sender<Command>,
}

thread_local! {
    // The page's calls arrive as free functions (wasm-bindgen exports), not
    // through the app; this is the one place they find the app's channels.
    // The browser build has one thread, so the value is set once, by `start`.
    static HANDLES: RefCell<Option<Handles>> = const { RefCell::new(None) };
}

fn with_handles(f: impl FnOnce(&Handles)) {
    HANDLES.with(|h| {
        if let Some(h) = h.borrow().as_ref() {
            f(h);
        }
    });
}

/// Starts the app in the page's canvas. `options_json`: `{server_url, lang?,
/// code?, library_hosts?}`. Returns once the app's loop is handed to the
/// browser (it runs on animation frames from then on).
///
/// # Errors
/// Options that are not that JSON.
#[wasm_bindgen]
pub fn start(options_json: &str) -> Result<(), JsValue> {
    let options: StartOptions = serde_json::from_str(options_json)
        .map_err(|e| JsValue::from_str(&format!("bad start options: {e}")))?;
    let mut config = AppConfig {
        server_url: options.server_url.trim_end_matches('/').to_string(),
        // The browser keeps nothing on disk for the app; the service worker
        // keeps the shell and the answers it has seen (see static/sw.js).
        cache_dir: None,
        ..default()
    };
    for host in &options.library_hosts {
        config.add_library_host(host);
    }
    let latest = LatestFrame::default();
    let status = CaptureStatus::default();
    let scans = ExternalScans::default();
    let (tx, rx) = unbounded();
    HANDLES.with(|h| {
        *h.borrow_mut() = Some(Handles {
            camera: WebCamera::new(latest.clone(), status.clone()),
            scans: scans.clone(),
            commands: tx,
        });
    });
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(WindowPlugin {
        primary_window: Some(Window {
            title: "Pustaka AR".into(),
            canvas: Some(CANVAS_SELECTOR.into()),
            fit_canvas_to_parent: true,
            // Let the page keep its own keys and gestures (the DOM mirror's
            // buttons, the browser's zoom) when the canvas has no focus.
            prevent_default_event_handling: false,
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .insert_resource(config)
    .insert_resource(latest)
    .insert_resource(status)
    .insert_resource(scans)
    .insert_resource(PageCommands(rx))
    .add_plugins(AppPlugin {
        with_rendering: true,
    })
    .add_systems(PreUpdate, apply_commands)
    .add_systems(Last, (send_mirror, send_video));
    if options.lang.as_deref() == Some("en") {
        app.world_mut().resource_mut::<Locale>().lang = Lang::En;
    }
    if let Some(code) = options.code.filter(|c| !c.trim().is_empty()) {
        app.insert_resource(Panel::detail(&code));
    }
    app.run();
    Ok(())
}

/// One camera frame from the page: `width * height * 4` RGBA bytes (a
/// canvas's `getImageData`), numbered `seq` like the frame sent to the scan
/// worker from the same pixels.
#[wasm_bindgen]
pub fn push_frame(seq: f64, width: u32, height: u32, rgba: Vec<u8>) {
    with_handles(|h| {
        if let Err(e) = h.camera.push_rgba(seq as u64, width, height, rgba) {
            warn!(error = %e, "bad frame from the page");
        }
    });
}

/// The scan worker's `detections` message, as JSON (see
/// `pustaka_mobile::scan::scanning::ExternalScan::from_worker_json`).
#[wasm_bindgen]
pub fn push_detections(json: &str) {
    match ExternalScan::from_worker_json(json) {
        Ok(scan) => with_handles(|h| h.scans.send(scan)),
        Err(e) => warn!(error = %e, "worker message skipped"),
    }
}

/// The camera's problem, in the visitor's words, for the status line (`None`
/// clears it).
#[wasm_bindgen]
pub fn camera_problem(message: Option<String>) {
    with_handles(|h| h.camera.set_problem(message));
}

/// Opens the detail panel of `code` (a press on the mirror's card button).
#[wasm_bindgen]
pub fn open_code(code: &str) {
    let code = code.trim().to_uppercase();
    with_handles(|h| {
        let _ = h.commands.send(Command::Open(code));
    });
}

/// Closes the detail panel.
#[wasm_bindgen]
pub fn close_panel() {
    with_handles(|h| {
        let _ = h.commands.send(Command::Close);
    });
}

/// Switches the interface language: `id` or `en` (anything else is ignored).
#[wasm_bindgen]
pub fn set_lang(tag: &str) {
    let lang = match tag {
        "id" => Lang::Id,
        "en" => Lang::En,
        _ => return,
    };
    with_handles(|h| {
        let _ = h.commands.send(Command::Lang(lang));
    });
}

fn apply_commands(
    commands: Res<PageCommands>,
    mut panel: ResMut<Panel>,
    mut locale: ResMut<Locale>,
) {
    for c in commands.0.try_iter() {
        match c {
            Command::Open(code) => *panel = Panel::detail(&code),
            Command::Close => *panel = Panel::Closed,
            Command::Lang(lang) => locale.lang = lang,
        }
    }
}

/// Hands the page the mirror whenever it changed.
fn send_mirror(mirror: Res<Mirror>) {
    if !mirror.is_changed() {
        return;
    }
    match serde_json::to_string(&*mirror) {
        Ok(json) => {
            if let Err(e) = page_mirror(&json) {
                warn!(error = ?e, "the page's mirror() failed");
            }
        }
        Err(e) => warn!(error = %e, "mirror not serialisable"),
    }
}

/// Tells the page where its `<video>` goes, whenever that changed.
fn send_video(trailer: Res<Trailer>, mut last: Local<Option<Option<VideoPlace>>>) {
    let place = match &trailer.phase {
        TrailerPhase::Html(v) => v.rect.map(|r| VideoPlace {
            url: v.url.clone(),
            alt: v.alt.clone(),
            x: r.min.x,
            y: r.min.y,
            width: r.width(),
            height: r.height(),
        }),
        _ => None,
    };
    if last.as_ref() == Some(&place) {
        return;
    }
    let json = match &place {
        Some(p) => serde_json::to_string(p).unwrap_or_else(|_| "null".into()),
        None => "null".into(),
    };
    if let Err(e) = page_video(&json) {
        warn!(error = ?e, "the page's video() failed");
    }
    *last = Some(place);
}
