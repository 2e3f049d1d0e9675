//! Camera pose of a code from its four corners.
//!
//! Frames and units:
//! - **Camera frame** (the `OpenCV` convention): origin at the optical centre, x to
//!   the right of the image, y down, z forward along the optical axis; metres.
//! - **Marker frame**: origin at the centre of the printed code, x along its
//!   top edge (top-left → top-right), y down its left edge (top-left →
//!   bottom-left), z = x × y, pointing *into* the printed surface (away from a
//!   camera that sees the code's front); metres. Seen head-on and upright, the
//!   two frames have the same axes.
//! - **Pixels**: as in [`crate::Point`].
//!
//! The code's corners (its outer edge, without the quiet zone) are at
//! `(±s/2, ±s/2, 0)` in the marker frame, `s` being the printed side length.
//!
//! Vectors, rotation matrices and quaternions are glam's `f64` types inside;
//! [`Pose`] keeps plain arrays in its public fields, so callers need no
//! glam of their own.

use glam::{DMat3, DQuat, DVec3};

use crate::MarkerError;
use crate::error::PoseError;
use crate::geometry::{Homography, Point};

/// A pinhole camera: focal lengths and principal point, in pixels; no lens
/// distortion (undistort the corners first if the lens needs it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intrinsics {
    /// Focal length along x, pixels.
    pub fx: f64,
    /// Focal length along y, pixels.
    pub fy: f64,
    /// Principal point x, pixels.
    pub cx: f64,
    /// Principal point y, pixels.
    pub cy: f64,
}

impl Intrinsics {
    /// Projects a camera-frame point (metres, z > 0) to pixels.
    pub fn project(&self, p: [f64; 3]) -> [f64; 2] {
        [
            self.fx * p[0] / p[2] + self.cx,
            self.fy * p[1] / p[2] + self.cy,
        ]
    }
}

/// A rigid transform from the marker frame to the camera frame:
/// `p_camera = rotation · p_marker + translation`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Rotation matrix, row-major (rows are the camera axes in marker coordinates).
    pub rotation: [[f64; 3]; 3],
    /// Position of the code's centre in the camera frame, metres.
    pub translation: [f64; 3],
    /// Root-mean-square distance between the detected corners and the corners
    /// projected with this pose, in pixels.
    pub reprojection_error_px: f64,
}

impl Pose {
    /// A pose from a rotation matrix and a translation (metres).
    pub(crate) fn from_parts(
        rotation: DMat3,
        translation: DVec3,
        reprojection_error_px: f64,
    ) -> Self {
        Self {
            rotation: rotation.transpose().to_cols_array_2d(),
            translation: translation.to_array(),
            reprojection_error_px,
        }
    }

    /// [`Pose::rotation`] as a matrix.
    pub(crate) fn rotation_matrix(&self) -> DMat3 {
        DMat3::from_cols_array_2d(&self.rotation).transpose()
    }

    /// Maps a marker-frame point (metres) to the camera frame.
    pub fn transform(&self, p: [f64; 3]) -> [f64; 3] {
        (self.rotation_matrix() * DVec3::from(p) + DVec3::from(self.translation)).to_array()
    }

    /// The angle between the code's normal and the camera's line of sight to
    /// it, in radians: 0 head-on, π/2 edge-on.
    pub fn tilt(&self) -> f64 {
        // The marker's z axis in the camera frame is the third column of R.
        let n = self.rotation_matrix().z_axis;
        let t = DVec3::from(self.translation);
        let d = t.length();
        if d == 0.0 {
            return 0.0;
        }
        (n.dot(t) / d).clamp(-1.0, 1.0).acos()
    }

    /// The rotation as a unit quaternion `[w, x, y, z]` with `w >= 0`.
    pub fn quaternion(&self) -> [f64; 4] {
        let q = quat_from_matrix(self.rotation_matrix());
        [q.w, q.x, q.y, q.z]
    }
}

