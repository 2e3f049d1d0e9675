//! A webcam frame source through nokhwa (Linux V4L2, Windows MSMF, macOS AVFoundation).
//!
//! The camera is opened lazily on the capture thread and reopened after a
//! failure, so a camera that is unplugged and plugged back resumes by itself.
//! Raw frames are converted by our own [`convert`](super::convert) functions,
//! which honour padded row strides and reject truncated frames.

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{
    ApiBackend, CameraFormat, CameraIndex, FrameFormat, RequestedFormat, RequestedFormatType,
};

use super::convert::{frame_from_mjpeg, frame_from_nv12, frame_from_yuyv};
use super::{Frame, FrameError, FrameSource};

/// The resolution we aim for: enough pixels for small codes, cheap to scan.
pub const TARGET_PIXELS: u32 = 1280 * 720;
/// Below this frame rate the overlay lags visibly; such formats rank last.
pub const MIN_GOOD_FPS: u32 = 15;

/// Frames from a webcam by index (0 = the first camera).
pub struct WebcamSource {
    index: u32,
    camera: Option<Camera>,
    seq: u64,
}

impl WebcamSource {
    /// A source for camera `index`; nothing is opened until the first frame.
    pub fn new(index: u32) -> Self {
        Self {
            index,
            camera: None,
            seq: 0,
        }
    }

    /// Lists the cameras the platform reports, as `index: name (description)` lines.
    ///
    /// # Errors
    /// When the platform's camera API cannot be queried.
    pub fn list() -> Result<Vec<String>, FrameError> {
        let cams =
            nokhwa::query(ApiBackend::Auto).map_err(|e| FrameError::Source(e.to_string()))?;
        Ok(cams
            .iter()
            .map(|c| format!("{}: {} ({})", c.index(), c.human_name(), c.description()))
            .collect())
    }

    fn open(&mut self) -> Result<&mut Camera, FrameError> {
        if self.camera.is_none() {
            let cam_err =
                |e: nokhwa::NokhwaError| FrameError::Source(format!("kamera {}: {e}", self.index));
            let any = RequestedFormat::new::<RgbFormat>(RequestedFormatType::None);
            let mut cam = Camera::new(CameraIndex::Index(self.index), any).map_err(cam_err)?;
            let offered = cam.compatible_camera_formats().map_err(cam_err)?;
            let Some(best) = best_format(&offered) else {
                return Err(FrameError::Source(format!(
                    "kamera {} offers no format we can read (MJPEG, YUYV, NV12); it offers: {}",
                    self.index,
                    describe_formats(&offered)
                )));
            };
            cam.set_camera_requset(RequestedFormat::new::<RgbFormat>(
                RequestedFormatType::Exact(best),
            ))
            .map_err(|e| {
                FrameError::Source(format!(
                    "kamera {}: cannot use {best}: {e}; it offers: {}",
                    self.index,
                    describe_formats(&offered)
                ))
            })?;
            cam.open_stream().map_err(cam_err)?;
            self.camera = Some(cam);
        }
        self.camera.as_mut().ok_or(FrameError::End)
    }
}

/// Picks the camera format to stream: a readable pixel format, a frame rate of
/// at least [`MIN_GOOD_FPS`], and the resolution closest to [`TARGET_PIXELS`];
/// among equals, uncompressed formats (no JPEG decode per frame) win.
pub fn best_format(offered: &[CameraFormat]) -> Option<CameraFormat> {
    offered
        .iter()
        .filter(|f| {
            matches!(
                f.format(),
                FrameFormat::MJPEG | FrameFormat::YUYV | FrameFormat::NV12
            )
        })
        .min_by_key(|f| {
            let pixels = f.resolution().width() * f.resolution().height();
            let slow = f.frame_rate() < MIN_GOOD_FPS;
            let compressed = f.format() == FrameFormat::MJPEG;
            (
                slow,
                pixels.abs_diff(TARGET_PIXELS),
                compressed,
                u32::MAX - f.frame_rate(),
            )
        })
        .copied()
}

fn describe_formats(offered: &[CameraFormat]) -> String {
    if offered.is_empty() {
        return "nothing".into();
    }
    offered
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Converts one raw frame in `format`; the row stride is inferred from the length.
fn convert(seq: u64, format: CameraFormat, raw: &[u8]) -> Result<Frame, FrameError> {
    let (w, h) = (format.resolution().width(), format.resolution().height());
    match format.format() {
        FrameFormat::MJPEG => frame_from_mjpeg(seq, raw),
        FrameFormat::YUYV => frame_from_yuyv(seq, w, h, raw.len() / (h.max(1) as usize), raw),
        FrameFormat::NV12 => {
            frame_from_nv12(seq, w, h, raw.len() * 2 / (3 * h.max(1) as usize), raw)
        }
        other => Err(FrameError::Source(format!(
            "unsupported pixel format {other}"
        ))),
    }
}

impl FrameSource for WebcamSource {
    fn describe(&self) -> String {
        format!("webcam {}", self.index)
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        let index = self.index;
        let cam = self.open()?;
        let format = cam.camera_format();
        let raw = cam.frame_raw().map(|r| r.into_owned());
        match raw {
            Ok(raw) => {
                self.seq += 1;
                // A bad frame is an error for this frame only; the camera stays open.
                convert(self.seq, format, &raw)
            }
            Err(e) => {
                // Drop the camera so the next call reopens it (it may have been unplugged).
                self.camera = None;
                Err(FrameError::Source(format!(
                    "kamera {index} terputus / disconnected: {e}"
                )))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use nokhwa::utils::Resolution;

    use super::*;

    #[test]
    fn best_format_prefers_720p_uncompressed_at_good_fps() {
        let f = |w, h, fmt, fps| CameraFormat::new(Resolution::new(w, h), fmt, fps);
        let offered = [
            f(1920, 1080, FrameFormat::MJPEG, 30),
            f(1280, 720, FrameFormat::MJPEG, 30),
            f(1280, 720, FrameFormat::YUYV, 10),
            f(640, 480, FrameFormat::YUYV, 30),
            f(1280, 720, FrameFormat::NV12, 30),
            f(1280, 720, FrameFormat::GRAY, 60),
        ];
        assert_eq!(best_format(&offered), Some(offered[4]));
        assert_eq!(best_format(&offered[..4]), Some(offered[1]));
        assert_eq!(best_format(&[f(640, 480, FrameFormat::RAWRGB, 30)]), None);
    }

    #[test]
    fn convert_infers_padded_stride() {
        let format = CameraFormat::new(Resolution::new(2, 2), FrameFormat::YUYV, 30);
        let data = [81, 90, 81, 240, 0, 0, 81, 90, 81, 240, 0, 0];
        let frame = convert(1, format, &data).unwrap();
        assert_eq!(frame.rgba.len(), 16);
        assert!(convert(1, format, &data[..5]).is_err());
    }
}
