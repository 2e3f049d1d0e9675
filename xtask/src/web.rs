//! `cargo xtask web`: the AR app's browser bundle, the folder that
//! `pustaka-server serve --web-app DIR` serves at `/ar/`.
//!
//! Steps: the web shell (`mobile/web`, with the whole app) compiled for
//! wasm32 (release bundles with the `web-release` profile: size first), post-processed by the wasm-bindgen CLI of the lock file's version
//! (`no-modules` glue: a classic script that defines `wasm_bindgen`),
//! no `wasm-opt` (Debian 12's binaryen breaks wasm-bindgen's externref
//! table, see [`crate::scanner_worker`]), the scan worker
//! ([`crate::scanner_worker`]), the page's own files from
//! `mobile/web/static/`; every file whose content may change gets a
//! content-hashed name (`app.{hash}.js`), so the server can mark it
//! immutable; `index.html`, `sw.js` (the service worker's URL must stay put),
//! the manifest and the icons keep theirs. Each text or wasm file gets a
//! brotli (`.br`) and a gzip (`.gz`) copy beside it for the server to answer
//! `Accept-Encoding` with, without compressing on every request.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::scanner_worker::{
    WASM_TARGET, WasmProfile, build_scanner_worker, content_hash, ensure_wasm_toolchain,
};
use crate::{Result, cargo, ensure_packages, root, run, target_dir};

/// The cargo profile of the release bundle (workspace `Cargo.toml`: size
/// first, fat LTO, one codegen unit); its folder under the target dir has
/// the same name.
const RELEASE_PROFILE: &str = "web-release";
/// The web shell's package and the file cargo writes for it.
const PACKAGE: &str = "pustaka-web";
const CRATE_FILE: &str = "pustaka_web.wasm";
/// The page's own files.
const STATIC_DIR: &str = "mobile/web/static";
/// Debian packages for the compressed copies (gzip is always there).
pub const COMPRESS_PACKAGES: &[&str] = &["brotli"];

/// Placeholders in `static/` files that the build fills in.
const STYLE_PLACEHOLDER: &str = "__PUSTAKA_STYLE__";
const GLUE_PLACEHOLDER: &str = "__PUSTAKA_APP_GLUE__";
const PAGE_JS_PLACEHOLDER: &str = "__PUSTAKA_PAGE_JS__";
const BUNDLE_JSON_PLACEHOLDER: &str = "__PUSTAKA_BUNDLE_JSON__";
const SHELL_FILES_PLACEHOLDER: &str = "__PUSTAKA_SHELL_FILES__";
const BUNDLE_HASH_PLACEHOLDER: &str = "__PUSTAKA_BUNDLE_HASH__";

/// Extensions that get `.br` and `.gz` copies (images are compressed already).
const COMPRESSED_EXTENSIONS: &[&str] = &["html", "js", "css", "wasm", "json", "webmanifest", "svg"];

/// What [`build_web_app`] wrote, with the sizes a first visit costs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebBundle {
    /// The app's wasm, hashed name.
    pub app_wasm: String,
    /// Its size before compression, bytes.
    pub app_wasm_bytes: u64,
    /// Every file (relative to the bundle folder), without the compressed copies.
    pub files: Vec<String>,
    /// Bytes a first visit transfers: every file a first visit fetches, as
    /// the brotli copy where there is one (what a browser gets).
    pub first_visit_bytes: u64,
}

