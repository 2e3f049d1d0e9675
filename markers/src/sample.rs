//! The fast path: reading a code straight from three located finder patterns.
//!
//! The finder centres (and, from version 2 on, the bottom-right alignment
//! pattern) give a homography from module coordinates to the bitmap; every
//! module is sampled at its centre into a grid, which [`crate::decode`]
//! (format information, Reed–Solomon, segments) then reads. This skips rqrr's own
//! region search and perspective fitting, which cost milliseconds per code;
//! when it fails, the scanner falls back to rqrr on a crop.

use crate::binarize::Bitmap;
use crate::decode;
use crate::detection::Detection;
use crate::finder::Finder;
use crate::geometry::Homography;
use crate::qr::format::{self, MAX_FORMAT_ERRORS};
use crate::qr::layout::{alignment_positions, function_reference};
use crate::qr::version::{MAX_VERSION, MAX_VERSION_ERRORS, MIN_VERSION_WITH_INFO, nearest_info};
use crate::qr::{ModuleGrid, version};

/// The alignment pattern may sit this many modules from where an affine map
/// of the finders predicts it (perspective and curvature move it).
const ALIGN_SEARCH_MODULES: f32 = 3.0;

/// Score a candidate alignment centre must reach: 2 for a dark centre, 1 per
/// light point on the inner ring (8) and per dark point on the outer ring (8),
/// so 16 of 18 with two points allowed to miss.
const MIN_ALIGN_SCORE: u32 = 16;

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
    let mut version = ((side - 17.0) / 4.0).round().clamp(1.0, MAX_VERSION as f32) as usize;
    // From version 7 on the code states its version (ISO/IEC 18004 §7.10):
    // the size measured from finder spacing can be off by a version or two on
    // large codes, the stated one cannot.
    if version >= MIN_VERSION_WITH_INFO - 1 {
        // Finder sizes of blurred large codes are inflated, so the measured
        // size can be short by a quarter: try the sizes around it.
        let lo = (version * 3 / 4).max(MIN_VERSION_WITH_INFO);
        let hi = (version * 4 / 3 + 1).min(MAX_VERSION);
        let mut best: Option<(u32, usize)> = None;
        for guess in lo..=hi {
            if let Some((v, d)) = read_version_info(bm, tl, tr, bl, version::size_of(guess))
                && best.is_none_or(|(bd, bv)| {
                    d < bd || (d == bd && v.abs_diff(version) < bv.abs_diff(version))
                })
            {
                best = Some((d, v));
            }
        }
        match best {
            // A version read within a bit is all but certain (random bits
            // come that close to a version codeword 0.5 % of the time), so
            // its neighbours are not sampled; a v6 code has no version
            // information and may still be the one measured.
            Some((d, v)) if d <= 1 => {
                let sizes = [v, 6]
                    .into_iter()
                    .filter(|&c| c == v || v == MIN_VERSION_WITH_INFO)
                    .map(version::size_of);
                return read_sizes(bm, [tl, tr, bl], sizes);
            }
            Some((_, v)) => version = v,
            // Texture triples with one-pixel "modules" measure as huge
            // codes, and sampling a large grid costs milliseconds; a real
            // code this large states its version in two BCH-protected copies.
            None if version >= MIN_VERSION_TRUSTING_INFO => return None,
            None => {}
        }
    }
    let sizes = [version, version + 1, version.saturating_sub(1)]
        .into_iter()
        .filter(|v| (1..=MAX_VERSION).contains(v))
        .map(version::size_of);
    read_sizes(bm, [tl, tr, bl], sizes)
}

/// Tries each code size `n` in turn (finders top-left, top-right,
/// bottom-left); when none reads, the size whose format read and whose
/// timing patterns agree best gets its map refined ([`refine`]) and one
/// more read, then one that follows the timing patterns
/// ([`sample_along_timing`]).
fn read_sizes(
    bm: &Bitmap,
    [tl, tr, bl]: [&Finder; 3],
    sizes: impl Iterator<Item = usize>,
) -> Option<Detection> {
    let mut nearest: Option<Fit> = None;
    for n in sizes {
        match read_version(bm, tl, tr, bl, n) {
            Attempt::Read(d) => return Some(d),
            Attempt::Near(fit) => {
                if nearest.as_ref().is_none_or(|b| fit.timing > b.timing) {
                    nearest = Some(fit);
                }
            }
            Attempt::Nothing => {}
        }
    }
    let fit = nearest.filter(|f| f.timing >= MIN_TIMING_AGREEMENT_TO_REFINE)?;
    let hm = match refine(bm, fit.from, fit.to, fit.n) {
        Some(hm) => {
            if let Some(d) = sample_and_decode(bm, &hm, fit.n) {
                return detection_from(&hm, fit.n, d);
            }
            hm
        }
        // Nothing to refine: the map as it was (its grid already failed).
        None => Homography::from_points(fit.from, fit.to)?,
    };
    // A bent page shifts whole columns or rows: follow the timing patterns.
    detection_from(&hm, fit.n, sample_along_timing(bm, &hm, fit.n)?)
}

