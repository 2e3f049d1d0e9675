//! The scanner: finds and decodes every QR code in a luma frame.
//!
//! rqrr is the core decoder. Its geometry code can panic on some real photos,
//! so each decode attempt runs under `catch_unwind` and a panic counts as
//! "nothing found" for that attempt.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rqrr::BitGrid as _;

use crate::{LumaView, MarkerError};

/// A point in pixel coordinates of the scanned frame: origin at the top-left
/// pixel's corner, x to the right, y downwards, in pixels (sub-pixel allowed).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    /// Horizontal position in pixels.
    pub x: f32,
    /// Vertical position in pixels.
    pub y: f32,
}

/// One code found in a frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// The raw payload bytes.
    pub bytes: Vec<u8>,
    /// The payload as text, when it is valid UTF-8.
    pub text: Option<String>,
    /// The four corners of the code (outer corners of the finder patterns),
    /// in frame pixels, in this order: top-left, top-right, bottom-right,
    /// bottom-left of the code as printed (the missing finder is bottom-right).
    pub corners: [Point; 4],
    /// True when the code was read mirrored (seen through glass or a selfie camera).
    pub mirrored: bool,
    /// The average side of one module, in pixels.
    pub module_px: f32,
}

/// Finds QR codes in luma frames.
#[derive(Debug, Clone, Default)]
pub struct Scanner {}

impl Scanner {
    /// Scans one frame and returns every code read, in no particular order.
    ///
    /// # Errors
    /// None today for a valid [`LumaView`]; the `Result` leaves room for
    /// configuration errors.
    pub fn scan(&self, image: &LumaView<'_>) -> Result<Vec<Detection>, MarkerError> {
        let (w, h) = (image.width(), image.height());
        let attempt = catch_unwind(AssertUnwindSafe(|| {
            let mut prepared =
                rqrr::PreparedImage::prepare_from_greyscale(w, h, |x, y| image.get(x, y));
            let mut out = Vec::new();
            for grid in prepared.detect_grids() {
                let side = grid.grid.size() as f32;
                let b = grid.bounds;
                let mut bytes = Vec::new();
                if grid.decode_to(&mut bytes).is_ok() {
                    let corners = b.map(|p| Point {
                        x: p.x as f32,
                        y: p.y as f32,
                    });
                    let module_px = (dist(corners[0], corners[1]) + dist(corners[0], corners[3]))
                        / (2.0 * side);
                    out.push(Detection {
                        text: String::from_utf8(bytes.clone()).ok(),
                        bytes,
                        corners,
                        mirrored: false,
                        module_px,
                    });
                }
            }
            out
        }));
        Ok(attempt.unwrap_or_default())
    }
}

fn dist(a: Point, b: Point) -> f32 {
    (a.x - b.x).hypot(a.y - b.y)
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
        // Top-left corner sits at the end of the 4-module quiet zone (20 px).
        assert!(
            (d.corners[0].x - 20.0).abs() < 3.0 && (d.corners[0].y - 20.0).abs() < 3.0,
            "{:?}",
            d.corners
        );
        assert!((d.module_px - 5.0).abs() < 0.5, "{}", d.module_px);
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
