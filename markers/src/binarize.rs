//! Image preparation for the scanner: contrast check, box downscale, 2×
//! upscale and a locally adaptive threshold. Crate-private; the scanner's
//! passes are the public face.
//!
//! All images here are row-major, one byte per pixel, origin top-left,
//! tightly packed (`stride == width`).

use crate::LumaView;

/// How many sample points per axis [`sampled_contrast`] reads: 64 × 64 = 4 096
/// reads, a few microseconds on any frame.
const CONTRAST_SAMPLES_PER_AXIS: usize = 64;

/// The adaptive threshold's window is this fraction of the longer side
/// (1/16): wide enough to span a finder pattern of a code filling a sixth of
/// the frame, narrow enough to follow shadows and glare across a photo.
const WINDOW_DIVISOR: usize = 16;

/// The smallest adaptive window half-width in pixels, so tiny frames still
/// average over more than one module.
const MIN_WINDOW_RADIUS: usize = 6;

/// A pixel is dark when it is this many percent below its local mean…
const DARK_PERCENT_BELOW_MEAN: u64 = 7;
/// …and also at least this many grey levels below it: flat paper with sensor
/// noise then stays white instead of turning into salt-and-pepper regions
/// that cost rqrr a flood fill each.
const DARK_MIN_LEVELS_BELOW_MEAN: u64 = 3;

/// An owned grey image (see the module docs for the layout).
#[derive(Debug, Clone)]
pub(crate) struct Gray {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// `width * height` luma bytes.
    pub data: Vec<u8>,
}

impl Gray {
    /// A 2× upscale where each new pixel is the mean of its 1–4 nearest source
    /// pixels (bilinear at the half-pixel points), so thin module edges keep
    /// their sub-pixel position for the threshold.
    pub fn upscale2(&self) -> Gray {
        let (w, h) = (self.width, self.height);
        let (nw, nh) = (w * 2, h * 2);
        let mut data = vec![0u8; nw * nh];
        let at = |x: usize, y: usize| u16::from(self.data[y.min(h - 1) * w + x.min(w - 1)]);
        for y in 0..h {
            for x in 0..w {
                let a = at(x, y);
                let r = at(x + 1, y);
                let d = at(x, y + 1);
                let rd = at(x + 1, y + 1);
                let o = 2 * y * nw + 2 * x;
                data[o] = a as u8;
                data[o + 1] = ((a + r) / 2) as u8;
                data[o + nw] = ((a + d) / 2) as u8;
                data[o + nw + 1] = ((a + r + d + rd) / 4) as u8;
            }
        }
        Gray {
            width: nw,
            height: nh,
            data,
        }
    }
}

/// A binary image: `true` is dark.
#[derive(Debug, Clone)]
pub(crate) struct Bitmap {
    /// Width in pixels.
    pub width: usize,
    /// Height in pixels.
    pub height: usize,
    /// One byte per pixel, 1 = dark, 0 = light.
    pub bits: Vec<u8>,
}

impl Bitmap {
    /// Whether pixel `(x, y)` is dark; both must be in range.
    pub fn get(&self, x: usize, y: usize) -> bool {
        self.bits[y * self.width + x] != 0
    }
}

/// The luma range (max − min) over a sparse grid of sample points.
pub(crate) fn sampled_contrast(image: &LumaView<'_>) -> u8 {
    let (w, h) = (image.width(), image.height());
    let (mut lo, mut hi) = (u8::MAX, u8::MIN);
    let n = CONTRAST_SAMPLES_PER_AXIS;
    for j in 0..n {
        let y = (2 * j + 1) * h / (2 * n);
        let row = image.row(y.min(h - 1));
        for i in 0..n {
            let x = (2 * i + 1) * w / (2 * n);
            let v = row[x.min(w - 1)];
            lo = lo.min(v);
            hi = hi.max(v);
        }
    }
    hi.saturating_sub(lo)
}

/// Box-averages `factor × factor` blocks of the whole frame (a last partial
/// row or column of blocks is dropped). `factor == 1` copies the frame into a
/// packed buffer.
pub(crate) fn downscale(image: &LumaView<'_>, factor: usize) -> Gray {
    downscale_rect(image, [0, 0, image.width(), image.height()], factor)
}

