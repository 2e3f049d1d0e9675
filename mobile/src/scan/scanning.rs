//! Scanning off the main thread: one scan task in flight, always on the newest frame.
//!
//! Two ways in, one result ([`Detections`]):
//! - in the app: a task on the async compute pool scans [`LatestFrame`]
//!   (desktop and native phone shells, where that pool has threads);
//! - outside it: when an [`ExternalScans`] resource is present (the browser,
//!   whose only thread is the page's: its scanner runs in a Web Worker), no
//!   frame is scanned here, and the shell hands in what the outside scanner
//!   found.

use std::sync::Arc;
use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use bevy::tasks::{AsyncComputeTaskPool, Task, futures::check_ready};
use pustaka_markers::payload::{ScannedContent, classify};
use pustaka_markers::{Detection, LumaView, Point, Scanner, TextEncoding};

use crossbeam_channel::{Receiver, Sender, unbounded};

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

/// One scan done outside the app (the browser's scanner Worker).
#[derive(Debug, Clone)]
pub struct ExternalScan {
    /// Sequence number of the scanned frame (the shell's frame counter).
    pub frame_seq: u64,
    /// Size of the scanned frame, pixels; the corners refer to it.
    pub frame_size: UVec2,
    /// What the scanner found, corners in frame pixels as
    /// [`pustaka_markers::Detection::corners`] states.
    pub found: Vec<Detection>,
    /// Time the outside scanner spent, milliseconds.
    pub decode_ms: f32,
}

impl ExternalScan {
    /// Reads the browser scan worker's `detections` message (JSON, as the
    /// worker posts it: `{type: "detections", id, width, height, scan_ms,
    /// detections: [{text, corners: [[x, y] x4], mirrored}]}`; other fields
    /// are ignored). A code without text (binary content) keeps empty bytes.
    ///
    /// # Errors
    /// A message naming what is wrong, for anything else.
    pub fn from_worker_json(json: &str) -> Result<Self, String> {
        #[derive(serde::Deserialize)]
        struct Message {
            #[serde(rename = "type")]
            kind: String,
            id: u64,
            width: u32,
            height: u32,
            #[serde(default)]
            scan_ms: f32,
            detections: Vec<Found>,
        }
        #[derive(serde::Deserialize)]
        struct Found {
            text: Option<String>,
            corners: [[f32; 2]; 4],
            #[serde(default)]
            mirrored: bool,
        }
        let m: Message =
            serde_json::from_str(json).map_err(|e| format!("bad worker message: {e}"))?;
        if m.kind != "detections" {
            return Err(format!("not a detections message: {:?}", m.kind));
        }
        if m.width == 0 || m.height == 0 {
            return Err(format!("empty frame {}x{}", m.width, m.height));
        }
        let found = m
            .detections
            .into_iter()
            .map(|f| {
                let corners = f.corners.map(|[x, y]| Point::new(x, y));
                let side = (0..4)
                    .map(|i| corners[i].distance(corners[(i + 1) % 4]))
                    .sum::<f32>()
                    / 4.0;
                Detection {
                    bytes: f.text.as_deref().unwrap_or("").as_bytes().to_vec(),
                    encoding: if f.text.is_some() {
                        TextEncoding::Utf8
                    } else {
                        TextEncoding::Binary
                    },
                    text: f.text,
                    corners,
                    mirrored: f.mirrored,
                    // The worker does not say; the tracker does not use them.
                    module_px: side / WORKER_ASSUMED_MODULES as f32,
                    size_modules: WORKER_ASSUMED_MODULES,
                }
            })
            .collect();
        Ok(Self {
            frame_seq: m.id,
            frame_size: UVec2::new(m.width, m.height),
            found,
            decode_ms: m.scan_ms,
        })
    }
}

/// Side in modules assumed for a code the worker reports (version 2, 25
/// modules: a library code URL at level Q); only fills
/// [`Detection::size_modules`], which nothing downstream reads.
const WORKER_ASSUMED_MODULES: usize = 25;

/// Scans made outside the app: present means "do not scan in the app". The
/// shell keeps a clone and [`ExternalScans::send`]s each result; the scan
/// stage takes the newest each frame.
#[derive(Resource, Clone)]
pub struct ExternalScans {
    tx: Sender<ExternalScan>,
    rx: Receiver<ExternalScan>,
}

impl Default for ExternalScans {
    fn default() -> Self {
        let (tx, rx) = unbounded();
        Self { tx, rx }
    }
}

