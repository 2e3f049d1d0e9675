//! The browser's camera: frames pushed in by the page.
//!
//! In the browser the camera is `getUserMedia` in the page's JavaScript
//! (`mobile/web/static/app.js`): it draws each video frame, downscaled, into a
//! canvas and hands its RGBA pixels to the web shell, which puts them here.
//! There is no capture thread (the page has one thread); [`WebCamera`] is
//! the handle the shell keeps.

use super::{CaptureStatus, Frame, FrameError, LatestFrame, set_status};

/// The page's camera, as the shell sees it: a clone of the frame slot and of
/// the capture status.
#[derive(Clone)]
pub struct WebCamera {
    latest: LatestFrame,
    status: CaptureStatus,
}

impl WebCamera {
    /// A handle on the app's slot and status (insert both resources into the
    /// app as well).
    pub fn new(latest: LatestFrame, status: CaptureStatus) -> Self {
        Self { latest, status }
    }

    /// Puts one frame (`width * height * 4` RGBA bytes, row-major, top-left
    /// origin) into the slot and clears any camera problem.
    ///
    /// # Errors
    /// When the buffer does not match the size; the slot keeps its frame.
    pub fn push_rgba(
        &self,
        seq: u64,
        width: u32,
        height: u32,
        rgba: Vec<u8>,
    ) -> Result<(), FrameError> {
        let frame = Frame::from_rgba(seq, width, height, rgba)?;
        self.latest.put(frame);
        set_status(&self.status.0, None);
        Ok(())
    }

    /// Shows `problem` in the status line (camera refused, lost), or clears it.
    pub fn set_problem(&self, problem: Option<String>) {
        set_status(&self.status.0, problem);
    }
}