/// Like [`downscale`], for the rectangle `[x0, y0, x1, y1)` of the frame
/// (clamped to it; an empty rectangle gives a 1 × 1 image, and the factor
/// shrinks to fit a rectangle smaller than one block).
pub(crate) fn downscale_rect(image: &LumaView<'_>, rect: [usize; 4], factor: usize) -> Gray {
    let x0 = rect[0].min(image.width() - 1);
    let y0 = rect[1].min(image.height() - 1);
    let x1 = rect[2].clamp(x0 + 1, image.width());
    let y1 = rect[3].clamp(y0 + 1, image.height());
    // A block never exceeds the rectangle, so every block is whole.
    let f = factor.clamp(1, (x1 - x0).min(y1 - y0));
    let (w, h) = (((x1 - x0) / f).max(1), ((y1 - y0) / f).max(1));
    let mut data = vec![0u8; w * h];
    if f == 1 {
        for y in 0..h {
            data[y * w..(y + 1) * w].copy_from_slice(&image.row(y0 + y)[x0..x0 + w]);
        }
    } else {
        let rows = |y: usize| {
            (0..f).map(move |dy| {
                let sy = y0 + y * f + dy;
                &image.row(sy)[x0..x0 + w * f]
            })
        };
        match f {
            2 => downscale_blocks::<2, _>(&mut data, w, h, rows),
            3 => downscale_blocks::<3, _>(&mut data, w, h, rows),
            4 => downscale_blocks::<4, _>(&mut data, w, h, rows),
            _ => downscale_any(&mut data, w, h, f, rows),
        }
    }
    Gray {
        width: w,
        height: h,
        data,
    }
}

/// A cheap downscale by `factor` for a first look at a large frame: each
/// output pixel is the mean of the `factor` pixels of its block's middle row.
/// Only one source row in `factor` is read, so the cost falls with the factor
/// (a box average of a 12 MP frame reads all of it, which alone costs about
/// as much as reading a code).
pub(crate) fn downscale_rows(image: &LumaView<'_>, factor: usize) -> Gray {
    let f = factor.clamp(1, image.width().min(image.height()));
    let (w, h) = (image.width() / f, image.height() / f);
    let mut data = vec![0u8; w * h];
    for (y, out) in data.chunks_exact_mut(w).enumerate() {
        let row = &image.row(y * f + f / 2)[..w * f];
        match f {
            1 => out.copy_from_slice(row),
            2 => row_means::<2>(out, row),
            3 => row_means::<3>(out, row),
            4 => row_means::<4>(out, row),
            5 => row_means::<5>(out, row),
            6 => row_means::<6>(out, row),
            7 => row_means::<7>(out, row),
            8 => row_means::<8>(out, row),
            _ => {
                for (o, block) in out.iter_mut().zip(row.chunks_exact(f)) {
                    *o = (block.iter().map(|&v| u32::from(v)).sum::<u32>() / f as u32) as u8;
                }
            }
        }
    }
    Gray {
        width: w,
        height: h,
        data,
    }
}

/// Means of consecutive runs of `F` pixels (`row.len() == out.len() * F`);
/// `F` is a constant so the loop unrolls.
fn row_means<const F: usize>(out: &mut [u8], row: &[u8]) {
    for (o, block) in out.iter_mut().zip(row.chunks_exact(F)) {
        let sum: u16 = block.iter().map(|&v| u16::from(v)).sum();
        *o = (sum / F as u16) as u8;
    }
}

/// [`downscale_rect`]'s inner loop for a block side `F` known at compile
/// time (the common factors 2–4), so the horizontal block sums unroll and
/// vectorise. `rows(y)` yields the `F` source rows of output row `y`, each
/// exactly `w * F` pixels.
fn downscale_blocks<'a, const F: usize, I: Iterator<Item = &'a [u8]>>(
    data: &mut [u8],
    w: usize,
    h: usize,
    rows: impl Fn(usize) -> I,
) {
    let mut cols = vec![0u16; w * F];
    for y in 0..h {
        cols.fill(0);
        for row in rows(y) {
            for (c, &v) in cols.iter_mut().zip(row) {
                *c += u16::from(v);
            }
        }
        for (o, block) in data[y * w..(y + 1) * w]
            .iter_mut()
            .zip(cols.chunks_exact(F))
        {
            let sum: u16 = block.iter().sum();
            *o = (u32::from(sum) / (F * F) as u32) as u8;
        }
    }
}