/// Sampling steps per module when the timing patterns are traced.
const TIMING_TRACE_STEPS: usize = 8;

/// Where the modules of one timing pattern really are: traces the pattern
/// (row 6 with `along_row`, else column 6) from module 7 to `n - 7` through
/// `hm` in steps of 1/[`TIMING_TRACE_STEPS`] module, and returns, per
/// module index `i` of the code, the offset (in modules) of the centre of
/// its run from `i + 0.5`; between the pattern and the finder centres the
/// offset fades to 0. `None` when the runs do not alternate one per module.
fn timing_offsets(bm: &Bitmap, hm: &Homography, n: usize, along_row: bool) -> Option<Vec<f64>> {
    let (first, last) = (8usize, n - 9);
    let steps = TIMING_TRACE_STEPS as f64;
    // From the middle of the finders' inner edge modules (6 and n - 7).
    let start = first as f64 - 1.5;
    let end = last as f64 + 2.5;
    let count = ((end - start) * steps) as usize;
    let dark = |u: f64| {
        let [x, y] = if along_row {
            hm.map(u, 6.5)
        } else {
            hm.map(6.5, u)
        };
        dark_at(bm, x as f32, y as f32)
    };
    // Runs of equal colour from finder edge to finder edge.
    let mut runs: Vec<(f64, f64, bool)> = Vec::new();
    for k in 0..=count {
        let u = start + k as f64 / steps;
        let d = dark(u);
        match runs.last_mut() {
            Some(r) if r.2 == d => r.1 = u,
            _ => runs.push((u, u, d)),
        }
    }
    // Drop the finder edges (dark, when the trace starts on them) and the
    // light separators (modules 7 and n - 8) at both ends.
    if runs.first().is_some_and(|r| r.2) {
        runs.remove(0);
    }
    if runs.last().is_some_and(|r| r.2) {
        runs.pop();
    }
    if runs.first().is_none_or(|r| r.2) || runs.last().is_none_or(|r| r.2) {
        return None;
    }
    runs.remove(0);
    runs.pop();
    if runs.len() != last - first + 1 {
        return None;
    }
    let mut offsets = vec![0.0; n];
    for (i, r) in runs.iter().enumerate() {
        let module = first + i;
        if r.2 != (module % 2 == 0) {
            return None;
        }
        offsets[module] = (r.0 + r.1) / 2.0 - (module as f64 + 0.5);
    }
    // The map is pinned at the finder centres (modules 3 and n - 4), so
    // between a finder centre and the pattern the offset fades linearly to 0.
    let (lo, hi) = (offsets[first], offsets[last]);
    for (i, o) in offsets.iter_mut().enumerate().take(first) {
        *o = lo * (i.saturating_sub(3) as f64 / (first - 3) as f64);
    }
    for (i, o) in offsets.iter_mut().enumerate().skip(last + 1) {
        *o = hi * ((n - 4).saturating_sub(i) as f64 / (n - 4 - last) as f64);
    }
    Some(offsets)
}

/// Samples the grid with each column moved by the offset the horizontal
/// timing pattern shows for it, and each row by the vertical one's: a page
/// bent about one axis shifts whole columns (or rows), which a homography
/// cannot follow but the timing patterns show. Small codes only (one
/// global map); `None` when a timing pattern cannot be traced.
fn sample_along_timing(bm: &Bitmap, hm: &Homography, n: usize) -> Option<decode::Decoded> {
    if n >= version::size_of(MIN_VERSION_WITH_INFO) {
        return None;
    }
    let du = timing_offsets(bm, hm, n, true)?;
    let dv = timing_offsets(bm, hm, n, false)?;
    let grid = rqrr::SimpleGrid::from_func(n, |x, y| {
        let [px, py] = hm.map(x as f64 + 0.5 + du[x], y as f64 + 0.5 + dv[y]);
        dark_at(bm, px as f32, py as f32)
    });
    decode::decode(&grid)
}

