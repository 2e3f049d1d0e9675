//! Fuzzes the scanner: any shape and any bytes must give `Ok` or a clean
//! `InvalidImage` error, never a panic or a hang. The first four bytes pick
//! width, height and stride padding; the rest is the frame.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pustaka_markers::{LumaView, Scanner};

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let width = usize::from(data[0]) + usize::from(data[1] & 1) * 256;
    let height = usize::from(data[2]) + usize::from(data[3] & 1) * 256;
    let stride = width + usize::from(data[1] >> 4);
    let pixels = &data[4..];
    if let Ok(view) = LumaView::new(width, height, stride, pixels) {
        let found = Scanner::default().scan(&view).expect("valid views scan");
        for d in found {
            assert!(d.corners.iter().all(|p| p.x.is_finite() && p.y.is_finite()));
        }
    }
});
