//! The fast path: reading a code straight from three located finder patterns.
//!
//! The finder centres (and, from version 2 on, the bottom-right alignment
//! pattern) give a homography from module coordinates to the bitmap; every
//! module is sampled at its centre into a grid, which rqrr's decoder (format
//! information, Reed–Solomon, segments) then reads. This skips rqrr's own
//! region search and perspective fitting, which cost milliseconds per code;
//! when it fails, the scanner falls back to rqrr on a crop.

use rqrr::BitGrid;

use crate::binarize::Bitmap;
use crate::finder::Finder;
use crate::geometry::Homography;
use crate::scan::{Detection, format_distance, is_mirrored};
use crate::text;

/// The alignment pattern may sit this many modules from where an affine map
/// of the finders predicts it (perspective and curvature move it).
const ALIGN_SEARCH_MODULES: f32 = 3.0;

/// Score a candidate alignment centre must reach: 2 for a dark centre, 1 per
/// light point on the inner ring (8) and per dark point on the outer ring (8),
/// so 16 of 18 with two points allowed to miss.
const MIN_ALIGN_SCORE: u32 = 16;

/// The BCH(15,5) format code corrects up to 3 bit errors (ISO/IEC 18004 §7.9).
const MAX_FORMAT_ERRORS: u32 = 3;

/// Reads the code whose finders are `corner` (the one at the right angle) and
/// `a`, `b`, in bitmap coordinates. `None` when no version near the measured
/// size decodes.
pub(crate) fn read(bm: &Bitmap, corner: &Finder, a: &Finder, b: &Finder) -> Option<Detection> {
    let cross = (a.x - corner.x) * (b.y - corner.y) - (a.y - corner.y) * (b.x - corner.x);
    // Frame y grows downwards, so top-right × bottom-left is positive for a
    // code seen from the front; a mirrored code comes out transposed, which
    // the decoder detects.
    let (tr, bl) = if cross > 0.0 { (a, b) } else { (b, a) };
    let tl = corner;
    let m = (tl.module + tr.module + bl.module) / 3.0;
    let legs = (tr.x - tl.x).hypot(tr.y - tl.y) + (bl.x - tl.x).hypot(bl.y - tl.y);
    let side = legs / (2.0 * m) + 7.0;
    let version = ((side - 17.0) / 4.0).round().clamp(1.0, 40.0) as usize;
    for v in [version, version + 1, version.saturating_sub(1)] {
        if !(1..=40).contains(&v) {
            continue;
        }
        if let Some(d) = read_version(bm, tl, tr, bl, 17 + 4 * v) {
            return Some(d);
        }
    }
    None
}