/// A map whose format information read but whose data did not decode.
struct Fit {
    /// Code side in modules.
    n: usize,
    /// Module coordinates of the map's four anchor points.
    from: [[f64; 2]; 4],
    /// Their bitmap positions.
    to: [[f64; 2]; 4],
    /// Fraction of timing-pattern modules sampled with the right colour.
    timing: f64,
}

/// How one size went in [`read_version`].
enum Attempt {
    /// The code read.
    Read(Detection),
    /// The format read, the data did not.
    Near(Fit),
    /// Not a code of this size.
    Nothing,
}

/// A map is refined only when at least this fraction of its timing-pattern
/// modules already sample right. A wrong size or a texture triple agrees
/// about half the time; on the real-photo set, 85 % of the maps whose format
/// read but data did not were below 0.6 (and none of those refined into a
/// read that no other pass made), while the refines that won new reads
/// started at 0.65–1.0. Each refine costs 0.2–5 ms, so this gate is what
/// keeps the step affordable.
const MIN_TIMING_AGREEMENT_TO_REFINE: f64 = 0.6;

/// Reads the code as one of `n` modules: the map from the finders (and the
/// alignment pattern), the format check, then the whole grid.
fn read_version(bm: &Bitmap, tl: &Finder, tr: &Finder, bl: &Finder, n: usize) -> Attempt {
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
    let Some(hm) = Homography::from_points(from, to) else {
        return Attempt::Nothing;
    };
    // Cheap rejection first: the 30 format modules through the global map.
    // Most candidate triples (texture, finders of different codes, a wrong
    // size) fail here, before the whole grid is sampled.
    let lazy = LazyGrid { bm, hm: &hm, n };
    // Large codes drift under the global map, so their format bits may read
    // with errors in both copies; they passed the version-information check
    // instead (see MIN_VERSION_TRUSTING_INFO).
    let format_ok = if n >= version::size_of(MIN_VERSION_TRUSTING_INFO) {
        format::distance_either_way(&lazy) <= MAX_FORMAT_ERRORS
    } else {
        format::agrees(&lazy)
    };
    if !format_ok {
        return Attempt::Nothing;
    }
    match sample_and_decode(bm, &hm, n).and_then(|d| detection_from(&hm, n, d)) {
        Some(d) => Attempt::Read(d),
        None => Attempt::Near(Fit {
            n,
            from,
            to,
            timing: timing_agreement(bm, &hm, n),
        }),
    }
}

/// The detection of a decoded grid, its corners mapped through `hm` (module
/// to bitmap coordinates) for a code of `n` modules; `None` when they are
/// not finite.
fn detection_from(hm: &Homography, n: usize, decoded: decode::Decoded) -> Option<Detection> {
    let nf = n as f64;
    let sampled = [
        hm.map_point(0.0, 0.0),
        hm.map_point(nf, 0.0),
        hm.map_point(nf, nf),
        hm.map_point(0.0, nf),
    ];
    Detection::from_decoded(sampled, n, decoded)
}

/// Samples the whole grid (following alignment patterns locally, see
/// [`LocalGrid`]) and decodes it.
fn sample_and_decode(bm: &Bitmap, hm: &Homography, n: usize) -> Option<decode::Decoded> {
    let local = LocalGrid::new(bm, hm, n);
    let grid = rqrr::SimpleGrid::from_func(n, |x, y| {
        let [px, py] = local.map(hm, x as f64 + 0.5, y as f64 + 0.5);
        dark_at(bm, px as f32, py as f32)
    });
    // rqrr corrects at most 3 wrong format bits; a grid that is farther from
    // every format codeword either way round is not worth its Reed–Solomon pass.
    if format::distance_either_way(&grid) > MAX_FORMAT_ERRORS {
        return None;
    }
    decode::decode(&grid)
}

/// Refinement steps, in modules: each image point of the map is moved by
/// this much in each direction while that improves the fit, then by the
/// next, finer step. Half a module is about the largest error a good
/// format read leaves; an eighth is below what sampling at module centres
/// can notice.
const REFINE_STEPS_MODULES: [f64; 3] = [0.5, 0.25, 0.125];

/// A bound on the moves tried per step size, so a pathological bitmap
/// cannot keep the hill climb going.
const MAX_REFINE_ROUNDS: usize = 8;

