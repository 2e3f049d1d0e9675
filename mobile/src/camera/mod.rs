//! Frames in: the `FrameSource` trait, the capture thread and the newest-frame slot.
//!
//! A source runs on its own thread and writes each frame into
//! [`LatestFrame`](crate::camera::LatestFrame), replacing any frame not yet taken (newest wins), so a
//! slow scan never queues up stale frames.

use std::sync::{Arc, Mutex};

use bevy::prelude::*;

pub mod convert;
mod files;
mod video;
#[cfg(target_arch = "wasm32")]
mod web;
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
mod webcam;

pub use files::{ImageFolderSource, MAX_IMAGE_SIDE};
pub use video::{VideoFileSource, is_video};
#[cfg(target_arch = "wasm32")]
pub use web::WebCamera;
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
pub use webcam::WebcamSource;

/// One camera frame in two forms: 8-bit luma for the scanner and RGBA for the preview.
///
/// Both are row-major, tightly packed, origin top-left, y down.
#[derive(Debug, Clone)]
pub struct Frame {
    /// Increasing number of this frame within its source.
    pub seq: u64,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// `width * height` bytes, 0 = black.
    pub luma: Vec<u8>,
    /// `width * height * 4` bytes, sRGB, alpha 255.
    pub rgba: Vec<u8>,
}

impl Frame {
    /// Builds a frame from an RGB8 buffer (`width * height * 3` bytes), computing
    /// luma with the ITU-R BT.601 weights (0.299 R + 0.587 G + 0.114 B).
    ///
    /// # Errors
    /// When the buffer length does not match the size.
    pub fn from_rgb(seq: u64, width: u32, height: u32, rgb: &[u8]) -> Result<Self, FrameError> {
        let n = width as usize * height as usize;
        if n == 0 || rgb.len() != n * 3 {
            return Err(FrameError::BadSize {
                width,
                height,
                len: rgb.len(),
                expected: n * 3,
            });
        }
        let mut luma = Vec::with_capacity(n);
        let mut rgba = Vec::with_capacity(n * 4);
        for px in rgb.chunks_exact(3) {
            let (r, g, b) = (px[0] as u32, px[1] as u32, px[2] as u32);
            // BT.601 in 8.8 fixed point: 77 + 150 + 29 = 256.
            luma.push(((77 * r + 150 * g + 29 * b) >> 8) as u8);
            rgba.extend_from_slice(&[px[0], px[1], px[2], 255]);
        }
        Ok(Self {
            seq,
            width,
            height,
            luma,
            rgba,
        })
    }
}

impl Frame {
    /// Builds a frame from an RGBA8 buffer (`width * height * 4` bytes, alpha
    /// ignored), computing luma as [`Frame::from_rgb`] does. The buffer is
    /// kept as the frame's RGBA with alpha set to 255.
    ///
    /// # Errors
    /// When the buffer length does not match the size.
    pub fn from_rgba(
        seq: u64,
        width: u32,
        height: u32,
        mut rgba: Vec<u8>,
    ) -> Result<Self, FrameError> {
        let n = width as usize * height as usize;
        if n == 0 || rgba.len() != n * 4 {
            return Err(FrameError::BadSize {
                width,
                height,
                len: rgba.len(),
                expected: n * 4,
            });
        }
        let mut luma = Vec::with_capacity(n);
        for px in rgba.chunks_exact_mut(4) {
            let (r, g, b) = (px[0] as u32, px[1] as u32, px[2] as u32);
            luma.push(((77 * r + 150 * g + 29 * b) >> 8) as u8);
            px[3] = 255;
        }
        Ok(Self {
            seq,
            width,
            height,
            luma,
            rgba,
        })
    }
}

/// Why a frame could not be produced or converted.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The buffer does not match the stated size.
    #[error("frame {width}x{height}: {len} bytes, expected {expected}")]
    BadSize {
        /// Stated width.
        width: u32,
        /// Stated height.
        height: u32,
        /// Bytes received.
        len: usize,
        /// Bytes expected.
        expected: usize,
    },
    /// The source has no more frames (a file source that does not loop).
    #[error("end of source")]
    End,
    /// The device or file failed; the message says how.
    #[error("{0}")]
    Source(String),
}

/// Something that produces frames: a webcam, files, a test fake.
///
/// `next_frame` blocks until a frame is ready. A source is built and used on
/// the capture thread alone (some camera APIs are not `Send`), so
/// [`PendingSource`] carries a constructor, not the source.
pub trait FrameSource: 'static {
    /// A short description for logs and the status line.
    fn describe(&self) -> String;
    /// The next frame.
    ///
    /// # Errors
    /// [`FrameError::End`] when exhausted; other errors are reported and the
    /// capture thread tries again after a pause (a camera may come back).
    fn next_frame(&mut self) -> Result<Frame, FrameError>;
}

/// The newest frame not yet taken by the scanner or preview.
#[derive(Resource, Default, Clone)]
pub struct LatestFrame {
    slot: Arc<Mutex<Option<Arc<Frame>>>>,
    shown: Arc<Mutex<Option<Arc<Frame>>>>,
}

impl LatestFrame {
    /// Puts a frame in the slot, replacing an untaken one.
    pub fn put(&self, frame: Frame) {
        let frame = Arc::new(frame);
        if let Ok(mut s) = self.slot.lock() {
            *s = Some(frame.clone());
        }
        if let Ok(mut s) = self.shown.lock() {
            *s = Some(frame);
        }
    }

