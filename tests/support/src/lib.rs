//! Test helpers shared by every crate: where the real test data lives, a
//! real server on a loopback port, and waiting on background work.
//!
//! # The shared test data
//!
//! The real photos, catalogue records and videos live beside the project in
//! `../shared/data` (never copied into it). Tests find that folder through
//! [`data_dir`] alone:
//!
//! 1. `PUSTAKA_DATA_DIR`, when set, names the folder;
//! 2. else `../shared/data` relative to the workspace root.
//!
//! When the folder is missing, a data-driven test is skipped with a message on
//! stderr, except under `CI=true`, where a missing folder fails the test: CI
//! must never pass by skipping.
//!
//! # Features
//!
//! - `server`: `server::TestServer`, `pustaka-server` on `127.0.0.1:0` with
//!   the demo library or an empty one, in a temporary data dir. It is a
//!   feature, not a default, because `pustaka-backend`'s own tests use this
//!   crate too: cargo allows that dev-dependency cycle (backend's tests →
//!   test-support → backend's library), but every crate that only needs the
//!   data folder (markers, the app) would otherwise compile the whole server.
//!   Inside backend's integration tests the `TestServer` and the tests share
//!   one copy of `pustaka_backend`, so its `AppState` is theirs; backend's
//!   unit tests (`#[cfg(test)]` in `src/`) must not use it, since there the
//!   crate under test and the one linked here are two different copies.
//! - `bevy`: `bevy::run_until`, which updates a Bevy `App` until a check
//!   passes or a deadline does, for tests of the app; without the feature
//!   nothing here links Bevy.
//!
//! Without a feature: [`wait::poll_until`], the same wait for anything else
//! that finishes in the background, and [`peers`], a stalled server and a
//! canned-answer server for tests of the app's network code.

#[cfg(feature = "bevy")]
pub mod bevy;
pub mod peers;
#[cfg(feature = "server")]
pub mod server;
pub mod wait;

use std::path::{Path, PathBuf};

/// The environment variable that names the data folder explicitly.
pub const DATA_DIR_ENV: &str = "PUSTAKA_DATA_DIR";

/// The workspace root: two levels above this crate's manifest (`tests/support`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .nth(2)
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where the data folder would be, whether or not it exists.
pub fn data_dir_candidate() -> PathBuf {
    match std::env::var_os(DATA_DIR_ENV) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => workspace_root().join("..").join("shared").join("data"),
    }
}

/// True when running under CI (`CI=true` or `CI=1`), where missing data is an error.
pub fn in_ci() -> bool {
    matches!(
        std::env::var("CI").as_deref(),
        Ok("true") | Ok("1") | Ok("TRUE") | Ok("True")
    )
}

/// The data folder, or `None` after printing why the calling test is skipped.
///
/// `what` names the test or data set for the skip message.
///
/// # Panics
/// Under `CI=true` when the folder is missing: CI must not pass by skipping.
pub fn data_dir(what: &str) -> Option<PathBuf> {
    resolve(data_dir_candidate(), in_ci(), what)
}

/// A sub-folder or file of the data folder (e.g. `"qr-photos"`), with the same
/// skip/fail rules as [`data_dir`]; a missing sub-path counts as missing data.
pub fn data_path(rel: &str) -> Option<PathBuf> {
    let dir = data_dir(rel)?;
    resolve(dir.join(rel), in_ci(), rel)
}

/// Whether the command-line tool `program` runs (`program -version`, as
/// ffmpeg spells it), for tests that need a real peer such as ffmpeg: when it
/// does not, prints why the calling test is skipped and returns false.
///
/// # Panics
/// Under `CI=true` when the tool is missing: `cargo xtask test` installs it.
pub fn tool_available(program: &str) -> bool {
    let found = std::process::Command::new(program)
        .arg("-version")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            !in_ci(),
            "CI must have {program} (cargo xtask test installs it)"
        );
        eprintln!("SKIPPED: {program} not installed");
    }
    found
}

fn resolve(path: PathBuf, ci: bool, what: &str) -> Option<PathBuf> {
    if path.exists() {
        return Some(path);
    }
    let msg = format!(
        "test data for `{what}` not found at {} (set {DATA_DIR_ENV} to the shared data folder)",
        path.display()
    );
    if ci {
        panic!("{msg}; under CI=true the data is mandatory");
    }
    eprintln!("SKIPPED: {msg}");
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn present_folder_is_returned() {
        let dir = std::env::temp_dir();
        assert_eq!(resolve(dir.clone(), true, "tmp"), Some(dir));
    }

    #[test]
    fn missing_folder_skips_outside_ci() {
        let missing = PathBuf::from("/nonexistent/pustaka/data");
        assert_eq!(resolve(missing, false, "x"), None);
    }

    #[test]
    #[should_panic(expected = "mandatory")]
    fn missing_folder_fails_under_ci() {
        let _ = resolve(PathBuf::from("/nonexistent/pustaka/data"), true, "x");
    }

    #[test]
    fn candidate_ends_in_shared_data_by_default() {
        if std::env::var_os(DATA_DIR_ENV).is_none() {
            let c = data_dir_candidate();
            assert!(c.ends_with("shared/data"), "{}", c.display());
        }
    }
}
