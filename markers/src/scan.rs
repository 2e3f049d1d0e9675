//! The scanner: finds and decodes every QR code in a luma frame.
//!
//! rqrr is the core detector of the fallback passes (its region search and
//! perspective fit); codes are read from the sampled grid by
//! [`crate::decode`] (format, Reed–Solomon, segments; rqrr's own decoder gives
//! the same bytes ten to a hundred times slower). The pipeline around it is
//! ours ([`Scanner::scan`] documents the passes): a cheap contrast check that
//! ends dark or empty frames early, a coarse first look at large frames, a box
//! downscale for large photos, our own locally adaptive binarisation, an
//! inverted pass for white-on-black codes, rqrr's own thresholding as a
//! second opinion, an upscaled pass for small codes, a global threshold for
//! codes whose modules outgrow the adaptive window, and a per-frame time
//! budget checked between passes.
//!
//! rqrr's geometry code can panic on some real photos, so each pass runs under
//! `catch_unwind` and a panic counts as "nothing found" for that pass.

use std::collections::VecDeque;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Duration;
#[cfg(not(target_arch = "wasm32"))]
use std::time::Instant;

#[cfg(target_arch = "wasm32")]
use web_time::Instant;

use rqrr::BitGrid;

use crate::binarize::{self, Bitmap};
use crate::text::{self, TextEncoding};
use crate::{LumaView, MarkerError};
use crate::{decode, finder, sample};

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

/// One code found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The raw payload bytes, exactly as stored in the code's data segments
    /// (Kanji-mode segments come out as Shift-JIS byte pairs; ECI
    /// designators are not included).
    pub bytes: Vec<u8>,
    /// The payload as Unicode text, decoded as [`Detection::encoding`] says;
    /// `None` when the bytes are not text in any encoding we accept, or not
    /// readable in the charset the code's ECI designator names
    /// ([`TextEncoding::Unreadable`] says why); then
    /// [`crate::payload::classify`] reports them as binary.
    pub text: Option<String>,
    /// How [`Detection::text`] was decoded from [`Detection::bytes`], or why
    /// it could not be.
    pub encoding: TextEncoding,
    /// The four corners of the code (outer corners of the symbol, without the
    /// quiet zone), in frame pixels, in this order: top-left, top-right,
    /// bottom-right, bottom-left of the code *as printed* (the corner without
    /// a finder pattern is bottom-right), also when the code was seen mirrored.
    pub corners: [Point; 4],
    /// True when the code was read mirrored (seen through glass, from the back
    /// of a transparent sheet, or by a mirrored selfie camera).
    pub mirrored: bool,
    /// The average side of one module, in frame pixels.
    pub module_px: f32,
    /// The side of the symbol in modules (21 for version 1, + 4 per version).
    pub size_modules: usize,
}

impl Detection {
    /// The centre of the code: the mean of its four corners, in frame pixels.
    pub fn center(&self) -> Point {
        let (sx, sy) = self
            .corners
            .iter()
            .fold((0.0, 0.0), |(sx, sy), p| (sx + p.x, sy + p.y));
        Point::new(sx / 4.0, sy / 4.0)
    }
}

/// Tuning of the [`Scanner`]. [`ScannerConfig::default`] is what the benchmarks measure.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerConfig {
    /// Wall-clock budget for one frame. The scanner checks it between passes
    /// and returns what it has once it is spent; one pass is never cut short,
    /// so a frame can overrun by the length of one pass.
    pub time_budget: Duration,
    /// Frames whose longer side exceeds this many pixels are box-downscaled by
    /// an integer factor first: finder patterns of phone photos stay above
    /// [`MIN_FINDER_PX`] while the work shrinks with the square of the factor.
    pub max_work_side: usize,
    /// Also look for white-on-black codes (costs one more pass on frames where
    /// the normal passes found nothing).
    pub try_inverted: bool,
    /// Stop after the first pass that reads at least one code. Right for a
    /// camera stream (the next frame comes soon); turn it off to find every
    /// code in a still photo that mixes sizes or polarities.
    pub stop_after_first_hit: bool,
}

