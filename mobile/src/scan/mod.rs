//! The scan stage: camera frames in, tracked codes out.
//!
//! - [`scanning`]: one scan task in flight on the newest frame (or the
//!   browser Worker's answers, [`scanning::ExternalScans`]) →
//!   [`scanning::Detections`], each code classified from its payload (library
//!   code or foreign) with [`crate::AppConfig::library_hosts`];
//! - [`tracking`]: identities, One Euro smoothing and poses across scans →
//!   [`tracking::TrackedCodes`].
//!
//! Both run in [`crate::AppSystems::Scan`].

pub mod scanning;
pub mod tracking;

use bevy::prelude::*;

/// The scan stage's plugin: scanning, then tracking.
pub fn plugin(app: &mut App) {
    app.add_plugins((scanning::plugin, tracking::plugin));
}
