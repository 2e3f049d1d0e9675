//! The desktop app (`pustaka-ar`) built inside this package, for the tests
//! that run the real binary (`tests/app_headless_run.rs`) and the app
//! pipeline benchmark's memory run: cargo gives a test or benchmark the path
//! of its own package's binaries only (`CARGO_BIN_EXE_<name>`).

fn main() -> bevy::app::AppExit {
    pustaka_mobile::desktop::main()
}
