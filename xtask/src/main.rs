//! `cargo xtask`: the project's own commands.
//!
//! - `cargo xtask setup`: installs what the other commands need (Debian
//!   packages, rustfmt and clippy, the wasm toolchain); `test`, `demo` and
//!   `bench` run their part of it first.
//! - `cargo xtask demo [--headless]`: the server on an embedded SQLite database
//!   seeded with the demo library, serving the AR app's browser bundle at
//!   `/ar/` (release build; left out, with how to install the wasm toolchain,
//!   when it is missing), and the desktop app connected to it.
//! - `cargo xtask test`: everything CI runs (format, lints, docs, feature
//!   checks, every test), with the wall time of each step.
//! - `cargo xtask bench`: the benchmarks.
//! - `cargo xtask ci`: `test` with `CI=true` (data-driven tests become mandatory).
//! - `cargo xtask scan-worker`: the browser's scan worker alone (see [`scanner_worker`]).
//!
//! Setting up installs the Debian packages when run as root, or prints the
//! exact `sudo apt-get install ...` line and stops.
//! This crate has no dependencies so that it builds in seconds on a fresh machine.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

mod scanner_worker;
mod web;

use scanner_worker::{WasmProfile, build_scanner_worker};

/// Packages that building the workspace needs (nokhwa's bindgen needs libclang).
const BUILD_PACKAGES: &[&str] = &[
    "pkg-config",
    "libasound2-dev",
    "libudev-dev",
    "libclang-dev",
];

/// Packages that running the app headless (tests, demo --headless) needs:
/// an X server in memory and software Vulkan (lavapipe).
const RUN_PACKAGES: &[&str] = &[
    "xvfb",
    "xauth",
    "mesa-vulkan-drivers",
    "libvulkan1",
    "libxcursor1",
    "libxi6",
    "libxkbcommon-x11-0",
    "libx11-xcb1",
    "libxcb-randr0",
];

/// Packages the tests use as real peers: pdftoppm renders printed sheets,
/// ffmpeg/ffprobe normalise uploaded videos; the browser tests drive Chromium
/// through chromedriver and install axe-core with npm.
const TEST_PACKAGES: &[&str] = &[
    "poppler-utils",
    "ffmpeg",
    "chromium",
    "chromium-driver",
    "npm",
];

/// Packages the benchmarks use: wrk as load generator, nginx as the baseline server.
const BENCH_PACKAGES: &[&str] = &["wrk", "nginx-light"];

/// Packages the desktop demo uses: espeak-ng speaks the read-aloud button.
const DEMO_PACKAGES: &[&str] = &["espeak-ng"];

/// Packages every demo run uses: ffmpeg makes the demo trailer on the server
/// and plays it in the app's detail panel.
const DEMO_MEDIA_PACKAGES: &[&str] = &["ffmpeg"];

