//! The Android shell of Pustaka AR: what only Android needs, around the
//! shared `pustaka_mobile::AppPlugin`.
//!
//! - the NativeActivity entry point (`#[bevy_main]`, bevy's
//!   `android-native-activity` feature);
//! - the app's private storage folder for the offline cache and the scan queue;
//! - the camera source ([`AndroidCamera`]).
//!
//! What is not here yet (docs/platforms.md): frames from the phone's camera
//! (Camera2 `ImageReader` in `YUV_420_888` through JNI, its three planes with
//! their strides into `pustaka_mobile::camera::convert::frame_from_yuv420`
//! with `YuvRange::Full`), the camera permission prompt, and
//! Android's text-to-speech for read-aloud.

use bevy::prelude::*;
use bevy::window::WindowMode;
use bevy_egui::EguiPlugin;
use pustaka_mobile::camera::{Frame, FrameError, FrameSource, PendingSource};
use pustaka_mobile::{AppConfig, AppPlugin};

/// The phone camera as a frame source.
///
/// Not connected yet: every call reports that, so the app shows the message
/// in its status line and keeps retrying (the capture loop never ends on an
/// error). Connecting it means an `ImageReader` in `YUV_420_888` whose planes
/// (with their row and pixel strides) go through
/// `pustaka_mobile::camera::convert::frame_from_yuv420`, as docs/platforms.md
/// describes.
pub struct AndroidCamera;

impl FrameSource for AndroidCamera {
    fn describe(&self) -> String {
        "Android camera".into()
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        Err(FrameError::Source(
            "Kamera ponsel belum tersambung di versi ini / the phone camera is not connected in this build"
                .into(),
        ))
    }
}

/// The app's private folder (`Context.getFilesDir()`), for the offline cache
/// and the queued scan events; `None` when Android does not say.
fn storage_dir() -> Option<std::path::PathBuf> {
    #[cfg(target_os = "android")]
    {
        bevy::android::ANDROID_APP
            .get()
            .and_then(|app| app.internal_data_path())
            .map(|p| p.join("pustaka-ar"))
    }
    #[cfg(not(target_os = "android"))]
    {
        None
    }
}

/// Entry point called by NativeActivity.
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
        .insert_resource(PendingSource::new(|| Ok(AndroidCamera)))
        .add_plugins(AppPlugin {
            with_rendering: true,
        })
        .run();
}
