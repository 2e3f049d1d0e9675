//! The desktop trailer player: `ffmpeg` child processes and rodio.
//!
//! Two `ffmpeg` child processes (Debian package `ffmpeg`, which also ships
//! `ffprobe`) do the decoding: one writes RGBA frames, the other 48 kHz stereo
//! PCM that `rodio` plays. A video thread paces the frames at the video's
//! frame rate into one slot (newest wins); the egui pass copies the newest
//! frame into one texture that is reused for the whole clip. The video starts
//! muted (the sound plays at volume 0, so unmuting stays in sync); a tap on
//! the picture or the "Sound" toggle unmutes it.
//!
//! Without a sound device the clip plays silently and the toggle says sound
//! is unavailable; without ffmpeg the panel says so and keeps its browser
//! link. Stopping (closing the panel, or dropping the player) kills both
//! children and waits for them, so no zombie processes are left.

use std::io::{Read, Write};
use std::num::NonZero;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use bevy_egui::egui;

use crate::net::media::MediaBytes;

/// Longest side of the decoded picture, in pixels: the panel shows it about
/// 450 points wide, and every pixel is copied to the GPU once per frame.
pub const MAX_VIDEO_WIDTH_PX: u32 = 640;
/// Frame rate used when the file does not say (or says something absurd).
pub const FALLBACK_FPS: f64 = 25.0;
/// Frame rates outside this range are clamped (bad metadata, not real clips).
pub const FPS_RANGE: (f64, f64) = (1.0, 60.0);
/// Sound is decoded to this rate and channel count; rodio resamples for the device.
pub const AUDIO_RATE_HZ: u32 = 48_000;
/// Stereo.
pub const AUDIO_CHANNELS: u16 = 2;
/// Samples per channel in one queued sound chunk: 50 ms, short enough that
/// pause and mute answer quickly.
const AUDIO_CHUNK_FRAMES: usize = 2_400;
/// Chunks queued ahead on the device (150 ms): enough to ride out a slow frame.
const AUDIO_QUEUE_CHUNKS: usize = 3;
/// How often waiting threads look at the stop and pause flags.
const POLL: Duration = Duration::from_millis(10);

/// Why the trailer cannot play in the app.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TrailerError {
    /// `ffmpeg`/`ffprobe` is not installed.
    #[error("ffmpeg is not installed")]
    FfmpegMissing,
    /// ffmpeg could not read the file.
    #[error("cannot decode the video: {0}")]
    Decode(String),
}

/// Where the picture stands.
#[derive(Debug, Clone, PartialEq)]
pub enum VideoStatus {
    /// Probing the file and starting ffmpeg.
    Starting,
    /// Frames are coming.
    Playing {
        /// Decoded frame width, pixels.
        width: u32,
        /// Decoded frame height, pixels.
        height: u32,
        /// Frames per second.
        fps: f64,
    },
    /// The clip reached its end; the last frame stays up.
    Ended,
    /// It cannot play.
    Failed(TrailerError),
}

/// Where the sound stands.
#[derive(Debug, Clone, PartialEq)]
pub enum AudioStatus {
    /// Not known yet.
    Starting,
    /// Sound is decoding and playing (at volume 0 while muted).
    Playing,
    /// The file has no sound track.
    NoTrack,
    /// No sound device (CI, a kiosk without speakers), or it failed; the
    /// message is for the log.
    Unavailable(String),
}

/// Where decoded sound goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AudioOutput {
    /// The system's default sound device, through rodio.
    #[default]
    Device,
    /// Decode and drop at playback speed (tests and machines without speakers
    /// that should still exercise the sound path).
    Discard,
    /// No sound at all: no second ffmpeg.
    Off,
}

/// State shared by the player and its threads.
struct Shared {
    stop: AtomicBool,
    paused: AtomicBool,
    muted: AtomicBool,
    frames_shown: AtomicU64,
    slot: Mutex<Slot>,
    /// Woken on pause changes and stop.
    wake: Condvar,
    children: Mutex<Vec<Child>>,
}

