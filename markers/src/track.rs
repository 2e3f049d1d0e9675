//! Keeping each code's identity and a steady overlay across frames.
//!
//! [`Tracker::update`] takes one frame's detections and returns the tracked
//! codes. A track is the same payload seen again near where it was; its
//! corners (and pose, when the camera is known) are smoothed with the One Euro
//! filter (Casiez, Roussel, Vogel, CHI 2012: a low-pass filter whose cut-off
//! rises with speed, so a still code stops jittering and a moving one does not
//! lag). A track that misses frames is held at its last smoothed place for
//! [`TrackerConfig::hold`], then dropped.
//!
//! Rotations are smoothed as unit quaternions, flipped onto the previous
//! one's hemisphere first, so the filter always takes the short way round.

use std::time::Duration;

use glam::{DMat3, DQuat, DVec3};

use crate::detection::Detection;
use crate::geometry::{Point, quad_center};
use crate::pose::{self, Intrinsics, Pose};

/// Tuning of the [`Tracker`]; the defaults suit a 30 fps phone camera.
#[derive(Debug, Clone, PartialEq)]
pub struct TrackerConfig {
    /// How long a track that is not seen is still reported (held at its last
    /// smoothed place, [`TrackedMarker::visible`] false) before it is dropped.
    pub hold: Duration,
    /// One Euro minimum cut-off, Hz: the smoothing of a still code. Lower is
    /// steadier but slower to settle.
    pub min_cutoff_hz: f64,
    /// One Euro speed coefficient, per pixel per second (per radian per second
    /// for rotations): how fast the cut-off rises with speed.
    pub beta: f64,
    /// Cut-off for the speed estimate itself, Hz.
    pub derivative_cutoff_hz: f64,
    /// Speeds below this, px/s, count as standing still when the cut-off is
    /// raised: corner noise alone makes a still code "move" at about this speed.
    pub speed_deadband_px_s: f64,
    /// One Euro minimum cut-off for the pose's rotation, Hz. Rotation from
    /// four corners is noisier than their centre, but a lagging tilt is worse
    /// than a slightly restless one, so it is smoothed less.
    pub rotation_min_cutoff_hz: f64,
    /// One Euro speed coefficient for rotation, per rad/s.
    pub rotation_beta: f64,
    /// A detection joins an existing track of the same payload only within
    /// this many code sides of it; farther, it is a second copy of the code.
    pub max_jump_sides: f32,
}

/// Default [`TrackerConfig::hold`]: about 15 frames at 30 fps, longer than
/// the read failures of motion blur, shorter than a person notices a ghost.
pub const DEFAULT_HOLD_MS: u64 = 500;

/// Default [`TrackerConfig::min_cutoff_hz`]: with ±1.5 px corner noise at 30
/// fps this keeps a still overlay's centre within a few tenths of a pixel.
pub const DEFAULT_MIN_CUTOFF_HZ: f64 = 0.2;

/// Default [`TrackerConfig::beta`]: a 100 px jump raises the cut-off to tens of
/// hertz within a frame, so the overlay catches up in about 100 ms.
pub const DEFAULT_BETA: f64 = 0.03;

/// Default [`TrackerConfig::speed_deadband_px_s`]: ±1.5 px of corner noise at
/// 30 fps reads as up to ~15 px/s of centre speed after the derivative filter.
pub const DEFAULT_SPEED_DEADBAND_PX_S: f64 = 15.0;

/// Default [`TrackerConfig::rotation_min_cutoff_hz`].
pub const DEFAULT_ROTATION_MIN_CUTOFF_HZ: f64 = 1.0;

/// Default [`TrackerConfig::rotation_beta`].
pub const DEFAULT_ROTATION_BETA: f64 = 1.0;

/// Default [`TrackerConfig::derivative_cutoff_hz`] (the One Euro paper's 1 Hz).
pub const DEFAULT_DERIVATIVE_CUTOFF_HZ: f64 = 1.0;

