//! `pustaka-ar`: the desktop app (kiosk webcam or files), and its headless
//! mode; all of it lives in [`pustaka_mobile::desktop`].
//!
//! The browser and the phones have their own entry points (the web shell,
//! `mobile/web`; the Android shell, `mobile/android`); there this binary is empty.

#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
fn main() -> bevy::app::AppExit {
    pustaka_mobile::desktop::main()
}

#[cfg(not(any(target_os = "linux", target_os = "windows", target_os = "macos")))]
fn main() {}