/// Default per-frame budget: two frames of a 30 fps stream; a busy frame is
/// better dropped than allowed to stall the camera preview.
pub const DEFAULT_TIME_BUDGET_MS: u64 = 60;

/// Default for [`ScannerConfig::max_work_side`]: 1 200 px keeps a code that
/// fills a tenth of a 12 MP phone photo at ≥ 3 px per module.
pub const DEFAULT_MAX_WORK_SIDE: usize = 1200;

/// The smallest finder pattern (7 modules) rqrr locates reliably, in pixels;
/// used to decide when an upscaled pass can help.
pub const MIN_FINDER_PX: usize = 14;

/// Frames whose sampled luma range (max − min) is below this are treated as
/// empty: no printed code has less contrast than this between its modules, and
/// skipping them keeps dark or blank frames cheap.
pub const MIN_CONTRAST: u8 = 24;

/// Frames smaller than this on their shorter side get a 2× upscaled pass when
/// nothing else was read: codes there have modules of a pixel or two.
pub const UPSCALE_BELOW_SIDE: usize = 720;

impl Default for ScannerConfig {
    fn default() -> Self {
        Self {
            time_budget: Duration::from_millis(DEFAULT_TIME_BUDGET_MS),
            max_work_side: DEFAULT_MAX_WORK_SIDE,
            try_inverted: true,
            stop_after_first_hit: true,
        }
    }
}

/// Finds QR codes in luma frames. Cheap to create and to clone; holds only its
/// [`ScannerConfig`].
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    config: ScannerConfig,
}

/// One pass of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// The fast path on a cheap, coarser copy of a large frame (longer side
    /// about [`COARSE_MAX_SIDE`]): most photos hold one code big enough to
    /// read there, for a fraction of the work-scale cost.
    Coarse,
    /// Our finder locator on the (downscaled) frame, then each plausible
    /// triple of finders read directly (the fast path, [`crate::sample`]).
    Fast {
        /// Look for white-on-black codes.
        invert: bool,
    },
    /// The regions the fast path could not read, cropped from the full frame
    /// at [`TARGET_MODULE_PX`], fast path again on the crop, then rqrr on it,
    /// then the fast path on one global (Otsu) threshold of the crop.
    Crops {
        /// Look for white-on-black codes.
        invert: bool,
    },
    /// rqrr on the whole work image, our adaptive threshold.
    WholeFrame {
        /// Look for white-on-black codes.
        invert: bool,
    },
    /// rqrr on the whole work image with its own running-average threshold.
    RqrrThreshold,
    /// Adaptive threshold on a 2× upscale of a small frame (tiny modules).
    Upscaled,
    /// One global (Otsu) threshold on the whole-frame image: for codes whose
    /// modules are wider than the adaptive window on small frames.
    Global,
}

/// Frames whose longer side exceeds this get a first [`Pass::Coarse`] at
/// about this side: a phone photo's code (modules of 10–100 px at 12 MP)
/// keeps 2–15 px modules there, and finders, threshold and reads cost a
/// quarter of the work scale's.
pub const COARSE_MAX_SIDE: usize = 640;

/// Crops are scaled so a module is about this many pixels: rqrr samples each
/// module at its centre, and 3–4 px leave room for blur and perspective while
/// keeping the crop small (its work grows with the crop's area).
pub const TARGET_MODULE_PX: f32 = 3.5;

/// Codes whose modules are narrower than this (in frame pixels) are cropped
/// at 2× instead: rqrr's finder search needs a few pixels per module.
pub const UPSCALE_MODULE_PX: f32 = 2.2;

/// A finder must be crossed by this many scan lines to count when regions are
/// formed: one hit is usually texture that happens to match 1:1:3:1:1.
const MIN_FINDER_HITS: u32 = 2;

/// Whole-frame passes run on a copy downscaled to at most this side: they are
/// the fallback for codes the finder locator missed, and rqrr's whole-frame
/// search grows faster than the area on busy photos.
pub const WHOLE_FRAME_MAX_SIDE: usize = 900;

impl Scanner {
    /// A scanner with the given configuration.
    pub fn new(config: ScannerConfig) -> Self {
        Self { config }
    }

    /// The configuration in use.
    pub fn config(&self) -> &ScannerConfig {
        &self.config
    }