fn read_version(bm: &Bitmap, tl: &Finder, tr: &Finder, bl: &Finder, n: usize) -> Option<Detection> {
    let nf = n as f64;
    let far = nf - 3.5;
    let pts = |f: &Finder| [f64::from(f.x), f64::from(f.y)];
    let mut from = [[3.5, 3.5], [far, 3.5], [3.5, far], [far, far]];
    let mut to = [
        pts(tl),
        pts(tr),
        pts(bl),
        [f64::from(tr.x + bl.x - tl.x), f64::from(tr.y + bl.y - tl.y)],
    ];
    if n > 21 {
        // Predicted centre of the alignment pattern at module (n-6.5, n-6.5).
        let t = ((n - 10) as f32) / ((n - 7) as f32);
        let ex = (
            (tr.x - tl.x) / (n - 7) as f32,
            (tr.y - tl.y) / (n - 7) as f32,
        );
        let ey = (
            (bl.x - tl.x) / (n - 7) as f32,
            (bl.y - tl.y) / (n - 7) as f32,
        );
        let guess = (
            tl.x + (tr.x - tl.x) * t + (bl.x - tl.x) * t,
            tl.y + (tr.y - tl.y) * t + (bl.y - tl.y) * t,
        );
        if let Some(p) = find_alignment(bm, guess, ex, ey) {
            from[3] = [nf - 6.5, nf - 6.5];
            to[3] = [f64::from(p.0), f64::from(p.1)];
        }
    }
    let hm = Homography::from_points(from, to)?;
    let grid = rqrr::SimpleGrid::from_func(n, |x, y| {
        let [px, py] = hm.map(x as f64 + 0.5, y as f64 + 0.5);
        dark_at(bm, px as f32, py as f32)
    });
    // rqrr corrects at most 3 wrong format bits; a grid that is farther from
    // every format codeword either way round is not worth its Reed–Solomon pass.
    if format_distance(&grid, false).min(format_distance(&grid, true)) > MAX_FORMAT_ERRORS {
        return None;
    }
    let mut bytes = Vec::new();
    rqrr::Grid::new(grid.clone()).decode_to(&mut bytes).ok()?;
    let mirrored = is_mirrored(&grid as &dyn BitGrid);
    let b = [
        hm.map_point(0.0, 0.0),
        hm.map_point(nf, 0.0),
        hm.map_point(nf, nf),
        hm.map_point(0.0, nf),
    ];
    if b.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
        return None;
    }
    let corners = if mirrored {
        [b[0], b[3], b[2], b[1]]
    } else {
        b
    };
    let module_px =
        (corners[0].distance(corners[1]) + corners[0].distance(corners[3])) / (2.0 * n as f32);
    let (text, encoding) = text::decode(&bytes);
    Some(Detection {
        bytes,
        text,
        encoding,
        corners,
        mirrored,
        module_px,
        size_modules: n,
    })
}

/// Whether the bitmap is dark at `(x, y)`; outside counts as light.
fn dark_at(bm: &Bitmap, x: f32, y: f32) -> bool {
    if !(x >= 0.0 && y >= 0.0) {
        return false;
    }
    let (xi, yi) = (x as usize, y as usize);
    xi < bm.width && yi < bm.height && bm.get(xi, yi)
}

/// Searches around `guess` for the alignment pattern (dark centre module,
/// light ring, dark ring, measured along the code's axes `ex`, `ey`, each one
/// module long in pixels). Returns the mean of the best-scoring centres.
fn find_alignment(
    bm: &Bitmap,
    guess: (f32, f32),
    ex: (f32, f32),
    ey: (f32, f32),
) -> Option<(f32, f32)> {
    let m = ex.0.hypot(ex.1).max(ey.0.hypot(ey.1));
    let step = (m / 3.0).max(0.5);
    let reach = (ALIGN_SEARCH_MODULES * m / step).ceil() as i32;
    let at = |cx: f32, cy: f32, i: f32, j: f32| {
        dark_at(bm, cx + i * ex.0 + j * ey.0, cy + i * ex.1 + j * ey.1)
    };
    let ring = [
        (-1.0, -1.0),
        (0.0, -1.0),
        (1.0, -1.0),
        (1.0, 0.0),
        (1.0, 1.0),
        (0.0, 1.0),
        (-1.0, 1.0),
        (-1.0, 0.0),
    ];
    let (mut best, mut sum, mut count) = (0u32, (0.0f32, 0.0f32), 0u32);
    for sy in -reach..=reach {
        for sx in -reach..=reach {
            let (cx, cy) = (guess.0 + sx as f32 * step, guess.1 + sy as f32 * step);
            if !at(cx, cy, 0.0, 0.0) {
                continue;
            }
            let mut score = 2;
            for (i, j) in ring {
                score += u32::from(!at(cx, cy, i, j));
                score += u32::from(at(cx, cy, 2.0 * i, 2.0 * j));
            }
            if score > best {
                (best, sum, count) = (score, (cx, cy), 1);
            } else if score == best {
                sum = (sum.0 + cx, sum.1 + cy);
                count += 1;
            }
        }
    }
    (best >= MIN_ALIGN_SCORE).then(|| (sum.0 / count as f32, sum.1 / count as f32))
}
