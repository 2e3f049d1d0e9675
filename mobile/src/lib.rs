//! The Pustaka AR app as a Bevy plugin.
//!
//! [`AppPlugin`] adds every feature plugin but not `DefaultPlugins`: the
//! desktop entry point ([`desktop`]) and the phone and web shells add those
//! with their own settings, and headless tests use `MinimalPlugins` instead.
//!
//! The source is laid out by stage, and data flows one way through them,
//! each stage reading only the ones before it:
//!
//! 1. [`camera`]: a frame source (a thread, or the web page) →
//!    [`camera::LatestFrame`] (one slot, newest wins);
//! 2. [`scan`]: one scan task on the newest frame (or the browser Worker's
//!    answers) → [`scan::scanning::Detections`] → the tracker →
//!    [`scan::tracking::TrackedCodes`], the stage's one product;
//! 3. [`net`]: tracked library codes → the resolver (reqwest on one
//!    runtime) → [`net::Resolutions`]; scan events; the media cache;
//! 4. [`media`]: covers and posters, the trailer, read-aloud;
//! 5. [`ui`]: the camera picture, the cards anchored to tracked codes, the
//!    detail panel ([`ui::detail::Panel`]) and the screen-reader mirror.
//!
//! Per frame, `Update` runs them in the [`AppSystems`] sets in that order
//! (every system of the app is in one; `tests/schedule.rs` checks it), and
//! the egui pass draws afterwards.

// Bevy systems take many parameters and nest generic types by design.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use bevy::prelude::*;

/// Frames in: the frame sources (webcam, files, video, the web page) and the newest-frame slot.
pub mod camera;
/// `AppConfig`: server, library hosts, caches, network timeouts.
pub mod config;
/// The desktop app's entry point and its headless runs.
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
pub mod desktop;
/// The app's texts in Bahasa Indonesia and English.
pub mod i18n;
/// Pictures, the trailer player and read-aloud.
pub mod media;
/// The resolver, the offline cache, scan events and the media cache.
pub mod net;
/// The scan stage: scanning and tracking.
pub mod scan;
/// The egui layer: theme, status bar, cards, placement, detail panel, mirror.
pub mod ui;

pub use config::AppConfig;

/// The order of the app's per-frame work within `Update`, chained in this
/// order. Every `Update` system of the app belongs to exactly one set, and
/// no system reads what only later sets write (`tests/schedule.rs`).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Per-frame camera work. Empty today: frame sources run on their own
    /// thread (or the web page pushes frames) into [`camera::LatestFrame`];
    /// a source that must be polled from the app loop goes here.
    Capture,
    /// Scan the newest frame and track codes ([`scan`]) →
    /// [`scan::tracking::TrackedCodes`].
    Scan,
    /// Ask the server about tracked library codes, count scans, collect
    /// answers and downloads ([`net`]).
    Resolve,
    /// Update what is shown: the open panel's media, pictures, trailer and
    /// the camera picture ([`media`], [`ui`]).
    Present,
}

/// Everything the app does, without window or renderer setup.
///
/// Needs an [`AppConfig`] resource (inserted with a default when missing).
/// The rendering parts ([`ui::plugin`]: the camera picture, the overlays, the
/// mirror) are added only when the app has a renderer (`with_rendering`), so
/// that logic tests run under `MinimalPlugins`; the panel's state
/// ([`ui::detail::plugin`]) is there either way.
pub struct AppPlugin {
    /// Add the camera preview sprite and the egui overlays (needs `DefaultPlugins`).
    pub with_rendering: bool,
}

impl Plugin for AppPlugin {
    fn build(&self, app: &mut App) {
        app.init_resource::<AppConfig>();
        app.configure_sets(
            Update,
            (
                AppSystems::Capture,
                AppSystems::Scan,
                AppSystems::Resolve,
                AppSystems::Present,
            )
                .chain(),
        );
        app.add_plugins((
            i18n::plugin,
            camera::plugin,
            scan::plugin,
            net::plugin,
            media::plugin,
            // The panel's state works without a renderer, so a headless app
            // (tests, a shell between frames) can open a panel.
            ui::detail::plugin,
        ));
        if self.with_rendering {
            app.add_plugins(ui::plugin);
        }
    }
}
