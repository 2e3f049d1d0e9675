//! Building the scan worker: `markers/wasm` (the scanner behind wasm-bindgen)
//! compiled for wasm32 and post-processed by the wasm-bindgen CLI, and
//! `markers/wasm/js/scan-worker.js` with the glue in front, written under
//! content-hashed file names. `cargo xtask web` puts it into the app bundle;
//! `cargo xtask scan-worker` builds it alone (the browser test and the
//! benchmark load it from there).
//!
//! No wasm-opt: Debian 12's binaryen (108) rewrites the export of
//! wasm-bindgen's externref table to point at the function table (even with
//! `--strip-debug` alone), and the glue then fails at start with
//! "`WebAssembly.Table.set()`: Argument 1 is invalid for table". LLVM's
//! `-O3` output is what ships. (Any wasm-bindgen module with an externref
//! table meets the same bug in that binaryen.)
//!
//! Two wasm files are built: one with wasm SIMD (`+simd128`) and one without,
//! for browsers that lack it (Safari before 16.4); the worker picks one at
//! start (see the JS file).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::{Result, cargo, ensure_packages, root, run, target_dir};

/// The Rust target of the browser builds.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";

/// The package of the scanner's wasm crate, and its file stem in `target/`.
const PACKAGE: &str = "pustaka-markers-wasm";
const CRATE_FILE: &str = "pustaka_markers_wasm.wasm";

/// The worker's source, and the placeholders in it that name the wasm files.
const WORKER_SOURCE: &str = "markers/wasm/js/scan-worker.js";
const SIMD_PLACEHOLDER: &str = "__PUSTAKA_SCANNER_WASM_SIMD__";
const SCALAR_PLACEHOLDER: &str = "__PUSTAKA_SCANNER_WASM_SCALAR__";

/// How the wasm is built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WasmProfile {
    /// Optimised: what phones get and what the benchmark measures (the
    /// scanner with `--release`, the app bundle with `web-release`).
    Release,
    /// The dev profile (the scanner crates still optimised, see the
    /// workspace manifest): quicker to build, with overflow checks.
    Dev,
}

/// With or without wasm SIMD.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Simd {
    On,
    Off,
}

impl Simd {
    fn name(self) -> &'static str {
        match self {
            Simd::On => "simd",
            Simd::Off => "scalar",
        }
    }
}

/// The files [`build_scanner_worker`] wrote, by file name (no folder).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScannerWorker {
    /// The worker script, to start with `new Worker(url)` (a classic worker).
    pub script: String,
    /// The scanner wasm with SIMD.
    pub wasm_simd: String,
    /// The scanner wasm without SIMD.
    pub wasm_scalar: String,
}

impl ScannerWorker {
    /// Every file name, script first.
    pub fn files(&self) -> [&str; 3] {
        [&self.script, &self.wasm_simd, &self.wasm_scalar]
    }
}

