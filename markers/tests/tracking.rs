//! Pose and tracking on synthetic sequences with known ground truth: a code
//! of known size rendered (as corner positions) by a known camera, with
//! deterministic corner noise.

use std::time::Duration;

use pustaka_markers::pose::{self, Intrinsics, Pose};
use pustaka_markers::track::{CameraModel, Tracker, TrackerConfig};
use pustaka_markers::{Detection, Point, TextEncoding};

const K: Intrinsics = Intrinsics {
    fx: 1000.0,
    fy: 1000.0,
    cx: 640.0,
    cy: 360.0,
};
const SIDE_M: f64 = 0.08;
const FRAME: Duration = Duration::from_micros(33_333);

/// xorshift64*: a fixed, dependency-free noise source so runs repeat exactly.
struct Noise(u64);
impl Noise {
    /// Uniform in `[-a, a]`.
    fn uniform(&mut self, a: f32) -> f32 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let v = (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 40) as f32 / (1u64 << 24) as f32;
        (2.0 * v - 1.0) * a
    }
}

fn detection(corners: [Point; 4]) -> Detection {
    Detection {
        bytes: b"https://perpustakaan.metrokota.go.id/m/7K3M9Q".to_vec(),
        text: Some("https://perpustakaan.metrokota.go.id/m/7K3M9Q".into()),
        encoding: TextEncoding::Utf8,
        corners,
        mirrored: false,
        module_px: 5.0,
        size_modules: 29,
    }
}

fn square(cx: f32, cy: f32, half: f32) -> [Point; 4] {
    [
        Point::new(cx - half, cy - half),
        Point::new(cx + half, cy - half),
        Point::new(cx + half, cy + half),
        Point::new(cx - half, cy + half),
    ]
}

fn noisy(c: [Point; 4], noise: &mut Noise, a: f32) -> [Point; 4] {
    c.map(|p| Point::new(p.x + noise.uniform(a), p.y + noise.uniform(a)))
}

fn rotation_x(deg: f64) -> [[f64; 3]; 3] {
    let (s, c) = deg.to_radians().sin_cos();
    [[1.0, 0.0, 0.0], [0.0, c, -s], [0.0, s, c]]
}

#[test]
fn still_code_with_corner_noise_keeps_a_steady_centre() {
    let mut tracker = Tracker::default();
    let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
    let truth = square(640.0, 360.0, 72.5);
    let mut worst = 0.0f32;
    for i in 0..300u32 {
        let out = tracker.update(FRAME * i, &[detection(noisy(truth, &mut noise, 1.5))], None);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].id, 1, "identity must persist");
        // After a one-second warm-up the overlay must sit still.
        if i >= 30 {
            worst = worst.max(out[0].center().distance(Point::new(640.0, 360.0)));
        }
    }
    eprintln!("still code: overlay centre within {worst:.3} px of the truth");
    assert!(worst < 0.3, "overlay centre moved {worst} px");
}

#[test]
fn a_100_px_jump_is_followed_within_150_ms() {
    let mut tracker = Tracker::default();
    let mut noise = Noise(7);
    for i in 0..60u32 {
        tracker.update(
            FRAME * i,
            &[detection(noisy(
                square(500.0, 360.0, 72.5),
                &mut noise,
                1.5,
            ))],
            None,
        );
    }
    let jumped = Point::new(600.0, 360.0);
    let mut caught_up_at = None;
    for i in 60..120u32 {
        let out = tracker.update(
            FRAME * i,
            &[detection(noisy(
                square(600.0, 360.0, 72.5),
                &mut noise,
                1.5,
            ))],
            None,
        );
        let err = out[0].center().distance(jumped);
        if err < 1.0 && caught_up_at.is_none() {
            caught_up_at = Some(FRAME * (i - 59));
        }
        if caught_up_at.is_some() {
            assert!(err < 1.0, "fell behind again at frame {i}: {err} px");
        }
    }
    let t = caught_up_at.expect("never caught up");
    eprintln!("100 px jump: caught up (< 1 px) after {t:?}");
    assert!(t <= Duration::from_millis(150), "caught up after {t:?}");
}

