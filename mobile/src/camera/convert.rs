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

/// One plane of a 4:2:0 image as a camera API hands it over: its bytes, the
/// bytes from one row to the next, and the bytes from one pixel to the next.
///
/// Android's `Image.Plane` (`getRowStride`, `getPixelStride`) and the planes of
/// an iOS `CVPixelBuffer` have this shape. Pixel stride 1 is a planar plane
/// (I420); 2 is one half of an interleaved chroma plane (NV12 / NV21), where
/// the U and V planes are the same buffer one byte apart.
#[derive(Clone, Copy, Debug)]
pub struct Plane<'a> {
    /// The plane's bytes, starting at its first sample.
    pub data: &'a [u8],
    /// Bytes from the start of one row to the start of the next (`>= 1`).
    pub row_stride: usize,
    /// Bytes from one sample to the next in a row (`>= 1`).
    pub pixel_stride: usize,
}

/// The numeric range of `Y'CbCr` samples (both with the BT.601 matrix).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum YuvRange {
    /// Y in 16..=235, Cb/Cr in 16..=240: webcams (UVC) and video.
    Limited,
    /// Y, Cb, Cr in 0..=255, as in JPEG (ITU-T T.871): Android Camera2's
    /// `YUV_420_888` and iOS's `420YpCbCr8BiPlanarFullRange`.
    Full,
}

