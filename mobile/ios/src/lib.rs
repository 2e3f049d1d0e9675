//! The iOS shell of Pustaka AR: what only iOS needs, around the shared
//! `pustaka_mobile::AppPlugin`.
//!
//! - the entry point: `#[bevy_main]` exports `extern "C" fn main_rs()`, which
//!   the Xcode project's `main.m` calls;
//! - the app's caches folder (`Library/Caches` in the app's sandbox) for the
//!   offline cache and the scan queue;
//! - the camera source ([`IosCamera`]).
//!
//! What is not here yet (docs/platforms.md): frames from the phone's camera
//! (`AVCaptureVideoDataOutput` in `kCVPixelFormatType_420YpCbCr8BiPlanarFullRange`,
//! whose two planes go through `pustaka_mobile::camera::convert::frame_from_yuv420`),
//! the camera permission prompt (`NSCameraUsageDescription` in Info.plist), and
//! `AVSpeechSynthesizer` for read-aloud.

use bevy::prelude::*;
use bevy::window::WindowMode;
use bevy_egui::EguiPlugin;
use pustaka_mobile::camera::{Frame, FrameError, FrameSource, PendingSource};
use pustaka_mobile::{AppConfig, AppPlugin};

/// The phone camera as a frame source.
///
/// Not connected yet: every call reports that, so the app shows the message in
/// its status line and keeps retrying (the capture loop never ends on an
/// error).
pub struct IosCamera;

impl FrameSource for IosCamera {
    fn describe(&self) -> String {
        "iOS camera".into()
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        Err(FrameError::Source(
            "Kamera ponsel belum tersambung di versi ini / the phone camera is not connected in this build"
                .into(),
        ))
    }
}

/// `$HOME/Library/Caches/pustaka-ar`: on iOS `HOME` is the app's sandbox
/// container, and `Library/Caches` is where Apple's File System Programming
/// Guide puts data the app can download again. `None` without `HOME`.
fn storage_dir() -> Option<std::path::PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|h| std::path::PathBuf::from(h).join("Library/Caches/pustaka-ar"))
}

/// Entry point, called from the Xcode project's `main.m` as `main_rs()`.
#[bevy_main]
pub fn main() {
    App::new()
        .add_plugins(DefaultPlugins.set(WindowPlugin {
            primary_window: Some(Window {
                title: "Pustaka AR".into(),
                mode: WindowMode::BorderlessFullscreen(MonitorSelection::Primary),
                ..default()
            }),
            ..default()
        }))
        .add_plugins(EguiPlugin::default())
        .insert_resource(AppConfig {
            cache_dir: storage_dir(),
            ..default()
        })
        .insert_resource(PendingSource::new(|| Ok(IosCamera)))
        .add_plugins(AppPlugin {
            with_rendering: true,
        })
        .run();
}