struct Slot {
    frame: Option<egui::ColorImage>,
    video: VideoStatus,
    audio: AudioStatus,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Shared {
    fn stopped(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    fn set_video(&self, v: VideoStatus) {
        lock(&self.slot).video = v;
    }

    fn set_audio(&self, a: AudioStatus) {
        lock(&self.slot).audio = a;
    }

    /// Keeps `child` so that [`TrailerPlayer::stop`] can end it; ends it at
    /// once when the player is already stopping.
    fn adopt(&self, mut child: Child) -> bool {
        let mut children = lock(&self.children);
        if self.stopped() {
            let _ = child.kill();
            let _ = child.wait();
            return false;
        }
        children.push(child);
        true
    }

    /// Waits for (reaps) the children that have exited by themselves.
    fn reap_finished(&self) {
        lock(&self.children).retain_mut(|c| !matches!(c.try_wait(), Ok(Some(_))));
    }

    /// Blocks while paused; returns how long.
    fn wait_while_paused(&self) -> Duration {
        let start = Instant::now();
        let mut guard = lock(&self.slot);
        while self.paused.load(Ordering::Acquire) && !self.stopped() {
            guard = self
                .wake
                .wait_timeout(guard, POLL * 10)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        start.elapsed()
    }
}

/// A trailer playing: two ffmpeg children and the threads reading them.
pub struct TrailerPlayer {
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<()>>,
    texture: Option<egui::TextureHandle>,
}

impl TrailerPlayer {
    /// Starts playing `input`, muted, sound to `audio`. Returns at once: the
    /// probing and decoding happen on threads; watch [`Self::video_status`].
    pub fn start(input: MediaBytes, audio: AudioOutput) -> Self {
        let shared = Arc::new(Shared {
            stop: AtomicBool::new(false),
            paused: AtomicBool::new(false),
            muted: AtomicBool::new(true),
            frames_shown: AtomicU64::new(0),
            slot: Mutex::new(Slot {
                frame: None,
                video: VideoStatus::Starting,
                audio: AudioStatus::Starting,
            }),
            wake: Condvar::new(),
            children: Mutex::new(Vec::new()),
        });
        let s = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("trailer-video".into())
            .spawn(move || run_video(&s, &input, audio));
        let threads = match spawned {
            Ok(t) => vec![t],
            Err(e) => {
                shared.set_video(VideoStatus::Failed(TrailerError::Decode(e.to_string())));
                Vec::new()
            }
        };
        Self {
            shared,
            threads,
            texture: None,
        }
    }

    /// Where the picture stands.
    pub fn video_status(&self) -> VideoStatus {
        lock(&self.shared.slot).video.clone()
    }

    /// Where the sound stands.
    pub fn audio_status(&self) -> AudioStatus {
        lock(&self.shared.slot).audio.clone()
    }

    /// True while the sound is muted (it starts muted).
    pub fn is_muted(&self) -> bool {
        self.shared.muted.load(Ordering::Acquire)
    }

    /// Mutes or unmutes.
    pub fn set_muted(&self, muted: bool) {
        self.shared.muted.store(muted, Ordering::Release);
    }

    /// True while paused.
    pub fn is_paused(&self) -> bool {
        self.shared.paused.load(Ordering::Acquire)
    }

    /// Pauses or resumes picture and sound.
    pub fn set_paused(&self, paused: bool) {
        self.shared.paused.store(paused, Ordering::Release);
        self.shared.wake.notify_all();
    }

    /// Frames handed to the texture slot so far.
    pub fn frames_shown(&self) -> u64 {
        self.shared.frames_shown.load(Ordering::Acquire)
    }

    /// Process ids of the ffmpeg children still owned (empty after [`Self::stop`]).
    pub fn child_pids(&self) -> Vec<u32> {
        lock(&self.shared.children).iter().map(Child::id).collect()
    }

    /// Copies the newest frame, if a new one came, into the player's texture
    /// of `ctx` (created on the first frame, then updated in place). Returns
    /// the texture and its size in pixels once there is a picture.
    pub fn update_texture(&mut self, ctx: &egui::Context) -> Option<(egui::TextureId, egui::Vec2)> {
        let frame = lock(&self.shared.slot).frame.take();
        if let Some(frame) = frame {
            match &mut self.texture {
                Some(t) => t.set(frame, egui::TextureOptions::LINEAR),
                None => {
                    self.texture =
                        Some(ctx.load_texture("trailer", frame, egui::TextureOptions::LINEAR));
                }
            }
        }
        self.texture.as_ref().map(|t| (t.id(), t.size_vec2()))
    }

    /// Stops playing: kills both children, waits for them, joins the threads.
    pub fn stop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        self.shared.wake.notify_all();
        for mut child in lock(&self.shared.children).drain(..) {
            let _ = child.kill();
            let _ = child.wait();
        }
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

impl Drop for TrailerPlayer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// An ffmpeg-family command reading `input`: a file path, or the bytes fed
/// through its stdin by a short-lived writer thread. Its stdout is piped;
/// its stderr too when `keep_stderr` (one-shot probes report errors there).
fn spawn_reading(
    program: &str,
    before_input: &[&str],
    input: &MediaBytes,
    after_input: &[&str],
    keep_stderr: bool,
) -> std::io::Result<Child> {
    let mut cmd = Command::new(program);
    cmd.args(before_input).arg("-i");
    match input {
        MediaBytes::File(p) => {
            cmd.arg(p).stdin(Stdio::null());
        }
        MediaBytes::Memory(_) => {
            cmd.arg("pipe:0").stdin(Stdio::piped());
        }
    }
    let stderr = if keep_stderr {
        Stdio::piped()
    } else {
        Stdio::null()
    };
    let mut child = cmd
        .args(after_input)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()?;
    if let (MediaBytes::Memory(bytes), Some(mut stdin)) = (input, child.stdin.take()) {
        let bytes = bytes.clone();
        // Ends by itself: when all is written, or when the child goes (broken pipe).
        std::thread::spawn(move || {
            let _ = stdin.write_all(&bytes);
        });
    }
    Ok(child)
}

fn ffmpeg_error(e: std::io::Error) -> TrailerError {
    if e.kind() == std::io::ErrorKind::NotFound {
        TrailerError::FfmpegMissing
    } else {
        TrailerError::Decode(e.to_string())
    }
}

/// Frames per second of the first video stream, and whether there is sound.
fn probe(input: &MediaBytes) -> Result<(f64, bool), TrailerError> {
    let child = spawn_reading(
        "ffprobe",
        &["-v", "error"],
        input,
        &[
            "-show_entries",
            "stream=codec_type,avg_frame_rate",
            "-of",
            "csv=p=0",
        ],
        true,
    )
    .map_err(ffmpeg_error)?;
    let out = child
        .wait_with_output()
        .map_err(|e| TrailerError::Decode(e.to_string()))?;
    if !out.status.success() {
        return Err(TrailerError::Decode(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let mut fps = None;
    let mut has_audio = false;
    for line in text.lines() {
        let mut parts = line.trim().split(',');
        match (parts.next(), parts.next()) {
            (Some("video"), rate) if fps.is_none() => {
                fps = Some(rate.and_then(parse_rate).unwrap_or(FALLBACK_FPS));
            }
            (Some("audio"), _) => has_audio = true,
            _ => {}
        }
    }
    let fps = fps.ok_or_else(|| TrailerError::Decode("no video stream".into()))?;
    Ok((fps.clamp(FPS_RANGE.0, FPS_RANGE.1), has_audio))
}

/// `"24000/1001"` → 23.976; `None` for `0/0` and garbage.
fn parse_rate(s: &str) -> Option<f64> {
    let (n, d) = s.trim().split_once('/')?;
    let (n, d): (f64, f64) = (n.parse().ok()?, d.parse().ok()?);
    let r = n / d;
    (r.is_finite() && r > 0.0).then_some(r)
}

/// The picture filter: at most [`MAX_VIDEO_WIDTH_PX`] wide, even height.
fn scale_filter() -> String {
    format!("scale='min({MAX_VIDEO_WIDTH_PX},iw)':-2")
}

/// The size of decoded frames (after ffmpeg's autorotation and the scale).
fn frame_size(input: &MediaBytes) -> Result<(u32, u32), TrailerError> {
    let vf = scale_filter();
    let child = spawn_reading(
        "ffmpeg",
        &["-v", "error"],
        input,
        &[
            "-frames:v",
            "1",
            "-vf",
            &vf,
            "-f",
            "image2pipe",
            "-vcodec",
            "png",
            "-",
        ],
        true,
    )
    .map_err(ffmpeg_error)?;
    let out = child
        .wait_with_output()
        .map_err(|e| TrailerError::Decode(e.to_string()))?;
    let img = image::load_from_memory(&out.stdout).map_err(|e| {
        TrailerError::Decode(format!(
            "no first frame ({e}): {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    Ok((img.width(), img.height()))
}

/// Starts ffmpeg writing `args`' output to a pipe, adopted by `shared`.
fn spawn_decoder(
    shared: &Shared,
    input: &MediaBytes,
    args: &[&str],
) -> Result<Option<ChildStdout>, TrailerError> {
    // Its error text is not read, so it goes nowhere: a full pipe would block it.
    let mut child =
        spawn_reading("ffmpeg", &["-v", "error"], input, args, false).map_err(ffmpeg_error)?;
    let out = child.stdout.take();
    Ok(shared.adopt(child).then_some(out).flatten())
}

/// The video thread: probe, start the decoders, pace the frames.
fn run_video(shared: &Arc<Shared>, input: &MediaBytes, audio: AudioOutput) {
    let started = probe(input).and_then(|(fps, has_audio)| {
        let (w, h) = frame_size(input)?;
        Ok((fps, has_audio, w, h))
    });
    let (fps, has_audio, width, height) = match started {
        Ok(v) => v,
        Err(e) => {
            warn!(error = %e, "trailer cannot play in the app");
            shared.set_video(VideoStatus::Failed(e));
            return;
        }
    };
    let vf = scale_filter();
    let stdout = match spawn_decoder(
        shared,
        input,
        &["-an", "-vf", &vf, "-f", "rawvideo", "-pix_fmt", "rgba", "-"],
    ) {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            shared.set_video(VideoStatus::Failed(e));
            return;
        }
    };
    let audio_thread = match (has_audio, audio) {
        (false, _) => {
            shared.set_audio(AudioStatus::NoTrack);
            None
        }
        (true, AudioOutput::Off) => {
            shared.set_audio(AudioStatus::Unavailable("sound is off".into()));
            None
        }
        (true, out) => {
            let (s, input) = (shared.clone(), input.clone());
            std::thread::Builder::new()
                .name("trailer-audio".into())
                .spawn(move || run_audio(&s, &input, out))
                .ok()
        }
    };
    shared.set_video(VideoStatus::Playing { width, height, fps });
    pace_frames(shared, stdout, width, height, fps);
    if let Some(t) = audio_thread {
        let _ = t.join();
    }
    // The clip ended: reap the finished decoders now rather than at stop.
    shared.reap_finished();
}

/// Reads frames from `stdout` and hands each to the slot at its time.
fn pace_frames(shared: &Shared, mut stdout: ChildStdout, width: u32, height: u32, fps: f64) {
    let frame_time = Duration::from_secs_f64(1.0 / fps);
    // The one read buffer, reused for every frame.
    let mut buf = vec![0u8; width as usize * height as usize * 4];
    let mut base = Instant::now();
    let mut index: u32 = 0;
    loop {
        if shared.stopped() {
            return;
        }
        base += shared.wait_while_paused();
        if stdout.read_exact(&mut buf).is_err() {
            if !shared.stopped() {
                shared.set_video(VideoStatus::Ended);
            }
            return;
        }
        loop {
            if shared.stopped() {
                return;
            }
            if shared.paused.load(Ordering::Acquire) {
                base += shared.wait_while_paused();
                continue;
            }
            let now = Instant::now();
            let due = base + frame_time * index;
            if now >= due {
                break;
            }
            std::thread::sleep((due - now).min(POLL));
        }
        let image =
            egui::ColorImage::from_rgba_unmultiplied([width as usize, height as usize], &buf);
        lock(&shared.slot).frame = Some(image);
        shared.frames_shown.fetch_add(1, Ordering::AcqRel);
        index = index.saturating_add(1);
    }
}

/// The sound thread: decode to PCM and play it (or drop it at playback speed).
fn run_audio(shared: &Shared, input: &MediaBytes, output: AudioOutput) {
    let rate = AUDIO_RATE_HZ.to_string();
    let channels = AUDIO_CHANNELS.to_string();
    let mut stdout = match spawn_decoder(
        shared,
        input,
        &["-vn", "-f", "f32le", "-ac", &channels, "-ar", &rate, "-"],
    ) {
        Ok(Some(s)) => s,
        Ok(None) => return,
        Err(e) => {
            shared.set_audio(AudioStatus::Unavailable(e.to_string()));
            return;
        }
    };
    let device = match output {
        AudioOutput::Device => match rodio::DeviceSinkBuilder::open_default_sink() {
            Ok(mut sink) => {
                sink.log_on_drop(false);
                let player = rodio::Player::connect_new(sink.mixer());
                Some((sink, player))
            }
            Err(e) => {
                info!(error = %e, "no sound device; the trailer plays silently");
                shared.set_audio(AudioStatus::Unavailable(e.to_string()));
                // Dropping the pipe ends the sound decoder.
                return;
            }
        },
        AudioOutput::Discard | AudioOutput::Off => None,
    };
    shared.set_audio(AudioStatus::Playing);
    let (Some(ch), Some(hz)) = (NonZero::new(AUDIO_CHANNELS), NonZero::new(AUDIO_RATE_HZ)) else {
        return;
    };
    let chunk_time = Duration::from_secs_f64(AUDIO_CHUNK_FRAMES as f64 / f64::from(AUDIO_RATE_HZ));
    let mut bytes = vec![0u8; AUDIO_CHUNK_FRAMES * usize::from(AUDIO_CHANNELS) * 4];
    let mut clock = Instant::now();
    loop {
        if shared.stopped() {
            return;
        }
        let n = read_full(&mut stdout, &mut bytes);
        if n == 0 {
            break;
        }
        let samples: Vec<f32> = bytes[..n - n % 4]
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        match &device {
            Some((_, player)) => {
                loop {
                    if shared.stopped() {
                        return;
                    }
                    apply_controls(shared, player);
                    if player.len() < AUDIO_QUEUE_CHUNKS {
                        break;
                    }
                    std::thread::sleep(POLL);
                }
                player.append(rodio::buffer::SamplesBuffer::new(ch, hz, samples));
            }
            None => {
                clock += shared.wait_while_paused() + chunk_time;
                if let Some(wait) = clock.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
            }
        }
        if n < bytes.len() {
            break;
        }
    }
    // Let the queued tail play out.
    if let Some((_, player)) = &device {
        while !player.empty() && !shared.stopped() {
            apply_controls(shared, player);
            std::thread::sleep(POLL);
        }
    }
}

fn apply_controls(shared: &Shared, player: &rodio::Player) {
    let volume = if shared.muted.load(Ordering::Acquire) {
        0.0
    } else {
        1.0
    };
    if player.volume() != volume {
        player.set_volume(volume);
    }
    let paused = shared.paused.load(Ordering::Acquire);
    if paused != player.is_paused() {
        if paused {
            player.pause();
        } else {
            player.play();
        }
    }
}

/// Reads until `buf` is full or the stream ends; returns the bytes read.
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> usize {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) | Err(_) => break,
            Ok(k) => n += k,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_rates_parse_and_garbage_does_not() {
        assert_eq!(parse_rate("24/1"), Some(24.0));
        assert!((parse_rate("24000/1001").unwrap() - 23.976).abs() < 0.001);
        for bad in ["0/0", "x/1", "1", "", "-5/1", "1/0"] {
            assert_eq!(parse_rate(bad), None, "{bad}");
        }
    }
}
