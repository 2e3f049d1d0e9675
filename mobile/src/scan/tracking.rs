//! Tracking: keeps each code's identity across scans, smooths its corners and
//! pose (the markers crate's One Euro tracker), and holds it briefly when a
//! scan misses it, so cards neither jitter nor blink.
//!
//! [`TrackedCodes`] is the scan stage's one product: the resolver, the scan
//! counter and the cards all read it. Tracking reads nothing downstream (no
//! answer from the server): whether a code is the library's comes from its
//! payload ([`crate::AppConfig::library_hosts`]), and poses are fitted for
//! [`DEFAULT_CODE_SIDE_M`] (a code's real size only rescales its distance,
//! see [`with_side`]).

use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use pustaka_markers::payload::{ScannedContent, classify};
use pustaka_markers::pose::{Intrinsics, Pose};
use pustaka_markers::track::{CameraModel, Tracker, TrackerConfig};

use crate::scan::scanning::{Detections, FrameScanned};
use crate::{AppConfig, AppSystems};

/// Assumed horizontal field of view of an uncalibrated camera, degrees: a
/// typical phone main camera or webcam is 60–70° (we take the narrow end, which
/// errs towards codes being farther away, never closer).
pub const ASSUMED_HFOV_DEG: f64 = 60.0;

/// Printed side of a library code, metres, that poses are fitted for (our
/// label sheets print 5 cm codes; the server's `size_m` says otherwise per
/// code, which [`with_side`] applies where the true distance matters).
pub const DEFAULT_CODE_SIDE_M: f64 = 0.05;

/// One code as the overlay should draw it.
#[derive(Debug, Clone)]
pub struct TrackedCode {
    /// Stable id while the code stays in view.
    pub id: u64,
    /// What the code holds.
    pub content: ScannedContent,
    /// Smoothed corners in frame pixels: top-left, top-right, bottom-right, bottom-left.
    pub corners: [Vec2; 4],
    /// Smoothed pose in the camera frame (x right, y down, z forward, metres),
    /// for a code of side [`DEFAULT_CODE_SIDE_M`]: its projection is exact
    /// whatever the real size; [`with_side`] gives the pose for the real size.
    pub pose: Option<Pose>,
    /// False while held through a dropout.
    pub visible: bool,
}

/// The tracked codes after the newest scan.
#[derive(Resource, Debug, Default)]
pub struct TrackedCodes {
    /// Codes to draw.
    pub codes: Vec<TrackedCode>,
    /// Frame size the corners refer to, pixels.
    pub frame_size: UVec2,
}

#[derive(Resource)]
struct TrackerState {
    tracker: Tracker,
    epoch: Instant,
    last_update: Option<Instant>,
}

/// The tracking plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<TrackedCodes>()
        .insert_resource(TrackerState {
            tracker: Tracker::new(TrackerConfig::default()),
            epoch: Instant::now(),
            last_update: None,
        })
        .add_systems(
            Update,
            (track_scans, expire_tracks)
                .chain()
                .in_set(AppSystems::Scan)
                .after(crate::scan::scanning::ScanSystems),
        );
}

/// Intrinsics of an uncalibrated camera for a frame of `width` x `height` pixels:
/// square pixels, principal point at the centre, focal length from [`ASSUMED_HFOV_DEG`].
pub fn assumed_intrinsics(width: u32, height: u32) -> Intrinsics {
    let f = width as f64 / 2.0 / (ASSUMED_HFOV_DEG.to_radians() / 2.0).tan();
    Intrinsics {
        fx: f,
        fy: f,
        cx: width as f64 / 2.0,
        cy: height as f64 / 2.0,
    }
}

fn track_scans(
    mut scanned: MessageReader<FrameScanned>,
    detections: Res<Detections>,
    config: Res<AppConfig>,
    mut state: ResMut<TrackerState>,
    mut tracked: ResMut<TrackedCodes>,
) {
    if scanned.read().count() == 0 {
        return;
    }
    let taken_at = detections.taken_at.unwrap_or_else(Instant::now);
    let now = taken_at.saturating_duration_since(state.epoch);
    let camera = CameraModel {
        intrinsics: assumed_intrinsics(detections.frame_size.x, detections.frame_size.y),
        side_m: DEFAULT_CODE_SIDE_M,
    };
    let hosts: Vec<&str> = config.library_hosts.iter().map(String::as_str).collect();
    // The tracker fits every pose for DEFAULT_CODE_SIDE_M; the real side only
    // rescales distance (see `with_side`), and no pixel drawn depends on it.
    let out = state.tracker.update(now, &detections.raw, Some(&camera));
    state.last_update = Some(Instant::now());
    tracked.frame_size = detections.frame_size;
    tracked.codes = out
        .into_iter()
        .map(|t| TrackedCode {
            id: t.id,
            content: classify(t.text.as_deref(), &t.bytes, &hosts),
            corners: t.corners.map(|p| Vec2::new(p.x, p.y)),
            pose: t.pose,
            visible: t.visible,
        })
        .collect();
}

/// The pose of a code of side `side_m` from one fitted for side `fitted_m`.
///
/// Exact for a pinhole camera: scaling the model by `k` scales the
/// translation by `k` and leaves the rotation and every projected pixel (so
/// the reprojection error) unchanged. So the tracker fits one size and the
/// server's per-code size only moves the code nearer or farther.
pub fn with_side(pose: Pose, fitted_m: f64, side_m: f64) -> Pose {
    let k = side_m / fitted_m;
    Pose {
        translation: pose.translation.map(|t| t * k),
        ..pose
    }
}

/// Clears the tracks when scans stop arriving (camera lost, source ended), so
/// a card never stays stuck on screen.
fn expire_tracks(state: Res<TrackerState>, mut tracked: ResMut<TrackedCodes>) {
    let stale = state
        .last_update
        .is_some_and(|t| t.elapsed() > TrackerConfig::default().hold + Duration::from_millis(500));
    if stale && !tracked.codes.is_empty() {
        tracked.codes.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bigger_code_is_farther_away_and_projects_the_same() {
        use pustaka_markers::Point;
        use pustaka_markers::pose::{estimate, project_corners};
        let k = assumed_intrinsics(1280, 720);
        let corners = [
            Point::new(600.0, 300.0),
            Point::new(700.0, 305.0),
            Point::new(695.0, 410.0),
            Point::new(598.0, 402.0),
        ];
        let fitted = estimate(&corners, DEFAULT_CODE_SIDE_M, &k, None).unwrap();
        let big = with_side(fitted, DEFAULT_CODE_SIDE_M, 0.20);
        assert!((big.translation[2] / fitted.translation[2] - 4.0).abs() < 1e-9);
        let a = project_corners(&fitted, DEFAULT_CODE_SIDE_M, &k);
        let b = project_corners(&big, 0.20, &k);
        for (p, q) in a.iter().zip(&b) {
            assert!(p.distance(*q) < 1e-3, "{p:?} vs {q:?}");
        }
        // And the direct fit with the real size agrees.
        let direct = estimate(&corners, 0.20, &k, None).unwrap();
        assert!((direct.translation[2] - big.translation[2]).abs() < 1e-6);
    }

    #[test]
    fn assumed_intrinsics_match_the_field_of_view() {
        let k = assumed_intrinsics(1280, 720);
        // tan(30°) = 0.577, so f = 640 / 0.577 ≈ 1108.5 px.
        assert!((k.fx - 1108.5).abs() < 0.5, "{}", k.fx);
        assert_eq!((k.cx, k.cy), (640.0, 360.0));
    }
}
