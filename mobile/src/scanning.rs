//! Scanning off the main thread: one scan task in flight, always on the newest frame.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};
use pustaka_markers::payload::{ScannedContent, classify};
use pustaka_markers::{Detection, LumaView, Scanner};

use crate::camera::{Frame, LatestFrame};
use crate::{AppConfig, AppSystems};

/// One code seen in a frame, classified.
#[derive(Debug, Clone)]
pub struct SeenCode {
    /// What the code holds.
    pub content: ScannedContent,
    /// Corners in frame pixels: top-left, top-right, bottom-right, bottom-left of the printed code.
    pub corners: [Vec2; 4],
}

/// The result of the newest finished scan.
#[derive(Resource, Debug, Default, Clone)]
pub struct Detections {
    /// Sequence number of the scanned frame.
    pub frame_seq: u64,
    /// Size of the scanned frame in pixels.
    pub frame_size: UVec2,
    /// Codes found.
    pub codes: Vec<SeenCode>,
    /// Time spent in the scanner, in milliseconds.
    pub decode_ms: f32,
    /// How many scans have finished.
    pub scans_done: u64,
    /// The scanner's raw detections, for the tracker.
    pub raw: Vec<Detection>,
    /// When the scanned frame was taken from the slot.
    pub taken_at: Option<Instant>,
}

/// Sent once per finished scan.
#[derive(Message, Debug, Clone)]
pub struct FrameScanned {
    /// Sequence number of the scanned frame.
    pub frame_seq: u64,
}

#[derive(Resource, Default)]
struct ScanTask {
    task: Option<Task<Detections>>,
    started: Option<Instant>,
}

/// The scanning systems (other plugins order themselves after this set).
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScanSystems;

/// The scanning plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Detections>()
        .init_resource::<ScanTask>()
        .add_message::<FrameScanned>()
        .add_systems(
            Update,
            (finish_scan, start_scan)
                .chain()
                .in_set(AppSystems::Scan)
                .in_set(ScanSystems),
        );
}

fn start_scan(mut state: ResMut<ScanTask>, latest: Res<LatestFrame>, config: Res<AppConfig>) {
    if state.task.is_some() {
        return;
    }
    if let Some(started) = state.started
        && started.elapsed() < Duration::from_millis(config.scan_interval_ms)
    {
        return;
    }
    let Some(frame) = latest.take() else {
        return;
    };
    let hosts = config.library_hosts.clone();
    state.started = Some(Instant::now());
    let taken_at = Instant::now();
    state.task = Some(AsyncComputeTaskPool::get().spawn(async move {
        let mut d = scan_frame(&frame, &hosts);
        d.taken_at = Some(taken_at);
        d
    }));
}

/// Scans one frame and classifies what it finds (runs on a worker thread).
pub fn scan_frame(frame: &Arc<Frame>, hosts: &[String]) -> Detections {
    let hosts: Vec<&str> = hosts.iter().map(String::as_str).collect();
    let t0 = Instant::now();
    let view = LumaView::new(
        frame.width as usize,
        frame.height as usize,
        frame.width as usize,
        &frame.luma,
    );
    let found = match view {
        Ok(view) => Scanner::default().scan(&view).unwrap_or_default(),
        Err(e) => {
            warn!(error = %e, "bad frame skipped");
            Vec::new()
        }
    };
    let decode_ms = t0.elapsed().as_secs_f32() * 1000.0;
    let codes = found
        .iter()
        .map(|d| SeenCode {
            content: classify(d.text.as_deref(), &d.bytes, &hosts),
            corners: d.corners.map(|p| Vec2::new(p.x, p.y)),
        })
        .collect();
    Detections {
        frame_seq: frame.seq,
        frame_size: UVec2::new(frame.width, frame.height),
        codes,
        decode_ms,
        scans_done: 0,
        raw: found,
        taken_at: None,
    }
}

fn finish_scan(
    mut state: ResMut<ScanTask>,
    mut detections: ResMut<Detections>,
    mut scanned: MessageWriter<FrameScanned>,
) {
    let Some(task) = state.task.as_mut() else {
        return;
    };
    if let Some(mut result) = check_ready(task) {
        state.task = None;
        result.scans_done = detections.scans_done + 1;
        scanned.write(FrameScanned {
            frame_seq: result.frame_seq,
        });
        *detections = result;
    }
}