/// The homography from marker-plane coordinates `(x, y)` in metres (origin at
/// the code's centre, see the module docs) to pixels, for a code of side
/// `side_m` with `corners` in the order of [`crate::Detection::corners`].
///
/// # Errors
/// [`MarkerError::Pose`] when `side_m` is not positive ([`PoseError::Side`])
/// or the corners are degenerate ([`PoseError::DegenerateCorners`]).
pub fn homography(corners: &[Point; 4], side_m: f64) -> Result<Homography, MarkerError> {
    if !(side_m > 0.0 && side_m.is_finite()) {
        return Err(PoseError::Side { side_m }.into());
    }
    let to = corners.map(|p| [f64::from(p.x), f64::from(p.y)]);
    Homography::from_points(model_corners(side_m), to)
        .ok_or_else(|| PoseError::DegenerateCorners.into())
}

/// The marker-plane corners (x, y) in metres, in detection order.
fn model_corners(side_m: f64) -> [[f64; 2]; 4] {
    let h = side_m / 2.0;
    [[-h, -h], [h, -h], [h, h], [-h, h]]
}

/// Gauss–Newton iterations after the closed-form start: it converges in a
/// handful; the rest is a guard for bad starts.
const REFINE_ITERATIONS: usize = 20;

/// Estimates the pose of a code of side `side_m` metres whose corners were
/// detected at `corners` (pixels, [`crate::Detection::corners`] order) by a
/// camera with `intrinsics`.
///
/// Closed-form start from the homography (Zhang's decomposition), then
/// Gauss–Newton on the reprojection error. When `hint` is given (the previous
/// frame's pose of the same code), a second refinement starts from it and wins
/// unless it is clearly worse: near head-on the two mirror-image solutions of
/// a planar target fit almost equally well, and staying with the previous one
/// keeps the overlay from flipping.
///
/// # Errors
/// [`MarkerError::Pose`] for a non-positive side, invalid intrinsics,
/// degenerate corners, or a solution behind the camera (see [`PoseError`]).
pub fn estimate(
    corners: &[Point; 4],
    side_m: f64,
    intrinsics: &Intrinsics,
    hint: Option<&Pose>,
) -> Result<Pose, MarkerError> {
    let k = intrinsics;
    if !(k.fx > 0.0 && k.fy > 0.0 && k.fx.is_finite() && k.fy.is_finite()) {
        return Err(PoseError::FocalLength.into());
    }
    let hm = homography(corners, side_m)?;
    let h = hm.h;
    // M = K⁻¹ H, columns m1, m2, m3 ∝ r1, r2, t.
    let kinv = |c: DVec3| DVec3::new((c.x - k.cx * c.z) / k.fx, (c.y - k.cy * c.z) / k.fy, c.z);
    let m1 = kinv(DVec3::new(h[0], h[3], h[6]));
    let m2 = kinv(DVec3::new(h[1], h[4], h[7]));
    let m3 = kinv(DVec3::new(h[2], h[5], h[8]));
    let mut lambda = 2.0 / (m1.length() + m2.length());
    if m3.z * lambda < 0.0 {
        lambda = -lambda;
    }
    let (r1, r2) = orthonormal_pair(m1 * lambda, m2 * lambda);
    let rot = DMat3::from_cols(r1, r2, r1.cross(r2));
    let t = m3 * lambda;
    if t.z <= 0.0 {
        return Err(PoseError::BehindCamera.into());
    }
    let observed = corners.map(|p| [f64::from(p.x), f64::from(p.y)]);
    let model = model_corners(side_m);
    let from_h = refine(rotvec_from_matrix(rot), t, &model, &observed, k);
    let best = match hint {
        Some(prev) => {
            let from_prev = refine(
                rotvec_from_matrix(prev.rotation_matrix()),
                DVec3::from(prev.translation),
                &model,
                &observed,
                k,
            );
            if from_prev.reprojection_error_px <= from_h.reprojection_error_px + HINT_SLACK_PX {
                from_prev
            } else {
                from_h
            }
        }
        None => from_h,
    };
    if best.translation[2] <= 0.0 || !best.reprojection_error_px.is_finite() {
        return Err(PoseError::NoFit.into());
    }
    Ok(best)
}

