//! Where the net module's futures run: the platform seam for async I/O.
//!
//! - Desktop and phone shells: one small tokio runtime (one worker thread)
//!   owned by [`super::Net`]; reqwest needs its reactor, which Bevy's task
//!   pools are not (the reqwest maintainers' advice for non-tokio hosts).
//! - Browser (wasm32): there are no threads and no tokio reactor; reqwest's
//!   futures wrap `fetch`, and they run on the page's own event loop
//!   (`wasm_bindgen_futures::spawn_local`), timers on `setTimeout`.
//!
//! Futures handed to [`Runtime::spawn`] must be `Send` on native targets
//! (they move to the runtime's thread) and need not be in the browser
//! (reqwest's fetch futures are not); [`MaybeSend`] states exactly that.

use std::time::Duration;

/// `Send` on native targets; every type in the browser (single-threaded).
#[cfg(not(target_arch = "wasm32"))]
pub trait MaybeSend: Send {}
#[cfg(not(target_arch = "wasm32"))]
impl<T: Send> MaybeSend for T {}

/// `Send` on native targets; every type in the browser (single-threaded).
#[cfg(target_arch = "wasm32")]
pub trait MaybeSend {}
#[cfg(target_arch = "wasm32")]
impl<T> MaybeSend for T {}

/// Runs the net module's futures (see the module docs for where).
pub struct Runtime {
    #[cfg(not(target_arch = "wasm32"))]
    tokio: tokio::runtime::Runtime,
}

impl Runtime {
    /// Starts the runtime: a tokio runtime with one worker thread named `net`
    /// on native targets; nothing to start in the browser.
    ///
    /// # Errors
    /// When the operating system refuses the runtime's thread.
    pub fn new() -> std::io::Result<Self> {
        #[cfg(not(target_arch = "wasm32"))]
        {
            let tokio = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(1)
                .thread_name("net")
                .enable_all()
                .build()?;
            Ok(Self { tokio })
        }
        #[cfg(target_arch = "wasm32")]
        {
            Ok(Self {})
        }
    }

    /// Runs `fut` to completion in the background; its output is dropped
    /// (results go back through channels).
    pub fn spawn<F: Future<Output = ()> + MaybeSend + 'static>(&self, fut: F) {
        #[cfg(not(target_arch = "wasm32"))]
        self.tokio.spawn(fut);
        #[cfg(target_arch = "wasm32")]
        wasm_bindgen_futures::spawn_local(fut);
    }
}

/// Waits `d` without blocking the runtime.
pub async fn sleep(d: Duration) {
    #[cfg(not(target_arch = "wasm32"))]
    tokio::time::sleep(d).await;
    #[cfg(target_arch = "wasm32")]
    gloo_timers::future::sleep(d).await;
}

/// Runs blocking work (file reads, hashing) off the runtime's worker on
/// native targets; inline in the browser, which has no blocking file I/O.
/// `None` when the blocking task panicked.
pub async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Option<T> {
    #[cfg(not(target_arch = "wasm32"))]
    {
        tokio::task::spawn_blocking(f).await.ok()
    }
    #[cfg(target_arch = "wasm32")]
    {
        Some(f())
    }
}