/// A `width x height` 4:2:0 image given as three planes with their own row and
/// pixel strides (Android's `YUV_420_888`; NV12, NV21 and I420 are special
/// cases). The chroma planes are `ceil(width / 2) x ceil(height / 2)`, so odd
/// sizes are allowed.
///
/// # Errors
/// [`FrameError::BadSize`] when the size is zero, a stride is zero or a row
/// stride is shorter than a row, or a plane's bytes end before its last sample.
pub fn frame_from_yuv420(
    seq: u64,
    width: u32,
    height: u32,
    planes: [Plane<'_>; 3],
    range: YuvRange,
) -> Result<Frame, FrameError> {
    let (w, h) = (width as usize, height as usize);
    let (cw, ch) = (w.div_ceil(2), h.div_ceil(2));
    let shapes = [(w, h), (cw, ch), (cw, ch)];
    for (plane, (pw, ph)) in planes.iter().zip(shapes) {
        let needed = plane_len(plane, pw, ph);
        if needed.is_none_or(|n| plane.data.len() < n) {
            return Err(FrameError::BadSize {
                width,
                height,
                len: plane.data.len(),
                expected: needed.unwrap_or(usize::MAX),
            });
        }
    }
    let [yp, up, vp] = planes;
    let mut luma = Vec::with_capacity(w * h);
    let mut rgba = Vec::with_capacity(w * h * 4);
    for row in 0..h {
        let y_row = row * yp.row_stride;
        let u_row = (row / 2) * up.row_stride;
        let v_row = (row / 2) * vp.row_stride;
        for col in 0..w {
            let y = yp.data[y_row + col * yp.pixel_stride];
            let u = up.data[u_row + (col / 2) * up.pixel_stride];
            let v = vp.data[v_row + (col / 2) * vp.pixel_stride];
            match range {
                YuvRange::Limited => push_pixel(&mut luma, &mut rgba, y, u, v),
                YuvRange::Full => {
                    luma.push(y);
                    let [r, g, b] = rgb_from_full_range_ycbcr(y, u, v);
                    rgba.extend_from_slice(&[r, g, b, 255]);
                }
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

/// Bytes a `width x height` plane needs up to and including its last sample;
/// `None` for a zero size or stride, a row stride shorter than a row, or an
/// overflow.
fn plane_len(plane: &Plane<'_>, width: usize, height: usize) -> Option<usize> {
    if width == 0 || height == 0 || plane.pixel_stride == 0 {
        return None;
    }
    let row = (width - 1)
        .checked_mul(plane.pixel_stride)?
        .checked_add(1)?;
    if plane.row_stride < row {
        return None;
    }
    (height - 1).checked_mul(plane.row_stride)?.checked_add(row)
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

/// BT.601 full-range `Y'CbCr` to sRGB bytes (JFIF, ITU-T T.871 §7:
/// R = Y + 1.402 Cr', G = Y - 0.344136 Cb' - 0.714136 Cr', B = Y + 1.772 Cb',
/// in 8.8 fixed point).
fn rgb_from_full_range_ycbcr(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let c = (y as i32) << 8;
    let d = cb as i32 - 128;
    let e = cr as i32 - 128;
    let r = (c + 359 * e + 128) >> 8;
    let g = (c - 88 * d - 183 * e + 128) >> 8;
    let b = (c + 454 * d + 128) >> 8;
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

    /// Full-range (JFIF) `Y'CbCr` of pure colours, from the forward matrix
    /// Y = 0.299 R + 0.587 G + 0.114 B, Cb = 128 - 0.168736 R - 0.331264 G + 0.5 B,
    /// Cr = 128 + 0.5 R - 0.418688 G - 0.081312 B (rounded).
    const FULL_RED: [u8; 3] = [76, 85, 255];
    const FULL_BLUE: [u8; 3] = [29, 255, 107];

    #[test]
    fn yuv420_planar_full_range_with_odd_size_and_padding() {
        // 3x3 image: left two columns red, right column blue; rows padded.
        // Chroma is 2x2: column 0 red, column 1 blue.
        let [ry, ru, rv] = FULL_RED;
        let [by, bu, bv] = FULL_BLUE;
        let y = [
            ry, ry, by, 7, // row 0 + 1 byte of padding
            ry, ry, by, 7, //
            ry, ry, by, // last row unpadded
        ];
        let u = [ru, bu, 7, ru, bu];
        let v = [rv, bv, 7, rv, bv];
        let planes = [
            Plane {
                data: &y,
                row_stride: 4,
                pixel_stride: 1,
            },
            Plane {
                data: &u,
                row_stride: 3,
                pixel_stride: 1,
            },
            Plane {
                data: &v,
                row_stride: 3,
                pixel_stride: 1,
            },
        ];
        let f = frame_from_yuv420(5, 3, 3, planes, YuvRange::Full).unwrap();
        assert_eq!((f.seq, f.width, f.height), (5, 3, 3));
        assert_eq!(f.luma, vec![ry, ry, by, ry, ry, by, ry, ry, by]);
        for (i, px) in f.rgba.chunks_exact(4).enumerate() {
            let want = if i % 3 == 2 { [0, 0, 255] } else { [255, 0, 0] };
            assert!(close(&px[0..3], want), "pixel {i}: {px:?}, want {want:?}");
            assert_eq!(px[3], 255);
        }
    }

    #[test]
    fn yuv420_interleaved_chroma_nv21_as_android_gives_it() {
        // 4x2, NV21 layout: one VU-interleaved row; U is the same buffer from
        // byte 1, both with pixel stride 2 (what Camera2 hands over).
        let [ry, ru, rv] = FULL_RED;
        let [by, bu, bv] = FULL_BLUE;
        let y = [ry, ry, by, by, ry, ry, by, by];
        let vu = [rv, ru, bv, bu];
        let planes = [
            Plane {
                data: &y,
                row_stride: 4,
                pixel_stride: 1,
            },
            Plane {
                data: &vu[1..],
                row_stride: 4,
                pixel_stride: 2,
            },
            Plane {
                data: &vu,
                row_stride: 4,
                pixel_stride: 2,
            },
        ];
        let f = frame_from_yuv420(1, 4, 2, planes, YuvRange::Full).unwrap();
        for (i, px) in f.rgba.chunks_exact(4).enumerate() {
            let want = if i % 4 < 2 { [255, 0, 0] } else { [0, 0, 255] };
            assert!(close(&px[0..3], want), "pixel {i}: {px:?}, want {want:?}");
        }
        // The same bytes read as limited range come out different: the range matters.
        let limited = frame_from_yuv420(1, 4, 2, planes, YuvRange::Limited).unwrap();
        assert_ne!(limited.rgba, f.rgba);
        assert_eq!(limited.luma[0], full_range_luma(ry));
    }

    /// JFIF forward matrix (ITU-T T.871 §7), in floating point: the test's own
    /// reference, independent of the fixed-point inverse under test.
    fn jfif_ycbcr(rgb: [u8; 3]) -> [u8; 3] {
        let [r, g, b] = rgb.map(f64::from);
        let y = 0.299 * r + 0.587 * g + 0.114 * b;
        let cb = 128.0 - 0.168_736 * r - 0.331_264 * g + 0.5 * b;
        let cr = 128.0 + 0.5 * r - 0.418_688 * g - 0.081_312 * b;
        [y, cb, cr].map(|c| c.round().clamp(0.0, 255.0) as u8)
    }

    #[test]
    fn yuv420_full_range_round_trips_unsaturated_colours() {
        // Dark, mid and pastel colours, where reading full-range samples with
        // the limited-range matrix would be off by far more than 2.
        for rgb in [[16, 16, 16], [128, 64, 32], [40, 120, 200], [230, 220, 180]] {
            let [y, u, v] = jfif_ycbcr(rgb);
            let (yb, ub, vb) = ([y; 4], [u], [v]);
            let planes = [
                Plane {
                    data: &yb,
                    row_stride: 2,
                    pixel_stride: 1,
                },
                Plane {
                    data: &ub,
                    row_stride: 1,
                    pixel_stride: 1,
                },
                Plane {
                    data: &vb,
                    row_stride: 1,
                    pixel_stride: 1,
                },
            ];
            let f = frame_from_yuv420(1, 2, 2, planes, YuvRange::Full).unwrap();
            assert!(close(&f.rgba[0..3], rgb), "{rgb:?} -> {:?}", &f.rgba[0..3]);
            let limited = frame_from_yuv420(1, 2, 2, planes, YuvRange::Limited).unwrap();
            assert!(
                !close(&limited.rgba[0..3], rgb),
                "{rgb:?}: the range must matter"
            );
        }
    }

    #[test]
    fn yuv420_short_or_mislabelled_planes_are_errors() {
        let y = [0u8; 16];
        let c = [128u8; 4];
        let plane = |data, row_stride, pixel_stride| Plane {
            data,
            row_stride,
            pixel_stride,
        };
        let ok = [
            plane(&y[..], 4, 1),
            plane(&c[..], 2, 1),
            plane(&c[..], 2, 1),
        ];
        assert!(frame_from_yuv420(1, 4, 4, ok, YuvRange::Full).is_ok());
        let mut bad = ok;
        bad[0] = plane(&y[..15], 4, 1);
        assert!(
            frame_from_yuv420(1, 4, 4, bad, YuvRange::Full).is_err(),
            "short Y"
        );
        bad = ok;
        bad[2] = plane(&c[..], 2, 2);
        assert!(
            frame_from_yuv420(1, 4, 4, bad, YuvRange::Full).is_err(),
            "V needs 5 bytes"
        );
        bad = ok;
        bad[1] = plane(&c[..], 1, 1);
        assert!(
            frame_from_yuv420(1, 4, 4, bad, YuvRange::Full).is_err(),
            "row stride < row"
        );
        bad = ok;
        bad[1] = plane(&c[..], 2, 0);
        assert!(
            frame_from_yuv420(1, 4, 4, bad, YuvRange::Full).is_err(),
            "zero pixel stride"
        );
        bad = ok;
        bad[0] = plane(&y[..], usize::MAX, 1);
        assert!(
            frame_from_yuv420(1, 4, 4, bad, YuvRange::Full).is_err(),
            "overflow"
        );
        assert!(
            frame_from_yuv420(1, 0, 4, ok, YuvRange::Full).is_err(),
            "zero width"
        );
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
