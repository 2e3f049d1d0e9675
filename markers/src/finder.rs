//! Our own finder-pattern locator: the scanner uses it to cut small regions
//! of interest (one per probable code) out of a large frame, scaled so that a
//! module is a few pixels wide, before rqrr sees them. rqrr's own search
//! flood-fills every dark region of the whole frame and copies the frame for
//! every candidate triple of finders, so it is slow on big frames and weak on
//! codes whose modules are one or two pixels wide; on a small, well-scaled
//! crop it is fast and reliable.
//!
//! A finder pattern crossed by a scan line gives five runs dark, light, dark,
//! light, dark in the ratio 1 : 1 : 3 : 1 : 1 (ISO/IEC 18004 §6.3.3). Rows are
//! scanned for that ratio, each hit is checked along the column through its
//! centre, and hits of the same pattern are merged.

use crate::binarize::Bitmap;

/// A located finder pattern, in the coordinates of the bitmap searched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Finder {
    /// Centre, x in pixels.
    pub x: f32,
    /// Centre, y in pixels.
    pub y: f32,
    /// Estimated module size in pixels (pattern width / 7).
    pub module: f32,
    /// How many scan lines crossed it: a real pattern is hit by several.
    pub hits: u32,
}

/// A run of the 1:1:3:1:1 pattern may be off by this fraction of its ideal
/// length: blur, ink spread and perspective all bend the ratio.
const RUN_TOLERANCE: f32 = 0.7;

/// Fewer than 7 pixels across (one per module) cannot be a readable finder.
const MIN_PATTERN_PX: usize = 7;

/// The column check may see the pattern up to this factor taller or shorter
/// than the row did (perspective up to about 60°).
const MAX_ASPECT: f32 = 2.5;

/// Hits closer than this many modules belong to the same pattern.
const MERGE_MODULES: f32 = 2.0;

/// Whether five runs look like 1:1:3:1:1.
fn ratio_ok(runs: &[usize; 5]) -> bool {
    let total: usize = runs.iter().sum();
    if total < MIN_PATTERN_PX {
        return false;
    }
    let m = total as f32 / 7.0;
    let tol = m * RUN_TOLERANCE;
    let near = |r: usize, ideal: f32, tol: f32| (r as f32 - ideal).abs() <= tol;
    near(runs[0], m, tol)
        && near(runs[1], m, tol)
        && near(runs[2], 3.0 * m, 3.0 * tol * 0.6)
        && near(runs[3], m, tol)
        && near(runs[4], m, tol)
}

/// The vertical 1:1:3:1:1 check through `(x, y)`, where `y` lies in the centre
/// run. Returns the centre y and the pattern height when it passes.
fn check_column(bm: &Bitmap, x: usize, y: usize, max_total: usize) -> Option<(f32, usize)> {
    let dark = |yy: usize| bm.get(x, yy);
    if !dark(y) {
        return None;
    }
    // Walk up: centre dark, light, dark.
    let mut runs = [0usize; 5];
    let mut yy = y;
    let mut up_edges = [0usize; 3];
    for (k, want_dark) in [true, false, true].into_iter().enumerate() {
        while dark(yy) == want_dark {
            up_edges[k] += 1;
            if yy == 0 || up_edges[k] > max_total {
                return None;
            }
            yy -= 1;
        }
    }
    let mut down = [0usize; 3];
    let mut yy = y + 1;
    for (k, want_dark) in [true, false, true].into_iter().enumerate() {
        while yy < bm.height && dark(yy) == want_dark {
            down[k] += 1;
            if down[k] > max_total {
                return None;
            }
            yy += 1;
        }
        if yy >= bm.height && k < 2 {
            return None;
        }
    }
    runs[0] = up_edges[2];
    runs[1] = up_edges[1];
    runs[2] = up_edges[0] + down[0];
    runs[3] = down[1];
    runs[4] = down[2];
    if !ratio_ok(&runs) {
        return None;
    }
    let top = y + 1 - up_edges[0];
    let centre = top as f32 + runs[2] as f32 / 2.0;
    Some((centre, runs.iter().sum()))
}