#[test]
fn dropouts_are_held_then_dropped() {
    let mut tracker = Tracker::new(TrackerConfig::default());
    let c = square(300.0, 300.0, 50.0);
    for i in 0..10u32 {
        tracker.update(FRAME * i, &[detection(c)], None);
    }
    // Three missed frames: still there, not visible, same id.
    for i in 10..13u32 {
        let out = tracker.update(FRAME * i, &[], None);
        assert_eq!(out.len(), 1);
        assert!(!out[0].visible);
    }
    let back = tracker.update(FRAME * 13, &[detection(c)], None);
    assert_eq!((back.len(), back[0].id, back[0].visible), (1, 1, true));
    // Gone for a second: dropped; seen again, it is a new track.
    let gone = tracker.update(FRAME * 13 + Duration::from_secs(1), &[], None);
    assert!(gone.is_empty());
    let again = tracker.update(FRAME * 14 + Duration::from_secs(1), &[detection(c)], None);
    assert_eq!(again[0].id, 2);
}

#[test]
fn two_copies_of_one_code_are_two_tracks() {
    let mut tracker = Tracker::default();
    for i in 0..5u32 {
        let out = tracker.update(
            FRAME * i,
            &[
                detection(square(200.0, 300.0, 40.0)),
                detection(square(900.0, 300.0, 40.0)),
            ],
            None,
        );
        assert_eq!(out.len(), 2);
        assert_ne!(out[0].id, out[1].id);
        assert!(out[0].center().distance(Point::new(200.0, 300.0)) < 1.0);
    }
}

#[test]
fn tilt_from_0_to_60_degrees_is_tracked_without_flips() {
    let camera = CameraModel {
        intrinsics: K,
        side_m: SIDE_M,
    };
    let mut tracker = Tracker::default();
    let mut noise = Noise(42);
    let mut prev: Option<Pose> = None;
    // Two seconds head-on (where planar pose is most ambiguous), then a slow
    // tilt to 60° over four seconds.
    for i in 0..180u32 {
        let tilt = if i < 60 {
            0.0
        } else {
            (f64::from(i - 60) / 120.0) * 60.0
        };
        let truth = Pose {
            rotation: rotation_x(tilt),
            translation: [0.0, 0.0, 0.5],
            reprojection_error_px: 0.0,
        };
        let corners = pose::project_corners(&truth, SIDE_M, &K);
        let out = tracker.update(
            FRAME * i,
            &[detection(noisy(corners, &mut noise, 1.0))],
            Some(&camera),
        );
        let est = out[0].pose.expect("pose");
        // Tracked within a few degrees of the truth (the filter lags a little).
        if i >= 15 {
            let err = (est.tilt().to_degrees() - truth.tilt().to_degrees()).abs();
            assert!(
                err < 4.0,
                "frame {i}: tilt {} vs {tilt}",
                est.tilt().to_degrees()
            );
            assert!((est.translation[2] - 0.5).abs() < 0.01);
        }
        // No flip-flop: the code's normal never jumps between frames.
        if let Some(p) = prev {
            let n0 = [p.rotation[0][2], p.rotation[1][2], p.rotation[2][2]];
            let n1 = [est.rotation[0][2], est.rotation[1][2], est.rotation[2][2]];
            let cos = n0[0] * n1[0] + n0[1] * n1[1] + n0[2] * n1[2];
            assert!(cos.acos().to_degrees() < 3.0, "normal jumped at frame {i}");
        }
        prev = Some(est);
    }
}

#[test]
fn pose_from_detected_corners_matches_the_rendering() {
    // A 60° tilt seen by a known camera: the estimate reproduces the corners.
    let truth = Pose {
        rotation: rotation_x(60.0),
        translation: [0.03, -0.02, 0.4],
        reprojection_error_px: 0.0,
    };
    let corners = pose::project_corners(&truth, SIDE_M, &K);
    let est = pose::estimate(&corners, SIDE_M, &K, None).unwrap();
    assert!(est.reprojection_error_px < 0.01);
    assert!((est.tilt() - truth.tilt()).abs() < 1e-3);
    let h = pose::homography(&corners, SIDE_M).unwrap();
    let c = h.map(0.0, 0.0);
    let centre = truth.transform([0.0, 0.0, 0.0]);
    let expected = K.project(centre);
    // Corners are f32: a thousandth of a pixel is their precision here.
    assert!((c[0] - expected[0]).abs() < 1e-3 && (c[1] - expected[1]).abs() < 1e-3);
}
