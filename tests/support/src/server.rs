//! [`TestServer`]: a real `pustaka-server` on `127.0.0.1:0`, with the demo
//! library or an empty one, its data in a temporary folder, stopped when
//! dropped.
//!
//! ```no_run
//! use pustaka_test_support::server::TestServer;
//!
//! // In an async test: serves from a task of the test's own runtime.
//! async fn an_async_test() {
//!     let server = TestServer::demo().start().await;
//!     let url = server.url("/api/v1/markers/BK0001");
//! }
//!
//! // In a synchronous test (a Bevy app): serves from a runtime of its own,
//! // here with a change to the configuration first.
//! let server = TestServer::empty()
//!     .configure(|c| c.demo_trailer = true)
//!     .start_blocking();
//! ```

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pustaka_backend::startup::AppState;
use pustaka_backend::{Application, ServeConfig};

/// Which library the server starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Library {
    /// The demo library (`pustaka_backend::demo`: titles, shelves, events, tours
    /// and their marker codes).
    #[default]
    Demo,
    /// No content: the tests create what they need.
    Empty,
}

/// The database the server stores its content in. SQLite, in the data dir,
/// is the only one today; another database becomes another variant here (a
/// URL in [`ServeConfig`] for it), and tests meant for every database loop
/// over [`Database::ALL`].
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Database {
    /// An SQLite file in the server's data dir.
    #[default]
    Sqlite,
}

impl Database {
    /// Every database the server runs on.
    pub const ALL: &'static [Database] = &[Database::Sqlite];
}

/// How long a server on its own runtime gets to close its connections when
/// dropped outside an async context.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Installs ring as rustls's process-wide crypto provider, once. The
/// workspace builds reqwest and rustls without a bundled provider (see the
/// root manifest), so every test that makes an HTTP client needs this first;
/// starting a [`TestServer`] does it.
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A server to start: its library, database, data dir and configuration.
#[must_use = "a builder does nothing until started"]
pub struct TestServerBuilder {
    config: ServeConfig,
    /// The temporary data dir, unless the caller named its own.
    temp: Option<tempfile::TempDir>,
}

impl TestServerBuilder {
    /// A server with `library`, on SQLite in a new temporary data dir, bound
    /// to `127.0.0.1:0` (`ServeConfig::for_tests`).
    ///
    /// # Panics
    /// When no temporary folder can be made.
    pub fn new(library: Library) -> Self {
        let temp = tempfile::tempdir().expect("a temporary data dir for the test server");
        let config = ServeConfig::for_tests(temp.path().to_path_buf(), library == Library::Demo);
        Self {
            config,
            temp: Some(temp),
        }
    }

    /// Stores the content in `database` (SQLite by default).
    pub fn database(self, database: Database) -> Self {
        match database {
            // The database file lives in the data dir: nothing to set.
            Database::Sqlite => self,
        }
    }