    /// Scans one frame and returns every code read, in no particular order.
    ///
    /// Passes, in order, until one reads a code (or all of them, when
    /// [`ScannerConfig::stop_after_first_hit`] is off) or the time budget is
    /// spent: on frames larger than [`COARSE_MAX_SIDE`], a coarse first look
    /// (which counts as a hit only when it leaves no unread finders behind);
    /// finder regions; rqrr on the whole frame (adaptive threshold);
    /// the same two inverted (when [`ScannerConfig::try_inverted`]); rqrr's
    /// own threshold; a 2× upscale of small frames; one global (Otsu)
    /// threshold of the whole frame. Results are merged: a
    /// payload seen again at the same place is reported once.
    ///
    /// # Errors
    /// None today for a valid [`LumaView`] (its constructor already checked the
    /// shape); the `Result` leaves room for configuration errors.
    pub fn scan(&self, image: &LumaView<'_>) -> Result<Vec<Detection>, MarkerError> {
        let start = Instant::now();
        let mut found: Vec<Detection> = Vec::new();
        if binarize::sampled_contrast(image) < MIN_CONTRAST {
            return Ok(found);
        }
        let factor = downscale_factor(image.width(), image.height(), self.config.max_work_side);
        let coarse_factor = downscale_factor(image.width(), image.height(), COARSE_MAX_SIDE);
        // The work image is made when a pass first needs it: a frame read
        // at the coarse scale never pays for it.
        let mut work_cache: Option<binarize::Gray> = None;
        let (work_w, work_h) = (image.width() / factor, image.height() / factor);
        let whole_factor = downscale_factor(work_w, work_h, WHOLE_FRAME_MAX_SIDE);
        let mut passes = Vec::new();
        if coarse_factor > factor {
            passes.push(Pass::Coarse);
        }
        passes.push(Pass::Fast { invert: false });
        if self.config.try_inverted {
            passes.push(Pass::Fast { invert: true });
        }
        passes.extend([
            Pass::Crops { invert: false },
            Pass::WholeFrame { invert: false },
        ]);
        if self.config.try_inverted {
            passes.extend([
                Pass::Crops { invert: true },
                Pass::WholeFrame { invert: true },
            ]);
        }
        passes.push(Pass::RqrrThreshold);
        if work_w.min(work_h) < UPSCALE_BELOW_SIDE {
            passes.push(Pass::Upscaled);
        }
        passes.push(Pass::Global);
        // Whether the coarse pass left finders it could not read: then the
        // frame may hold more (smaller) codes, and the work scale looks.
        let mut coarse_left = false;
        // Regions the fast path could not read, per polarity, for the crop passes.
        let mut pending: [Vec<finder::Region>; 2] = [Vec::new(), Vec::new()];
        for pass in passes {
            if start.elapsed() >= self.config.time_budget
                || (self.config.stop_after_first_hit && !found.is_empty() && !coarse_left)
            {
                break;
            }
            coarse_left = false;
            match pass {
                Pass::Coarse => {
                    let coarse = binarize::downscale_rows(image, coarse_factor);
                    let bitmap =
                        binarize::adaptive(&coarse, binarize::frame_radius(&coarse), false);
                    let left = read_triples(&bitmap, [0.0, 0.0], coarse_factor as f32, &mut found);
                    coarse_left = !left.unread.is_empty() || left.spare_finders >= 3;
                }
                Pass::Fast { invert } => {
                    let work = work_image(&mut work_cache, image, factor);
                    let bitmap = binarize::adaptive(work, binarize::frame_radius(work), invert);
                    pending[usize::from(invert)] =
                        read_triples(&bitmap, [0.0, 0.0], factor as f32, &mut found).unread;
                }
                Pass::Crops { invert } => {
                    for region in std::mem::take(&mut pending[usize::from(invert)]) {
                        if start.elapsed() >= self.config.time_budget {
                            break;
                        }
                        // A code read from another region's crop is not read again.
                        let c = region.finders[0];
                        let (cx, cy) = (c.x * factor as f32, c.y * factor as f32);
                        if found.iter().any(|d| contains(&d.corners, cx, cy)) {
                            continue;
                        }
                        for d in scan_region(image, &region, factor as f32, invert) {
                            merge(&mut found, d);
                        }
                    }
                }
                Pass::WholeFrame { invert } => {
                    let work = work_image(&mut work_cache, image, factor);
                    let small = if whole_factor > 1 {
                        shrink(work, whole_factor)
                    } else {
                        work.clone()
                    };
                    let bitmap = binarize::adaptive(&small, binarize::frame_radius(&small), invert);
                    let scale = (factor * whole_factor) as f32;
                    for d in scan_bitmap(&bitmap, [0.0, 0.0], scale) {
                        merge(&mut found, d);
                    }
                }
                Pass::RqrrThreshold => {
                    let work = work_image(&mut work_cache, image, factor);
                    let ds = isolate(|| {
                        let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(
                            work.width,
                            work.height,
                            |x, y| work.data[y * work.width + x],
                        );
                        decode_grids(prepared.detect_grids())
                    });
                    for d in ds {
                        merge(&mut found, d.transformed([0.0, 0.0], factor as f32));
                    }
                }
                Pass::Global => {
                    let work = work_image(&mut work_cache, image, factor);
                    let small = if whole_factor > 1 {
                        shrink(work, whole_factor)
                    } else {
                        work.clone()
                    };
                    let bitmap = binarize::global(&small, false);
                    let scale = (factor * whole_factor) as f32;
                    for d in scan_bitmap(&bitmap, [0.0, 0.0], scale) {
                        merge(&mut found, d);
                    }
                }
                Pass::Upscaled => {
                    let work = work_image(&mut work_cache, image, factor);
                    let up = work.upscale2();
                    let bitmap = binarize::adaptive(&up, binarize::frame_radius(&up), false);
                    for d in scan_bitmap(&bitmap, [0.0, 0.0], factor as f32 / 2.0) {
                        merge(&mut found, d);
                    }
                }
            }
        }
        Ok(found)
    }
}

