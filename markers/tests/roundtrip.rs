//! Generate → transform → scan round trips: white-on-black, mirrored, small,
//! rotated and many codes in one frame, with the corner order checked.

use std::time::Duration;

use pustaka_markers::payload::MarkerCode;
use pustaka_markers::{Detection, LumaImage, Point, Scanner, ScannerConfig, generate};

const HOST: &str = "perpustakaan.metrokota.go.id";

fn url(i: u64) -> String {
    MarkerCode::from_u64(i * 104_729 + 7, 6).unwrap().url(HOST)
}

/// A canvas of paper-grey with `code` pasted at `(x0, y0)`, transformed per pixel by `f`.
fn canvas(w: usize, h: usize, paste: &[(LumaImage, usize, usize)]) -> Vec<u8> {
    let mut data = vec![230u8; w * h];
    for (img, x0, y0) in paste {
        for y in 0..img.height() {
            let row = &img.data()[y * img.width()..(y + 1) * img.width()];
            data[(y0 + y) * w + x0..(y0 + y) * w + x0 + img.width()].copy_from_slice(row);
        }
    }
    data
}

fn scan(w: usize, h: usize, data: &[u8]) -> Vec<Detection> {
    let img = LumaImage::new(w, h, data.to_vec()).unwrap();
    // A generous budget: these tests check what is read, not how fast, and a
    // loaded machine must not cut the later passes short.
    let scanner = Scanner::new(ScannerConfig {
        time_budget: Duration::from_secs(60),
        ..ScannerConfig::default()
    });
    scanner.scan(&img.view()).unwrap()
}

fn near(p: Point, x: f32, y: f32) -> bool {
    (p.x - x).abs() < 3.0 && (p.y - y).abs() < 3.0
}

#[test]
fn white_on_black_codes_are_read() {
    let code = generate::luma_image(&url(1), 5).unwrap();
    let (w, h) = (400, 300);
    let data: Vec<u8> = canvas(w, h, &[(code, 100, 40)])
        .iter()
        .map(|v| 255 - v)
        .collect();
    let found = scan(w, h, &data);
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].text.as_deref(), Some(url(1).as_str()));
}

#[test]
fn mirrored_codes_report_printed_corners() {
    let code = generate::luma_image(&url(2), 5).unwrap();
    let side = code.width();
    let (w, h) = (400, 300);
    let (x0, y0) = (100, 40);
    let plain = canvas(w, h, &[(code, x0, y0)]);
    // Mirror left-right, as a selfie camera or the back of a sheet shows it.
    let mut mirrored = plain.clone();
    for y in 0..h {
        mirrored[y * w..(y + 1) * w].reverse();
    }
    let found = scan(w, h, &mirrored);
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert_eq!(d.text.as_deref(), Some(url(2).as_str()));
    assert!(d.mirrored);
    // The printed top-left corner (quiet zone 4 modules = 20 px in) is now at
    // the image's top right.
    let q = 20.0;
    let (left, right) = ((w - x0 - side) as f32 + q, (w - x0) as f32 - q);
    let (top, bottom) = (y0 as f32 + q, (y0 + side) as f32 - q);
    assert!(near(d.corners[0], right, top), "{:?}", d.corners);
    assert!(near(d.corners[1], left, top), "{:?}", d.corners);
    assert!(near(d.corners[2], left, bottom), "{:?}", d.corners);
    assert!(near(d.corners[3], right, bottom), "{:?}", d.corners);
    // The same code unmirrored is not flagged.
    let found = scan(w, h, &plain);
    assert!(!found[0].mirrored);
    assert!(near(found[0].corners[0], x0 as f32 + q, top));
}

#[test]
fn rotated_codes_keep_the_printed_corner_order() {
    let code = generate::luma_image(&url(3), 4).unwrap();
    let side = code.width();
    let (w, h) = (300, 300);
    let plain = canvas(w, h, &[(code, 60, 60)]);
    // Rotate 90° clockwise: the printed top-left goes to the image's top right.
    let mut rotated = vec![0u8; w * h];
    for y in 0..h {
        for x in 0..w {
            rotated[x * w + (w - 1 - y)] = plain[y * w + x];
        }
    }
    let found = scan(w, h, &rotated);
    assert_eq!(found.len(), 1);
    let d = &found[0];
    assert!(!d.mirrored);
    let q = 16.0;
    // Printed TL (60+q, 60+q) → rotated (w - (60+q), 60+q).
    assert!(
        near(d.corners[0], w as f32 - 60.0 - q, 60.0 + q),
        "{:?}",
        d.corners
    );
    // Printed TR (60+side-q, 60+q) → rotated (w - (60+q), 60+side-q).
    assert!(
        near(d.corners[1], w as f32 - 60.0 - q, (60 + side) as f32 - q),
        "{:?}",
        d.corners
    );
}

#[test]
fn small_codes_are_read() {
    // Two pixels per module: a code far away on a shelf.
    let code = generate::luma_image(&url(4), 2).unwrap();
    let (w, h) = (640, 480);
    let data = canvas(w, h, &[(code, 300, 200)]);
    let found = scan(w, h, &data);
    assert_eq!(found.len(), 1);
    assert!(
        (found[0].module_px - 2.0).abs() < 0.3,
        "{}",
        found[0].module_px
    );
}

/// Pixels per module of the twelve codes (each 41 modules with quiet zone).
const MODULE_PX: usize = 5;

#[test]
fn twelve_codes_in_one_frame_are_all_read() {
    let (w, h) = (1280, 720);
    let mut paste = Vec::new();
    for i in 0..12u64 {
        let img = generate::luma_image(&url(10 + i), MODULE_PX).unwrap();
        let (col, row) = ((i % 4) as usize, (i / 4) as usize);
        paste.push((img, 10 + col * 315, 5 + row * 238));
    }
    let data = canvas(w, h, &paste);
    let found = scan(w, h, &data);
    let mut texts: Vec<String> = found.into_iter().filter_map(|d| d.text).collect();
    texts.sort();
    let mut want: Vec<String> = (0..12).map(|i| url(10 + i)).collect();
    want.sort();
    assert_eq!(texts, want);
}

#[test]
fn small_codes_beside_big_ones_are_read_in_a_large_frame() {
    // A 1080p shelf frame: six big codes (8 px modules) that the coarse
    // first look reads, and six small ones (4 px) that need the work scale.
    let (w, h) = (1920, 1080);
    let mut paste = Vec::new();
    for i in 0..6u64 {
        let img = generate::luma_image(&url(30 + i), 8).unwrap();
        let (x, y) = if i < 5 {
            (10 + i as usize * 380, 10)
        } else {
            (10, 400)
        };
        paste.push((img, x, y));
    }
    for i in 0..6u64 {
        let img = generate::luma_image(&url(40 + i), 4).unwrap();
        paste.push((img, 420 + i as usize * 240, 420));
    }
    let data = canvas(w, h, &paste);
    let found = scan(w, h, &data);
    let mut texts: Vec<String> = found.into_iter().filter_map(|d| d.text).collect();
    texts.sort();
    let mut want: Vec<String> = (30..36).chain(40..46).map(url).collect();
    want.sort();
    assert_eq!(texts, want);
}