    /// Serves from `dir`, which the caller creates and keeps (to start a
    /// second server on the same data, or look at it after this one stops),
    /// instead of a temporary folder.
    pub fn data_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.config.data_dir = dir.into();
        self.temp = None;
        self
    }

    /// Listens on `addr` instead of a free port: to start a server again on
    /// the address an earlier one had (with [`Self::data_dir`], the same
    /// server after a restart, as a browser that cached its origin sees it).
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.config.bind = addr;
        self
    }

    /// Changes the test configuration before the server starts (caps,
    /// timeouts, `web_app`, `demo_trailer`, ...).
    pub fn configure(mut self, change: impl FnOnce(&mut ServeConfig)) -> Self {
        change(&mut self.config);
        self
    }

    /// Builds the server (database, demo seed, socket) and serves it from a
    /// task of the calling tokio runtime; dropping the [`TestServer`] stops
    /// accepting connections.
    ///
    /// # Panics
    /// Outside a tokio runtime, or when the server cannot be built (a bug in
    /// the test's configuration or the server, with its cause).
    pub async fn start(self) -> TestServer {
        install_crypto_provider();
        let app = Application::build(self.config)
            .await
            .unwrap_or_else(|e| panic!("the test server did not start: {e:#}"));
        let (addr, state) = (app.local_addr(), app.state().clone());
        let task = tokio::spawn(serve(app));
        TestServer::new(addr, state, self.temp, task, None)
    }

    /// Like [`Self::start`], on a tokio runtime of the server's own, for
    /// synchronous tests (Bevy apps). Dropping the [`TestServer`] shuts that
    /// runtime down, which closes every connection: the server is gone, as
    /// when a phone loses the library's Wi-Fi.
    ///
    /// # Panics
    /// When the runtime or the server cannot be built.
    pub fn start_blocking(self) -> TestServer {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("test-server")
            .enable_all()
            .build()
            .expect("a tokio runtime for the test server");
        install_crypto_provider();
        let app = runtime
            .block_on(Application::build(self.config))
            .unwrap_or_else(|e| panic!("the test server did not start: {e:#}"));
        let (addr, state) = (app.local_addr(), app.state().clone());
        let task = runtime.spawn(serve(app));
        TestServer::new(addr, state, self.temp, task, Some(runtime))
    }
}

/// Serves `app` until the task is aborted; a serving error is printed, since
/// nobody awaits the task (the test then fails on the requests it makes).
async fn serve(app: Application) {
    if let Err(e) = app.run_until_stopped().await {
        eprintln!("the test server stopped: {e:#}");
    }
}

/// A running server. Dropping it stops the server, then removes its
/// temporary data dir.
pub struct TestServer {
    base_url: String,
    addr: SocketAddr,
    state: AppState,
    task: tokio::task::JoinHandle<()>,
    runtime: Option<tokio::runtime::Runtime>,
    /// Set by [`Self::detach`]: dropping stops nothing.
    detached: bool,
    /// Dropped last (fields drop after [`Drop::drop`] stopped the server).
    temp: Option<tempfile::TempDir>,
}

impl TestServer {
    /// A builder for a server with the demo library.
    pub fn demo() -> TestServerBuilder {
        TestServerBuilder::new(Library::Demo)
    }

    /// A builder for a server with no content.
    pub fn empty() -> TestServerBuilder {
        TestServerBuilder::new(Library::Empty)
    }

    fn new(
        addr: SocketAddr,
        state: AppState,
        temp: Option<tempfile::TempDir>,
        task: tokio::task::JoinHandle<()>,
        runtime: Option<tokio::runtime::Runtime>,
    ) -> Self {
        Self {
            base_url: format!("http://{addr}"),
            addr,
            state,
            task,
            runtime,
            detached: false,
            temp,
        }
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's state: its pool, media store and configuration, for
    /// setting things up directly (a staff account, a row) or looking at them.
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// The server's data dir (database, media).
    pub fn data_dir(&self) -> &Path {
        &self.state.config.data_dir
    }

    /// Stops the server now (the same as dropping it; reads better in a test
    /// that goes on without it).
    pub fn stop(self) {}

    /// Lets the server run on without this handle, until its runtime ends
    /// (the test's, for [`TestServerBuilder::start`]; the process, for
    /// [`TestServerBuilder::start_blocking`]), and keeps its data dir: for a
    /// harness that keeps only the URL and state, with a data dir of its own
    /// ([`TestServerBuilder::data_dir`]).
    pub fn detach(mut self) {
        self.detached = true;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if self.detached {
            // Dropping the join handle leaves the task running.
            std::mem::forget(self.runtime.take());
            if let Some(dir) = self.temp.take() {
                let _ = dir.keep();
            }
            return;
        }
        self.task.abort();
        if let Some(runtime) = self.runtime.take() {
            // Waiting is not allowed inside an async context.
            if tokio::runtime::Handle::try_current().is_ok() {
                runtime.shutdown_background();
            } else {
                runtime.shutdown_timeout(SHUTDOWN_GRACE);
            }
        }
    }
}