/// [`downscale_blocks`] for any block side (column sums over the block's rows
/// first, then the horizontal block sums).
fn downscale_any<'a, I: Iterator<Item = &'a [u8]>>(
    data: &mut [u8],
    w: usize,
    h: usize,
    f: usize,
    rows: impl Fn(usize) -> I,
) {
    let mut cols = vec![0u32; w * f];
    let area = (f * f) as u32;
    for y in 0..h {
        cols.fill(0);
        for row in rows(y) {
            for (c, &v) in cols.iter_mut().zip(row) {
                *c += u32::from(v);
            }
        }
        for (o, block) in data[y * w..(y + 1) * w]
            .iter_mut()
            .zip(cols.chunks_exact(f))
        {
            *o = (block.iter().sum::<u32>() / area) as u8;
        }
    }
}

/// The default adaptive-threshold window half-width for a whole frame (see
/// [`WINDOW_DIVISOR`]).
pub(crate) fn frame_radius(gray: &Gray) -> usize {
    (gray.width.max(gray.height) / WINDOW_DIVISOR / 2).max(MIN_WINDOW_RADIUS)
}

/// Locally adaptive threshold: a pixel is dark when it is clearly below the
/// mean of a square neighbourhood about `2 * radius` pixels wide (margins:
/// the consts above). With `invert`, light pixels become dark and vice versa
/// (for white-on-black codes).
///
/// The mean is taken per tile rather than per pixel (tiles of about a quarter
/// of the radius, neighbourhood = the surrounding tiles), which costs one
/// read and one compare per pixel instead of an integral-image lookup.
pub(crate) fn adaptive(gray: &Gray, radius: usize, invert: bool) -> Bitmap {
    let (w, h) = (gray.width, gray.height);
    let tile = (radius / TILES_PER_RADIUS).clamp(2, MAX_TILE_PX);
    let reach = radius.div_ceil(tile).max(1);
    let (tw, th) = (w.div_ceil(tile), h.div_ceil(tile));
    // Per tile: sum and pixel count. Whole rows are added into column sums
    // (a straight, vectorisable loop) and folded into tiles once per tile row.
    let mut sums = vec![0u32; tw * th];
    let mut counts = vec![0u32; tw * th];
    // u16 holds a column of a tile: at most MAX_TILE_PX × 255.
    let mut cols = vec![0u16; w];
    for ty in 0..th {
        let (r0, r1) = (ty * tile, ((ty + 1) * tile).min(h));
        cols.fill(0);
        for y in r0..r1 {
            for (c, &v) in cols.iter_mut().zip(&gray.data[y * w..(y + 1) * w]) {
                *c += u16::from(v);
            }
        }
        for (tx, chunk) in cols.chunks(tile).enumerate() {
            sums[ty * tw + tx] = chunk.iter().map(|&c| u32::from(c)).sum();
            counts[ty * tw + tx] = (chunk.len() * (r1 - r0)) as u32;
        }
    }
    // Integral over tiles, then each tile's threshold from its neighbourhood.
    let iw = tw + 1;
    let mut isum = vec![0u64; iw * (th + 1)];
    let mut icnt = vec![0u64; iw * (th + 1)];
    for ty in 0..th {
        let (mut rs, mut rc) = (0u64, 0u64);
        for tx in 0..tw {
            rs += u64::from(sums[ty * tw + tx]);
            rc += u64::from(counts[ty * tw + tx]);
            isum[(ty + 1) * iw + tx + 1] = isum[ty * iw + tx + 1] + rs;
            icnt[(ty + 1) * iw + tx + 1] = icnt[ty * iw + tx + 1] + rc;
        }
    }
    let mut thresholds = vec![0u8; tw * th];
    for ty in 0..th {
        let (y0, y1) = (ty.saturating_sub(reach), (ty + reach + 1).min(th));
        for tx in 0..tw {
            let (x0, x1) = (tx.saturating_sub(reach), (tx + reach + 1).min(tw));
            let box_sum =
                |t: &[u64]| t[y1 * iw + x1] + t[y0 * iw + x0] - t[y0 * iw + x1] - t[y1 * iw + x0];
            let mean = box_sum(&isum) as f32 / box_sum(&icnt).max(1) as f32;
            let t = if invert {
                (mean * (100 + DARK_PERCENT_BELOW_MEAN) as f32 / 100.0)
                    .max(mean + DARK_MIN_LEVELS_BELOW_MEAN as f32)
            } else {
                (mean * (100 - DARK_PERCENT_BELOW_MEAN) as f32 / 100.0)
                    .min(mean - DARK_MIN_LEVELS_BELOW_MEAN as f32)
            };
            thresholds[ty * tw + tx] = t.clamp(0.0, 255.0) as u8;
        }
    }
    // Each tile row's thresholds spread to one per pixel, so the compare is
    // a straight, vectorisable loop over whole rows.
    let mut bits = vec![0u8; w * h];
    let mut row_t = vec![0u8; w];
    for ty in 0..th {
        for (t, &v) in row_t
            .chunks_mut(tile)
            .zip(&thresholds[ty * tw..(ty + 1) * tw])
        {
            t.fill(v);
        }
        for y in ty * tile..((ty + 1) * tile).min(h) {
            let src = &gray.data[y * w..(y + 1) * w];
            let dst = &mut bits[y * w..(y + 1) * w];
            if invert {
                for ((o, &p), &t) in dst.iter_mut().zip(src).zip(&row_t) {
                    *o = u8::from(p > t);
                }
            } else {
                for ((o, &p), &t) in dst.iter_mut().zip(src).zip(&row_t) {
                    *o = u8::from(p < t);
                }
            }
        }
    }
    Bitmap {
        width: w,
        height: h,
        bits,
    }
}