/// The work image (the frame box-downscaled by `factor`), made on first use.
fn work_image<'a>(
    cache: &'a mut Option<binarize::Gray>,
    image: &LumaView<'_>,
    factor: usize,
) -> &'a binarize::Gray {
    cache.get_or_insert_with(|| binarize::downscale(image, factor))
}

/// A further integer box downscale of an already packed grey image.
fn shrink(gray: &binarize::Gray, factor: usize) -> binarize::Gray {
    match LumaView::new(gray.width, gray.height, gray.width, &gray.data) {
        Ok(view) => binarize::downscale(&view, factor),
        Err(_) => gray.clone(),
    }
}

/// Crops `region` (in work-image pixels; the work image is the frame shrunk by
/// `factor`) out of the full-resolution frame at the scale that makes a module
/// about [`TARGET_MODULE_PX`] wide, and reads it: adaptive threshold first;
/// when that reads nothing, one global threshold of the crop (a crop holds
/// little besides the code, so one level can fit it where blur has evened
/// out the local contrast the adaptive threshold needs).
fn scan_region(
    image: &LumaView<'_>,
    region: &finder::Region,
    factor: f32,
    invert: bool,
) -> Vec<Detection> {
    let module_full = region.module * factor;
    let clamp_x = |v: f32| (v * factor).clamp(0.0, image.width() as f32) as usize;
    let clamp_y = |v: f32| (v * factor).clamp(0.0, image.height() as f32) as usize;
    let rect = [
        clamp_x(region.x0),
        clamp_y(region.y0),
        clamp_x(region.x1),
        clamp_y(region.y1),
    ];
    if rect[2] <= rect[0] + 1 || rect[3] <= rect[1] + 1 {
        return Vec::new();
    }
    let mut k = ((module_full / TARGET_MODULE_PX).floor() as usize).max(1);
    let area = (rect[2] - rect[0]) * (rect[3] - rect[1]);
    while area / (k * k) > MAX_CROP_PIXELS {
        k += 1;
    }
    let mut crop = binarize::downscale_rect(image, rect, k);
    let mut scale = k as f32;
    if module_full < UPSCALE_MODULE_PX {
        crop = crop.upscale2();
        scale /= 2.0;
    }
    let module_crop = module_full / scale;
    let radius = ((module_crop * CROP_WINDOW_MODULES) as usize).max(4);
    let bitmap = binarize::adaptive(&crop, radius, invert);
    let found = scan_bitmap(&bitmap, [rect[0] as f32, rect[1] as f32], scale);
    if !found.is_empty() {
        return found;
    }
    let bitmap = binarize::global(&crop, invert);
    let mut out = Vec::new();
    read_triples(&bitmap, [rect[0] as f32, rect[1] as f32], scale, &mut out);
    out
}

