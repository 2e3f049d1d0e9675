//! The Pustaka AR app as a Bevy plugin.
//!
//! [`AppPlugin`] adds every feature plugin but not `DefaultPlugins`: the
//! desktop `main.rs` (and later the phone shells) add those with their own
//! settings, and headless tests use `MinimalPlugins` instead.
//!
//! Data flows one way: frame source (a thread) → [`camera::LatestFrame`]
//! (one slot, newest wins) → scan task on the async compute pool
//! ([`scanning`]) → resolver ([`net`], reqwest on one tokio runtime) → overlays
//! ([`ui`]).

// Bevy systems take many parameters and nest generic types by design.
#![allow(clippy::too_many_arguments, clippy::type_complexity)]

use bevy::prelude::*;

pub mod camera;
pub mod config;
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
pub mod desktop;
pub mod i18n;
pub mod media;
pub mod net;
pub mod scan;
pub mod ui;

pub use config::AppConfig;

/// The order of the app's per-frame work within `Update`.
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AppSystems {
    /// Take the newest camera frame.
    Capture,
    /// Start and finish scan tasks.
    Scan,
    /// Ask the server about newly seen codes and collect answers.
    Resolve,
    /// Update what is drawn.
    Present,
}

/// Everything the app does, without window or renderer setup.
///
/// Needs an [`AppConfig`] resource (inserted with a default when missing).
/// The rendering parts ([`preview`], [`ui`]) are added only when the app has a
/// renderer (`with_rendering`), so that logic tests run under `MinimalPlugins`.
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
