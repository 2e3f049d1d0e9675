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

use crate::geometry::Homography;
use crate::{MarkerError, Point};

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
    /// Maps a marker-frame point (metres) to the camera frame.
    pub fn transform(&self, p: [f64; 3]) -> [f64; 3] {
        let r = &self.rotation;
        let t = &self.translation;
        [
            r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + t[0],
            r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + t[1],
            r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + t[2],
        ]
    }

    /// The angle between the code's normal and the camera's line of sight to
    /// it, in radians: 0 head-on, π/2 edge-on.
    pub fn tilt(&self) -> f64 {
        // The marker's z axis in the camera frame is the third column of R.
        let n = [
            self.rotation[0][2],
            self.rotation[1][2],
            self.rotation[2][2],
        ];
        let t = self.translation;
        let d = norm(t);
        if d == 0.0 {
            return 0.0;
        }
        (dot(n, t) / d).clamp(-1.0, 1.0).acos()
    }

    /// The rotation as a unit quaternion `[w, x, y, z]` with `w >= 0`.
    pub fn quaternion(&self) -> [f64; 4] {
        quat_from_matrix(&self.rotation)
    }
}

/// The homography from marker-plane coordinates `(x, y)` in metres (origin at
/// the code's centre, see the module docs) to pixels, for a code of side
/// `side_m` with `corners` in the order of [`crate::Detection::corners`].
///
/// # Errors
/// [`MarkerError::Pose`] when `side_m` is not positive or the corners are degenerate.
pub fn homography(corners: &[Point; 4], side_m: f64) -> Result<Homography, MarkerError> {
    if !(side_m > 0.0 && side_m.is_finite()) {
        return Err(MarkerError::Pose(format!(
            "side length {side_m} m is not positive"
        )));
    }
    let to = corners.map(|p| [f64::from(p.x), f64::from(p.y)]);
    Homography::from_points(model_corners(side_m), to)
        .ok_or_else(|| MarkerError::Pose("corners are degenerate (three in a line)".into()))
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
/// degenerate corners, or a solution behind the camera.
pub fn estimate(
    corners: &[Point; 4],
    side_m: f64,
    intrinsics: &Intrinsics,
    hint: Option<&Pose>,
) -> Result<Pose, MarkerError> {
    let k = intrinsics;
    if !(k.fx > 0.0 && k.fy > 0.0 && k.fx.is_finite() && k.fy.is_finite()) {
        return Err(MarkerError::Pose("focal lengths must be positive".into()));
    }
    let hm = homography(corners, side_m)?;
    let h = hm.h;
    // M = K⁻¹ H, columns m1, m2, m3 ∝ r1, r2, t.
    let kinv = |c: [f64; 3]| {
        [
            (c[0] - k.cx * c[2]) / k.fx,
            (c[1] - k.cy * c[2]) / k.fy,
            c[2],
        ]
    };
    let m1 = kinv([h[0], h[3], h[6]]);
    let m2 = kinv([h[1], h[4], h[7]]);
    let m3 = kinv([h[2], h[5], h[8]]);
    let mut lambda = 2.0 / (norm(m1) + norm(m2));
    if m3[2] * lambda < 0.0 {
        lambda = -lambda;
    }
    let r1 = scale(m1, lambda);
    let r2 = scale(m2, lambda);
    let (r1, r2) = orthonormal_pair(r1, r2);
    let r3 = cross(r1, r2);
    let rot = [
        [r1[0], r2[0], r3[0]],
        [r1[1], r2[1], r3[1]],
        [r1[2], r2[2], r3[2]],
    ];
    let t = scale(m3, lambda);
    if t[2] <= 0.0 {
        return Err(MarkerError::Pose(
            "the code would be behind the camera".into(),
        ));
    }
    let observed = corners.map(|p| [f64::from(p.x), f64::from(p.y)]);
    let model = model_corners(side_m);
    let from_h = refine(rotvec_from_matrix(&rot), t, &model, &observed, k);
    let best = match hint {
        Some(prev) => {
            let from_prev = refine(
                rotvec_from_matrix(&prev.rotation),
                prev.translation,
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
        return Err(MarkerError::Pose("no valid pose fits these corners".into()));
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
    mut w: [f64; 3],
    mut t: [f64; 3],
    model: &[[f64; 2]; 4],
    observed: &[[f64; 2]; 4],
    k: &Intrinsics,
) -> Pose {
    let residuals = |w: [f64; 3], t: [f64; 3]| -> [f64; 8] {
        let r = matrix_from_rotvec(w);
        let mut out = [0.0; 8];
        for i in 0..4 {
            let p = [model[i][0], model[i][1], 0.0];
            let c = add(mat_vec(&r, p), t);
            let [u, v] = if c[2] > 1e-9 {
                k.project(c)
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
        let params = [w[0], w[1], w[2], t[0], t[1], t[2]];
        let mut jac = [[0.0f64; 6]; 8];
        for j in 0..6 {
            let step = if j < 3 {
                1e-6
            } else {
                1e-6 * t[2].abs().max(1e-3)
            };
            let mut p = params;
            p[j] += step;
            let r2 = residuals([p[0], p[1], p[2]], [p[3], p[4], p[5]]);
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
        let nw = [w[0] + delta[0], w[1] + delta[1], w[2] + delta[2]];
        let nt = [t[0] + delta[3], t[1] + delta[4], t[2] + delta[5]];
        let nres = residuals(nw, nt);
        if cost(&nres) >= cost(&res) {
            break;
        }
        (w, t, res) = (nw, nt, nres);
    }
    Pose {
        rotation: matrix_from_rotvec(w),
        translation: t,
        reprojection_error_px: (cost(&res) / 4.0).sqrt(),
    }
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
fn orthonormal_pair(a: [f64; 3], b: [f64; 3]) -> ([f64; 3], [f64; 3]) {
    let a = normalize(a);
    let b = normalize(b);
    let c = normalize(add(a, b));
    let d = normalize(sub(a, b));
    let s = std::f64::consts::FRAC_1_SQRT_2;
    (scale(add(c, d), s), scale(sub(c, d), s))
}

pub(crate) fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}
fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}
fn add(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] + b[0], a[1] + b[1], a[2] + b[2]]
}
fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}
fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}
pub(crate) fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}
fn normalize(a: [f64; 3]) -> [f64; 3] {
    let n = norm(a);
    if n > 0.0 { scale(a, 1.0 / n) } else { a }
}
fn mat_vec(r: &[[f64; 3]; 3], p: [f64; 3]) -> [f64; 3] {
    [dot(r[0], p), dot(r[1], p), dot(r[2], p)]
}

/// Rodrigues: rotation vector (axis × angle, radians) → matrix.
pub(crate) fn matrix_from_rotvec(w: [f64; 3]) -> [[f64; 3]; 3] {
    let theta = norm(w);
    if theta < 1e-12 {
        return [[1.0, -w[2], w[1]], [w[2], 1.0, -w[0]], [-w[1], w[0], 1.0]];
    }
    let [x, y, z] = scale(w, 1.0 / theta);
    let (s, c) = theta.sin_cos();
    let v = 1.0 - c;
    [
        [c + x * x * v, x * y * v - z * s, x * z * v + y * s],
        [y * x * v + z * s, c + y * y * v, y * z * v - x * s],
        [z * x * v - y * s, z * y * v + x * s, c + z * z * v],
    ]
}

/// Inverse of [`matrix_from_rotvec`] (through the quaternion, stable near 0 and π).
pub(crate) fn rotvec_from_matrix(r: &[[f64; 3]; 3]) -> [f64; 3] {
    let [w, x, y, z] = quat_from_matrix(r);
    let s = (x * x + y * y + z * z).sqrt();
    if s < 1e-12 {
        return [0.0; 3];
    }
    let angle = 2.0 * s.atan2(w);
    scale([x, y, z], angle / s)
}

/// Rotation matrix → unit quaternion `[w, x, y, z]`, `w >= 0`.
pub(crate) fn quat_from_matrix(r: &[[f64; 3]; 3]) -> [f64; 4] {
    let tr = r[0][0] + r[1][1] + r[2][2];
    let q = if tr > 0.0 {
        let s = (tr + 1.0).sqrt() * 2.0;
        [
            0.25 * s,
            (r[2][1] - r[1][2]) / s,
            (r[0][2] - r[2][0]) / s,
            (r[1][0] - r[0][1]) / s,
        ]
    } else if r[0][0] > r[1][1] && r[0][0] > r[2][2] {
        let s = (1.0 + r[0][0] - r[1][1] - r[2][2]).sqrt() * 2.0;
        [
            (r[2][1] - r[1][2]) / s,
            0.25 * s,
            (r[0][1] + r[1][0]) / s,
            (r[0][2] + r[2][0]) / s,
        ]
    } else if r[1][1] > r[2][2] {
        let s = (1.0 + r[1][1] - r[0][0] - r[2][2]).sqrt() * 2.0;
        [
            (r[0][2] - r[2][0]) / s,
            (r[0][1] + r[1][0]) / s,
            0.25 * s,
            (r[1][2] + r[2][1]) / s,
        ]
    } else {
        let s = (1.0 + r[2][2] - r[0][0] - r[1][1]).sqrt() * 2.0;
        [
            (r[1][0] - r[0][1]) / s,
            (r[0][2] + r[2][0]) / s,
            (r[1][2] + r[2][1]) / s,
            0.25 * s,
        ]
    };
    let n = (q[0] * q[0] + q[1] * q[1] + q[2] * q[2] + q[3] * q[3]).sqrt();
    let sign = if q[0] < 0.0 { -1.0 } else { 1.0 };
    q.map(|v| sign * v / n)
}

/// Unit quaternion `[w, x, y, z]` → rotation matrix.
pub(crate) fn matrix_from_quat(q: [f64; 4]) -> [[f64; 3]; 3] {
    let [w, x, y, z] = q;
    [
        [
            1.0 - 2.0 * (y * y + z * z),
            2.0 * (x * y - w * z),
            2.0 * (x * z + w * y),
        ],
        [
            2.0 * (x * y + w * z),
            1.0 - 2.0 * (x * x + z * z),
            2.0 * (y * z - w * x),
        ],
        [
            2.0 * (x * z - w * y),
            2.0 * (y * z + w * x),
            1.0 - 2.0 * (x * x + y * y),
        ],
    ]
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
        Pose {
            rotation: matrix_from_rotvec([tilt_deg.to_radians(), 0.0, 0.1]),
            translation: t,
            reprojection_error_px: 0.0,
        }
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
        let w = [0.3, -1.2, 0.7];
        let back = rotvec_from_matrix(&matrix_from_rotvec(w));
        assert!((0..3).all(|i| (back[i] - w[i]).abs() < 1e-9));
        let q = quat_from_matrix(&matrix_from_rotvec(w));
        let m = matrix_from_quat(q);
        let m0 = matrix_from_rotvec(w);
        assert!((0..3).all(|i| (0..3).all(|j| (m[i][j] - m0[i][j]).abs() < 1e-9)));
    }
}