/// Where the demo server listens unless `--port` says otherwise.
const DEMO_HOST: &str = "127.0.0.1";
const DEMO_PORT: u16 = 8080;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("setup") => setup_command(&args[1..]),
        Some("demo") => demo(&args[1..]),
        Some("test") => no_more_args(&args[1..]).and_then(|()| test(false)),
        Some("ci") => no_more_args(&args[1..]).and_then(|()| test(true)),
        Some("bench") => no_more_args(&args[1..]).and_then(|()| bench()),
        Some("scan-worker") => scan_worker(&args[1..]),
        Some("web") => web_app(&args[1..]),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            Ok(())
        }
        Some(other) => Err(format!("unknown command '{other}'\n\n{USAGE}")),
        None => Err(format!("no command given\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

const USAGE: &str = "usage: cargo xtask <command>

commands:
  setup [test|demo|bench]
                     install what the commands need (Debian packages when
                     root, rustfmt/clippy, the wasm toolchain); without an
                     argument, for all of them. test, demo and bench run it
  demo [--headless] [--port N]
                     run the server with the demo library (on 127.0.0.1:8080,
                     or port N), the AR app in the browser at /ar/ (release
                     bundle in target/demo-web-app) and the desktop app;
                     --headless renders offscreen and saves a screenshot
                     and a report in target/demo-out/
  test               format check, clippy, docs (warnings denied), feature
                     checks, every test, with each step's wall time (what CI runs)
  ci                 `test` with CI=true (test data mandatory)
  bench              the benchmarks, with ratios against baselines (builds
                     the scan worker, the release web bundle and the
                     release desktop app they measure first)
  scan-worker [--dev] [--out DIR]
                     build the browser's scan worker (wasm + JS) into DIR
                     (default target/scan-worker); --dev: dev profile, quicker
  web [--dev] [--out DIR]
                     build the AR app's browser bundle (app wasm, scan worker,
                     page, service worker; hashed names, .br/.gz copies) into
                     DIR (default target/web-app), for `pustaka-server serve
                     --web-app DIR`; --dev: dev profile (tests)";

/// Where `cargo xtask scan-worker` (and `test`, `bench`) put the scan worker;
/// the browser test and the benchmark look here.
fn scan_worker_dir() -> PathBuf {
    target_dir().join("scan-worker")
}

fn scan_worker(args: &[String]) -> Result {
    let mut profile = WasmProfile::Release;
    let mut out = scan_worker_dir();
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--dev" => profile = WasmProfile::Dev,
            "--out" => out = PathBuf::from(rest.next().ok_or("--out needs a folder")?),
            other => return Err(format!("unknown scan-worker option '{other}'\n\n{USAGE}")),
        }
    }
    fresh_dir(&out)?;
    build_scanner_worker(&out, profile).map(|_| ())
}

fn web_app(args: &[String]) -> Result {
    let mut profile = WasmProfile::Release;
    let mut out = web::default_out();
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--dev" => profile = WasmProfile::Dev,
            "--out" => out = PathBuf::from(rest.next().ok_or("--out needs a folder")?),
            other => return Err(format!("unknown web option '{other}'\n\n{USAGE}")),
        }
    }
    web::build_web_app(&out, profile).map(|_| ())
}