/// Finds finder patterns in `bm` (dark = `true`), scanning every `row_step`-th row.
pub(crate) fn find(bm: &Bitmap, row_step: usize) -> Vec<Finder> {
    let mut hits: Vec<Finder> = Vec::new();
    let mut runs: Vec<(bool, usize, usize)> = Vec::new(); // (dark, start, len)
    for y in (0..bm.height).step_by(row_step.max(1)) {
        let row = &bm.bits[y * bm.width..(y + 1) * bm.width];
        row_runs(row, &mut runs);
        for i in 0..runs.len().saturating_sub(4) {
            if !runs[i].0 {
                continue;
            }
            let five = [
                runs[i].2,
                runs[i + 1].2,
                runs[i + 2].2,
                runs[i + 3].2,
                runs[i + 4].2,
            ];
            if !ratio_ok(&five) {
                continue;
            }
            let total: usize = five.iter().sum();
            let cx = runs[i + 2].1 + runs[i + 2].2 / 2;
            let max_total = (total as f32 * MAX_ASPECT) as usize;
            let Some((cy, vtotal)) = check_column(bm, cx, y, max_total) else {
                continue;
            };
            if (vtotal as f32) < total as f32 / MAX_ASPECT {
                continue;
            }
            let x = runs[i + 2].1 as f32 + runs[i + 2].2 as f32 / 2.0;
            let module = (total + vtotal) as f32 / 14.0;
            add_hit(
                &mut hits,
                Finder {
                    x,
                    y: cy,
                    module,
                    hits: 1,
                },
            );
        }
    }
    hits
}

/// Splits a bitmap row (bytes 0 or 1) into runs `(dark, start, len)`.
/// Eight pixels are compared with their left neighbours at once: most of a
/// row is paper or background, where no pixel changes.
fn row_runs(row: &[u8], runs: &mut Vec<(bool, usize, usize)>) {
    runs.clear();
    let n = row.len();
    let mut start = 0;
    let mut x = 1;
    let word = |i: usize| {
        let mut b = [0u8; 8];
        b.copy_from_slice(&row[i..i + 8]);
        u64::from_le_bytes(b)
    };
    while x + 8 <= n {
        // Byte k of `changed` is 1 where pixel x + k differs from x + k - 1.
        let mut changed = word(x) ^ word(x - 1);
        while changed != 0 {
            let t = x + (changed.trailing_zeros() / 8) as usize;
            runs.push((row[start] != 0, start, t - start));
            start = t;
            changed &= changed - 1;
        }
        x += 8;
    }
    for t in x..n {
        if row[t] != row[t - 1] {
            runs.push((row[start] != 0, start, t - start));
            start = t;
        }
    }
    if n > 0 {
        runs.push((row[start] != 0, start, n - start));
    }
}

/// Merges a hit into the pattern it belongs to, or starts a new one.
fn add_hit(found: &mut Vec<Finder>, f: Finder) {
    for g in found.iter_mut() {
        let reach = g.module.max(f.module) * MERGE_MODULES;
        if (g.x - f.x).abs() <= reach && (g.y - f.y).abs() <= reach {
            let n = g.hits as f32;
            g.x = (g.x * n + f.x) / (n + 1.0);
            g.y = (g.y * n + f.y) / (n + 1.0);
            g.module = (g.module * n + f.module) / (n + 1.0);
            g.hits += 1;
            return;
        }
    }
    found.push(f);
}

/// A rectangle of the searched bitmap, in pixels, half-open.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Region {
    /// Left edge.
    pub x0: f32,
    /// Top edge.
    pub y0: f32,
    /// Right edge.
    pub x1: f32,
    /// Bottom edge.
    pub y1: f32,
    /// Module size of the finders inside, in pixels.
    pub module: f32,
    /// The three finders, the one at the code's right angle first.
    pub finders: [Finder; 3],
    /// Indices of [`Region::finders`] in the list they were found in.
    pub ids: [usize; 3],
    /// Positions of [`Region::finders`] in the triple as given (internal).
    order: [usize; 3],
}

