//! The real-browser test harness: a live `pustaka-backend` server, Debian's
//! chromedriver driving a headless Chromium, screenshots, and axe-core
//! accessibility audits. Tests live in `tests/*.rs`; this library holds only
//! the harness they share.
//!
//! One [`Session`] per test file keeps things fast: start it once, visit every
//! page, collect the problems, and assert once at the end.
//!
//! ```no_run
//! # async fn demo() {
//! let Some(s) = pustaka_browser_tests::Session::start("my pages").await else {
//!     return; // skipped: no chromium/chromedriver/npm here (a failure under CI=true)
//! };
//! s.browser.goto(&s.server.url("/m/BK0001")).await;
//! s.browser.screenshot("m-BK0001").await;
//! s.browser.assert_accessible("m-BK0001").await;
//! s.close().await;
//! # }
//! ```
//!
//! Missing tools (chromium, chromedriver, npm) skip the calling test with a
//! message, except under `CI=true`, where they fail it: CI must never pass by
//! skipping (the rule of [`pustaka_test_support::data_dir`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use pustaka_backend::ServeConfig;
use pustaka_backend::startup::AppState;
use serde::Deserialize;

pub use fantoccini;

pub mod ar_app;
pub mod scan_worker;
pub mod wire;

/// Debian's chromedriver (package `chromium-driver`); `PUSTAKA_CHROMEDRIVER` overrides.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// Debian's Chromium (package `chromium`); `PUSTAKA_CHROMIUM` overrides.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// The browser window: wide enough for a desktop layout of the back office.
pub const WINDOW: (u32, u32) = (1280, 1000);
/// Screenshots stop growing here, so a runaway page cannot make a huge PNG.
const MAX_SCREENSHOT_HEIGHT_PX: u32 = 6000;
/// Chromedriver answers `/status` within a second or two; a loaded machine may need more.
const DRIVER_START_TIMEOUT: Duration = Duration::from_secs(30);
/// axe on a big page takes a second or two; generous for a loaded machine.
const AXE_TIMEOUT: Duration = Duration::from_secs(60);
/// A login is a form post and a redirect on loopback: fast, but leave room.
const LOGIN_TIMEOUT: Duration = Duration::from_secs(10);
/// Folder under the target dir that holds `npm ci`'s `node_modules/axe-core`.
const AXE_DIR: &str = "browser-axe";
/// Folder under the target dir that holds the screenshots.
const SCREENSHOT_DIR: &str = "browser-screenshots";
/// The pinned axe-core: `npm ci` installs exactly this lock.
const PACKAGE_JSON: &str = include_str!("../package.json");
const PACKAGE_LOCK: &str = include_str!("../package-lock.json");

// ---------------------------------------------------------------------------
// Skip-or-fail
// ---------------------------------------------------------------------------

/// Prints why the calling test is skipped; under `CI=true` panics instead.
///
/// # Panics
/// Under `CI=true`: CI must never pass by skipping.
pub fn skip(why: &str) {
    skip_or_fail(why, pustaka_test_support::in_ci());
}

fn skip_or_fail(why: &str, ci: bool) {
    if ci {
        panic!("{why}; under CI=true this is a failure, not a skip");
    }
    eprintln!("SKIPPED: {why}");
}

// ---------------------------------------------------------------------------
// Paths
// ---------------------------------------------------------------------------

/// The cargo target dir: `CARGO_TARGET_DIR` (relative to the workspace root
/// when relative), else the workspace's `target/`.
pub fn target_dir() -> PathBuf {
    target_dir_from(std::env::var_os("CARGO_TARGET_DIR").map(PathBuf::from))
}

fn target_dir_from(env: Option<PathBuf>) -> PathBuf {
    let root = pustaka_test_support::workspace_root();
    match env {
        Some(dir) if dir.as_os_str().is_empty() => root.join("target"),
        Some(dir) if dir.is_absolute() => dir,
        Some(dir) => root.join(dir),
        None => root.join("target"),
    }
}

/// Where screenshots go: `<target>/browser-screenshots/`.
pub fn screenshot_dir() -> PathBuf {
    target_dir().join(SCREENSHOT_DIR)
}