/// Empties `dir` (creating it): old hashed files must not linger beside new ones.
fn fresh_dir(dir: &Path) -> Result {
    if dir.exists() {
        std::fs::remove_dir_all(dir).map_err(|e| format!("cannot empty {}: {e}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

fn no_more_args(rest: &[String]) -> Result {
    match rest.first() {
        None => Ok(()),
        Some(a) => Err(format!("unexpected argument '{a}'\n\n{USAGE}")),
    }
}

/// The workspace root. `cargo run` sets `CARGO_MANIFEST_DIR` at run time; the
/// compile-time value is only a fallback, since a reused target dir can hold
/// an xtask built from another checkout.
fn root() -> PathBuf {
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest.parent().map(Path::to_path_buf).unwrap_or_default()
}

/// The cargo that runs xtask, in the repository root, without the variables
/// `cargo run` set for xtask itself (`CARGO_PKG_*`, `CARGO_MANIFEST_*`, ...):
/// build scripts that watch those (ring's does) would otherwise rebuild on
/// every switch between `cargo build` and `cargo xtask`.
fn cargo() -> Command {
    let mut c = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    c.current_dir(root());
    for (name, _) in std::env::vars_os() {
        if name.to_str().is_some_and(set_for_xtask_by_cargo_run) {
            c.env_remove(name);
        }
    }
    c
}

/// Whether `name` is one of the variables `cargo run` sets for the program it
/// runs (see "Environment variables Cargo sets for crates" in the Cargo book).
fn set_for_xtask_by_cargo_run(name: &str) -> bool {
    name.starts_with("CARGO_PKG_")
        || matches!(
            name,
            "CARGO_MANIFEST_DIR"
                | "CARGO_MANIFEST_PATH"
                | "CARGO_CRATE_NAME"
                | "CARGO_BIN_NAME"
                | "CARGO_PRIMARY_PACKAGE"
        )
}

fn run(cmd: &mut Command) -> Result {
    eprintln!("xtask: running {cmd:?}");
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{cmd:?} failed with {status}"))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Packages whose command may come from elsewhere: when the command runs, the
/// package is not needed (e.g. the `NodeSource` build of `nodejs` ships `npm` and conflicts
/// with Debian's `npm` package).
const PROVIDED_BY_COMMAND: &[(&str, &str)] = &[("npm", "npm")];

fn missing_packages(wanted: &[&str]) -> Vec<String> {
    wanted
        .iter()
        .filter(|p| {
            let command_runs = PROVIDED_BY_COMMAND.iter().any(|(pkg, cmd)| {
                pkg == *p
                    && Command::new(cmd)
                        .arg("--version")
                        .stdout(Stdio::null())
                        .stderr(Stdio::null())
                        .status()
                        .is_ok_and(|s| s.success())
            });
            if command_runs {
                return false;
            }
            // `dpkg-query -W -f '${Status}'` prints "install ok installed" for installed ones.
            let out = Command::new("dpkg-query").args(["-W", "-f", "${Status}", p]).output();
            !matches!(out, Ok(o) if String::from_utf8_lossy(&o.stdout).contains("install ok installed"))
        })
        .map(|p| p.to_string())
        .collect()
}

/// Installs Debian packages when root; otherwise prints the sudo line and fails.
fn ensure_packages(wanted: &[&str]) -> Result {
    if Command::new("dpkg-query")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!(
            "xtask: not a Debian/Ubuntu system; make sure these are installed: {}",
            wanted.join(" ")
        );
        return Ok(());
    }
    let missing = missing_packages(wanted);
    if missing.is_empty() {
        return Ok(());
    }
    let line = format!("apt-get install -y {}", missing.join(" "));
    if !is_root() {
        return Err(format!(
            "missing system packages. Install them with:\n\n    sudo apt-get update && sudo {line}\n"
        ));
    }
    eprintln!("xtask: installing {}", missing.join(" "));
    run(Command::new("apt-get").args(["update", "-qq"]))?;
    run(Command::new("apt-get")
        .env("DEBIAN_FRONTEND", "noninteractive")
        .args(["install", "-y", "-qq", "--no-install-recommends"])
        .args(&missing))
}

fn ensure_rust_components() -> Result {
    for (tool, component) in [("fmt", "rustfmt"), ("clippy", "clippy")] {
        let ok = cargo()
            .args([tool, "--version"])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            run(Command::new("rustup").args(["component", "add", component]))?;
        }
    }
    Ok(())
}

/// What `cargo xtask setup` prepares the machine for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Purpose {
    /// `cargo xtask test`: build, run headless, the tests' real peers, the
    /// scan worker and web bundle the browser tests load.
    Test,
    /// `cargo xtask demo`; a windowed demo also speaks (espeak-ng).
    Demo { windowed: bool },
    /// `cargo xtask bench`: load generator and baseline server.
    Bench,
}

impl Purpose {
    /// The Debian packages this purpose needs.
    fn packages(self) -> Vec<&'static str> {
        let extra: &[&[&str]] = match self {
            Purpose::Test => &[
                RUN_PACKAGES,
                TEST_PACKAGES,
                web::COMPRESS_PACKAGES,
                scanner_worker::WASM_PACKAGES,
            ],
            Purpose::Demo { windowed: false } => &[
                RUN_PACKAGES,
                DEMO_MEDIA_PACKAGES,
                web::COMPRESS_PACKAGES,
                scanner_worker::WASM_PACKAGES,
            ],
            Purpose::Demo { windowed: true } => &[
                RUN_PACKAGES,
                DEMO_MEDIA_PACKAGES,
                DEMO_PACKAGES,
                web::COMPRESS_PACKAGES,
                scanner_worker::WASM_PACKAGES,
            ],
            Purpose::Bench => &[TEST_PACKAGES, BENCH_PACKAGES, scanner_worker::WASM_PACKAGES],
        };
        let mut all: Vec<&str> = BUILD_PACKAGES.to_vec();
        extra.iter().for_each(|p| all.extend_from_slice(p));
        all.sort_unstable();
        all.dedup();
        all
    }
}

/// `cargo xtask setup [test|demo|bench]`: without an argument, everything.
fn setup_command(args: &[String]) -> Result {
    let purposes: &[Purpose] = match args {
        [] => &[
            Purpose::Test,
            Purpose::Demo { windowed: true },
            Purpose::Bench,
        ],
        [one] if one == "test" => &[Purpose::Test],
        [one] if one == "demo" => &[Purpose::Demo { windowed: true }],
        [one] if one == "bench" => &[Purpose::Bench],
        [other, ..] => return Err(format!("unknown setup target '{other}'\n\n{USAGE}")),
    };
    purposes.iter().try_for_each(|p| setup(*p))
}

/// Installs what `purpose` needs: Debian packages (as root; otherwise the
/// `sudo apt-get` line and an error), the wasm toolchain (target,
/// wasm-bindgen CLI, wasm-opt) for every purpose (the demo serves the AR app
/// in the browser), and for tests and benchmarks rustfmt and clippy.
fn setup(purpose: Purpose) -> Result {
    ensure_packages(&purpose.packages())?;
    if matches!(purpose, Purpose::Test | Purpose::Bench) {
        ensure_rust_components()?;
    }
    scanner_worker::ensure_wasm_toolchain(WasmProfile::Release)
}

/// Wall times of a command's steps, printed as a table at the end.
struct StepTimes {
    start: Instant,
    steps: Vec<(&'static str, Duration)>,
}

impl StepTimes {
    fn new() -> Self {
        Self {
            start: Instant::now(),
            steps: Vec::new(),
        }
    }

    /// Runs one step and notes its wall time, whether it passed or not.
    fn run(&mut self, name: &'static str, step: impl FnOnce() -> Result) -> Result {
        let t = Instant::now();
        let result = step();
        self.steps.push((name, t.elapsed()));
        result
    }

    /// The table: each step's time and the whole run's.
    fn print(&self) {
        println!("\nxtask: wall time per step");
        for (name, took) in &self.steps {
            println!("  {:>7.1} s  {name}", took.as_secs_f64());
        }
        println!("  {:>7.1} s  total", self.start.elapsed().as_secs_f64());
    }
}

fn test(ci: bool) -> Result {
    let mut times = StepTimes::new();
    let result = test_steps(ci, &mut times);
    times.print();
    result
}

fn test_steps(ci: bool, times: &mut StepTimes) -> Result {
    times.run("setup", || setup(Purpose::Test))?;
    times.run("cargo fmt --check", || {
        run(cargo().args(["fmt", "--all", "--check"]))
    })?;
    times.run("cargo clippy -D warnings", || {
        run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    // Broken intra-doc links and malformed docs fail, like clippy's warnings.
    times.run("cargo doc (warnings denied)", || {
        run(cargo()
            .env("RUSTDOCFLAGS", "-D warnings")
            .args(["doc", "--no-deps", "--workspace"]))
    })?;
    // Feature sets the workspace build never compiles: the scanner alone (as
    // the app and the browser worker use it) and the server's S3 store.
    times.run("cargo check markers, no default features", || {
        run(cargo().args(["check", "-p", "pustaka-markers", "--no-default-features"]))
    })?;
    times.run("cargo check backend --features s3", || {
        run(cargo().args(["check", "-p", "pustaka-backend", "--features", "s3"]))
    })?;
    // The browser test of the scan worker loads it from target/scan-worker.
    times.run("scan worker (release wasm)", || {
        fresh_dir(&scan_worker_dir())?;
        build_scanner_worker(&scan_worker_dir(), WasmProfile::Release).map(|_| ())
    })?;
    // The browser test of the AR app loads the bundle from target/web-app;
    // the dev profile builds in a third of the release time.
    times.run("web app bundle (dev wasm)", || {
        fresh_dir(&web::default_out())?;
        web::build_web_app(&web::default_out(), WasmProfile::Dev).map(|_| ())
    })?;
    // Tests that open a window (headless app, screenshots) need an X server:
    // xvfb-run gives every test binary one, rendering on software Vulkan.
    times.run("cargo test --workspace", || {
        let mut t = Command::new("xvfb-run");
        t.current_dir(root())
            .args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
            .args(["test", "--workspace", "--no-fail-fast"]);
        if ci {
            t.env("CI", "true");
        }
        run_tallied(&mut t)
    })
}

/// Runs `cargo test`, echoing its output, then prints one closing line that
/// adds up every `test result:` line: `tests: N passed, N failed, N skipped`
/// (skipped = cargo's "ignored").
fn run_tallied(cmd: &mut Command) -> Result {
    use std::io::BufRead;
    eprintln!("xtask: running {cmd:?}");
    let mut child = cmd
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {cmd:?}: {e}"))?;
    let (mut passed, mut failed, mut ignored) = (0u64, 0u64, 0u64);
    if let Some(out) = child.stdout.take() {
        for line in std::io::BufReader::new(out)
            .lines()
            .map_while(std::result::Result::ok)
        {
            println!("{line}");
            let (p, f, i) = tally_line(&line);
            passed += p;
            failed += f;
            ignored += i;
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    println!("tests: {passed} passed, {failed} failed, {ignored} skipped");
    if status.success() {
        Ok(())
    } else {
        Err(format!("tests failed ({status})"))
    }
}

fn bench() -> Result {
    setup(Purpose::Bench)?;
    // The scanner benchmark compares the worker's wasm with the native scanner.
    fresh_dir(&scan_worker_dir())?;
    build_scanner_worker(&scan_worker_dir(), WasmProfile::Release)?;
    // The AR app benchmark (tests/browser/benches/ar_app.rs) measures the
    // release bundle against the release desktop app.
    let web = web_bench_dir();
    web::build_web_app(&web, WasmProfile::Release)?;
    run(cargo().args([
        "build",
        "--release",
        "-p",
        "pustaka-mobile",
        "--bin",
        "pustaka-ar",
    ]))?;
    run(cargo()
        .args(["bench", "--workspace"])
        .env("PUSTAKA_BENCH_WEB_APP", &web)
        .env("PUSTAKA_BENCH_DESKTOP_APP", desktop_release_app()))
}

/// Where `cargo xtask bench` builds the release web bundle for the AR app
/// benchmark (its default when `PUSTAKA_BENCH_WEB_APP` is unset too).
fn web_bench_dir() -> PathBuf {
    target_dir().join("web-app-release")
}

/// The release desktop app that `cargo xtask bench` builds as the AR app
/// benchmark's baseline.
fn desktop_release_app() -> PathBuf {
    target_dir().join("release").join("pustaka-ar")
}

/// Counts of one libtest closing line
/// (`test result: ok. 3 passed; 1 failed; 2 ignored; ...`) as
/// `(passed, failed, ignored)`; any other line counts nothing.
fn tally_line(line: &str) -> (u64, u64, u64) {
    let mut counts = (0, 0, 0);
    let Some(rest) = line.trim_start().strip_prefix("test result: ") else {
        return counts;
    };
    for part in rest.split(['.', ';']) {
        let mut words = part.split_whitespace();
        if let (Some(n), Some(what)) = (words.next(), words.next()) {
            let n: u64 = n.parse().unwrap_or(0);
            match what {
                "passed" => counts.0 += n,
                "failed" => counts.1 += n,
                "ignored" => counts.2 += n,
                _ => {}
            }
        }
    }
    counts
}

/// The app is built for X11 (Wayland desktops run it through `XWayland`, which sets `DISPLAY`).
fn has_display() -> bool {
    std::env::var_os("DISPLAY").is_some_and(|s| !s.is_empty())
}

/// What `cargo xtask demo` was asked for.
#[derive(Debug, PartialEq)]
struct DemoOptions {
    headless: bool,
    port: u16,
}

/// Reads the demo's options; `Ok(None)` for `--help`.
fn demo_options(args: &[String]) -> Result<Option<DemoOptions>> {
    let mut options = DemoOptions {
        headless: false,
        port: DEMO_PORT,
    };
    let mut rest = args.iter();
    while let Some(a) = rest.next() {
        match a.as_str() {
            "--headless" => options.headless = true,
            "--port" => {
                let value = rest
                    .next()
                    .ok_or("--port needs a port number, e.g. --port 8081")?;
                options.port = value
                    .parse()
                    .ok()
                    .filter(|p| *p != 0)
                    .ok_or_else(|| format!("--port {value}: not a port number (1-65535)"))?;
            }
            "--help" | "-h" => return Ok(None),
            other => {
                return Err(format!(
                    "unknown demo option '{other}' (the options are --headless and --port N)"
                ));
            }
        }
    }
    Ok(Some(options))
}

fn demo(args: &[String]) -> Result {
    let Some(DemoOptions { headless, port }) = demo_options(args)? else {
        println!("{USAGE}");
        return Ok(());
    };
    let addr = format!("{DEMO_HOST}:{port}");
    // Another server on the port would answer the health check in the demo
    // server's place; say so before building anything.
    if let Err(e) = std::net::TcpListener::bind(&addr) {
        return Err(format!(
            "{addr} is in use ({e}); stop what runs there or pick another port: \
             cargo xtask demo --port {}",
            port.wrapping_add(1).max(1024)
        ));
    }
    // Before installing or building anything: a windowed demo needs a display.
    if !headless && !has_display() {
        return Err("this machine has no X11 display (DISPLAY is unset), so the app \
                    cannot open a window.\nRun the demo headless instead; it renders offscreen and saves a \
                    screenshot and a report:\n\n    cargo xtask demo --headless\n"
            .into());
    }
    // Vulkan drivers and X11 client libraries are needed with a real display
    // too. The wasm toolchain is not installed here (a compiler target and a
    // `cargo install`): without it the demo goes on without the browser app.
    ensure_packages(
        &Purpose::Demo {
            windowed: !headless,
        }
        .packages(),
    )?;
    // The same package and feature selection as `cargo xtask test`, so the two
    // commands share one set of compiled dependencies instead of building bevy twice.
    run(cargo().args(["build", "--workspace", "--all-targets"]))?;
    let web_app = demo_web_app();
    let bin_dir = target_dir().join("debug");
    let data_dir = target_dir().join("demo-data");
    let mut serve = Command::new(bin_dir.join("pustaka-server"));
    serve
        .args(["serve", "--demo", "--bind", &addr, "--data-dir"])
        .arg(&data_dir);
    if let Some(dir) = &web_app {
        serve.arg("--web-app").arg(dir);
    }
    let mut server = serve
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start pustaka-server: {e}"))?;
    let result = wait_healthy(&mut server, &addr)
        .map(|()| print_demo_urls(&addr, web_app.is_some()))
        .and_then(|()| demo_account(&bin_dir, &data_dir, &addr))
        .and_then(|()| run_app(&bin_dir, headless, &addr, &data_dir.join("app-cache")));
    let _ = server.kill();
    let _ = server.wait();
    result
}

/// Where `cargo xtask demo` writes the AR app's release bundle (apart from
/// `target/web-app`, the tests' dev bundle).
fn demo_web_app_dir() -> PathBuf {
    target_dir().join("demo-web-app")
}

/// What the demo says when the wasm toolchain lacks `missing`.
fn web_app_left_out(missing: &[String]) -> String {
    format!(
        "xtask: the AR app in the browser (/ar/) is left out of this demo: {} missing.\n\
         xtask: `cargo xtask setup demo` installs it (rustup target add, cargo install \
         wasm-bindgen-cli, Debian's binaryen); then run the demo again.",
        missing.join(", ")
    )
}

/// Builds the AR app's browser bundle (release profile) for the demo server;
/// `None`, after saying why and how to fix it, when the wasm toolchain is
/// missing or the build fails: the rest of the demo works without it.
fn demo_web_app() -> Option<PathBuf> {
    let missing = scanner_worker::missing_wasm_toolchain(WasmProfile::Release);
    if !missing.is_empty() {
        eprintln!("{}", web_app_left_out(&missing));
        return None;
    }
    let out = demo_web_app_dir();
    match web::build_web_app(&out, WasmProfile::Release) {
        Ok(_) => Some(out),
        Err(e) => {
            eprintln!(
                "xtask: the AR app in the browser (/ar/) could not be built ({e}); \
                 the demo goes on without it"
            );
            None
        }
    }
}

/// Prints the demo server's pages to open.
fn print_demo_urls(addr: &str, web_app: bool) {
    println!("\nWeb pages: http://{addr}/");
    if web_app {
        println!(
            "AR app in the browser: http://{addr}/ar/  (on this machine; a phone needs \
             https, see docs/deploy.md)"
        );
    }
}

/// The demo's back-office account: created once per demo data dir with a random
/// password kept in `demo-data/admin-password.txt`, then printed so the person
/// running the demo can log in at `/admin`.
fn demo_account(bin_dir: &Path, data_dir: &Path, addr: &str) -> Result {
    const USER: &str = "pustakawan";
    let file = data_dir.join("admin-password.txt");
    let password = match std::fs::read_to_string(&file) {
        Ok(p) => p.trim().to_owned(),
        Err(_) => {
            let mut bytes = [0u8; 12];
            std::fs::File::open("/dev/urandom")
                .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut bytes))
                .map_err(|e| format!("cannot read /dev/urandom: {e}"))?;
            let password: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
            let status = Command::new(bin_dir.join("pustaka-server"))
                .args(["create-admin", "--username", USER, "--data-dir"])
                .arg(data_dir)
                .env("PUSTAKA_ADMIN_PASSWORD", &password)
                .status()
                .map_err(|e| format!("cannot run pustaka-server create-admin: {e}"))?;
            if !status.success() {
                return Err("could not create the demo's back-office account".into());
            }
            std::fs::write(&file, &password)
                .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
            password
        }
    };
    println!(
        "\nBack office: http://{addr}/admin  (user {USER}, password {password}; kept in {})\n",
        file.display()
    );
    Ok(())
}

/// Runs the app against the demo server, with its own cache folder under the
/// demo data (saved cards and queued scans of the demo never mix with a real
/// visitor's `~/.cache/pustaka-ar`).
fn run_app(bin_dir: &Path, headless: bool, addr: &str, cache_dir: &Path) -> Result {
    let server_url = format!("http://{addr}");
    let app = bin_dir.join("pustaka-ar");
    let demo_scene = root().join("assets").join("demo");
    // A webcam when there is one, the bundled demo scene otherwise.
    let webcam = Path::new("/dev/video0").exists() && !headless;
    let source = if webcam {
        "camera".to_string()
    } else {
        demo_scene.display().to_string()
    };
    if headless {
        let out = target_dir().join("demo-out");
        std::fs::create_dir_all(&out).map_err(|e| e.to_string())?;
        let shot = out.join("screenshot.png");
        let report = out.join("report.json");
        let mut c = Command::new("xvfb-run");
        c.args(["-a", "-s", "-screen 0 1280x800x24"])
            .arg(&app)
            .args([
                "--headless",
                "--server",
                &server_url,
                "--source",
                &source,
                "--frames",
                "60",
            ])
            .arg("--cache-dir")
            .arg(cache_dir)
            .arg("--screenshot")
            .arg(&shot)
            .arg("--report")
            .arg(&report);
        run(&mut c)?;
        eprintln!(
            "xtask: demo screenshot: {}\nxtask: demo report: {}",
            shot.display(),
            report.display()
        );
        Ok(())
    } else {
        eprintln!("xtask: starting the app with source {source}");
        run(Command::new(app)
            .args(["--server", &server_url, "--source", &source])
            .arg("--cache-dir")
            .arg(cache_dir))
    }
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// Polls `GET /healthz` until 200, for up to 30 s.
fn wait_healthy(server: &mut Child, addr_text: &str) -> Result {
    let addr: SocketAddr = addr_text.parse().map_err(|e| format!("{e}"))?;
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if let Ok(Some(status)) = server.try_wait() {
            return Err(format!(
                "pustaka-server exited early with {status} (is {addr_text} already in use? \
                 `cargo xtask demo --port 8081` uses another port)"
            ));
        }
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_millis(300)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
            let req =
                format!("GET /healthz HTTP/1.1\r\nHost: {addr_text}\r\nConnection: close\r\n\r\n");
            let mut resp = String::new();
            if s.write_all(req.as_bytes()).is_ok()
                && s.read_to_string(&mut resp).is_ok()
                && resp.starts_with("HTTP/1.1 200")
            {
                eprintln!("xtask: server is up on http://{addr_text}");
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Err("pustaka-server did not become healthy within 30 s".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tally_reads_libtest_closing_lines() {
        let line = "test result: FAILED. 7 passed; 1 failed; 2 ignored; 0 measured; 0 filtered out; finished in 0.14s";
        assert_eq!(tally_line(line), (7, 1, 2));
        assert_eq!(
            tally_line("test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured"),
            (0, 0, 0)
        );
        assert_eq!(tally_line("test foo ... ok"), (0, 0, 0));
        assert_eq!(tally_line("running 3 tests"), (0, 0, 0));
    }

    #[test]
    fn demo_options_read_headless_port_and_help() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            demo_options(&args(&[])),
            Ok(Some(DemoOptions {
                headless: false,
                port: 8080
            }))
        );
        assert_eq!(
            demo_options(&args(&["--port", "9090", "--headless"])),
            Ok(Some(DemoOptions {
                headless: true,
                port: 9090
            }))
        );
        assert_eq!(demo_options(&args(&["--help"])), Ok(None));
        for bad in [
            &["--port"][..],
            &["--port", "0"],
            &["--port", "http"],
            &["--gui"],
        ] {
            let e = demo_options(&args(bad)).expect_err("refused");
            assert!(e.contains("--port") || e.contains("--gui"), "{e}");
        }
    }

    #[test]
    fn variables_of_cargo_run_are_not_passed_on() {
        for set in [
            "CARGO_PKG_NAME",
            "CARGO_PKG_VERSION_MAJOR",
            "CARGO_MANIFEST_DIR",
        ] {
            assert!(set_for_xtask_by_cargo_run(set), "{set}");
        }
        for kept in ["CARGO_TARGET_DIR", "CARGO_HOME", "CARGO", "CI", "PATH"] {
            assert!(!set_for_xtask_by_cargo_run(kept), "{kept}");
        }
    }

    #[test]
    fn package_lists_have_no_duplicates() {
        let mut all: Vec<&str> = BUILD_PACKAGES
            .iter()
            .chain(RUN_PACKAGES)
            .chain(TEST_PACKAGES)
            .chain(BENCH_PACKAGES)
            .chain(DEMO_PACKAGES)
            .chain(scanner_worker::WASM_PACKAGES)
            .chain(web::COMPRESS_PACKAGES)
            .copied()
            .collect();
        let n = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), n);
    }

    #[test]
    fn a_demo_without_the_wasm_toolchain_says_how_to_install_it() {
        let text = web_app_left_out(&["the Rust target wasm32-unknown-unknown".into()]);
        assert!(
            text.contains("wasm32-unknown-unknown missing")
                && text.contains("cargo xtask setup demo")
                && text.contains("/ar/"),
            "{text}"
        );
    }

    #[test]
    fn setup_installs_what_each_command_needs() {
        let test = Purpose::Test.packages();
        for p in [
            "libclang-dev",
            "xvfb",
            "ffmpeg",
            "chromium",
            "brotli",
            "binaryen",
        ] {
            assert!(test.contains(&p), "test lacks {p}");
        }
        let headless = Purpose::Demo { windowed: false }.packages();
        assert!(headless.contains(&"ffmpeg") && !headless.contains(&"espeak-ng"));
        assert!(
            Purpose::Demo { windowed: true }
                .packages()
                .contains(&"espeak-ng")
        );
        assert!(Purpose::Bench.packages().contains(&"wrk"));
        // The demo builds the AR app's release bundle.
        assert!(headless.contains(&"binaryen") && headless.contains(&"brotli"));
        assert!(setup_command(&["nothing".into()]).is_err());
    }
}