/// Crops are shrunk further until they have at most this many pixels: rqrr's
/// work on a busy crop grows faster than its area, and a code this large in
/// pixels still has modules of a few pixels after the shrink.
const MAX_CROP_PIXELS: usize = 640 * 640;

/// The adaptive window half-width on crops, in modules: the window then spans
/// a whole finder pattern (7 modules) with a module to spare.
const CROP_WINDOW_MODULES: f32 = 4.0;

/// Reads a bitmap: the fast path on its finder triples, then rqrr when that
/// reads nothing. Detections are mapped to frame pixels as `offset + p * scale`.
fn scan_bitmap(bitmap: &Bitmap, offset: [f32; 2], scale: f32) -> Vec<Detection> {
    let mut out: Vec<Detection> = Vec::new();
    read_triples(bitmap, offset, scale, &mut out);
    if !out.is_empty() {
        return out;
    }
    isolate(|| {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_bitmap(bitmap.width, bitmap.height, |x, y| {
                bitmap.get(x, y)
            });
        decode_grids(prepared.detect_grids())
    })
    .into_iter()
    .map(|d| d.transformed(offset, scale))
    .collect()
}

impl Detection {
    /// Maps corners and module size from a work image to frame pixels.
    fn transformed(mut self, offset: [f32; 2], scale: f32) -> Self {
        for p in &mut self.corners {
            p.x = offset[0] + p.x * scale;
            p.y = offset[1] + p.y * scale;
        }
        self.module_px *= scale;
        self
    }
}

/// The fast path gives up on a bitmap after this many triples that did not
/// read: each costs a few hundred samples and a version search, and a busy
/// photo has hundreds of texture triples; the crop and rqrr passes take over.
const MAX_FAILED_TRIPLES: usize = 12;

/// The fast path over every plausible finder triple of `bitmap`, smallest
/// first; a finder that belongs to (or lies inside) a code already read is
/// not tried again (on a shelf photo, triples spanning three different codes
/// would otherwise hide the real ones), nor is one inside a code already in
/// `found`. Reads go into `found` (mapped to frame pixels as
/// `offset + p * scale`).
fn read_triples(
    bitmap: &Bitmap,
    offset: [f32; 2],
    scale: f32,
    found: &mut Vec<Detection>,
) -> TripleReads {
    let finders = finder::find(bitmap, 1);
    let inside = |d: &Detection, f: &finder::Finder| {
        contains(&d.corners, offset[0] + f.x * scale, offset[1] + f.y * scale)
    };
    // Finders of codes an earlier pass read are spent already.
    let mut used: Vec<bool> = finders
        .iter()
        .map(|f| found.iter().any(|d| inside(d, f)))
        .collect();
    let mut failed: Vec<finder::Region> = Vec::new();
    // Triples are capped (best supported first), so on a frame of big and
    // small codes the big codes' triples can fill the list: once reads have
    // spent finders, the triples of the rest are formed again.
    let mut queue = VecDeque::from(finder::triples(&finders, &used, MIN_FINDER_HITS));
    let mut read_since_forming = false;
    loop {
        let Some(region) = queue.pop_front() else {
            if !read_since_forming {
                break;
            }
            read_since_forming = false;
            queue = finder::triples(&finders, &used, MIN_FINDER_HITS)
                .into_iter()
                .filter(|r| !failed.iter().any(|f| f.ids == r.ids))
                .collect();
            continue;
        };
        if region.ids.iter().any(|&i| used[i]) {
            continue;
        }
        let [c, a, b] = &region.finders;
        if failed.len() >= MAX_FAILED_TRIPLES {
            break;
        }
        match isolate_one(|| sample::read(bitmap, c, a, b)) {
            Some(d) => {
                read_since_forming = true;
                let d = d.transformed(offset, scale);
                // Its own finders, and any 1:1:3:1:1 texture among its data
                // modules, are spent: triples through them would only cost
                // failed reads.
                for &i in &region.ids {
                    used[i] = true;
                }
                for (u, f) in used.iter_mut().zip(&finders) {
                    *u |= inside(&d, f);
                }
                merge(found, d);
            }
            None => failed.push(region),
        }
    }
    failed.retain(|r| r.ids.iter().all(|&i| !used[i]));
    let spare_finders = finders
        .iter()
        .zip(&used)
        .filter(|(f, u)| !**u && f.hits >= MIN_FINDER_HITS)
        .count();
    TripleReads {
        unread: finder::dedupe(failed),
        spare_finders,
    }
}