/// Builds the bundle into `out` (emptied first).
///
/// # Errors
/// A tool that cannot be installed, a failed build or post-processing step,
/// or a `static/` file that lost one of its placeholders.
pub fn build_web_app(out: &Path, profile: WasmProfile) -> Result<WebBundle> {
    ensure_wasm_toolchain(profile)?;
    ensure_packages(COMPRESS_PACKAGES)?;
    if out.exists() {
        std::fs::remove_dir_all(out).map_err(|e| format!("cannot empty {}: {e}", out.display()))?;
    }
    std::fs::create_dir_all(out.join("icons"))
        .map_err(|e| format!("cannot create {}: {e}", out.display()))?;

    // The scan worker is always the release build, in a dev bundle too: the
    // scanner stops its passes at its per-frame budget (60 ms), and a debug
    // build spends that budget before the passes that read small or tilted
    // codes, so a dev bundle would not read what phones read. Its release
    // build is small and already cached by `xtask test`, which builds it for
    // its own test.
    let worker = build_scanner_worker(out, WasmProfile::Release)?;
    let (wasm_bytes, glue) = build_app_wasm(profile)?;
    let app_wasm = hashed("pustaka-ar", "wasm", &wasm_bytes);
    write(&out.join(&app_wasm), &wasm_bytes)?;
    let glue_name = hashed("pustaka-ar", "js", glue.as_bytes());
    write(&out.join(&glue_name), glue.as_bytes())?;

    let static_dir = root().join(STATIC_DIR);
    let page_js = read(&static_dir.join("app.js"))?;
    let page_js_name = hashed("app", "js", &page_js);
    write(&out.join(&page_js_name), &page_js)?;
    let style = read(&static_dir.join("style.css"))?;
    let style_name = hashed("style", "css", &style);
    write(&out.join(&style_name), &style)?;
    let mut files = vec![
        app_wasm.clone(),
        glue_name.clone(),
        page_js_name.clone(),
        style_name.clone(),
    ];
    files.extend(worker.files().iter().map(|f| f.to_string()));
    for entry in std::fs::read_dir(static_dir.join("icons"))
        .map_err(|e| format!("cannot list {STATIC_DIR}/icons: {e}"))?
    {
        let entry = entry.map_err(|e| e.to_string())?;
        let name = format!("icons/{}", entry.file_name().to_string_lossy());
        write(&out.join(&name), &read(&entry.path())?)?;
        files.push(name);
    }
    write(
        &out.join("manifest.webmanifest"),
        &read(&static_dir.join("manifest.webmanifest"))?,
    )?;
    files.push("manifest.webmanifest".into());

    let bundle_json = format!(
        "{{\"app_wasm\":\"{app_wasm}\",\"app_wasm_bytes\":{},\"worker\":\"{}\",\"service_worker\":\"sw.js\"}}",
        wasm_bytes.len(),
        worker.script
    );
    let index = fill(
        &text(&static_dir.join("index.html"))?,
        "index.html",
        &[
            (STYLE_PLACEHOLDER, &style_name),
            (GLUE_PLACEHOLDER, &glue_name),
            (PAGE_JS_PLACEHOLDER, &page_js_name),
            (BUNDLE_JSON_PLACEHOLDER, &bundle_json),
        ],
    )?;
    write(&out.join("index.html"), index.as_bytes())?;
    files.sort();
    let shell_list = format!(
        "[{}]",
        files
            .iter()
            .map(|f| format!("\"{f}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let sw = fill(
        &text(&static_dir.join("sw.js"))?,
        "sw.js",
        &[
            (SHELL_FILES_PLACEHOLDER, &shell_list),
            (BUNDLE_HASH_PLACEHOLDER, &content_hash(index.as_bytes())),
        ],
    )?;
    write(&out.join("sw.js"), sw.as_bytes())?;
    files.push("index.html".into());
    files.push("sw.js".into());

    compress_all(out, &files, profile)?;
    // A first visit fetches the page, its CSS and JS, the app's glue and
    // wasm, the worker and one of its two wasm files (the SIMD one on any
    // current phone browser), and the manifest; icons only on install.
    let first_visit: Vec<&str> = vec![
        "index.html",
        &style_name,
        &page_js_name,
        &glue_name,
        &app_wasm,
        &worker.script,
        &worker.wasm_simd,
        "manifest.webmanifest",
        "sw.js",
    ];
    let mut first_visit_bytes = 0;
    for f in first_visit {
        let br = out.join(format!("{f}.br"));
        let path = if br.exists() { br } else { out.join(f) };
        first_visit_bytes += file_len(&path)?;
    }
    let bundle = WebBundle {
        app_wasm,
        app_wasm_bytes: wasm_bytes.len() as u64,
        files,
        first_visit_bytes,
    };
    eprintln!(
        "xtask: web app in {}: app wasm {} bytes raw, {} bytes brotli; a first visit transfers {} bytes",
        out.display(),
        bundle.app_wasm_bytes,
        file_len(&out.join(format!("{}.br", bundle.app_wasm)))?,
        bundle.first_visit_bytes
    );
    Ok(bundle)
}

/// Compiles the web shell and runs wasm-bindgen; returns the final wasm and
/// the glue script.
fn build_app_wasm(profile: WasmProfile) -> Result<(Vec<u8>, String)> {
    let mut c = cargo();
    c.args(["build", "--lib", "-p", PACKAGE, "--target", WASM_TARGET]);
    let folder = match profile {
        WasmProfile::Release => {
            c.args(["--profile", RELEASE_PROFILE]);
            RELEASE_PROFILE
        }
        WasmProfile::Dev => "debug",
    };
    run(&mut c)?;
    let built = target_dir().join(WASM_TARGET).join(folder).join(CRATE_FILE);
    let scratch = target_dir().join("web-app-bindgen");
    let _ = std::fs::remove_dir_all(&scratch);
    let mut bindgen = Command::new("wasm-bindgen");
    bindgen.args([
        "--target",
        "no-modules",
        "--no-typescript",
        "--out-name",
        "pustaka_ar",
    ]);
    if profile == WasmProfile::Release {
        // Function names are for debugging; a phone downloads them for nothing.
        bindgen.args(["--remove-name-section", "--remove-producers-section"]);
    }
    run(bindgen.arg("--out-dir").arg(&scratch).arg(&built))?;
    let bindgen_wasm = scratch.join("pustaka_ar_bg.wasm");
    // No wasm-opt, for the release bundle too: Debian 12's binaryen (108)
    // rewrites wasm-bindgen's externref table into the function table and
    // the glue fails at start ("WebAssembly.Table.set(): Argument 1 is
    // invalid for table"; see crate::scanner_worker). binaryen 116 (the
    // `wasm-opt` crate) keeps it, but measured on this bundle `-Oz` took the
    // raw wasm from 24.1 to 20.0 MB and the brotli copy, what phones
    // download, from 4.39 to 4.52 MB: no gain. LLVM's output ships.
    let wasm = bindgen_wasm;
    let glue = text(&scratch.join("pustaka_ar.js"))?;
    Ok((read(&wasm)?, glue))
}

/// `{stem}.{hash}.{ext}`.
fn hashed(stem: &str, ext: &str, bytes: &[u8]) -> String {
    format!("{stem}.{}.{ext}", content_hash(bytes))
}

/// Replaces each placeholder, which must occur exactly once in `source`.
fn fill(source: &str, name: &str, pairs: &[(&str, &str)]) -> Result<String> {
    let mut out = source.to_string();
    for (placeholder, value) in pairs {
        if out.matches(placeholder).count() != 1 {
            return Err(format!(
                "{STATIC_DIR}/{name} must hold {placeholder} exactly once"
            ));
        }
        out = out.replace(placeholder, value);
    }
    Ok(out)
}

/// Writes `{file}.br` and `{file}.gz` beside each compressible file: brotli
/// `--best` and gzip -9 for release; for a dev bundle (tests), brotli at
/// quality 3 and gzip -1, since `--best` on the ~110 MB dev wasm takes many
/// minutes on two cores and what tests check is that the copies are served.
fn compress_all(out: &Path, files: &[String], profile: WasmProfile) -> Result {
    let (brotli_level, gzip_level) = match profile {
        WasmProfile::Release => ("--best", "-9"),
        WasmProfile::Dev => ("-3", "-1"),
    };
    for f in files {
        let ext = f.rsplit('.').next().unwrap_or_default();
        if !COMPRESSED_EXTENSIONS.contains(&ext) {
            continue;
        }
        let path = out.join(f);
        run(Command::new("brotli")
            .args([brotli_level, "--keep", "--force"])
            .arg(&path))?;
        run(Command::new("gzip")
            .args([gzip_level, "--keep", "--force", "--no-name"])
            .arg(&path))?;
    }
    Ok(())
}

/// Where `cargo xtask web` puts the bundle unless `--out` says otherwise.
pub fn default_out() -> PathBuf {
    target_dir().join("web-app")
}

fn file_len(path: &Path) -> Result<u64> {
    std::fs::metadata(path)
        .map(|m| m.len())
        .map_err(|e| format!("cannot stat {}: {e}", path.display()))
}

fn read(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn text(path: &Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn write(path: &Path, bytes: &[u8]) -> Result {
    std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_filled_once_and_missing_ones_refused() {
        let filled = fill("<a href=\"X\">Y</a>", "t.html", &[("X", "1"), ("Y", "2")]);
        assert_eq!(filled.as_deref(), Ok("<a href=\"1\">2</a>"));
        assert!(fill("X X", "t.html", &[("X", "1")]).is_err());
        assert!(fill("", "t.html", &[("X", "1")]).is_err());
    }

    #[test]
    fn the_static_files_hold_every_placeholder() {
        let dir = root().join(STATIC_DIR);
        let index = std::fs::read_to_string(dir.join("index.html")).unwrap();
        for p in [
            STYLE_PLACEHOLDER,
            GLUE_PLACEHOLDER,
            PAGE_JS_PLACEHOLDER,
            BUNDLE_JSON_PLACEHOLDER,
        ] {
            assert_eq!(index.matches(p).count(), 1, "{p}");
        }
        let sw = std::fs::read_to_string(dir.join("sw.js")).unwrap();
        for p in [SHELL_FILES_PLACEHOLDER, BUNDLE_HASH_PLACEHOLDER] {
            assert_eq!(sw.matches(p).count(), 1, "{p}");
        }
    }
}
