//! Camera pixel formats to [`Frame`]s (luma for the scanner, RGBA for the preview).
//!
//! YUV formats use the ITU-R BT.601 limited-range matrix that webcams send
//! (Y in 16..=235, `Cb`/`Cr` in 16..=240; coefficients from BT.601-7 §2.5.1,
//! scaled to 8.8 fixed point). Every function checks the buffer against the
//! stated size and stride first and returns [`FrameError::BadSize`] for a
//! truncated or mislabelled frame instead of panicking.

use super::{Frame, FrameError};

/// Packed 4:2:2 YUYV (Y0 U Y1 V per two pixels), `stride` bytes per row
/// (`>= width * 2`; webcams may pad rows). `width` must be even.
///
/// # Errors
/// [`FrameError::BadSize`] when the buffer is shorter than the shape needs or
/// the width is odd.
pub fn frame_from_yuyv(
    seq: u64,
    width: u32,
    height: u32,
    stride: usize,
    data: &[u8],
) -> Result<Frame, FrameError> {
    let (w, h) = (width as usize, height as usize);
    let needed = needed_len(stride, h, w * 2);
    if w == 0 || h == 0 || w % 2 != 0 || stride < w * 2 || data.len() < needed {
        return Err(FrameError::BadSize {
            width,
            height,
            len: data.len(),
            expected: needed.max(w * 2 * h),
        });
    }
    let mut luma = Vec::with_capacity(w * h);
    let mut rgba = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        let row = &data[y * stride..y * stride + w * 2];
        for px in row.chunks_exact(4) {
            let (y0, u, y1, v) = (px[0], px[1], px[2], px[3]);
            for yy in [y0, y1] {
                push_pixel(&mut luma, &mut rgba, yy, u, v);
            }
        }
    }
    Ok(Frame {
        seq,
        width,
        height,
        luma,
        rgba,
    })
}

/// Planar 4:2:0 NV12: a Y plane of `height` rows, then an interleaved `CbCr`
/// plane of `height / 2` rows, both `stride` bytes per row (`>= width`).
/// `width` and `height` must be even.
///
/// # Errors
/// [`FrameError::BadSize`] when the buffer is too short for the shape.
pub fn frame_from_nv12(
    seq: u64,
    width: u32,
    height: u32,
    stride: usize,
    data: &[u8],
) -> Result<Frame, FrameError> {
    let (w, h) = (width as usize, height as usize);
    let needed = stride
        .saturating_mul(h)
        .saturating_add(needed_len(stride, h / 2, w));
    if w == 0 || h == 0 || w % 2 != 0 || h % 2 != 0 || stride < w || data.len() < needed {
        return Err(FrameError::BadSize {
            width,
            height,
            len: data.len(),
            expected: needed.max(w * h * 3 / 2),
        });
    }
    let (y_plane, uv_plane) = data.split_at(stride * h);
    let mut luma = Vec::with_capacity(w * h);
    let mut rgba = Vec::with_capacity(w * h * 4);
    for y in 0..h {
        let y_row = &y_plane[y * stride..y * stride + w];
        let uv_row = &uv_plane[(y / 2) * stride..(y / 2) * stride + w];
        for x in 0..w {
            let yy = y_row[x];
            let (u, v) = (uv_row[x & !1], uv_row[x | 1]);
            push_pixel(&mut luma, &mut rgba, yy, u, v);
        }
    }
    Ok(Frame {
        seq,
        width,
        height,
        luma,
        rgba,
    })
}

/// A Motion-JPEG frame (one JPEG image). The size comes from the JPEG itself.
///
/// # Errors
/// [`FrameError::Source`] when the bytes are not a decodable JPEG.
pub fn frame_from_mjpeg(seq: u64, data: &[u8]) -> Result<Frame, FrameError> {
    let img = image::load_from_memory_with_format(data, image::ImageFormat::Jpeg)
        .map_err(|e| FrameError::Source(format!("bad MJPEG frame: {e}")))?
        .to_rgb8();
    let (w, h) = img.dimensions();
    Frame::from_rgb(seq, w, h, img.as_raw())
}

/// Bytes needed for `rows` rows of `row_bytes` each, `stride` apart (the last row unpadded).
fn needed_len(stride: usize, rows: usize, row_bytes: usize) -> usize {
    if rows == 0 {
        return 0;
    }
    stride.saturating_mul(rows - 1).saturating_add(row_bytes)
}

/// Appends one pixel, given as limited-range `Y'CbCr`, to the luma and RGBA planes.
fn push_pixel(luma: &mut Vec<u8>, rgba: &mut Vec<u8>, y: u8, cb: u8, cr: u8) {
    luma.push(full_range_luma(y));
    let [r, g, b] = rgb_from_ycbcr(y, cb, cr);
    rgba.extend_from_slice(&[r, g, b, 255]);
}

/// Limited-range Y (16..=235) to full-range luma (0..=255).
fn full_range_luma(y: u8) -> u8 {
    // 255 / 219 = 1.164 ≈ 298 / 256.
    ((298 * (y as i32 - 16).max(0) + 128) >> 8).clamp(0, 255) as u8
}