/// A global threshold (Otsu's method: the grey level that best separates
/// the histogram into two classes, by between-class variance): dark is
/// below it, or above it with `invert`. The adaptive threshold hollows out
/// large solid dark areas when its window is narrower than them (codes with
/// big modules on small frames); a global level does not.
pub(crate) fn global(gray: &Gray, invert: bool) -> Bitmap {
    let t = otsu_level(&gray.data);
    let bits = gray
        .data
        .iter()
        .map(|&p| u8::from(if invert { p > t } else { p <= t }))
        .collect();
    Bitmap {
        width: gray.width,
        height: gray.height,
        bits,
    }
}

/// Otsu's threshold of `data`: the level `t` maximising the between-class
/// variance of the pixels `<= t` and `> t`.
fn otsu_level(data: &[u8]) -> u8 {
    let mut hist = [0u64; 256];
    for &p in data {
        hist[usize::from(p)] += 1;
    }
    let total = data.len() as f64;
    let sum_all: f64 = hist
        .iter()
        .enumerate()
        .map(|(i, &c)| i as f64 * c as f64)
        .sum();
    let (mut w0, mut sum0) = (0.0f64, 0.0f64);
    let (mut best, mut best_t) = (-1.0f64, 127u8);
    for (t, &c) in hist.iter().enumerate() {
        w0 += c as f64;
        sum0 += t as f64 * c as f64;
        let w1 = total - w0;
        if w0 == 0.0 || w1 == 0.0 {
            continue;
        }
        let (m0, m1) = (sum0 / w0, (sum_all - sum0) / w1);
        let between = w0 * w1 * (m0 - m1) * (m0 - m1);
        if between > best {
            best = between;
            best_t = t as u8;
        }
    }
    best_t
}

/// Tiles are about this many times smaller than the window radius: fine
/// enough that the neighbourhood follows the window, coarse enough to be cheap.
const TILES_PER_RADIUS: usize = 3;

/// Tiles never grow beyond this many pixels: a threshold that changes in
/// steps bigger than this shows its seams on shaded photos.
const MAX_TILE_PX: usize = 16;
