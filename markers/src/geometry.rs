//! Plane geometry shared by the scanner, the pose code and the tracker:
//! frame points, quadrilaterals given by their four corners, and
//! homographies between a code's own plane and the frame.
//!
//! Coordinates: frame pixels as in [`Point`] (origin top-left, x right,
//! y down). A code's plane is measured in any unit with origin at the code's
//! top-left corner, u along its top edge, v down its left edge.

/// A point in pixel coordinates of the scanned frame: origin at the top-left
/// pixel's corner, x to the right, y downwards, in pixels (sub-pixel allowed).
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Point {
    /// Horizontal position in pixels.
    pub x: f32,
    /// Vertical position in pixels.
    pub y: f32,
}

impl Point {
    /// A point at `(x, y)` pixels.
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    /// Euclidean distance to `other`, in pixels.
    pub fn distance(self, other: Point) -> f32 {
        (self.x - other.x).hypot(self.y - other.y)
    }
}

/// The mean of a quadrilateral's four corners, in their units.
pub(crate) fn quad_center(corners: &[Point; 4]) -> Point {
    let (sx, sy) = corners
        .iter()
        .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
    Point::new(sx / 4.0, sy / 4.0)
}

/// Whether `(x, y)` lies inside the convex quadrilateral `q` (either winding;
/// the edges count as inside).
pub(crate) fn quad_contains(q: &[Point; 4], x: f32, y: f32) -> bool {
    let mut sign = 0.0f32;
    for i in 0..4 {
        let (a, b) = (q[i], q[(i + 1) % 4]);
        let c = (b.x - a.x) * (y - a.y) - (b.y - a.y) * (x - a.x);
        if c != 0.0 {
            if sign != 0.0 && c.signum() != sign {
                return false;
            }
            sign = c.signum();
        }
    }
    true
}

/// A projective map of the plane (3 × 3 matrix, row-major, `h[8]` normalised
/// to 1): `(u, v) ↦ ((h0 u + h1 v + h2) / w, (h3 u + h4 v + h5) / w)` with
/// `w = h6 u + h7 v + 1`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Homography {
    /// The matrix entries, row-major.
    pub h: [f64; 9],
}

impl Homography {
    /// The homography that maps each `from[i]` to `to[i]` (four point pairs,
    /// no three of either set collinear). `None` when the points are degenerate.
    pub fn from_points(from: [[f64; 2]; 4], to: [[f64; 2]; 4]) -> Option<Self> {
        // Eight equations in h0..h7 (h8 = 1), solved by Gaussian elimination
        // with partial pivoting.
        let mut a = [[0f64; 9]; 8];
        for i in 0..4 {
            let ([u, v], [x, y]) = (from[i], to[i]);
            a[2 * i] = [u, v, 1.0, 0.0, 0.0, 0.0, -u * x, -v * x, x];
            a[2 * i + 1] = [0.0, 0.0, 0.0, u, v, 1.0, -u * y, -v * y, y];
        }
        for col in 0..8 {
            let pivot = (col..8).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
            if a[pivot][col].abs() < SINGULAR_PIVOT {
                return None;
            }
            a.swap(col, pivot);
            let pivot_row = a[col];
            for (r, row) in a.iter_mut().enumerate() {
                if r != col {
                    let f = row[col] / pivot_row[col];
                    for (x, p) in row.iter_mut().zip(pivot_row.iter()).skip(col) {
                        *x -= f * p;
                    }
                }
            }
        }
        let mut h = [0f64; 9];
        for (i, hi) in h.iter_mut().take(8).enumerate() {
            *hi = a[i][8] / a[i][i];
        }
        h[8] = 1.0;
        h.iter().all(|v| v.is_finite()).then_some(Self { h })
    }

    /// Maps `(u, v)` to the frame. Points on the horizon line map to infinity
    /// (non-finite coordinates).
    pub fn map(&self, u: f64, v: f64) -> [f64; 2] {
        let h = &self.h;
        let w = h[6] * u + h[7] * v + h[8];
        [
            (h[0] * u + h[1] * v + h[2]) / w,
            (h[3] * u + h[4] * v + h[5]) / w,
        ]
    }

    /// Maps `(u, v)` to a frame [`Point`].
    pub fn map_point(&self, u: f64, v: f64) -> Point {
        let [x, y] = self.map(u, v);
        Point::new(x as f32, y as f32)
    }
}

/// Pivots smaller than this mean the four points are (nearly) collinear.
const SINGULAR_PIVOT: f64 = 1e-12;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_the_four_points_exactly() {
        let from = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]];
        let to = [[10.0, 20.0], [110.0, 25.0], [105.0, 140.0], [5.0, 120.0]];
        let hm = Homography::from_points(from, to).unwrap();
        for (f, t) in from.iter().zip(&to) {
            let p = hm.map(f[0], f[1]);
            assert!((p[0] - t[0]).abs() < 1e-9 && (p[1] - t[1]).abs() < 1e-9);
        }
        let collinear = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0], [3.0, 3.0]];
        assert!(Homography::from_points(collinear, to).is_none());
    }
}