/// What [`read_triples`] left behind.
struct TripleReads {
    /// Regions of triples that did not read, de-duplicated, for the crop pass.
    unread: Vec<finder::Region>,
    /// Finders (crossed by at least [`MIN_FINDER_HITS`] lines) outside every
    /// code read: where three or more are left, the frame may hold another
    /// code that this scale could not even pair up.
    spare_finders: usize,
}

/// Runs one pass; a panic inside rqrr becomes "nothing found".
fn isolate(f: impl FnOnce() -> Vec<Detection>) -> Vec<Detection> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_default()
}

/// [`isolate`] for a single read.
fn isolate_one(f: impl FnOnce() -> Option<Detection>) -> Option<Detection> {
    catch_unwind(AssertUnwindSafe(f)).ok().flatten()
}

/// Whether `(x, y)` lies inside the convex quadrilateral `q` (either winding).
fn contains(q: &[Point; 4], x: f32, y: f32) -> bool {
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

/// The integer box-downscale factor that brings the longer side to at most `max_side`.
fn downscale_factor(width: usize, height: usize, max_side: usize) -> usize {
    let side = width.max(height);
    side.div_ceil(max_side.max(1)).max(1)
}

/// Adds `d` unless the same payload was already found at about the same place.
fn merge(found: &mut Vec<Detection>, d: Detection) {
    let c = d.center();
    let dup = found.iter().any(|f| {
        f.bytes == d.bytes && f.center().distance(c) < f.module_px * f.size_modules as f32 / 2.0
    });
    if !dup {
        found.push(d);
    }
}

/// Decodes rqrr's candidate grids with [`decode::decode`]; the ones that fail
/// error correction are dropped.
fn decode_grids<G: BitGrid>(grids: Vec<rqrr::Grid<G>>) -> Vec<Detection> {
    let mut out = Vec::new();
    for grid in grids {
        let size = grid.grid.size();
        let Some(decode::Decoded {
            bytes,
            segments,
            mirrored,
        }) = decode::decode(&grid.grid)
        else {
            continue;
        };
        let b = grid.bounds.map(|p| Point::new(p.x as f32, p.y as f32));
        let corners = if mirrored {
            [b[0], b[3], b[2], b[1]]
        } else {
            b
        };
        let module_px = (corners[0].distance(corners[1]) + corners[0].distance(corners[3]))
            / (2.0 * size as f32);
        let (text, encoding) = text::decode_segments(&bytes, &segments);
        out.push(Detection {
            bytes,
            text,
            encoding,
            corners,
            mirrored,
            module_px,
            size_modules: size,
        });
    }
    out
}

/// The format-information word mask (ISO/IEC 18004 §7.9.1).
pub(crate) const FORMAT_MASK: u16 = 0x5412;
/// The BCH(15,5) generator polynomial of the format information.
const FORMAT_GENERATOR: u32 = 0x537;

/// Smallest Hamming distance of either format-information copy to a valid
/// format codeword, reading the grid directly or transposed.
pub(crate) fn format_distance(grid: &dyn BitGrid, transposed: bool) -> u32 {
    let Some(words) = format_words(grid, transposed) else {
        return u32::MAX;
    };
    words
        .map(|w| nearest_format(w).1)
        .into_iter()
        .min()
        .unwrap_or(u32::MAX)
}

/// Whether the format information looks like a real code's, directly or
/// transposed: both copies within 3 bits of the same codeword, or one copy
/// within 1 bit. Random bits pass about 8 % of the time either way round
/// (one copy within 3 bits: over 90 %), while a real code seldom has more
/// than a bit wrong in both copies, and not in different ways.
pub(crate) fn format_agrees(grid: &dyn BitGrid) -> bool {
    [false, true].into_iter().any(|transposed| {
        let Some(words) = format_words(grid, transposed) else {
            return false;
        };
        let [(d1, e1), (d2, e2)] = words.map(nearest_format);
        (e1 <= MAX_FORMAT_ERRORS && e2 <= MAX_FORMAT_ERRORS && d1 == d2) || e1.min(e2) <= 1
    })
}

/// The BCH(15,5) format code corrects up to 3 bit errors (ISO/IEC 18004 §7.9).
const MAX_FORMAT_ERRORS: u32 = 3;

/// Both 15-bit format-information copies of a grid, read directly or
/// transposed, in rqrr's bit order; `None` for a grid smaller than version 1.
fn format_words(grid: &dyn BitGrid, transposed: bool) -> Option<[u16; 2]> {
    // Copy 1 around the top-left finder, in rqrr's bit order (LSB first).
    const XS: [usize; 15] = [8, 8, 8, 8, 8, 8, 8, 8, 7, 5, 4, 3, 2, 1, 0];
    const YS: [usize; 15] = [0, 1, 2, 3, 4, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8];
    let n = grid.size();
    if n < 21 {
        return None;
    }
    let bit = |y: usize, x: usize| {
        if transposed {
            grid.bit(x, y)
        } else {
            grid.bit(y, x)
        }
    };
    let mut first = 0u16;
    for i in (0..15).rev() {
        first = (first << 1) | u16::from(bit(YS[i], XS[i]));
    }
    let mut second = 0u16;
    for i in 0..7 {
        second = (second << 1) | u16::from(bit(n - 1 - i, 8));
    }
    for i in 0..8 {
        second = (second << 1) | u16::from(bit(8, n - 8 + i));
    }
    Some([first, second])
}

/// The format data (5 bits) whose codeword is nearest to a read copy, and
/// the Hamming distance to it.
pub(crate) fn nearest_format(word: u16) -> (u32, u32) {
    let word = u32::from(word ^ FORMAT_MASK);
    (0u32..32)
        .map(|data| (data, (word ^ format_codeword(data)).count_ones()))
        .min_by_key(|&(_, d)| d)
        .unwrap_or((0, u32::MAX))
}

/// The 15-bit BCH codeword (before masking) for 5 format data bits.
pub(crate) fn format_codeword(data: u32) -> u32 {
    let mut rem = data << 10;
    for i in (10..15).rev() {
        if rem & (1 << i) != 0 {
            rem ^= FORMAT_GENERATOR << (i - 10);
        }
    }
    (data << 10) | rem
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate;

    #[test]
    fn round_trip_synthetic_code() {
        let url = "https://perpustakaan.metrokota.go.id/m/7K3M9Q";
        let img = generate::luma_image(url, 5).unwrap();
        let found = Scanner::default().scan(&img.view()).unwrap();
        assert_eq!(found.len(), 1);
        let d = &found[0];
        assert_eq!(d.text.as_deref(), Some(url));
        assert!(!d.mirrored);
        // Top-left corner sits at the end of the 4-module quiet zone (20 px).
        assert!(
            (d.corners[0].x - 20.0).abs() < 3.0 && (d.corners[0].y - 20.0).abs() < 3.0,
            "{:?}",
            d.corners
        );
        assert!((d.module_px - 5.0).abs() < 0.5, "{}", d.module_px);
    }

    #[test]
    fn format_codewords_match_the_standard() {
        // ISO/IEC 18004 Annex C example: data 00101 → 001010011011100 (before masking).
        assert_eq!(format_codeword(0b00101), 0b001010011011100);
    }

    #[test]
    fn blank_frames_find_nothing() {
        for v in [0u8, 255] {
            let data = vec![v; 320 * 240];
            let view = LumaView::new(320, 240, 320, &data).unwrap();
            assert!(Scanner::default().scan(&view).unwrap().is_empty());
        }
    }
}
