//! Headless runs for tests, demos and CI: run N frames, save a screenshot and
//! a JSON report of what was detected and resolved, then exit.

use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use pustaka_markers::payload::ScannedContent;
use serde::Serialize;

use crate::net::{Resolution, Resolutions};
use crate::scan::scanning::{Detections, FrameScanned};

/// Frames to wait after the screenshot is requested before giving up on it.
const SCREENSHOT_GRACE_FRAMES: u32 = 300;

/// Settings of a headless run.
#[derive(Resource, Debug, Clone)]
pub struct HeadlessRun {
    /// Frames to render before the screenshot.
    pub frames: u32,
    /// Where to save the screenshot (PNG), if anywhere.
    pub screenshot: Option<PathBuf>,
    /// Where to write the JSON report, if anywhere.
    pub report: Option<PathBuf>,
}

/// The JSON report: one entry per finished scan.
#[derive(Resource, Debug, Default, Serialize)]
pub struct Report {
    /// Rendered frames when the run ended.
    pub frames_rendered: u32,
    /// Scans in order.
    pub scans: Vec<ScanRecord>,
}

/// One scan in the report.
#[derive(Debug, Serialize)]
pub struct ScanRecord {
    /// Rendered frame count when the scan finished.
    pub frame: u32,
    /// Sequence number of the camera frame scanned.
    pub frame_seq: u64,
    /// Milliseconds inside the scanner.
    pub decode_ms: f32,
    /// Wall-clock time the scan was recorded, milliseconds since the Unix
    /// epoch (`None` where the clock cannot be read): what a benchmark
    /// compares with the moment it started the app.
    pub unix_ms: Option<u64>,
    /// Codes found.
    pub detections: Vec<DetectionRecord>,
}

/// One detection in the report.
#[derive(Debug, Serialize)]
pub struct DetectionRecord {
    /// `library`, `foreign_url`, `text` or `binary`.
    pub kind: &'static str,
    /// The marker code (library codes) or the text.
    pub code: Option<String>,
    /// Corners in frame pixels: top-left, top-right, bottom-right, bottom-left.
    pub corners: [[f32; 2]; 4],
    /// The resolved title, when known at that time.
    pub resolved_title: Option<String>,
}

#[derive(Resource, Default)]
struct Progress {
    frames: u32,
    shot_requested: bool,
    shot_done: bool,
    /// Why the screenshot could not be saved, if it could not.
    shot_error: Option<String>,
}

/// Adds the headless run logic for the given settings.
pub fn plugin(run: HeadlessRun) -> impl Fn(&mut App) {
    move |app: &mut App| {
        app.insert_resource(run.clone())
            .init_resource::<Report>()
            .init_resource::<Progress>()
            .add_systems(Last, (record_scans, drive_run).chain());
    }
}

fn record_scans(
    mut scanned: MessageReader<FrameScanned>,
    detections: Res<Detections>,
    resolutions: Res<Resolutions>,
    progress: Res<Progress>,
    mut report: ResMut<Report>,
) {
    for _ in scanned.read() {
        let detections_out = detections
            .codes
            .iter()
            .map(|c| {
                let (kind, code, resolved_title) = match &c.content {
                    ScannedContent::Library { code, .. } => {
                        let title = resolutions
                            .0
                            .get(code.as_str())
                            .and_then(Resolution::overlay)
                            .map(|o| o.title.clone());
                        ("library", Some(code.to_string()), title)
                    }
                    ScannedContent::ForeignUrl { url, .. } => {
                        ("foreign_url", Some(url.clone()), None)
                    }
                    ScannedContent::Text(t) => ("text", Some(t.clone()), None),
                    ScannedContent::Binary(_) => ("binary", None, None),
                };
                DetectionRecord {
                    kind,
                    code,
                    corners: c.corners.map(|p| [p.x, p.y]),
                    resolved_title,
                }
            })
            .collect();
        report.scans.push(ScanRecord {
            frame: progress.frames,
            frame_seq: detections.frame_seq,
            decode_ms: detections.decode_ms,
            unix_ms: unix_ms_now(),
            detections: detections_out,
        });
    }
}

fn drive_run(
    mut commands: Commands,
    run: Res<HeadlessRun>,
    mut progress: ResMut<Progress>,
    mut report: ResMut<Report>,
    mut exit: MessageWriter<AppExit>,
) {
    progress.frames += 1;
    if progress.frames < run.frames {
        return;
    }
    match (&run.screenshot, progress.shot_requested) {
        (Some(path), false) => {
            progress.shot_requested = true;
            let path = path.clone();
            commands.spawn(Screenshot::primary_window()).observe(
                move |shot: On<ScreenshotCaptured>, mut p: ResMut<Progress>| {
                    p.shot_done = true;
                    p.shot_error = save_png(&shot.image, &path).err();
                },
            );
            return;
        }
        (Some(_), true) if !progress.shot_done => {
            if progress.frames < run.frames + SCREENSHOT_GRACE_FRAMES {
                return;
            }
            error!("the screenshot never arrived");
            exit.write(AppExit::error());
            return;
        }
        _ => {}
    }
    if let (Some(path), Some(e)) = (&run.screenshot, &progress.shot_error) {
        error!(error = %e, path = %path.display(), "cannot save the screenshot");
        exit.write(AppExit::error());
        return;
    }
    report.frames_rendered = progress.frames;
    if let Some(path) = &run.report {
        let written = serde_json::to_vec_pretty(&*report)
            .map_err(|e| e.to_string())
            .and_then(|json| std::fs::write(path, json).map_err(|e| e.to_string()));
        if let Err(e) = written {
            error!(error = %e, path = %path.display(), "cannot write the report");
            exit.write(AppExit::error());
            return;
        }
    }
    exit.write(AppExit::Success);
}

/// Milliseconds since the Unix epoch; `None` on wasm32 (where `std` has no
/// clock; headless runs are desktop only) or a clock set before 1970.
fn unix_ms_now() -> Option<u64> {
    #[cfg(target_arch = "wasm32")]
    {
        None
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .and_then(|d| u64::try_from(d.as_millis()).ok())
    }
}

/// Saves a captured window image as an RGB PNG (alpha dropped, as the window
/// is opaque).
///
/// # Errors
/// The image's format cannot be converted, or the file cannot be written.
fn save_png(image: &Image, path: &std::path::Path) -> Result<(), String> {
    let rgb = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| e.to_string())?
        .to_rgb8();
    rgb.save_with_format(path, image::ImageFormat::Png)
        .map_err(|e| e.to_string())
}
