//! A frame source that plays a video file through the `ffmpeg` command-line
//! tool (Debian package `ffmpeg`), looping, at the video's own frame rate.
//!
//! ffmpeg applies the container's rotation tag, so a phone video shot in
//! portrait comes out upright; the frame size is read from the first decoded
//! frame for the same reason (the stream's stored size is before rotation).

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};

use super::{Frame, FrameError, FrameSource};

/// File extensions played as video.
pub const VIDEO_EXTENSIONS: &[&str] = &["mp4", "m4v", "mov", "webm", "mkv"];

/// True when `path` looks like a video file by its extension.
pub fn is_video(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| VIDEO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Frames of a video file, decoded by an `ffmpeg` child process.
pub struct VideoFileSource {
    path: PathBuf,
    width: u32,
    height: u32,
    child: Option<(Child, ChildStdout)>,
    buf: Vec<u8>,
    seq: u64,
    realtime: bool,
}

impl VideoFileSource {
    /// Opens `path`; with `realtime`, frames come at the video's frame rate
    /// (ffmpeg `-re`), else as fast as they decode (tests, benchmarks).
    ///
    /// # Errors
    /// When ffmpeg is missing or cannot decode the file.
    pub fn open(path: &Path, realtime: bool) -> Result<Self, FrameError> {
        let out = Command::new("ffmpeg")
            .args(["-v", "error", "-i"])
            .arg(path)
            .args(["-frames:v", "1", "-f", "image2pipe", "-vcodec", "png", "-"])
            .stdin(Stdio::null())
            .output()
            .map_err(|e| {
                FrameError::Source(format!(
                    "cannot run ffmpeg (install the ffmpeg package): {e}"
                ))
            })?;
        if !out.status.success() {
            return Err(FrameError::Source(format!(
                "{}: {}",
                path.display(),
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        let first = image::load_from_memory(&out.stdout)
            .map_err(|e| FrameError::Source(format!("{}: no video frame: {e}", path.display())))?;
        Ok(Self {
            path: path.to_path_buf(),
            width: first.width(),
            height: first.height(),
            child: None,
            buf: Vec::new(),
            seq: 0,
            realtime,
        })
    }

    /// The frame size after rotation, pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    fn spawn(&self) -> Result<(Child, ChildStdout), FrameError> {
        let mut cmd = Command::new("ffmpeg");
        cmd.args(["-v", "error"]);
        if self.realtime {
            cmd.arg("-re");
        }
        let mut child = cmd
            .args(["-stream_loop", "-1", "-i"])
            .arg(&self.path)
            .args(["-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| FrameError::Source(format!("cannot run ffmpeg: {e}")))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| FrameError::Source("ffmpeg has no stdout".into()))?;
        Ok((child, stdout))
    }
}

impl FrameSource for VideoFileSource {
    fn describe(&self) -> String {
        format!(
            "video {} ({}x{})",
            self.path.display(),
            self.width,
            self.height
        )
    }

    fn next_frame(&mut self) -> Result<Frame, FrameError> {
        if self.child.is_none() {
            self.child = Some(self.spawn()?);
        }
        let n = self.width as usize * self.height as usize * 3;
        self.buf.resize(n, 0);
        let read = match self.child.as_mut() {
            Some((_, out)) => out.read_exact(&mut self.buf),
            None => return Err(FrameError::End),
        };
        if let Err(e) = read {
            // ffmpeg died or the stream ended: restart it on the next call.
            if let Some((mut child, _)) = self.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
            return Err(FrameError::Source(format!("{}: {e}", self.path.display())));
        }
        self.seq += 1;
        Frame::from_rgb(self.seq, self.width, self.height, &self.buf)
    }
}

impl Drop for VideoFileSource {
    fn drop(&mut self) {
        if let Some((mut child, _)) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}
