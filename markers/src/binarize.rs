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
/// (clamped to it; an empty rectangle gives a 1 × 1 image).
pub(crate) fn downscale_rect(image: &LumaView<'_>, rect: [usize; 4], factor: usize) -> Gray {
    let f = factor.max(1);
    let x0 = rect[0].min(image.width() - 1);
    let y0 = rect[1].min(image.height() - 1);
    let x1 = rect[2].clamp(x0 + 1, image.width());
    let y1 = rect[3].clamp(y0 + 1, image.height());
    let (w, h) = (((x1 - x0) / f).max(1), ((y1 - y0) / f).max(1));
    let mut data = vec![0u8; w * h];
    if f == 1 {
        for y in 0..h {
            data[y * w..(y + 1) * w].copy_from_slice(&image.row(y0 + y)[x0..x0 + w]);
        }
    } else {
        let mut sums = vec![0u32; w];
        let area = (f * f) as u32;
        for y in 0..h {
            sums.fill(0);
            for dy in 0..f {
                let sy = (y0 + y * f + dy).min(image.height() - 1);
                let row = &image.row(sy)[x0..x1];
                for (x, s) in sums.iter_mut().enumerate() {
                    let block = &row[(x * f).min(row.len())..((x + 1) * f).min(row.len())];
                    *s += block.iter().map(|&v| u32::from(v)).sum::<u32>();
                }
            }
            for (o, s) in data[y * w..(y + 1) * w].iter_mut().zip(&sums) {
                *o = (s / area) as u8;
            }
        }
    }
    Gray {
        width: w,
        height: h,
        data,
    }
}

/// The default adaptive-threshold window half-width for a whole frame (see
/// [`WINDOW_DIVISOR`]).
pub(crate) fn frame_radius(gray: &Gray) -> usize {
    (gray.width.max(gray.height) / WINDOW_DIVISOR / 2).max(MIN_WINDOW_RADIUS)
}

/// Locally adaptive threshold: a pixel is dark when it is clearly below the
/// mean of the square window of half-width `radius` around it (margins: the
/// consts above).
/// With `invert`, light pixels become dark and vice versa (for white-on-black codes).
pub(crate) fn adaptive(gray: &Gray, radius: usize, invert: bool) -> Bitmap {
    let (w, h) = (gray.width, gray.height);
    let iw = w + 1;
    // Integral image: sum of all pixels above and left of (x, y), exclusive.
    let mut integral = vec![0u32; iw * (h + 1)];
    for y in 0..h {
        let mut row_sum = 0u32;
        let src = &gray.data[y * w..(y + 1) * w];
        for x in 0..w {
            row_sum += u32::from(src[x]);
            integral[(y + 1) * iw + x + 1] = integral[y * iw + x + 1] + row_sum;
        }
    }
    let r = radius.max(1);
    let mut bits = vec![0u8; w * h];
    for y in 0..h {
        let y0 = y.saturating_sub(r);
        let y1 = (y + r + 1).min(h);
        let src = &gray.data[y * w..(y + 1) * w];
        let dst = &mut bits[y * w..(y + 1) * w];
        for x in 0..w {
            let x0 = x.saturating_sub(r);
            let x1 = (x + r + 1).min(w);
            let area = ((x1 - x0) * (y1 - y0)) as u64;
            let sum = u64::from(
                integral[y1 * iw + x1] + integral[y0 * iw + x0]
                    - integral[y0 * iw + x1]
                    - integral[y1 * iw + x0],
            );
            let p = u64::from(src[x]) * area * 100;
            let dark = if invert {
                // Light pixel on a dark surround.
                p > sum * (100 + DARK_PERCENT_BELOW_MEAN)
                    && u64::from(src[x]) * area > sum + DARK_MIN_LEVELS_BELOW_MEAN * area
            } else {
                p < sum * (100 - DARK_PERCENT_BELOW_MEAN)
                    && u64::from(src[x]) * area + DARK_MIN_LEVELS_BELOW_MEAN * area < sum
            };
            dst[x] = u8::from(dark);
        }
    }
    Bitmap {
        width: w,
        height: h,
        bits,
    }
}
