//! What the scanner reports for one code ([`Detection`]), and how a decoded
//! grid placed in the frame becomes one (the same for every pass: the fast
//! path's own sampling and rqrr's fallback grids).

use crate::decode::Decoded;
use crate::geometry::{Point, quad_center};
use crate::text::{self, TextEncoding};

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
        quad_center(&self.corners)
    }

    /// The detection of a grid of `size_modules` modules that decoded to
    /// `decoded`, its outer corners at `sampled` in the order the grid was
    /// sampled (grid rows and columns 0 and `size_modules`: top-left,
    /// top-right, bottom-right, bottom-left of the grid). A mirrored code's
    /// grid is the transpose of the printed one, so its corners are put back
    /// in printed order here. `None` when a corner is not finite.
    pub(crate) fn from_decoded(
        sampled: [Point; 4],
        size_modules: usize,
        decoded: Decoded,
    ) -> Option<Self> {
        if sampled.iter().any(|p| !p.x.is_finite() || !p.y.is_finite()) {
            return None;
        }
        let Decoded {
            bytes,
            segments,
            mirrored,
        } = decoded;
        let b = sampled;
        let corners = if mirrored {
            [b[0], b[3], b[2], b[1]]
        } else {
            b
        };
        let module_px = (corners[0].distance(corners[1]) + corners[0].distance(corners[3]))
            / (2.0 * size_modules as f32);
        let (text, encoding) = text::decode_segments(&bytes, &segments);
        Some(Self {
            bytes,
            text,
            encoding,
            corners,
            mirrored,
            module_px,
            size_modules,
        })
    }

    /// Maps corners and module size from a work image to frame pixels:
    /// `offset + p * scale`.
    pub(crate) fn transformed(mut self, offset: [f32; 2], scale: f32) -> Self {
        for p in &mut self.corners {
            p.x = offset[0] + p.x * scale;
            p.y = offset[1] + p.y * scale;
        }
        self.module_px *= scale;
        self
    }
}