impl Default for TrackerConfig {
    fn default() -> Self {
        Self {
            hold: Duration::from_millis(DEFAULT_HOLD_MS),
            min_cutoff_hz: DEFAULT_MIN_CUTOFF_HZ,
            beta: DEFAULT_BETA,
            derivative_cutoff_hz: DEFAULT_DERIVATIVE_CUTOFF_HZ,
            speed_deadband_px_s: DEFAULT_SPEED_DEADBAND_PX_S,
            rotation_min_cutoff_hz: DEFAULT_ROTATION_MIN_CUTOFF_HZ,
            rotation_beta: DEFAULT_ROTATION_BETA,
            max_jump_sides: 4.0,
        }
    }
}

/// What the camera knows for pose estimation: intrinsics and the printed side
/// of the codes, metres (all codes of one library share a size).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CameraModel {
    /// The camera's intrinsics, pixels.
    pub intrinsics: Intrinsics,
    /// Printed side length of the codes (outer edge, without quiet zone), metres.
    pub side_m: f64,
}

/// One tracked code, as reported by [`Tracker::update`].
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedMarker {
    /// Stable id of this track: the same code keeps it from frame to frame.
    pub id: u64,
    /// The payload bytes (the identity of the code).
    pub bytes: Vec<u8>,
    /// The payload text, as in [`Detection::text`].
    pub text: Option<String>,
    /// Smoothed corners, frame pixels, [`Detection::corners`] order.
    pub corners: [Point; 4],
    /// Smoothed pose, when a [`CameraModel`] was given and a pose fitted.
    pub pose: Option<Pose>,
    /// False while the code is held through a dropout.
    pub visible: bool,
    /// Time of the last frame that saw it (the `now` given to `update`).
    pub last_seen: Duration,
}

impl TrackedMarker {
    /// The overlay anchor: mean of the smoothed corners, frame pixels.
    pub fn center(&self) -> Point {
        quad_center(&self.corners)
    }
}

/// A One Euro filter over one value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OneEuro {
    value: f64,
    speed: f64,
    primed: bool,
}

impl Default for OneEuro {
    fn default() -> Self {
        Self::new()
    }
}

impl OneEuro {
    /// A filter that passes its first sample through.
    pub const fn new() -> Self {
        Self {
            value: 0.0,
            speed: 0.0,
            primed: false,
        }
    }

    /// Filters sample `x` taken `dt` seconds after the previous one.
    pub fn filter(&mut self, x: f64, dt: f64, min_cutoff: f64, beta: f64, d_cutoff: f64) -> f64 {
        if !self.primed || dt <= 0.0 {
            if !self.primed {
                (self.value, self.primed) = (x, true);
            }
            return self.value;
        }
        let raw_speed = (x - self.value) / dt;
        self.speed += alpha(d_cutoff, dt) * (raw_speed - self.speed);
        let cutoff = min_cutoff + beta * self.speed.abs();
        self.value += alpha(cutoff, dt) * (x - self.value);
        self.value
    }

    /// Moves towards `x` by the smoothing factor `a` (from an externally
    /// computed cut-off); the first sample passes through.
    fn blend(&mut self, x: f64, a: f64, dt: f64) -> f64 {
        if !self.primed {
            (self.value, self.primed) = (x, true);
        } else if dt > 0.0 {
            self.value += a * (x - self.value);
        }
        self.value
    }

    /// The current filtered value.
    pub fn value(&self) -> f64 {
        self.value
    }
}

/// The smoothing factor of a first-order low-pass at `cutoff` Hz for a step of `dt` s.
fn alpha(cutoff: f64, dt: f64) -> f64 {
    let tau = 1.0 / (2.0 * std::f64::consts::PI * cutoff.max(1e-6));
    1.0 / (1.0 + tau / dt)
}

/// Wraps an angle difference to `(-π, π]`, radians: the short way round.
pub fn wrap_angle(a: f64) -> f64 {
    let two_pi = std::f64::consts::TAU;
    let r = (a + std::f64::consts::PI).rem_euclid(two_pi) - std::f64::consts::PI;
    if r <= -std::f64::consts::PI {
        r + two_pi
    } else {
        r
    }
}