    /// Takes the newest frame for scanning, leaving the slot empty.
    pub fn take(&self) -> Option<Arc<Frame>> {
        self.slot.lock().ok().and_then(|mut s| s.take())
    }

    /// The newest frame for display (not consumed).
    pub fn newest(&self) -> Option<Arc<Frame>> {
        self.shown.lock().ok().and_then(|s| s.clone())
    }
}

/// Builds a frame source on the capture thread.
pub type SourceConstructor = Box<dyn FnOnce() -> Result<Box<dyn FrameSource>, FrameError> + Send>;

/// The source to start, handed over by `main` or a test before the app runs.
#[derive(Resource, Default)]
pub struct PendingSource(pub Mutex<Option<SourceConstructor>>);

impl PendingSource {
    /// A source to build on the capture thread.
    pub fn new<S: FrameSource>(
        make: impl FnOnce() -> Result<S, FrameError> + Send + 'static,
    ) -> Self {
        let make: SourceConstructor =
            Box::new(move || make().map(|s| Box::new(s) as Box<dyn FrameSource>));
        Self(Mutex::new(Some(make)))
    }
}

/// The frame source's current problem, shown in the status line: `Some(error
/// text)` while the source fails (no camera, camera unplugged, unreadable
/// file), `None` again as soon as a frame arrives.
#[derive(Resource, Default, Clone)]
pub struct CaptureStatus(pub Arc<Mutex<Option<String>>>);

impl CaptureStatus {
    /// The current problem, if any.
    pub fn problem(&self) -> Option<String> {
        self.0.lock().ok().and_then(|g| g.clone())
    }
}

/// Pause after a failed frame before trying again.
const RETRY_PAUSE: std::time::Duration = std::time::Duration::from_millis(500);

/// The camera plugin: starts the capture thread at startup.
pub fn plugin(app: &mut App) {
    app.init_resource::<LatestFrame>()
        .init_resource::<PendingSource>()
        .init_resource::<CaptureStatus>()
        .add_systems(Startup, start_capture_thread);
}

fn start_capture_thread(
    pending: Res<PendingSource>,
    latest: Res<LatestFrame>,
    status: Res<CaptureStatus>,
) {
    let Some(make) = pending.0.lock().ok().and_then(|mut p| p.take()) else {
        warn!("no frame source configured");
        return;
    };
    let latest = latest.clone();
    let status = status.0.clone();
    let spawned = std::thread::Builder::new()
        .name("capture".into())
        .spawn(move || {
            let mut source = match make() {
                Ok(s) => s,
                Err(e) => {
                    error!(error = %e, "cannot open the frame source");
                    set_status(&status, Some(e.to_string()));
                    return;
                }
            };
            let name = source.describe();
            info!(source = %name, "starting capture");
            let mut failing = false;
            loop {
                match source.next_frame() {
                    Ok(frame) => {
                        latest.put(frame);
                        if failing {
                            failing = false;
                            info!(source = %name, "frames again");
                            set_status(&status, None);
                        }
                    }
                    Err(FrameError::End) => {
                        info!(source = %name, "the source ended");
                        break;
                    }
                    Err(e) => {
                        // A bad frame or a lost camera never ends the loop.
                        warn!(error = %e, "frame source error; retrying");
                        failing = true;
                        set_status(&status, Some(e.to_string()));
                        std::thread::sleep(RETRY_PAUSE);
                    }
                }
            }
        });
    if let Err(e) = spawned {
        error!(error = %e, "cannot start the capture thread");
    }
}

fn set_status(status: &Mutex<Option<String>>, s: Option<String>) {
    if let Ok(mut g) = status.lock() {
        *g = s;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rgb_to_luma_uses_bt601() {
        let f = Frame::from_rgb(0, 3, 1, &[255, 0, 0, 0, 255, 0, 255, 255, 255]).unwrap();
        assert_eq!(f.luma, vec![76, 149, 255]);
        assert_eq!(&f.rgba[0..4], &[255, 0, 0, 255]);
        assert!(Frame::from_rgb(0, 3, 1, &[0; 8]).is_err());
    }

    #[test]
    fn rgba_frames_match_rgb_frames() {
        let rgb = [255, 0, 0, 0, 255, 0, 255, 255, 255];
        let rgba = vec![255, 0, 0, 7, 0, 255, 0, 7, 255, 255, 255, 7];
        let a = Frame::from_rgb(0, 3, 1, &rgb).unwrap();
        let b = Frame::from_rgba(0, 3, 1, rgba).unwrap();
        assert_eq!(a.luma, b.luma);
        assert_eq!(a.rgba, b.rgba);
        assert!(Frame::from_rgba(0, 2, 1, vec![0; 4]).is_err());
    }

    #[test]
    fn newest_frame_wins() {
        let l = LatestFrame::default();
        for seq in 0..3 {
            l.put(Frame::from_rgb(seq, 1, 1, &[0, 0, 0]).unwrap());
        }
        assert_eq!(l.take().map(|f| f.seq), Some(2));
        assert!(l.take().is_none());
        assert_eq!(l.newest().map(|f| f.seq), Some(2));
    }
}