/// Finder centres of one code are at least 14 modules apart (version 1) and
/// at most 170 (version 40), along the two legs of the code.
const MIN_LEG_MODULES: f32 = 12.0;
/// See [`MIN_LEG_MODULES`].
const MAX_LEG_MODULES: f32 = 175.0;

/// The two legs of a code seen in perspective differ in length by at most
/// this ratio (about 60° of tilt).
const MAX_LEG_RATIO: f32 = 1.8;

/// The angle between the legs is 90° head-on; perspective and shear can move
/// it, but not past this cosine (about 55°–125°).
const MAX_LEG_COSINE: f32 = 0.57;

/// Two finders of one code have module sizes within this ratio (perspective).
const MAX_MODULE_RATIO: f32 = 2.0;

/// At most this many finder patterns are grouped: three per code for the
/// 12+ codes a shelf photo may hold, with room for texture false positives.
const MAX_FINDERS: usize = 64;

/// At most this many regions are read per pass (a shelf photo holds 12+ codes).
const MAX_REGIONS: usize = 32;

/// Space kept around the four corner points of a code's finder centres, in
/// modules: 3.5 to the symbol's outer edge, the rest for the quiet zone and
/// for the corner without a finder, which perspective can push outwards.
const REGION_MARGIN_MODULES: f32 = 8.0;

/// Regions overlapping an earlier (better supported) one by more than this
/// fraction of the smaller area are dropped as duplicates.
const MAX_REGION_OVERLAP: f32 = 0.6;

/// Every triple of finders that can be the three corners of one code, as a
/// region, best supported first, at most [`MAX_TRIPLES`]. Finders marked in
/// `spent` (same length as `finders`) take no part. [`Region::ids`] index
/// `finders`.
pub(crate) fn triples(finders: &[Finder], spent: &[bool], min_hits: u32) -> Vec<Region> {
    let mut order: Vec<usize> = (0..finders.len())
        .filter(|&i| finders[i].hits >= min_hits && !spent[i])
        .collect();
    // Busy texture can match 1:1:3:1:1 thousands of times; the best-supported
    // patterns are the real ones, and the search below is cubic.
    order.sort_by_key(|&i| std::cmp::Reverse(finders[i].hits));
    order.truncate(MAX_FINDERS);
    let n = order.len();
    let mut out: Vec<Region> = Vec::new();
    for i in 0..n {
        for j in i + 1..n {
            for k in j + 1..n {
                let ids = [order[i], order[j], order[k]];
                if let Some(mut r) = triple_region(ids.map(|x| &finders[x])) {
                    // triple_region puts the corner finder first; keep ids in step.
                    r.ids = r.order.map(|o| ids[o]);
                    out.push(r);
                }
            }
        }
    }
    // Best supported first (real finders are crossed by many scan lines),
    // then smallest: a code's own triple is smaller than one spanning codes.
    let hits = |r: &Region| r.finders.iter().map(|f| f.hits).sum::<u32>();
    out.sort_by(|a, b| hits(b).cmp(&hits(a)).then(area(a).total_cmp(&area(b))));
    out.truncate(MAX_TRIPLES);
    out
}

/// Drops regions overlapping a kept one by more than [`MAX_REGION_OVERLAP`],
/// keeping at most [`MAX_REGIONS`], in the given order.
pub(crate) fn dedupe(regions: Vec<Region>) -> Vec<Region> {
    let mut out: Vec<Region> = Vec::new();
    for r in regions {
        if out.len() >= MAX_REGIONS {
            break;
        }
        if out.iter().all(|o| overlap(o, &r) <= MAX_REGION_OVERLAP) {
            out.push(r);
        }
    }
    out
}

/// At most this many finder triples are tried per bitmap: a shelf photo with
/// 12 codes has 36 finders and a few hundred plausible triples.
const MAX_TRIPLES: usize = 256;

fn area(r: &Region) -> f32 {
    (r.x1 - r.x0) * (r.y1 - r.y0)
}

