//! The scanner for the browser: [`pustaka_markers::Scanner`] behind a
//! wasm-bindgen export, run by the scan worker (`js/scan-worker.js`) off the
//! page's main thread.
//!
//! The worker hands one luma frame at a time to [`scan_luma`] and gets the
//! detections back as JSON text (one `JSON.parse` in the worker is cheaper and
//! simpler than building JS objects field by field across the boundary). The
//! same code runs on the host in `cargo test`, where [`scan_frame`] is
//! compared with the native scanner.
//!
//! Frame layout: row-major 8-bit luma, exactly `width * height` bytes, no row
//! padding; origin at the top-left pixel's corner, x right, y down (the layout
//! of [`pustaka_markers::LumaView`] with `stride == width`).

use pustaka_markers::{Detection, LumaView, Scanner};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// The longest frame side the worker accepts, in pixels: 4K UHD's long side
/// with room to spare. A larger "frame" is a bug in the page, and refusing it
/// keeps a wrong `width` from making the scanner walk gigabytes.
pub const MAX_FRAME_SIDE_PX: u32 = 8192;

/// One code found in a frame, as the worker posts it to the page.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WorkerDetection {
    /// The payload as text. For a code whose bytes are not text in any
    /// encoding the scanner accepts, the bytes read as UTF-8 with U+FFFD for
    /// what is not UTF-8, and [`WorkerDetection::binary`] is true.
    pub text: String,
    /// The four corners `[x, y]` in frame pixels (origin at the top-left
    /// pixel's corner, y down), in the order of
    /// [`pustaka_markers::Detection::corners`]: top-left, top-right,
    /// bottom-right, bottom-left of the code as printed (the corner without a
    /// finder pattern is bottom-right), also when it was seen mirrored.
    pub corners: [[f32; 2]; 4],
    /// True when the code was read mirrored (a selfie camera, the back of a
    /// transparent sheet).
    pub mirrored: bool,
    /// True when the payload is not text (see [`WorkerDetection::text`]);
    /// the app classifies such a code as binary, never as a library code.
    pub binary: bool,
}

impl WorkerDetection {
    /// The worker's form of one scanner detection.
    pub fn from_detection(d: &Detection) -> Self {
        let (text, binary) = match &d.text {
            Some(t) => (t.clone(), false),
            None => (String::from_utf8_lossy(&d.bytes).into_owned(), true),
        };
        Self {
            text,
            corners: d.corners.map(|p| [p.x, p.y]),
            mirrored: d.mirrored,
            binary,
        }
    }
}

/// Why a frame could not be scanned: the message the worker posts back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrameError(pub String);

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for FrameError {}

/// Scans one frame of `width × height` luma bytes (see the crate docs for the
/// layout) with `scanner`.
///
/// # Errors
/// [`FrameError`] when a side is zero or above [`MAX_FRAME_SIDE_PX`], or
/// `luma` is not exactly `width * height` bytes; the message names the numbers.
pub fn scan_frame(
    scanner: &Scanner,
    width: u32,
    height: u32,
    luma: &[u8],
) -> Result<Vec<WorkerDetection>, FrameError> {
    if width == 0 || height == 0 || width > MAX_FRAME_SIDE_PX || height > MAX_FRAME_SIDE_PX {
        return Err(FrameError(format!(
            "frame of {width}x{height} pixels: each side must be 1 to {MAX_FRAME_SIDE_PX}"
        )));
    }
    // Both sides are at most 8192, so the product fits a 32-bit usize.
    let (w, h) = (width as usize, height as usize);
    if luma.len() != w * h {
        return Err(FrameError(format!(
            "frame of {width}x{height} pixels needs {} luma bytes, got {}",
            w * h,
            luma.len()
        )));
    }
    let view = LumaView::new(w, h, w, luma).map_err(|e| FrameError(e.to_string()))?;
    let found = scanner.scan(&view).map_err(|e| FrameError(e.to_string()))?;
    Ok(found.iter().map(WorkerDetection::from_detection).collect())
}

/// [`scan_frame`] with the default scanner, answered as the JSON text of the
/// detection list (`[{"text", "corners", "mirrored", "binary"}, ...]`).
///
/// # Errors
/// As [`scan_frame`].
pub fn scan_frame_json(width: u32, height: u32, luma: &[u8]) -> Result<String, FrameError> {
    let found = scan_frame(&Scanner::default(), width, height, luma)?;
    serde_json::to_string(&found).map_err(|e| FrameError(e.to_string()))
}

/// The wasm export the worker calls: [`scan_frame_json`], with a failure
/// thrown as a JS `Error` carrying the message.
///
/// A free function with a fresh (cheap, config-only) scanner per call rather
/// than an exported object: nothing lives across calls, so after a wasm trap
/// (a panic aborts on wasm32) the worker simply starts a fresh instance.
///
/// # Errors
/// A JS `Error` with the [`FrameError`] message.
#[wasm_bindgen(js_name = scanLuma)]
pub fn scan_luma(width: u32, height: u32, luma: &[u8]) -> Result<String, JsError> {
    scan_frame_json(width, height, luma).map_err(|e| JsError::new(&e.0))
}

#[cfg(test)]
mod tests {
    use pustaka_markers::{Scanner, generate};

    use super::*;

    #[test]
    fn a_generated_code_comes_back_with_the_scanners_corners() {
        let url = "https://perpustakaan.metrokota.go.id/m/BK0001";
        let image = generate::luma_image(url, 6).unwrap();
        let (w, h) = (image.width() as u32, image.height() as u32);
        let native = Scanner::default().scan(&image.view()).unwrap();
        let worker = scan_frame(&Scanner::default(), w, h, image.data()).unwrap();
        assert_eq!(worker.len(), 1);
        assert_eq!(worker[0].text, url);
        assert!(!worker[0].binary && !worker[0].mirrored);
        assert_eq!(worker[0].corners, native[0].corners.map(|p| [p.x, p.y]));
        let json: serde_json::Value =
            serde_json::from_str(&scan_frame_json(w, h, image.data()).unwrap()).unwrap();
        assert_eq!(json[0]["text"], url);
        assert_eq!(json[0]["corners"].as_array().unwrap().len(), 4);
    }

    #[test]
    fn a_frame_of_the_wrong_size_is_refused_with_the_numbers() {
        let e = scan_frame_json(4, 3, &[0; 11]).unwrap_err();
        assert_eq!(e.0, "frame of 4x3 pixels needs 12 luma bytes, got 11");
        let e = scan_frame_json(0, 3, &[]).unwrap_err();
        assert!(e.0.contains("1 to 8192"), "{e}");
        let e = scan_frame_json(9000, 1, &[0; 9000]).unwrap_err();
        assert!(e.0.contains("9000x1"), "{e}");
    }

    #[test]
    fn an_empty_frame_has_no_detections() {
        assert_eq!(scan_frame_json(64, 48, &[128; 64 * 48]).unwrap(), "[]");
    }

    #[test]
    fn non_text_payloads_are_marked_binary() {
        let d = Detection {
            bytes: vec![0xff, 0x00, 0x41],
            text: None,
            encoding: pustaka_markers::TextEncoding::Binary,
            corners: Default::default(),
            mirrored: true,
            module_px: 3.0,
            size_modules: 21,
        };
        let w = WorkerDetection::from_detection(&d);
        assert!(w.binary && w.mirrored);
        assert_eq!(w.text, "\u{fffd}\u{0}A");
    }
}