/// BT.601 limited-range `Y'CbCr` to sRGB bytes.
fn rgb_from_ycbcr(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let c = 298 * (y as i32 - 16);
    let d = cb as i32 - 128;
    let e = cr as i32 - 128;
    // 1.596, 0.392, 0.813, 2.017 in 8.8 fixed point (BT.601 inverse matrix).
    let r = (c + 409 * e + 128) >> 8;
    let g = (c - 100 * d - 208 * e + 128) >> 8;
    let b = (c + 516 * d + 128) >> 8;
    [
        r.clamp(0, 255) as u8,
        g.clamp(0, 255) as u8,
        b.clamp(0, 255) as u8,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// BT.601 limited-range `Y'CbCr` of pure colours (rounded), e.g. from the
    /// forward matrix Y = 16 + 65.481 R + 128.553 G + 24.966 B.
    const RED: [u8; 3] = [81, 90, 240];
    const GREEN: [u8; 3] = [145, 54, 34];
    const BLUE: [u8; 3] = [41, 240, 110];
    const WHITE: [u8; 3] = [235, 128, 128];

    fn close(got: &[u8], want: [u8; 3]) -> bool {
        got.iter()
            .zip(want)
            .all(|(&g, w)| (g as i32 - w as i32).abs() <= 2)
    }

    #[test]
    fn yuyv_pure_colours() {
        for (ycc, rgb) in [
            (RED, [255, 0, 0]),
            (GREEN, [0, 255, 0]),
            (BLUE, [0, 0, 255]),
            (WHITE, [255, 255, 255]),
        ] {
            let [y, u, v] = ycc;
            let f = frame_from_yuyv(1, 2, 1, 4, &[y, u, y, v]).unwrap();
            assert!(
                close(&f.rgba[0..3], rgb),
                "{ycc:?} -> {:?}, want {rgb:?}",
                &f.rgba[0..3]
            );
            assert!(close(&f.rgba[4..7], rgb));
        }
        let f = frame_from_yuyv(1, 2, 1, 4, &[235, 128, 16, 128]).unwrap();
        assert_eq!(f.luma, vec![255, 0]);
    }

    #[test]
    fn yuyv_with_padded_rows() {
        // 2x2, stride 8 (4 bytes of padding per row, filled with junk).
        let [y, u, v] = BLUE;
        let data = [y, u, y, v, 9, 9, 9, 9, 235, 128, 235, 128];
        let f = frame_from_yuyv(1, 2, 2, 8, &data).unwrap();
        assert!(close(&f.rgba[0..3], [0, 0, 255]));
        assert!(close(&f.rgba[8..11], [255, 255, 255]));
    }

    #[test]
    fn padded_nv12() {
        // 4x2 frame, stride 6: Y plane 2 rows, then one CbCr row of 2 pairs.
        let [ry, ru, rv] = RED;
        let [gy, gu, gv] = GREEN;
        let data = [
            ry, ry, gy, gy, 0, 0, // Y row 0 + padding
            ry, ry, gy, gy, 0, 0, // Y row 1 + padding
            ru, rv, gu, gv, 0, 0, // CbCr row (shared by both rows) + padding
        ];
        let f = frame_from_nv12(1, 4, 2, 6, &data).unwrap();
        for row in 0..2 {
            let base = row * 16;
            assert!(
                close(&f.rgba[base..base + 3], [255, 0, 0]),
                "{:?}",
                &f.rgba[base..base + 3]
            );
            assert!(
                close(&f.rgba[base + 8..base + 11], [0, 255, 0]),
                "{:?}",
                &f.rgba[base + 8..base + 11]
            );
        }
    }

    #[test]
    fn truncated_and_mislabelled_frames_are_errors() {
        assert!(frame_from_yuyv(1, 640, 480, 1280, &[0; 1000]).is_err());
        assert!(frame_from_yuyv(1, 3, 1, 6, &[0; 6]).is_err(), "odd width");
        assert!(
            frame_from_yuyv(1, 4, 1, 4, &[0; 8]).is_err(),
            "stride < width * 2"
        );
        assert!(frame_from_nv12(1, 4, 2, 4, &[0; 11]).is_err());
        assert!(frame_from_nv12(1, 0, 2, 4, &[0; 12]).is_err());
        assert!(frame_from_nv12(1, 2, 2, usize::MAX, &[0; 12]).is_err());
        assert!(frame_from_yuyv(1, 2, 2, usize::MAX, &[0; 12]).is_err());
        // YUYV bytes labelled as MJPEG.
        assert!(frame_from_mjpeg(1, &[81, 90, 81, 240]).is_err());
    }

    #[test]
    fn mjpeg_decodes_colour() {
        let img = image::RgbImage::from_pixel(16, 16, image::Rgb([255, 0, 0]));
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 95)
            .encode_image(&img)
            .unwrap();
        let f = frame_from_mjpeg(1, &jpeg).unwrap();
        assert_eq!((f.width, f.height), (16, 16));
        let px = &f.rgba[(8 * 16 + 8) * 4..(8 * 16 + 8) * 4 + 3];
        assert!(px[0] > 240 && px[1] < 15 && px[2] < 15, "{px:?}");
    }
}
