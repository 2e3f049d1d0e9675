//! A frame source that replays image files: one file, or every image in a folder.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Frame, FrameError, FrameSource};
use bevy::platform::time::Instant;

/// Replays images as camera frames at a steady rate, looping forever: each
/// image is shown for `SECONDS_PER_IMAGE` (like a visitor pausing at a
/// shelf), then the next one.
pub struct ImageFolderSource {
    files: Vec<PathBuf>,
    next: usize,
    seq: u64,
    frame_interval: Duration,
    frames_per_image: u64,
    shown: u64,
    bad: Vec<bool>,
    last: Option<Instant>,
    cache: Vec<Option<Frame>>,
}

/// How long each image of a folder stays "in front of the camera".
pub const SECONDS_PER_IMAGE: f32 = 4.0;

/// Longest side, in pixels, of a frame made from an image file; larger
/// photos (a phone's 12–50 MP stills) are scaled down to it, keeping their
/// aspect. 2560 px is above what the desktop and phone camera paths deliver
/// (1080p or 1440p video modes), so the scanner sees camera-like frames and
/// memory stays bounded: an 8000×6000 photo would otherwise keep 192 MB of
/// RGB and luma per cached frame.
pub const MAX_IMAGE_SIDE: u32 = 2560;

/// File extensions read as images.
const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

impl ImageFolderSource {
    /// Opens a file or a folder of images (sorted by name), played at `fps` frames a second.
    ///
    /// # Errors
    /// When the path does not exist or holds no image.
    pub fn open(path: &Path, fps: f32) -> Result<Self, FrameError> {
        let mut files = Vec::new();
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .map_err(|e| FrameError::Source(format!("{}: {e}", path.display())))?;
            for entry in entries.flatten() {
                let p = entry.path();
                let ext = p
                    .extension()
                    .and_then(|e| e.to_str())
                    .map(str::to_ascii_lowercase);
                if ext.is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.as_str())) {
                    files.push(p);
                }
            }
            files.sort();
        } else if path.is_file() {
            files.push(path.to_path_buf());
        }
        if files.is_empty() {
            return Err(FrameError::Source(if path.exists() {
                format!("no images at {}", path.display())
            } else {
                format!("{}: no such file or folder", path.display())
            }));
        }
        let cache = files.iter().map(|_| None).collect();
        let files_len = files.len();
        Ok(Self {
            files,
            next: 0,
            seq: 0,
            frame_interval: Duration::from_secs_f32(1.0 / fps.max(0.1)),
            frames_per_image: (SECONDS_PER_IMAGE * fps.max(0.1)).ceil().max(1.0) as u64,
            shown: 0,
            bad: vec![false; files_len],
            last: None,
            cache,
        })
    }
}

impl FrameSource for ImageFolderSource {
    fn describe(&self) -> String {
        format!("{} image file(s)", self.files.len())
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        if let Some(last) = self.last {
            let due = last + self.frame_interval;
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
        self.last = Some(Instant::now());
        // Skip images that failed to decode before; when none is left, stop.
        if self.bad.iter().all(|&b| b) {
            return Err(FrameError::End);
        }
        while self.bad[self.next] {
            self.next = (self.next + 1) % self.files.len();
            self.shown = 0;
        }
        let i = self.next;
        self.shown += 1;
        if self.shown >= self.frames_per_image {
            self.shown = 0;
            self.next = (self.next + 1) % self.files.len();
        }
        self.seq += 1;
        if self.cache[i].is_none() {
            let decoded = image::open(&self.files[i])
                .map_err(|e| FrameError::Source(format!("{}: {e}", self.files[i].display())))
                .and_then(|img| {
                    let img = if img.width().max(img.height()) > MAX_IMAGE_SIDE {
                        img.resize(
                            MAX_IMAGE_SIDE,
                            MAX_IMAGE_SIDE,
                            image::imageops::FilterType::Triangle,
                        )
                    } else {
                        img
                    };
                    let img = img.to_rgb8();
                    let (w, h) = img.dimensions();
                    Frame::from_rgb(0, w, h, img.as_raw())
                });
            match decoded {
                Ok(f) => self.cache[i] = Some(f),
                Err(e) => {
                    // Reported once; the file is skipped from now on.
                    self.bad[i] = true;
                    self.shown = 0;
                    if self.next == i {
                        self.next = (i + 1) % self.files.len();
                    }
                    return Err(e);
                }
            }
        }
        let mut frame = self.cache[i].clone().ok_or(FrameError::End)?;
        frame.seq = self.seq;
        Ok(frame)
    }
}