fn tool(env: &str, default: &str) -> PathBuf {
    match std::env::var_os(env) {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => PathBuf::from(default),
    }
}

/// A reqwest builder for plain-http loopback calls. reqwest is built with
/// rustls but no bundled provider (see the workspace manifest), so ring's is
/// installed first, even though nothing here speaks TLS.
fn http_client() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// A real server on `127.0.0.1:0` with a temporary data dir (the shared
/// [`pustaka_test_support::server::TestServer`]) and a client that does not
/// follow redirects.
pub struct TestServer {
    /// `http://127.0.0.1:PORT`, no trailing slash.
    pub base: String,
    /// The server's state: its pool and media store, for direct setup
    /// (e.g. creating a staff user).
    pub state: AppState,
    http: reqwest::Client,
    /// The server itself; dropping it stops the server and removes its data.
    _server: pustaka_test_support::server::TestServer,
}

impl TestServer {
    /// Starts a server, seeded with the demo library when `demo`, serving in a
    /// task of the calling tokio runtime.
    ///
    /// # Panics
    /// When the server cannot be built (a bug, not an environment problem).
    pub async fn spawn(demo: bool) -> Self {
        Self::spawn_with(demo, |_| {}).await
    }

    /// [`Self::spawn`] with a change to the test configuration first (e.g.
    /// `web_app` to serve a bundle at `/ar/`).
    ///
    /// # Panics
    /// When the server cannot be built.
    pub async fn spawn_with(demo: bool, configure: impl FnOnce(&mut ServeConfig)) -> Self {
        use pustaka_test_support::server::{Library, TestServerBuilder};
        let library = if demo { Library::Demo } else { Library::Empty };
        let server = TestServerBuilder::new(library)
            .configure(configure)
            .start()
            .await;
        let http = http_client()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        Self {
            base: server.base_url().to_owned(),
            state: server.state().clone(),
            http,
            _server: server,
        }
    }

    /// The absolute URL of `path` (which starts with `/`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// The HTTP status of `GET path`, without following redirects. WebDriver
    /// cannot see statuses, so tests that care ask here.
    ///
    /// # Panics
    /// When the server does not answer.
    pub async fn status(&self, path: &str) -> u16 {
        self.http
            .get(self.url(path))
            .send()
            .await
            .unwrap_or_else(|e| panic!("GET {path}: {e}"))
            .status()
            .as_u16()
    }

    /// Whether `path` is served (any status but 404). When it is not, prints
    /// a skip note naming `what` and returns false, also under `CI=true`: for
    /// optional pages that arrive from other branches (the home page).
    pub async fn has_page(&self, path: &str, what: &str) -> bool {
        let served = self.status(path).await != 404;
        if !served {
            eprintln!("SKIPPED: {what}: {path} is not served yet (404)");
        }
        served
    }

    /// Like [`Self::has_page`], but a missing page fails under `CI=true`:
    /// for pages a test exists to check (`/admin/login`).
    ///
    /// # Panics
    /// Under `CI=true` when `path` answers 404.
    pub async fn require_page(&self, path: &str, what: &str) -> bool {
        let served = self.status(path).await != 404;
        if !served {
            skip(&format!("{what}: {path} is not served yet (404)"));
        }
        served
    }
}

// ---------------------------------------------------------------------------
// chromedriver
// ---------------------------------------------------------------------------

/// A running chromedriver in its own process group, killed with every
/// browser it started when dropped (also when a test panics).
struct ChromeDriver {
    child: Child,
    port: u16,
    /// Chromium's profile: ours, so nothing is left in /tmp after the test.
    profile: tempfile::TempDir,
}