/// The previous frame's solution is kept while it fits within this many
/// pixels (RMS) of the fresh one: corner noise is about a pixel, so a
/// difference this small says nothing about which is right.
const HINT_SLACK_PX: f64 = 0.5;

/// Gauss–Newton on 6 parameters (rotation vector, translation) minimising the
/// corner reprojection error, with a numeric Jacobian.
fn refine(
    mut w: DVec3,
    mut t: DVec3,
    model: &[[f64; 2]; 4],
    observed: &[[f64; 2]; 4],
    k: &Intrinsics,
) -> Pose {
    let residuals = |w: DVec3, t: DVec3| -> [f64; 8] {
        let r = matrix_from_rotvec(w);
        let mut out = [0.0; 8];
        for i in 0..4 {
            let c = r * DVec3::new(model[i][0], model[i][1], 0.0) + t;
            let [u, v] = if c.z > 1e-9 {
                k.project(c.to_array())
            } else {
                [f64::MAX / 1e10, f64::MAX / 1e10]
            };
            out[2 * i] = u - observed[i][0];
            out[2 * i + 1] = v - observed[i][1];
        }
        out
    };
    let cost = |r: &[f64; 8]| r.iter().map(|v| v * v).sum::<f64>();
    let mut res = residuals(w, t);
    for _ in 0..REFINE_ITERATIONS {
        let params = [w.x, w.y, w.z, t.x, t.y, t.z];
        let mut jac = [[0.0f64; 6]; 8];
        for j in 0..6 {
            let step = if j < 3 {
                1e-6
            } else {
                1e-6 * t.z.abs().max(1e-3)
            };
            let mut p = params;
            p[j] += step;
            let r2 = residuals(DVec3::new(p[0], p[1], p[2]), DVec3::new(p[3], p[4], p[5]));
            for i in 0..8 {
                jac[i][j] = (r2[i] - res[i]) / step;
            }
        }
        // Normal equations JᵀJ δ = -Jᵀr, with a touch of damping.
        let mut a = [[0.0f64; 7]; 6];
        for r in 0..6 {
            for c in 0..6 {
                a[r][c] = (0..8).map(|i| jac[i][r] * jac[i][c]).sum();
            }
            a[r][r] *= 1.0 + 1e-6;
            a[r][6] = -(0..8).map(|i| jac[i][r] * res[i]).sum::<f64>();
        }
        let Some(delta) = solve6(a) else { break };
        let nw = w + DVec3::new(delta[0], delta[1], delta[2]);
        let nt = t + DVec3::new(delta[3], delta[4], delta[5]);
        let nres = residuals(nw, nt);
        if cost(&nres) >= cost(&res) {
            break;
        }
        (w, t, res) = (nw, nt, nres);
    }
    Pose::from_parts(matrix_from_rotvec(w), t, (cost(&res) / 4.0).sqrt())
}