/// Fits the map from module to bitmap coordinates to the code's function
/// patterns (finders with their separators, timing patterns, alignment
/// patterns, whose colours are known): each of the four image points in
/// `to` (images of the module points `from`) moves by ± a step along x and
/// y while the number of function modules sampled with the right colour
/// grows (a hill climb, coarse to fine steps). `None` when no move helps.
fn refine(bm: &Bitmap, from: [[f64; 2]; 4], to: [[f64; 2]; 4], n: usize) -> Option<Homography> {
    let reference = function_reference(n);
    let score = |to: &[[f64; 2]; 4]| -> Option<usize> {
        let hm = Homography::from_points(from, *to)?;
        Some(
            reference
                .iter()
                .filter(|&&(r, c, dark)| {
                    let [x, y] = hm.map(c as f64 + 0.5, r as f64 + 0.5);
                    dark_at(bm, x as f32, y as f32) == dark
                })
                .count(),
        )
    };
    let module = {
        let d = |a: [f64; 2], b: [f64; 2]| (a[0] - b[0]).hypot(a[1] - b[1]);
        (d(to[0], to[1]) / (from[1][0] - from[0][0]) + d(to[0], to[2]) / (from[2][1] - from[0][1]))
            / 2.0
    };
    if !module.is_finite() || module <= 0.0 {
        return None;
    }
    let mut best_to = to;
    let mut best = score(&to)?;
    let start = best;
    for step in REFINE_STEPS_MODULES.map(|s| s * module) {
        for _ in 0..MAX_REFINE_ROUNDS {
            let mut moved = false;
            for k in 0..8 {
                for sign in [-1.0, 1.0] {
                    let mut cand = best_to;
                    cand[k / 2][k % 2] += sign * step;
                    if let Some(sc) = score(&cand)
                        && sc > best
                    {
                        (best, best_to, moved) = (sc, cand, true);
                    }
                }
            }
            if !moved {
                break;
            }
        }
    }
    (best > start)
        .then(|| Homography::from_points(from, best_to))
        .flatten()
}

/// The fraction of timing-pattern modules (row and column 6 between the
/// finders) that sample with the right colour through `hm`.
fn timing_agreement(bm: &Bitmap, hm: &Homography, n: usize) -> f64 {
    if n < 17 {
        return 0.0;
    }
    let mut right = 0usize;
    for i in 8..n - 8 {
        for (r, c) in [(6, i), (i, 6)] {
            let [x, y] = hm.map(c as f64 + 0.5, r as f64 + 0.5);
            right += usize::from(dark_at(bm, x as f32, y as f32) == (i % 2 == 0));
        }
    }
    right as f64 / (2 * (n - 16)) as f64
}

/// A grid read on demand through one homography (for the format check).
struct LazyGrid<'a> {
    bm: &'a Bitmap,
    hm: &'a Homography,
    n: usize,
}

impl ModuleGrid for LazyGrid<'_> {
    fn size(&self) -> usize {
        self.n
    }

    fn dark(&self, y: usize, x: usize) -> bool {
        let [px, py] = self.hm.map(x as f64 + 0.5, y as f64 + 0.5);
        dark_at(self.bm, px as f32, py as f32)
    }
}

/// From this measured version on, a triple whose version information reads
/// in neither copy is dropped. Lower, the measurement may be a v5 or v6 code
/// (no version information) measured large.
const MIN_VERSION_TRUSTING_INFO: usize = 10;

/// Reads the version information (version and bit errors) next to the
/// top-right and bottom-left finders, sampling with an affine map of the finders for a code of `n`
/// modules (the blocks sit 6–8 modules from a finder, where a size error of a
/// few percent moves the samples by a fraction of a module).
fn read_version_info(
    bm: &Bitmap,
    tl: &Finder,
    tr: &Finder,
    bl: &Finder,
    n: usize,
) -> Option<(usize, u32)> {
    let far = n as f64 - 3.5;
    let pts = |f: &Finder| [f64::from(f.x), f64::from(f.y)];
    let fourth = [f64::from(tr.x + bl.x - tl.x), f64::from(tr.y + bl.y - tl.y)];
    let hm = Homography::from_points(
        [[3.5, 3.5], [far, 3.5], [3.5, far], [far, far]],
        [pts(tl), pts(tr), pts(bl), fourth],
    )?;
    let at = |row: usize, col: usize| {
        let [x, y] = hm.map(col as f64 + 0.5, row as f64 + 0.5);
        dark_at(bm, x as f32, y as f32)
    };
    // Bit i of the top-right block is at row i / 3, column n - 11 + i % 3;
    // the bottom-left block is its transpose.
    let mut top_right = 0u32;
    let mut bottom_left = 0u32;
    for i in 0..18 {
        top_right |= u32::from(at(i / 3, n - 11 + i % 3)) << i;
        bottom_left |= u32::from(at(n - 11 + i % 3, i / 3)) << i;
    }
    [nearest_info(top_right), nearest_info(bottom_left)]
        .into_iter()
        .filter(|&(_, d)| d <= MAX_VERSION_ERRORS)
        .min_by_key(|&(_, d)| d)
}