impl ChromeDriver {
    fn spawn(driver: &Path) -> Result<Self, String> {
        use std::os::unix::process::CommandExt as _;
        let port = free_port()?;
        let profile = tempfile::tempdir().map_err(|e| format!("profile dir: {e}"))?;
        let log = profile.path().join("chromedriver.log");
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            // Chromium's scratch dirs (singleton socket, scoped dirs) go under
            // TMPDIR; inside our temp dir they are removed even after a kill.
            .env("TMPDIR", profile.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            // Its own group, so that drop can end chromedriver and every
            // Chromium process below it with one signal.
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", driver.display()))?;
        Ok(Self {
            child,
            port,
            profile,
        })
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Waits until chromedriver says it is ready.
    async fn wait_ready(&mut self) -> Result<(), String> {
        let http = http_client()
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let deadline = Instant::now() + DRIVER_START_TIMEOUT;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!("chromedriver exited at start: {status}"));
            }
            if let Ok(r) = http.get(format!("{}/status", self.url())).send().await
                && let Ok(v) = r.json::<serde_json::Value>().await
                && v["value"]["ready"] == serde_json::Value::Bool(true)
            {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "chromedriver did not answer on port {} within {DRIVER_START_TIMEOUT:?}",
                    self.port
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for ChromeDriver {
    fn drop(&mut self) {
        // The group id is chromedriver's pid (`process_group(0)`).
        let group = format!("-{}", self.child.id());
        let _ = Command::new("kill").args(["-TERM", "--", &group]).status();
        let deadline = Instant::now() + Duration::from_secs(3);
        while Instant::now() < deadline {
            if matches!(self.child.try_wait(), Ok(Some(_))) {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of the group (Chromium helpers ignore TERM at times).
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> Result<u16, String> {
    let l = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| format!("free port: {e}"))?;
    l.local_addr()
        .map(|a| a.port())
        .map_err(|e| format!("free port: {e}"))
}

// ---------------------------------------------------------------------------
// axe-core
// ---------------------------------------------------------------------------

/// One axe rule that failed on the page.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    /// The rule id, e.g. `color-contrast`.
    pub id: String,
    /// `minor`, `moderate`, `serious` or `critical`.
    pub impact: Option<String>,
    /// One line saying what the rule wants.
    pub help: String,
    /// Deque's page about the rule.
    #[serde(default)]
    pub help_url: String,
    /// The offending elements.
    #[serde(default)]
    pub nodes: Vec<ViolationNode>,
}

/// One element that breaks a rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ViolationNode {
    /// CSS selectors of the element (nested arrays through iframes and shadow roots).
    #[serde(default)]
    pub target: serde_json::Value,
    /// What axe says is wrong with this element.
    #[serde(default)]
    pub failure_summary: Option<String>,
}

impl Violation {
    /// `serious` or `critical`: what the audits must never find.
    pub fn is_serious(&self) -> bool {
        matches!(self.impact.as_deref(), Some("serious" | "critical"))
    }

    /// Selectors of every offending element, one string each.
    pub fn targets(&self) -> Vec<String> {
        self.nodes
            .iter()
            .map(|n| match &n.target {
                serde_json::Value::Array(parts) => parts
                    .iter()
                    .map(|p| match p {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    })
                    .collect::<Vec<_>>()
                    .join(" >>> "),
                other => other.to_string(),
            })
            .collect()
    }
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "[{}] {}: {} ({})",
            self.impact.as_deref().unwrap_or("?"),
            self.id,
            self.help,
            self.help_url
        )?;
        for (target, node) in self.targets().iter().zip(&self.nodes) {
            write!(f, "\n      at {target}")?;
            if let Some(s) = &node.failure_summary {
                write!(f, ": {}", s.replace('\n', " "))?;
            }
        }
        Ok(())
    }
}

/// The text of `axe.min.js`, installed once per target dir with `npm ci`
/// from this crate's `package-lock.json`. `Ok(None)` when npm is missing
/// (the caller skips).
///
/// # Errors
/// npm is there but the install fails (no network, a broken lock).
pub fn axe_source() -> Result<Option<String>, String> {
    static AXE: OnceLock<Result<Option<String>, String>> = OnceLock::new();
    AXE.get_or_init(|| install_axe(&target_dir())).clone()
}

fn install_axe(target: &Path) -> Result<Option<String>, String> {
    let dir = target.join(AXE_DIR);
    let script = |d: &Path| d.join("node_modules/axe-core/axe.min.js");
    let installed = std::fs::read_to_string(dir.join("package-lock.json"))
        .is_ok_and(|lock| lock == PACKAGE_LOCK)
        && script(&dir).is_file();
    if !installed {
        if Command::new("npm")
            .arg("--version")
            .stdout(Stdio::null())
            .status()
            .is_err()
        {
            return Ok(None);
        }
        // Install beside, then rename: a half-finished install is never used.
        let partial = target.join(format!("{AXE_DIR}.partial-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&partial);
        std::fs::create_dir_all(&partial).map_err(|e| format!("{}: {e}", partial.display()))?;
        std::fs::write(partial.join("package.json"), PACKAGE_JSON)
            .and_then(|()| std::fs::write(partial.join("package-lock.json"), PACKAGE_LOCK))
            .map_err(|e| format!("{}: {e}", partial.display()))?;
        let out = Command::new("npm")
            .args([
                "ci",
                "--ignore-scripts",
                "--no-audit",
                "--no-fund",
                "--prefix",
            ])
            .arg(&partial)
            .output()
            .map_err(|e| format!("npm ci: {e}"))?;
        if !out.status.success() {
            let _ = std::fs::remove_dir_all(&partial);
            return Err(format!(
                "npm ci for axe-core failed ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let _ = std::fs::remove_dir_all(&dir);
        if std::fs::rename(&partial, &dir).is_err() {
            // Another test binary won the race; use its copy.
            let _ = std::fs::remove_dir_all(&partial);
        }
    }
    std::fs::read_to_string(script(&dir))
        .map(Some)
        .map_err(|e| format!("{}: {e}", script(&dir).display()))
}

/// Runs axe in the page once it is loaded; the last argument is WebDriver's
/// callback. The caller puts axe's source in front of this script (see
/// [`axe_script`]): a `<script>` element with axe's text would be blocked by
/// the pages' Content-Security-Policy, while a script WebDriver runs is not.
const AXE_RUN: &str = r"
const done = arguments[arguments.length - 1];
window.axe.run(document, { resultTypes: ['violations'] })
  .then(r => done({ violations: r.violations }))
  .catch(e => done({ error: String(e) }));
";

/// The script of one audit: axe's source (defining `window.axe` unless the
/// page has it already), then [`AXE_RUN`].
fn axe_script(axe: &str) -> String {
    format!("if (typeof window.axe === 'undefined') {{\n{axe}\n}}\n{AXE_RUN}")
}

/// Splits a page's violations into the ones that fail a test
/// (serious, critical) and the ones only reported.
pub fn split_violations(all: Vec<Violation>) -> (Vec<Violation>, Vec<Violation>) {
    all.into_iter().partition(Violation::is_serious)
}

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

/// A headless Chromium driven through chromedriver.
pub struct Browser {
    client: Client,
    axe: String,
    /// Dropped after `client`: kills chromedriver and its browsers.
    _driver: ChromeDriver,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium, and makes sure axe-core is
    /// installed. `None` (after a skip message) when chromium, chromedriver or
    /// npm is missing; `what` names the test for that message.
    ///
    /// # Panics
    /// Under `CI=true` when a tool is missing; anywhere when a present tool
    /// fails (chromedriver does not start, npm cannot install axe-core).
    pub async fn start(what: &str) -> Option<Self> {
        Self::start_with_args(what, &[]).await
    }

    /// [`Self::start`] with more Chromium switches (a fake camera, WebGL on
    /// `SwiftShader`, permission answers).
    ///
    /// # Panics
    /// As [`Self::start`].
    pub async fn start_with_args(what: &str, extra_args: &[String]) -> Option<Self> {
        let driver_bin = tool("PUSTAKA_CHROMEDRIVER", CHROMEDRIVER);
        let chromium = tool("PUSTAKA_CHROMIUM", CHROMIUM);
        for (bin, pkg) in [(&driver_bin, "chromium-driver"), (&chromium, "chromium")] {
            if !bin.is_file() {
                skip(&format!(
                    "{what}: {} not found (Debian package `{pkg}`)",
                    bin.display()
                ));
                return None;
            }
        }
        let axe = match axe_source() {
            Ok(Some(src)) => src,
            Ok(None) => {
                skip(&format!(
                    "{what}: npm not found (Debian package `npm`), needed for axe-core"
                ));
                return None;
            }
            Err(e) => panic!("{what}: {e}"),
        };
        let mut driver = ChromeDriver::spawn(&driver_bin).unwrap_or_else(|e| panic!("{e}"));
        driver.wait_ready().await.unwrap_or_else(|e| panic!("{e}"));
        let mut args: Vec<String> = [
            "--headless=new",
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--lang=id-ID",
        ]
        .map(String::from)
        .into();
        // WebGL needs a GPU process; SwiftShader is the software one.
        if !extra_args
            .iter()
            .any(|a| a == "--enable-unsafe-swiftshader")
        {
            args.push("--disable-gpu".into());
        }
        args.push(format!("--window-size={},{}", WINDOW.0, WINDOW.1));
        args.push(format!(
            "--user-data-dir={}",
            driver.profile.path().join("profile").display()
        ));
        args.extend(extra_args.iter().cloned());
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": args,
                // Headless Chromium sends `Accept-Language: en-US` whatever
                // `--lang` says; visitors here are Indonesian first.
                "prefs": { "intl.accept_languages": "id-ID,id" },
            }),
        );
        let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&driver.url())
            .await
            .unwrap_or_else(|e| panic!("{what}: cannot open a Chromium session: {e}"));
        client
            .update_timeouts(fantoccini::wd::TimeoutConfiguration::new(
                Some(AXE_TIMEOUT),
                None,
                None,
            ))
            .await
            .expect("script timeout set");
        Some(Self {
            client,
            axe,
            _driver: driver,
        })
    }

    /// The WebDriver client, for anything the helpers do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Sends the Chrome `DevTools` Protocol command `method` with `params` to
    /// the page (chromedriver's `goog/cdp/execute`) and returns its result.
    /// Only commands: the page's CDP events do not come back this way.
    ///
    /// # Errors
    /// The command is unknown, its parameters are wrong, or the browser is gone.
    pub async fn cdp(
        &self,
        method: &str,
        params: serde_json::Value,
    ) -> Result<serde_json::Value, String> {
        self.client
            .issue_cmd(CdpCommand {
                method: method.to_string(),
                params,
            })
            .await
            .map_err(|e| format!("CDP {method}: {e}"))
    }

    /// Loads `url` and waits for its `load` event.
    ///
    /// # Panics
    /// When the browser cannot load it.
    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// The page's `<title>`.
    ///
    /// # Panics
    /// When the browser does not answer.
    pub async fn title(&self) -> String {
        self.client.title().await.expect("page title")
    }

    /// The visible text of the first element matching `css`.
    ///
    /// # Panics
    /// When nothing matches.
    pub async fn text(&self, css: &str) -> String {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no element {css:?}: {e}"));
        el.text().await.expect("element text")
    }

    /// Clicks the element matching `css` and waits until the next document
    /// has loaded (the old `<html>` went stale and the new one is complete):
    /// one librarian click that leads to another page.
    ///
    /// # Panics
    /// When nothing matches or no new page comes within two minutes.
    pub async fn click_to_page(&self, css: &str) {
        let old = self
            .client
            .find(Locator::Css("html"))
            .await
            .expect("a document");
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing to click at {css:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if old.tag_name().await.is_err() {
                let ready = self
                    .client
                    .execute("return document.readyState", vec![])
                    .await
                    .ok();
                if ready.as_ref().and_then(|v| v.as_str()) == Some("complete") {
                    return;
                }
            }
            assert!(
                Instant::now() < deadline,
                "no new page after clicking {css:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clears the field matching `css` and types `text` into it.
    ///
    /// # Panics
    /// When nothing matches or the browser refuses.
    pub async fn type_into(&self, css: &str, text: &str) {
        let el = self
            .client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no field {css:?}: {e}"));
        el.clear()
            .await
            .unwrap_or_else(|e| panic!("clear {css:?}: {e}"));
        el.send_keys(text)
            .await
            .unwrap_or_else(|e| panic!("type into {css:?}: {e}"));
    }

    /// The page's form that `css` (a submit button) belongs to, as the
    /// browser would send it when that button is pressed: its fields'
    /// names and values (checked boxes and radios only) plus the button's
    /// own name and value. For submissions that download a file, which a
    /// test then sends itself with [`Self::cookie_header`].
    ///
    /// # Panics
    /// When nothing matches or the script fails.
    pub async fn form_of(&self, css: &str) -> Vec<(String, String)> {
        let v = self
            .client
            .execute(
                "const b = document.querySelector(arguments[0]);
                 const fd = new FormData(b.form, b);
                 return Array.from(fd.entries()).map(([k, v]) => [k, String(v)]);",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await
            .unwrap_or_else(|e| panic!("form of {css:?}: {e}"));
        serde_json::from_value(v).expect("pairs")
    }

    /// The browser's cookies as a `Cookie` header, for requests a test
    /// sends itself in the browser's session.
    ///
    /// # Panics
    /// When the browser does not answer.
    pub async fn cookie_header(&self) -> String {
        self.client
            .get_all_cookies()
            .await
            .expect("cookies")
            .iter()
            .map(|c| format!("{}={}", c.name(), c.value()))
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The path (and query) of the current URL.
    ///
    /// # Panics
    /// When the browser does not answer.
    pub async fn current_path(&self) -> String {
        let url = self.client.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        }
    }

    /// The HTTP status of the loaded document, from the browser's Navigation
    /// Timing (`responseStatus`); `None` when the browser shows its own error
    /// page or cannot tell.
    ///
    /// # Panics
    /// When the browser does not answer.
    pub async fn status(&self) -> Option<u16> {
        self.client
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 return n ? n.responseStatus : null;",
                vec![],
            )
            .await
            .expect("navigation timing")
            .as_u64()
            .and_then(|s| u16::try_from(s).ok())
            .filter(|&s| s != 0)
    }

    /// Saves a PNG of the whole page (the window is stretched to the page's
    /// height, then restored) as `<target>/browser-screenshots/{name}.png`
    /// and returns its path. Look at it.
    ///
    /// # Panics
    /// When the browser or the disk fails.
    pub async fn screenshot(&self, name: &str) -> PathBuf {
        // The window is taller than the viewport by the browser's own
        // frame, so the window needs the page's height plus that frame.
        let height = self
            .client
            .execute(
                "return Math.ceil(document.documentElement.scrollHeight \
                 + window.outerHeight - window.innerHeight);",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_u64())
            .map_or(WINDOW.1, |h| u32::try_from(h).unwrap_or(u32::MAX))
            .clamp(WINDOW.1, MAX_SCREENSHOT_HEIGHT_PX);
        let resized = height != WINDOW.1;
        if resized {
            let _ = self.client.set_window_size(WINDOW.0, height).await;
        }
        let png = self.client.screenshot().await.expect("screenshot");
        if resized {
            let _ = self.client.set_window_size(WINDOW.0, WINDOW.1).await;
        }
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let path = dir.join(format!("{}.png", file_name(name)));
        std::fs::write(&path, png).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("screenshot: {}", path.display());
        path
    }

    /// Runs axe-core on the loaded page and returns every violation.
    ///
    /// # Panics
    /// When the script fails (axe threw, or the browser timed out).
    pub async fn audit(&self) -> Vec<Violation> {
        let out = self
            .client
            .execute_async(&axe_script(&self.axe), Vec::new())
            .await
            .unwrap_or_else(|e| panic!("axe did not run: {e}"));
        if let Some(err) = out.get("error") {
            panic!("axe failed: {err}");
        }
        serde_json::from_value(out["violations"].clone())
            .unwrap_or_else(|e| panic!("axe's violations do not parse: {e}: {out}"))
    }

    /// Audits the loaded page; returns one message per serious or critical
    /// violation (empty when clean) and prints the minor and moderate ones.
    /// For tests that collect problems over many pages and assert once.
    pub async fn accessibility_problems(&self, page: &str) -> Vec<String> {
        let (serious, minor) = split_violations(self.audit().await);
        for v in &minor {
            eprintln!("axe note on {page}: {v}");
        }
        serious.iter().map(|v| format!("{page}: {v}")).collect()
    }

    /// Audits the loaded page and fails listing each serious or critical
    /// violation (rule id, impact, help, offending selectors); minor and
    /// moderate ones are printed only.
    ///
    /// # Panics
    /// On any serious or critical violation.
    pub async fn assert_accessible(&self, page: &str) {
        let problems = self.accessibility_problems(page).await;
        assert!(
            problems.is_empty(),
            "axe found {} serious/critical violation(s) on {page}:\n  {}",
            problems.len(),
            problems.join("\n  ")
        );
    }

    /// Fills the login form at `login_url` (fields `username` and
    /// `password`) and clicks its submit button, without waiting for the
    /// outcome: for tests of a failed login.
    ///
    /// # Panics
    /// When the page has no such form.
    pub async fn submit_login(&self, login_url: &str, username: &str, password: &str) {
        self.goto(login_url).await;
        let form = self
            .client
            .form(Locator::Css("form:has(input[name=password])"))
            .await
            .unwrap_or_else(|e| panic!("no login form at {login_url}: {e}"));
        form.set_by_name("username", username)
            .await
            .expect("username field");
        form.set_by_name("password", password)
            .await
            .expect("password field");
        form.submit_with(Locator::Css("button[type=submit], input[type=submit]"))
            .await
            .expect("submit button");
    }

    /// Logs in through the back office's login form at `login_url` (see
    /// [`Self::submit_login`]) and waits until the browser has left the
    /// login page; returns the path it landed on.
    ///
    /// # Panics
    /// When the form is missing or the browser stays on the login page
    /// (wrong credentials, a broken form).
    pub async fn login(&self, login_url: &str, username: &str, password: &str) -> String {
        let login_path = url_path(login_url);
        self.submit_login(login_url, username, password).await;
        let what = format!("the browser to leave {login_path} after logging in as {username}");
        pustaka_test_support::wait::poll_until_async(&what, LOGIN_TIMEOUT, || async {
            let now = self.client.current_url().await.expect("current url");
            (now.path() != login_path).then(|| now.path().to_string())
        })
        .await
    }

    /// The distinct same-origin links (`href` resolved by the browser) on the
    /// loaded page whose path starts with `prefix`, without fragment, in page
    /// order. For crawling a section (`/admin/`) without listing its routes.
    ///
    /// # Panics
    /// When the browser does not answer.
    pub async fn links_under(&self, prefix: &str) -> Vec<String> {
        let found = self
            .client
            .execute(
                "const p = arguments[0]; const seen = new Set(); const out = [];
                 for (const a of document.querySelectorAll('a[href]')) {
                   const u = new URL(a.href, location.href);
                   if (u.origin !== location.origin || !u.pathname.startsWith(p)) continue;
                   u.hash = '';
                   const s = u.pathname + u.search;
                   if (!seen.has(s)) { seen.add(s); out.push(s); }
                 }
                 return out;",
                vec![serde_json::Value::String(prefix.to_string())],
            )
            .await
            .expect("links");
        serde_json::from_value(found).expect("a list of paths")
    }

    /// Ends the browser session cleanly (drop also cleans up, less gently).
    pub async fn close(self) {
        let Self {
            client, _driver, ..
        } = self;
        let _ = client.close().await;
        drop(_driver);
    }
}

/// A Chrome `DevTools` Protocol command through chromedriver's vendor
/// endpoint `POST /session/{id}/goog/cdp/execute` (`{"cmd", "params"}`).
#[derive(Debug)]
struct CdpCommand {
    method: String,
    params: serde_json::Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for CdpCommand {
    fn endpoint(
        &self,
        base_url: &url::Url,
        session_id: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base_url.join(&format!(
            "session/{}/goog/cdp/execute",
            session_id.unwrap_or_default()
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (http::Method, Option<String>) {
        let body = serde_json::json!({"cmd": self.method, "params": self.params});
        (http::Method::POST, Some(body.to_string()))
    }
}

/// The path of an absolute URL (`http://host/a/b?q` → `/a/b`).
fn url_path(url: &str) -> String {
    let after_scheme = url.split_once("://").map_or(url, |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    path.split(['?', '#']).next().unwrap_or("/").to_string()
}

/// A name safe as a file name: letters, digits, `-`, `_`, `.`; the rest → `_`.
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

// ---------------------------------------------------------------------------
// Server + browser
// ---------------------------------------------------------------------------

/// A demo server and a browser: what every browser test starts with.
pub struct Session {
    /// The server under test (demo library seeded).
    pub server: TestServer,
    /// The browser.
    pub browser: Browser,
}

impl Session {
    /// Starts the browser (or skips, see [`Browser::start`]) and a demo server.
    pub async fn start(what: &str) -> Option<Self> {
        let browser = Browser::start(what).await?;
        let server = TestServer::spawn(true).await;
        Some(Self { server, browser })
    }

    /// Loads `path` of the server, saves its screenshot as `name` and returns
    /// the serious/critical accessibility problems found on it.
    pub async fn visit_and_audit(&self, path: &str, name: &str) -> Vec<String> {
        self.browser.goto(&self.server.url(path)).await;
        self.browser.screenshot(name).await;
        self.browser.accessibility_problems(name).await
    }

    /// Ends the browser session.
    pub async fn close(self) {
        self.browser.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn violation(impact: Option<&str>) -> Violation {
        serde_json::from_value(serde_json::json!({
            "id": "color-contrast",
            "impact": impact,
            "help": "Elements must meet minimum color contrast ratio thresholds",
            "helpUrl": "https://dequeuniversity.com/rules/axe/4.14/color-contrast",
            "nodes": [
                {"target": ["header > a"], "failureSummary": "Fix any of the following:\n  contrast 2.1"},
                {"target": [["iframe"], "p"]}
            ]
        }))
        .expect("parses like axe's output")
    }

    #[test]
    fn serious_and_critical_fail_the_rest_is_reported() {
        let all = ["minor", "moderate", "serious", "critical"]
            .into_iter()
            .map(|i| violation(Some(i)))
            .chain([violation(None)])
            .collect();
        let (serious, rest) = split_violations(all);
        let impacts = |v: &[Violation]| {
            v.iter()
                .map(|v| v.impact.clone().unwrap_or_default())
                .collect::<Vec<_>>()
        };
        assert_eq!(impacts(&serious), ["serious", "critical"]);
        assert_eq!(impacts(&rest), ["minor", "moderate", ""]);
    }

    #[test]
    fn a_violation_names_its_rule_and_elements() {
        let text = violation(Some("serious")).to_string();
        assert!(
            text.starts_with("[serious] color-contrast: Elements must"),
            "{text}"
        );
        assert!(
            text.contains("at header > a: Fix any of the following:   contrast 2.1"),
            "{text}"
        );
        assert!(text.contains(r#"at ["iframe"] >>> p"#), "{text}");
    }

    #[test]
    fn missing_tool_skips_outside_ci_and_fails_in_ci() {
        skip_or_fail("no chromium", false);
        let r = std::panic::catch_unwind(|| skip_or_fail("no chromium", true));
        assert!(r.is_err());
    }

    #[test]
    fn target_dir_follows_cargo_target_dir() {
        let root = pustaka_test_support::workspace_root();
        assert_eq!(target_dir_from(None), root.join("target"));
        assert_eq!(
            target_dir_from(Some(PathBuf::from("/work/t"))),
            PathBuf::from("/work/t")
        );
        assert_eq!(target_dir_from(Some(PathBuf::from("t2"))), root.join("t2"));
    }

    #[test]
    fn url_path_drops_origin_and_query() {
        assert_eq!(
            url_path("http://127.0.0.1:9/admin/login?next=/x"),
            "/admin/login"
        );
        assert_eq!(url_path("http://127.0.0.1:9"), "/");
        assert_eq!(url_path("/admin#top"), "/admin");
    }

    #[test]
    fn screenshot_names_are_safe_file_names() {
        assert_eq!(file_name("m/BK0001?lang=en"), "m_BK0001_lang_en");
        assert_eq!(file_name("../etc"), ".._etc");
    }
}