#[derive(Debug, Clone)]
struct Track {
    out: TrackedMarker,
    corner_filters: [OneEuro; 8],
    /// Filtered speed of the raw centre, px/s: one cut-off for all eight
    /// corner coordinates, so the code moves as one piece and corner noise
    /// (which partly cancels in the centre) does not open the filter.
    center_speed: f64,
    center_velocity: [f64; 2],
    raw_center: Point,
    /// Detections merged into this track so far.
    samples: u64,
    translation_filters: [OneEuro; 3],
    rotation: Option<DQuat>,
    rotation_speed: f64,
    raw_pose: Option<Pose>,
    last_update: Duration,
}

/// Keeps identities and smooths overlays across frames (see the module docs).
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    config: TrackerConfig,
    tracks: Vec<Track>,
    next_id: u64,
}

impl Tracker {
    /// A tracker with the given configuration.
    pub fn new(config: TrackerConfig) -> Self {
        Self {
            config,
            tracks: Vec::new(),
            next_id: 1,
        }
    }

    /// Feeds one frame, taken at `now` (any monotonic clock; only differences
    /// matter), and returns every live track: the ones seen in this frame and
    /// the ones held through a dropout. With `camera`, each track also gets a
    /// smoothed pose.
    pub fn update(
        &mut self,
        now: Duration,
        detections: &[Detection],
        camera: Option<&CameraModel>,
    ) -> Vec<TrackedMarker> {
        let cfg = self.config.clone();
        let mut claimed = vec![false; self.tracks.len()];
        for d in detections {
            let side = side_px(&d.corners);
            let c = d.center();
            let best = self
                .tracks
                .iter()
                .enumerate()
                .filter(|(i, t)| !claimed[*i] && t.out.bytes == d.bytes)
                .map(|(i, t)| (i, t.out.center().distance(c)))
                .filter(|(_, dist)| *dist <= cfg.max_jump_sides * side.max(1.0))
                .min_by(|a, b| a.1.total_cmp(&b.1));
            let idx = match best {
                Some((i, _)) => i,
                None => {
                    let id = self.next_id.max(1);
                    self.next_id = id + 1;
                    self.tracks.push(Track {
                        out: TrackedMarker {
                            id,
                            bytes: d.bytes.clone(),
                            text: d.text.clone(),
                            corners: d.corners,
                            pose: None,
                            visible: true,
                            last_seen: now,
                        },
                        corner_filters: [OneEuro::new(); 8],
                        center_speed: 0.0,
                        center_velocity: [0.0; 2],
                        raw_center: c,
                        samples: 1,
                        translation_filters: [OneEuro::new(); 3],
                        rotation: None,
                        rotation_speed: 0.0,
                        raw_pose: None,
                        last_update: now,
                    });
                    claimed.push(false);
                    self.tracks.len() - 1
                }
            };
            claimed[idx] = true;
            let t = &mut self.tracks[idx];
            let dt = now.saturating_sub(t.last_update).as_secs_f64();
            if dt > 0.0 {
                // Filter the velocity vector, not its length: noise then
                // averages out instead of adding up.
                let ad = alpha(cfg.derivative_cutoff_hz, dt);
                let v = [
                    f64::from(c.x - t.raw_center.x) / dt,
                    f64::from(c.y - t.raw_center.y) / dt,
                ];
                t.center_velocity[0] += ad * (v[0] - t.center_velocity[0]);
                t.center_velocity[1] += ad * (v[1] - t.center_velocity[1]);
                t.center_speed = t.center_velocity[0].hypot(t.center_velocity[1]);
            }
            t.raw_center = c;
            let moving = (t.center_speed - cfg.speed_deadband_px_s).max(0.0);
            // A young track averages all its samples so far (the best estimate
            // of a still code) until the low-pass is the stronger smoother:
            // otherwise the first, noisy sample lingers for a second.
            t.samples += 1;
            let a = alpha(cfg.min_cutoff_hz + cfg.beta * moving, dt).max(1.0 / t.samples as f64);
            for (k, p) in d.corners.iter().enumerate() {
                let x = t.corner_filters[2 * k].blend(f64::from(p.x), a, dt);
                let y = t.corner_filters[2 * k + 1].blend(f64::from(p.y), a, dt);
                t.out.corners[k] = Point::new(x as f32, y as f32);
            }
            if let Some(cam) = camera {
                let raw =
                    pose::estimate(&d.corners, cam.side_m, &cam.intrinsics, t.raw_pose.as_ref())
                        .ok();
                if let Some(raw) = raw {
                    t.out.pose = Some(smooth_pose(t, &raw, dt, &cfg));
                    t.raw_pose = Some(raw);
                }
            }
            t.out.visible = true;
            t.out.last_seen = now;
            t.last_update = now;
        }
        for (t, seen) in self.tracks.iter_mut().zip(&claimed) {
            if !seen {
                t.out.visible = false;
            }
        }
        let hold = cfg.hold;
        self.tracks
            .retain(|t| now.saturating_sub(t.out.last_seen) <= hold);
        self.tracks.iter().map(|t| t.out.clone()).collect()
    }
}