/// Alignment patterns are searched this many modules around where the
/// current estimate puts them.
const LOCAL_SEARCH_MODULES: f32 = 1.5;

/// Sampling that follows the code locally: each cell of the alignment-pattern
/// grid gets its own homography from its four corner patterns, as found in
/// the bitmap (or predicted by the global map where none was found). Large
/// codes on curved or wavy paper drift by whole modules under one global map.
struct LocalGrid {
    /// Alignment coordinates along each axis (module units, centres).
    coords: Vec<f64>,
    /// Found (or predicted) frame positions of every grid point, row-major.
    points: Vec<[f64; 2]>,
    /// Per cell, its homography (row-major over cells).
    cells: Vec<Option<Homography>>,
}

impl LocalGrid {
    fn new(bm: &Bitmap, hm: &Homography, n: usize) -> Self {
        let pos = alignment_positions(n);
        let coords: Vec<f64> = pos.iter().map(|&p| p as f64 + 0.5).collect();
        let k = coords.len();
        let mut points: Vec<[f64; 2]> = Vec::with_capacity(k * k);
        // Row by row, each point is predicted from the ones already placed
        // (parallelogram rule), so the search follows the paper's curve
        // instead of drifting with the global map.
        for (j, &v) in coords.iter().enumerate() {
            for (i, &u) in coords.iter().enumerate() {
                let global = hm.map(u, v);
                let at = |i: usize, j: usize| points[j * k + i];
                let step = |a: [f64; 2], ga: [f64; 2]| {
                    [a[0] + global[0] - ga[0], a[1] + global[1] - ga[1]]
                };
                let predicted = match (i, j) {
                    (0, 0) => global,
                    (_, 0) => step(at(i - 1, 0), hm.map(coords[i - 1], v)),
                    (0, _) => step(at(0, j - 1), hm.map(u, coords[j - 1])),
                    _ => {
                        let (l, t, d) = (at(i - 1, j), at(i, j - 1), at(i - 1, j - 1));
                        [l[0] + t[0] - d[0], l[1] + t[1] - d[1]]
                    }
                };
                // The corners next to the three finders hold no alignment pattern.
                let is_finder = (i == 0 || j == 0) && (i + j == 0 || i + j == k - 1);
                let found = if is_finder || k < 3 {
                    None
                } else {
                    let e = |du: f64, dv: f64| {
                        let a = hm.map(u + du, v + dv);
                        ((a[0] - global[0]) as f32, (a[1] - global[1]) as f32)
                    };
                    find_alignment_within(
                        bm,
                        (predicted[0] as f32, predicted[1] as f32),
                        e(1.0, 0.0),
                        e(0.0, 1.0),
                        LOCAL_SEARCH_MODULES,
                    )
                };
                // Finder-side corners come from the global map, which the
                // finders themselves pinned down.
                let placed = if is_finder { global } else { predicted };
                points.push(found.map_or(placed, |p| [f64::from(p.0), f64::from(p.1)]));
            }
        }
        let mut cells = Vec::new();
        if k >= 3 {
            for j in 0..k - 1 {
                for i in 0..k - 1 {
                    let from = [
                        [coords[i], coords[j]],
                        [coords[i + 1], coords[j]],
                        [coords[i + 1], coords[j + 1]],
                        [coords[i], coords[j + 1]],
                    ];
                    let to = [
                        points[j * k + i],
                        points[j * k + i + 1],
                        points[(j + 1) * k + i + 1],
                        points[(j + 1) * k + i],
                    ];
                    cells.push(Homography::from_points(from, to));
                }
            }
        }
        Self {
            coords,
            points,
            cells,
        }
    }