/// The region of a code whose finders are `t`, if they can be one code's.
fn triple_region(t: [&Finder; 3]) -> Option<Region> {
    let mods = t.map(|f| f.module);
    let (mmin, mmax) = (
        mods.iter().copied().fold(f32::MAX, f32::min),
        mods.iter().copied().fold(f32::MIN, f32::max),
    );
    if mmax > mmin * MAX_MODULE_RATIO {
        return None;
    }
    let m = (mods[0] + mods[1] + mods[2]) / 3.0;
    // Try each finder as the corner one (top-left of the code).
    for c in 0..3 {
        let v = t[c];
        let (a, b) = (t[(c + 1) % 3], t[(c + 2) % 3]);
        let (ux, uy) = (a.x - v.x, a.y - v.y);
        let (wx, wy) = (b.x - v.x, b.y - v.y);
        let (lu, lw) = (ux.hypot(uy), wx.hypot(wy));
        let (short, long) = (lu.min(lw), lu.max(lw));
        if short < MIN_LEG_MODULES * m
            || long > MAX_LEG_MODULES * m
            || long > short * MAX_LEG_RATIO
            || ((ux * wx + uy * wy) / (lu * lw)).abs() > MAX_LEG_COSINE
        {
            continue;
        }
        let fourth = (a.x + b.x - v.x, a.y + b.y - v.y);
        let xs = [v.x, a.x, b.x, fourth.0];
        let ys = [v.y, a.y, b.y, fourth.1];
        let margin = m * REGION_MARGIN_MODULES;
        return Some(Region {
            x0: xs.iter().copied().fold(f32::MAX, f32::min) - margin,
            y0: ys.iter().copied().fold(f32::MAX, f32::min) - margin,
            x1: xs.iter().copied().fold(f32::MIN, f32::max) + margin,
            y1: ys.iter().copied().fold(f32::MIN, f32::max) + margin,
            module: m,
            finders: [*v, *a, *b],
            ids: [0; 3],
            order: [c, (c + 1) % 3, (c + 2) % 3],
        });
    }
    None
}

/// Intersection area over the smaller area.
fn overlap(a: &Region, b: &Region) -> f32 {
    let w = (a.x1.min(b.x1) - a.x0.max(b.x0)).max(0.0);
    let h = (a.y1.min(b.y1) - a.y0.max(b.y0)).max(0.0);
    let area = |r: &Region| (r.x1 - r.x0) * (r.y1 - r.y0);
    w * h / area(a).min(area(b)).max(1e-3)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{binarize, generate};

    #[test]
    fn row_runs_split_rows_at_every_change() {
        let mut runs = Vec::new();
        for len in 0..40 {
            for seed in 0..20u32 {
                let row: Vec<u8> = (0..len)
                    .map(|i| u8::from((i as u32 * 7 + seed * 13).is_multiple_of(seed % 5 + 2)))
                    .collect();
                row_runs(&row, &mut runs);
                let mut rebuilt = Vec::new();
                for (i, &(dark, start, n)) in runs.iter().enumerate() {
                    assert_eq!(start, rebuilt.len());
                    assert!(n > 0);
                    if i > 0 {
                        assert_ne!(dark, runs[i - 1].0);
                    }
                    rebuilt.extend(std::iter::repeat_n(u8::from(dark), n));
                }
                assert_eq!(rebuilt, row);
            }
        }
    }

    #[test]
    fn finds_the_three_finders_of_a_generated_code() {
        let img = generate::luma_image("https://perpustakaan.metrokota.go.id/m/7K3M9Q", 4).unwrap();
        let gray = binarize::downscale(&img.view(), 1);
        let bm = binarize::adaptive(&gray, binarize::frame_radius(&gray), false);
        let fs: Vec<Finder> = find(&bm, 1).into_iter().filter(|f| f.hits >= 8).collect();
        assert_eq!(fs.len(), 3, "{fs:?}");
        // Top-left finder centre: quiet zone 4 + 3.5 modules = 30 px.
        assert!(
            fs.iter()
                .any(|f| (f.x - 30.0).abs() < 1.5 && (f.y - 30.0).abs() < 1.5)
        );
        assert!(fs.iter().all(|f| (f.module - 4.0).abs() < 0.6));
        let rs = dedupe(triples(&fs, &[false; 3], 3));
        assert_eq!(rs.len(), 1);
    }
}