/// Builds the scan worker into `out` (created if missing): the worker
/// script and its two wasm files, each named `{stem}.{hash}.{ext}` after its
/// content, so they can be cached as immutable. Installs what is missing
/// first (the wasm32 target, the wasm-bindgen CLI of the lock file's
/// version).
///
/// # Errors
/// A failed tool install, build or post-processing step, with the command.
pub fn build_scanner_worker(out: &Path, profile: WasmProfile) -> Result<ScannerWorker> {
    ensure_wasm_toolchain(profile)?;
    std::fs::create_dir_all(out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let scratch = target_dir().join("scan-worker-bindgen");
    let mut glue: Option<String> = None;
    let mut names = Vec::new();
    for simd in [Simd::On, Simd::Off] {
        let built = build_wasm(simd, profile)?;
        let dir = scratch.join(simd.name());
        let _ = std::fs::remove_dir_all(&dir);
        run(Command::new("wasm-bindgen")
            .args([
                "--target",
                "no-modules",
                "--no-typescript",
                "--out-name",
                "scanner",
                "--out-dir",
            ])
            .arg(&dir)
            .arg(&built))?;
        let bytes = read(&dir.join("scanner_bg.wasm"))?;
        let name = format!("scanner-{}.{}.wasm", simd.name(), content_hash(&bytes));
        write(&out.join(&name), &bytes)?;
        names.push(name);
        // The glue only wraps the exports, which SIMD does not change.
        let this_glue = String::from_utf8(read(&dir.join("scanner.js"))?)
            .map_err(|e| format!("wasm-bindgen glue is not UTF-8: {e}"))?;
        match &glue {
            Some(g) if *g != this_glue => {
                return Err("wasm-bindgen wrote different glue for the SIMD and scalar \
                            builds; the worker cannot serve both"
                    .into());
            }
            _ => glue = Some(this_glue),
        }
    }
    let source = String::from_utf8(read(&root().join(WORKER_SOURCE))?)
        .map_err(|e| format!("{WORKER_SOURCE} is not UTF-8: {e}"))?;
    let script = worker_script(
        glue.as_deref().unwrap_or_default(),
        &source,
        &names[0],
        &names[1],
    )?;
    let script_name = format!("scan-worker.{}.js", content_hash(script.as_bytes()));
    write(&out.join(&script_name), script.as_bytes())?;
    let mut names = names.into_iter();
    let worker = ScannerWorker {
        script: script_name,
        wasm_simd: names.next().unwrap_or_default(),
        wasm_scalar: names.next().unwrap_or_default(),
    };
    eprintln!(
        "xtask: scan worker in {}: {}",
        out.display(),
        worker.files().join(", ")
    );
    Ok(worker)
}

/// The worker script: the glue wrapped in `makeScannerGlue()`, then the
/// worker source with the wasm placeholders replaced by the file names.
///
/// The `no-modules` glue declares `wasm_bindgen` at its top level; inside a
/// function that declaration is local, so each call of the function makes a
/// fresh glue with its own state, which the worker needs to start a new
/// instance after a trap (`--experimental-reset-state-function` would do it
/// too, but wasm-bindgen offers it only for ES-module output).
///
/// # Errors
/// A placeholder missing from the source (the two files drifted apart).
fn worker_script(glue: &str, source: &str, wasm_simd: &str, wasm_scalar: &str) -> Result<String> {
    for p in [SIMD_PLACEHOLDER, SCALAR_PLACEHOLDER] {
        if source.matches(p).count() != 1 {
            return Err(format!(
                "{WORKER_SOURCE} must name the placeholder {p} exactly once"
            ));
        }
    }
    let body = source
        .replace(SIMD_PLACEHOLDER, wasm_simd)
        .replace(SCALAR_PLACEHOLDER, wasm_scalar);
    Ok(format!(
        "// wasm-bindgen glue (no-modules), then the scan worker.\n\
         function makeScannerGlue() {{\n{glue}\nreturn wasm_bindgen;\n}}\n{body}"
    ))
}

/// Builds the scanner crate for wasm32; returns the `.wasm` it wrote.
/// Each SIMD setting has its own target dir, so switching between them
/// rebuilds nothing.
fn build_wasm(simd: Simd, profile: WasmProfile) -> Result<PathBuf> {
    let target = target_dir().join(format!("scan-worker-{}", simd.name()));
    let flags = match simd {
        Simd::On => "-C target-feature=+simd128",
        Simd::Off => "",
    };
    let mut c = cargo();
    c.args(["build", "--lib", "-p", PACKAGE, "--target", WASM_TARGET])
        .env("CARGO_TARGET_DIR", &target)
        .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS", flags);
    let folder = match profile {
        WasmProfile::Release => {
            c.arg("--release");
            "release"
        }
        WasmProfile::Dev => "debug",
    };
    run(&mut c)?;
    Ok(target.join(WASM_TARGET).join(folder).join(CRATE_FILE))
}

/// Debian packages of the wasm builds: `wasm-opt` (binaryen). Neither the
/// app bundle nor the scanner runs it today (binaryen 108 breaks
/// wasm-bindgen's externref table, see the module docs); it stays installed
/// so a release build can be checked against a fixed binaryen by hand.
pub const WASM_PACKAGES: &[&str] = &["binaryen"];

/// What a wasm build of `profile` lacks on this machine, one item each, in
/// words (empty when nothing): the wasm32 target, the wasm-bindgen CLI of the
/// lock file's version, and for a release build binaryen's `wasm-opt`.
/// Installs nothing (see [`ensure_wasm_toolchain`]).
pub fn missing_wasm_toolchain(profile: WasmProfile) -> Vec<String> {
    let mut missing = Vec::new();
    if !wasm_target_installed() {
        missing.push(format!("the Rust target {WASM_TARGET}"));
    }
    match wanted_bindgen() {
        Ok(wanted) if installed_bindgen().as_deref() != Some(wanted.as_str()) => {
            missing.push(format!("wasm-bindgen-cli {wanted}"));
        }
        Ok(_) => {}
        Err(e) => missing.push(e),
    }
    if profile == WasmProfile::Release && !on_path("wasm-opt") {
        missing.push("wasm-opt (Debian package binaryen)".into());
    }
    missing
}

fn wasm_target_installed() -> bool {
    Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .any(|l| l == WASM_TARGET)
        })
        .unwrap_or(false)
}