    /// Maps module coordinates `(u, v)` to the frame through the cell that
    /// holds them (edge rows and columns use the nearest cell).
    fn map(&self, global: &Homography, u: f64, v: f64) -> [f64; 2] {
        let k = self.coords.len();
        if self.cells.is_empty() || self.points.len() != k * k {
            return global.map(u, v);
        }
        let cell_of = |x: f64| {
            self.coords[1..k - 1]
                .iter()
                .take_while(|&&c| x >= c)
                .count()
        };
        let (i, j) = (cell_of(u), cell_of(v));
        match self.cells[j * (k - 1) + i] {
            Some(h) => h.map(u, v),
            None => global.map(u, v),
        }
    }
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
    find_alignment_within(bm, guess, ex, ey, ALIGN_SEARCH_MODULES)
}

/// [`find_alignment`] within `radius_modules` of the guess.
fn find_alignment_within(
    bm: &Bitmap,
    guess: (f32, f32),
    ex: (f32, f32),
    ey: (f32, f32),
    radius_modules: f32,
) -> Option<(f32, f32)> {
    let m = ex.0.hypot(ex.1).max(ey.0.hypot(ey.1));
    let step = (m / 3.0).max(0.5);
    let reach = (radius_modules * m / step).ceil() as i32;
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A generated code as a bitmap, `px` pixels per module, no quiet zone.
    fn bitmap_of(code: &qrcode::QrCode, px: usize) -> Bitmap {
        let n = code.width();
        let colors = code.to_colors();
        let side = n * px;
        let bits = (0..side * side)
            .map(|i| {
                let (x, y) = (i % side / px, i / side / px);
                u8::from(colors[y * n + x] == qrcode::Color::Dark)
            })
            .collect();
        Bitmap {
            width: side,
            height: side,
            bits,
        }
    }

    #[test]
    fn refine_recovers_a_misplaced_corner() {
        let code = qrcode::QrCode::with_version(
            b"https://perpustakaan.metrokota.go.id/m/7K3M9Q",
            qrcode::Version::Normal(4),
            qrcode::EcLevel::M,
        )
        .unwrap();
        let n = code.width();
        let px = 4.0;
        let bm = bitmap_of(&code, 4);
        let far = n as f64 - 3.5;
        let from = [[3.5, 3.5], [far, 3.5], [3.5, far], [far, far]];
        let mut to = from.map(|[u, v]| [u * px, v * px]);
        // The fourth point a module off in x and y (what a parallelogram
        // guess does under mild perspective): the lower right shears.
        to[3][0] += px;
        to[3][1] -= px;
        let hm = Homography::from_points(from, to).unwrap();
        assert!(sample_and_decode(&bm, &hm, n).is_none());
        let refined = refine(&bm, from, to, n).unwrap();
        let d = sample_and_decode(&bm, &refined, n).unwrap();
        assert_eq!(d.bytes, b"https://perpustakaan.metrokota.go.id/m/7K3M9Q");
    }

    #[test]
    fn timing_patterns_follow_a_page_bent_about_one_axis() {
        let text = b"https://perpustakaan.metrokota.go.id/m/7K3M9Q";
        let code =
            qrcode::QrCode::with_version(text, qrcode::Version::Normal(3), qrcode::EcLevel::L)
                .unwrap();
        let n = code.width();
        let colors = code.to_colors();
        let px = 8usize;
        // Columns between the finders pushed right by up to a module in
        // the middle (a page bent about a vertical axis, seen at an angle),
        // the same in every row; the finder centres stay where they are.
        let shift = |x: f64| {
            let t = ((x - 3.5) / (n as f64 - 7.0)).clamp(0.0, 1.0);
            (std::f64::consts::PI * t).sin()
        };
        let side = n * px;
        let bits = (0..side * side)
            .map(|i| {
                let (x, y) = ((i % side) as f64 / px as f64, i / side / px);
                // Find the module whose shifted span covers x.
                let col = (0..n).find(|&c| {
                    let a = c as f64 + shift(c as f64);
                    x >= a && x < a + 1.0
                });
                u8::from(col.is_some_and(|c| colors[y * n + c] == qrcode::Color::Dark))
            })
            .collect();
        let bm = Bitmap {
            width: side,
            height: side,
            bits,
        };
        let far = n as f64 - 3.5;
        let from = [[3.5, 3.5], [far, 3.5], [3.5, far], [far, far]];
        let to = from.map(|[u, v]| [(u + shift(u)) * px as f64, v * px as f64]);
        let hm = Homography::from_points(from, to).unwrap();
        assert!(sample_and_decode(&bm, &hm, n).is_none());
        assert_eq!(sample_along_timing(&bm, &hm, n).unwrap().bytes, text);
    }
}