impl ExternalScans {
    /// Hands in one finished scan.
    pub fn send(&self, scan: ExternalScan) {
        // The receiver lives as long as this value: the send cannot fail.
        let _ = self.tx.send(scan);
    }
}

/// The scanning plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Detections>()
        .init_resource::<ScanTask>()
        .add_message::<FrameScanned>()
        .add_systems(
            Update,
            (
                (finish_scan, start_scan)
                    .chain()
                    .run_if(not(resource_exists::<ExternalScans>)),
                take_external_scans.run_if(resource_exists::<ExternalScans>),
            )
                .in_set(AppSystems::Scan)
                .in_set(ScanSystems),
        );
}

/// Moves the newest outside scan into [`Detections`] (older ones not yet
/// taken are skipped: newest wins, as with frames).
fn take_external_scans(
    external: Res<ExternalScans>,
    config: Res<AppConfig>,
    mut detections: ResMut<Detections>,
    mut scanned: MessageWriter<FrameScanned>,
) {
    let Some(scan) = external.rx.try_iter().last() else {
        return;
    };
    let hosts: Vec<&str> = config.library_hosts.iter().map(String::as_str).collect();
    let codes = scan
        .found
        .iter()
        .map(|d| SeenCode {
            content: classify(d.text.as_deref(), &d.bytes, &hosts),
            corners: d.corners.map(|p| Vec2::new(p.x, p.y)),
        })
        .collect();
    scanned.write(FrameScanned {
        frame_seq: scan.frame_seq,
    });
    *detections = Detections {
        frame_seq: scan.frame_seq,
        frame_size: scan.frame_size,
        codes,
        decode_ms: scan.decode_ms,
        scans_done: detections.scans_done + 1,
        raw: scan.found,
        taken_at: Some(Instant::now()),
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    /// A worker message as `markers/wasm/js/scan-worker.js` posts it.
    const WORKER_MESSAGE: &str = r#"{"type":"detections","id":7,"width":640,"height":480,
        "scan_ms":12.5,"detections":[
          {"text":"https://perpustakaan.metrokota.go.id/m/BK0001",
           "corners":[[10,20],[110,20],[110,120],[10,120]],"mirrored":false,"binary":false},
          {"text":"https://example.com/promo",
           "corners":[[200,20],[260,20],[260,80],[200,80]],"mirrored":true}]}"#;

    #[test]
    fn worker_messages_become_detections_and_nothing_is_scanned_here() {
        let mut app = App::new();
        app.add_plugins(MinimalPlugins)
            .init_resource::<AppConfig>()
            .init_resource::<LatestFrame>()
            .init_resource::<ExternalScans>()
            .add_plugins(plugin);
        // A frame in the slot must stay there: the app scans nothing itself.
        app.world()
            .resource::<LatestFrame>()
            .put(Frame::from_rgb(1, 1, 1, &[0, 0, 0]).unwrap());
        let scan = ExternalScan::from_worker_json(WORKER_MESSAGE).unwrap();
        app.world().resource::<ExternalScans>().send(scan);
        app.update();
        let d = app.world().resource::<Detections>();
        assert_eq!((d.frame_seq, d.frame_size), (7, UVec2::new(640, 480)));
        assert_eq!((d.scans_done, d.decode_ms), (1, 12.5));
        assert!(matches!(
            &d.codes[0].content,
            ScannedContent::Library { code, .. } if code.as_str() == "BK0001"
        ));
        assert!(matches!(
            d.codes[1].content,
            ScannedContent::ForeignUrl { .. }
        ));
        assert_eq!(d.codes[0].corners[2], Vec2::new(110.0, 120.0));
        assert!(d.raw[1].mirrored);
        assert!(app.world().resource::<LatestFrame>().take().is_some());
    }

    #[test]
    fn malformed_worker_messages_are_refused() {
        for bad in [
            "",
            "{}",
            r#"{"type":"ready"}"#,
            r#"{"type":"error","id":1,"width":1,"height":1,"detections":[]}"#,
            r#"{"type":"detections","id":1,"width":0,"height":1,"detections":[]}"#,
            r#"{"type":"detections","id":1,"width":1,"height":1,"detections":[{"text":"x","corners":[[0,0]]}]}"#,
        ] {
            assert!(ExternalScan::from_worker_json(bad).is_err(), "{bad}");
        }
    }
}