/// The wasm-bindgen version the lock file pins.
fn wanted_bindgen() -> Result<String> {
    let lock = read(&root().join("Cargo.lock"))?;
    locked_version(&String::from_utf8_lossy(&lock), "wasm-bindgen")
        .ok_or_else(|| "Cargo.lock has no wasm-bindgen package".into())
}

/// The installed wasm-bindgen CLI's version, if any (it prints
/// `wasm-bindgen 0.2.130`).
fn installed_bindgen() -> Option<String> {
    let out = Command::new("wasm-bindgen")
        .arg("--version")
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    text.trim()
        .strip_prefix("wasm-bindgen ")
        .map(str::to_string)
}

fn on_path(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The wasm32 target, the wasm-bindgen CLI of the lock file's version, and
/// for a release build binaryen's `wasm-opt`.
///
/// # Errors
/// A tool that cannot be installed.
pub fn ensure_wasm_toolchain(profile: WasmProfile) -> Result {
    if profile == WasmProfile::Release {
        ensure_packages(WASM_PACKAGES)?;
    }
    if !wasm_target_installed() {
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    let wanted = wanted_bindgen()?;
    let have = installed_bindgen();
    // The CLI must equal the library's version exactly, or the glue and the
    // wasm disagree on their schema.
    if have.as_deref() != Some(wanted.as_str()) {
        eprintln!(
            "xtask: wasm-bindgen CLI is {}, the lock file wants {wanted}; installing it",
            have.as_deref().unwrap_or("not installed")
        );
        // No --locked: the CLI's own lock file does not build on our rustc.
        run(cargo().args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ]))?;
    }
    Ok(())
}

/// The version of `package` in a Cargo.lock text (the first entry when the
/// lock holds several).
fn locked_version(lock: &str, package: &str) -> Option<String> {
    let name_line = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == name_line {
            let version = lines.next()?.trim().strip_prefix("version = \"")?;
            return version.strip_suffix('"').map(str::to_string);
        }
    }
    None
}

/// A short content hash for cache-busting file names: FNV-1a (64 bit) as
/// 16 hex digits. Not cryptographic; it only has to change when the bytes do.
pub fn content_hash(bytes: &[u8]) -> String {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let h = bytes
        .iter()
        .fold(OFFSET, |h, b| (h ^ u64::from(*b)).wrapping_mul(PRIME));
    format!("{h:016x}")
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_files_version_is_read() {
        let lock = "[[package]]\nname = \"wasm-bindgen-macro\"\nversion = \"0.2.1\"\n\n\
                    [[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.130\"\n";
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "serde"), None);
    }

    #[test]
    fn the_real_lock_pins_wasm_bindgen() {
        let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
        assert!(locked_version(&lock, "wasm-bindgen").is_some());
    }

    #[test]
    fn content_hash_is_fnv1a() {
        // FNV-1a 64 of "" and "a", as published with the algorithm.
        assert_eq!(content_hash(b""), "cbf29ce484222325");
        assert_eq!(content_hash(b"a"), "af63dc4c8601ec8c");
    }

    #[test]
    fn the_worker_source_names_both_wasm_files_once() {
        let source = std::fs::read_to_string(root().join(WORKER_SOURCE)).unwrap();
        let script = worker_script("let wasm_bindgen;", &source, "s.1.wasm", "c.2.wasm").unwrap();
        assert!(script.starts_with("// wasm-bindgen glue"));
        assert!(script.contains("\"s.1.wasm\"") && script.contains("\"c.2.wasm\""));
        assert!(!script.contains("__PUSTAKA_SCANNER_WASM"));
        assert!(worker_script("", "no placeholders", "a", "b").is_err());
    }
}
