//! The scan stage: camera frames in, tracked codes out.
//!
//! - [`scanning`](crate::scan::scanning): one scan task in flight on the newest frame (or the
//!   browser Worker's answers, [`scanning::ExternalScans`](crate::scan::scanning::ExternalScans)) →
//!   [`scanning::Detections`](crate::scan::scanning::Detections), each code classified from its payload (library
//!   code or foreign) with [`crate::AppConfig::library_hosts`];
//! - [`tracking`](crate::scan::tracking): identities, One Euro smoothing and poses across scans →
//!   [`tracking::TrackedCodes`](crate::scan::tracking::TrackedCodes).
//!
//! Both run in [`crate::AppSystems::Scan`].

pub mod scanning;
pub mod tracking;

use bevy::prelude::*;

/// The scan stage's plugin: scanning, then tracking.
pub fn plugin(app: &mut App) {
    app.add_plugins((scanning::plugin, tracking::plugin));
}