/// Solves a 6 × 6 system given as an augmented matrix.
fn solve6(mut a: [[f64; 7]; 6]) -> Option<[f64; 6]> {
    for col in 0..6 {
        let pivot = (col..6).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-18 {
            return None;
        }
        a.swap(col, pivot);
        let prow = a[col];
        for (r, row) in a.iter_mut().enumerate() {
            if r != col {
                let f = row[col] / prow[col];
                for (x, p) in row.iter_mut().zip(prow.iter()).skip(col) {
                    *x -= f * p;
                }
            }
        }
    }
    let mut x = [0.0; 6];
    for (i, xi) in x.iter_mut().enumerate() {
        *xi = a[i][6] / a[i][i];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Makes two nearly orthogonal unit vectors exactly orthonormal, sharing the
/// correction equally between them.
fn orthonormal_pair(a: DVec3, b: DVec3) -> (DVec3, DVec3) {
    let a = a.normalize_or_zero();
    let b = b.normalize_or_zero();
    let c = (a + b).normalize_or_zero();
    let d = (a - b).normalize_or_zero();
    let s = std::f64::consts::FRAC_1_SQRT_2;
    ((c + d) * s, (c - d) * s)
}

/// Rotation vectors shorter than this (radians) use the first-order
/// Rodrigues formula `I + [w]×`: the axis `w / |w|` is not defined at 0.
const SMALL_ROTATION_RAD: f64 = 1e-12;

/// Rodrigues: rotation vector (axis × angle, radians) → matrix.
pub(crate) fn matrix_from_rotvec(w: DVec3) -> DMat3 {
    let theta = w.length();
    if theta < SMALL_ROTATION_RAD {
        return DMat3::from_cols(
            DVec3::new(1.0, w.z, -w.y),
            DVec3::new(-w.z, 1.0, w.x),
            DVec3::new(w.y, -w.x, 1.0),
        );
    }
    DMat3::from_axis_angle(w / theta, theta)
}

/// Inverse of [`matrix_from_rotvec`], through the quaternion (stable near 0
/// and π): angles come out in `[0, π]`.
pub(crate) fn rotvec_from_matrix(r: DMat3) -> DVec3 {
    let q = quat_from_matrix(r);
    let v = q.xyz();
    let s = v.length();
    if s < SMALL_ROTATION_RAD {
        return DVec3::ZERO;
    }
    v * (2.0 * s.atan2(q.w) / s)
}

/// Rotation matrix → unit quaternion with `w >= 0` (of `q` and `-q`, which
/// are the same rotation, the one whose angle is at most π).
pub(crate) fn quat_from_matrix(r: DMat3) -> DQuat {
    let q = DQuat::from_mat3(&r).normalize();
    if q.w < 0.0 { -q } else { q }
}

/// Projects the code's corners with `pose` (for tests and overlays): pixels,
/// in [`crate::Detection::corners`] order.
pub fn project_corners(pose: &Pose, side_m: f64, intrinsics: &Intrinsics) -> [Point; 4] {
    model_corners(side_m).map(|[x, y]| {
        let [u, v] = intrinsics.project(pose.transform([x, y, 0.0]));
        Point::new(u as f32, v as f32)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const K: Intrinsics = Intrinsics {
        fx: 900.0,
        fy: 900.0,
        cx: 640.0,
        cy: 360.0,
    };

    fn pose_at(tilt_deg: f64, t: [f64; 3]) -> Pose {
        let w = DVec3::new(tilt_deg.to_radians(), 0.0, 0.1);
        Pose::from_parts(matrix_from_rotvec(w), DVec3::from(t), 0.0)
    }

    #[test]
    fn recovers_a_known_pose() {
        for tilt in [0.0, 20.0, 45.0, 60.0] {
            let truth = pose_at(tilt, [0.05, -0.02, 0.6]);
            let corners = project_corners(&truth, 0.08, &K);
            let est = estimate(&corners, 0.08, &K, None).unwrap();
            for i in 0..3 {
                assert!(
                    (est.translation[i] - truth.translation[i]).abs() < 1e-3,
                    "{tilt}: {est:?}"
                );
            }
            assert!((est.tilt() - truth.tilt()).abs() < 0.01, "{tilt}");
            assert!(est.reprojection_error_px < 0.01);
        }
    }

    #[test]
    fn rejects_bad_input() {
        let c = [Point::new(0.0, 0.0); 4];
        assert!(estimate(&c, 0.08, &K, None).is_err());
        let ok = project_corners(&pose_at(0.0, [0.0, 0.0, 0.5]), 0.08, &K);
        assert!(estimate(&ok, 0.0, &K, None).is_err());
        assert!(estimate(&ok, 0.08, &Intrinsics { fx: 0.0, ..K }, None).is_err());
    }

    #[test]
    fn rotation_helpers_round_trip() {
        let w = DVec3::new(0.3, -1.2, 0.7);
        let back = rotvec_from_matrix(matrix_from_rotvec(w));
        assert!((0..3).all(|i| (back[i] - w[i]).abs() < 1e-9));
        let q = quat_from_matrix(matrix_from_rotvec(w));
        let m = DMat3::from_quat(q).transpose().to_cols_array_2d();
        let m0 = matrix_from_rotvec(w).transpose().to_cols_array_2d();
        assert!((0..3).all(|i| (0..3).all(|j| (m[i][j] - m0[i][j]).abs() < 1e-9)));
    }
}
