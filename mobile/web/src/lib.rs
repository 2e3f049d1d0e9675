//! The web shell of Pustaka AR: what only the browser needs, around the
//! shared `pustaka_mobile::AppPlugin` (compiled for wasm32 only; on other
//! targets this crate is empty).
//!
//! - Start-up (`start`): `DefaultPlugins` drawing with WebGL2 into the
//!   page's `<canvas id="pustaka-canvas">`, the server and language the page
//!   passes in.
//! - Camera and scanner, from the page (`static/app.js`): the page owns
//!   `getUserMedia` and the scan Web Worker, because Bevy's loop in the
//!   browser is the page's one thread and a scan there drops the picture to
//!   ~12 fps. It hands in frames (`push_frame`, for the picture) and the
//!   worker's answers (`push_detections`); the app scans nothing itself
//!   (`pustaka_mobile::scan::scanning::ExternalScans`).
//! - The page's DOM mirror: `bevy_egui` draws on a canvas that screen readers
//!   cannot see, so after each frame that changed what is drawn the shell
//!   hands the page a description of it (the cards as drawn, the open panel,
//!   the language) to keep a visually hidden `aria-live` region and one
//!   `<button data-code>` per card; a press on one comes back through
//!   `open_code`.
//! - The trailer: the page lays its `<video playsinline>` over the space the
//!   panel keeps (`pustaka_mobile::media::trailer::web`).

#[cfg(target_arch = "wasm32")]
mod shell;

#[cfg(target_arch = "wasm32")]
pub use shell::*;
