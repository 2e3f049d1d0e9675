//! A webcam frame source through nokhwa (Linux V4L2, Windows MSMF, macOS AVFoundation).
//!
//! The camera is opened lazily on the capture thread and reopened after a
//! failure, so a camera that is unplugged and plugged back resumes by itself.

use nokhwa::Camera;
use nokhwa::pixel_format::RgbFormat;
use nokhwa::utils::{ApiBackend, CameraIndex, RequestedFormat, RequestedFormatType};

use super::{Frame, FrameError, FrameSource};

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

    /// Lists the cameras the platform reports, as `index: name` lines.
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
            // The highest resolution the camera offers in whatever format it
            // streams; nokhwa decodes MJPEG/YUYV/NV12 to RGB for us.
            let format =
                RequestedFormat::new::<RgbFormat>(RequestedFormatType::AbsoluteHighestResolution);
            let mut cam = Camera::new(CameraIndex::Index(self.index), format).map_err(|e| {
                FrameError::Source(format!("kamera {} tidak bisa dibuka: {e}", self.index))
            })?;
            cam.open_stream()
                .map_err(|e| FrameError::Source(format!("kamera {}: {e}", self.index)))?;
            self.camera = Some(cam);
        }
        self.camera.as_mut().ok_or(FrameError::End)
    }
}

impl FrameSource for WebcamSource {
    fn describe(&self) -> String {
        format!("webcam {}", self.index)
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        let cam = self.open()?;
        let result = cam.frame().and_then(|buf| buf.decode_image::<RgbFormat>());
        match result {
            Ok(img) => {
                self.seq += 1;
                let (w, h) = img.dimensions();
                Frame::from_rgb(self.seq, w, h, img.as_raw())
            }
            Err(e) => {
                // Drop the camera so the next call reopens it (it may have been unplugged).
                self.camera = None;
                Err(FrameError::Source(format!("kamera {}: {e}", self.index)))
            }
        }
    }
}