/// Side of a quadrilateral, pixels (mean of its four edges).
fn side_px(c: &[Point; 4]) -> f32 {
    (0..4).map(|i| c[i].distance(c[(i + 1) % 4])).sum::<f32>() / 4.0
}

/// One Euro on translation (per axis, beta scaled from pixels to metres) and
/// on rotation (quaternion blend with a cut-off from the angular speed).
fn smooth_pose(t: &mut Track, raw: &Pose, dt: f64, cfg: &TrackerConfig) -> Pose {
    let mut translation = [0.0; 3];
    for (i, f) in t.translation_filters.iter_mut().enumerate() {
        // Metres are ~1000× smaller than pixels at arm's length; scale beta so
        // the same tuning applies.
        translation[i] = f.filter(
            raw.translation[i],
            dt,
            cfg.min_cutoff_hz,
            cfg.beta * TRANSLATION_BETA_SCALE,
            cfg.derivative_cutoff_hz,
        );
    }
    let mut q = pose::quat_from_matrix(raw.rotation_matrix());
    let rotation = match t.rotation {
        None => q,
        Some(prev) => {
            // Short way round: q and -q are the same rotation.
            if prev.dot(q) < 0.0 {
                q = -q;
            }
            let cos_half = prev.dot(q).clamp(-1.0, 1.0);
            let angle = 2.0 * cos_half.acos();
            if dt > 0.0 {
                let raw_speed = angle / dt;
                t.rotation_speed +=
                    alpha(cfg.derivative_cutoff_hz, dt) * (raw_speed - t.rotation_speed);
            }
            let cutoff = cfg.rotation_min_cutoff_hz + cfg.rotation_beta * t.rotation_speed;
            let a = if dt > 0.0 { alpha(cutoff, dt) } else { 0.0 };
            // A normalised blend of the components (not a slerp): for the
            // small steps between frames the two agree, and this is the
            // One Euro filter's own exponential smoothing.
            (prev + (q - prev) * a).normalize()
        }
    };
    t.rotation = Some(rotation);
    Pose::from_parts(
        DMat3::from_quat(rotation),
        DVec3::from(translation),
        raw.reprojection_error_px,
    )
}

/// Beta is tuned in pixels per second; translations move in metres, about a
/// thousand times smaller numbers at arm's length with a phone lens
/// (f ≈ 1000 px at z ≈ 1 m: 1 mm ≈ 1 px).
const TRANSLATION_BETA_SCALE: f64 = 1000.0;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn angles_wrap_the_short_way() {
        use std::f64::consts::PI;
        assert!((wrap_angle(3.0 * PI / 2.0) + PI / 2.0).abs() < 1e-12);
        assert!((wrap_angle(-3.0 * PI / 2.0) - PI / 2.0).abs() < 1e-12);
        assert!((wrap_angle(PI) - PI).abs() < 1e-12);
        assert!((wrap_angle(0.1) - 0.1).abs() < 1e-12);
    }
}
