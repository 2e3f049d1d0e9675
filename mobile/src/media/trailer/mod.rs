//! The trailer in the detail panel: a title's trailer (or an event's promo)
//! played inside the app. What plays it is the platform's seam:
//!
//! - desktop: [`ffmpeg`] decodes the clip from the media cache into an egui
//!   texture and rodio plays its sound;
//! - browser: `web` asks the page for an HTML `<video playsinline>` laid
//!   over the space the panel keeps for it (the browser streams, decodes and
//!   caches the clip itself).
//!
//! Which trailer is wanted (the [`crate::media::Spotlight`]'s: the open
//! panel's), starting it and stopping it when the panel closes is the same
//! on every platform.

use bevy::prelude::*;
use bevy_egui::egui;
use pustaka_api::{MarkerOverlay, MediaKind, MediaRef, MediaRole};

use super::{MediaSystems, Spotlight};
use crate::AppSystems;
use crate::i18n::Locale;
#[cfg(not(target_arch = "wasm32"))]
use crate::net::Net;
use crate::net::Resolutions;
#[cfg(not(target_arch = "wasm32"))]
use crate::net::media::{Media, MediaStatus};

#[cfg(not(target_arch = "wasm32"))]
pub mod ffmpeg;
#[cfg(target_arch = "wasm32")]
pub mod web;

#[cfg(not(target_arch = "wasm32"))]
pub use ffmpeg::{AudioOutput, AudioStatus, TrailerError, TrailerPlayer, VideoStatus};

/// The video an overlay plays in its panel: a title's trailer or an event's promo.
pub fn trailer_ref(o: &MarkerOverlay) -> Option<&MediaRef> {
    o.media.iter().find(|m| {
        matches!(m.role, MediaRole::Trailer | MediaRole::Promo) && m.kind == MediaKind::Video
    })
}

/// What the panel shows for the open code's trailer.
#[derive(Default)]
pub enum TrailerPhase {
    /// No trailer (no panel open, or the overlay has none).
    #[default]
    None,
    /// Downloading into the media cache.
    #[cfg(not(target_arch = "wasm32"))]
    Downloading,
    /// The download failed; the browser link remains.
    #[cfg(not(target_arch = "wasm32"))]
    Unavailable,
    /// Playing (or ended, or failed to start: see its status).
    #[cfg(not(target_arch = "wasm32"))]
    Player(TrailerPlayer),
    /// Played by the page's `<video>` element over the panel.
    #[cfg(target_arch = "wasm32")]
    Html(web::HtmlVideo),
}

/// The trailer of the open detail panel.
#[derive(Resource, Default)]
pub struct Trailer {
    /// URL of the trailer the phase belongs to.
    url: Option<String>,
    /// Text alternative (media alt, else the title).
    alt: String,
    /// What to show.
    pub phase: TrailerPhase,
    /// Where sound goes (the device in the app; tests may choose otherwise).
    #[cfg(not(target_arch = "wasm32"))]
    pub output: AudioOutput,
    /// Set by the panel's "play again" button.
    replay: bool,
}

impl Trailer {
    /// URL of the open panel's trailer, if it has one.
    pub fn url(&self) -> Option<&str> {
        self.url.as_deref()
    }

    /// The player, while there is one.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn player(&self) -> Option<&TrailerPlayer> {
        match &self.phase {
            TrailerPhase::Player(p) => Some(p),
            _ => None,
        }
    }
}

/// The trailer plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Trailer>().add_systems(
        Update,
        drive_trailer
            .in_set(AppSystems::Present)
            .in_set(MediaSystems),
    );
}

/// Starts the trailer of the [`Spotlight`]'s code (the open panel's) once it
/// is in the media cache, and stops it (both children killed and reaped)
/// when the panel closes or changes.
pub fn drive_trailer(
    spotlight: Res<Spotlight>,
    resolutions: Res<Resolutions>,
    #[cfg(not(target_arch = "wasm32"))] net: Option<Res<Net>>,
    #[cfg(not(target_arch = "wasm32"))] media: Option<ResMut<Media>>,
    mut trailer: ResMut<Trailer>,
) {
    let wanted = spotlight
        .0
        .as_ref()
        .and_then(|code| resolutions.0.get(code).and_then(|r| r.overlay()).cloned())
        .and_then(|o| {
            trailer_ref(&o).map(|m| {
                let alt = m
                    .alt
                    .clone()
                    .filter(|a| !a.trim().is_empty())
                    .unwrap_or_else(|| o.title.clone());
                (m.url.clone(), alt)
            })
        });
    let trailer = &mut *trailer;
    if wanted.as_ref().map(|w| &w.0) != trailer.url.as_ref() || trailer.replay {
        // Dropping the player stops it.
        trailer.phase = TrailerPhase::None;
        trailer.replay = false;
        trailer.url = wanted.as_ref().map(|w| w.0.clone());
        trailer.alt = wanted.map(|w| w.1).unwrap_or_default();
    } else if let Some((_, alt)) = wanted {
        // The same clip in the other language: it plays on, with the new
        // language's text alternative.
        trailer.alt = alt;
    }
    let Some(url) = trailer.url.clone() else {
        return;
    };
    #[cfg(not(target_arch = "wasm32"))]
    start_trailer(trailer, url, net, media);
    #[cfg(target_arch = "wasm32")]
    start_trailer(trailer, url);
}

/// Starts the trailer at `url`: from the media cache into the ffmpeg player.
#[cfg(not(target_arch = "wasm32"))]
fn start_trailer(
    trailer: &mut Trailer,
    url: String,
    net: Option<Res<Net>>,
    media: Option<ResMut<Media>>,
) {
    if matches!(trailer.phase, TrailerPhase::Player(_)) {
        return;
    }
    let (Some(net), Some(mut media)) = (net, media) else {
        trailer.phase = TrailerPhase::Unavailable;
        return;
    };
    trailer.phase = match media.request(&net, &url) {
        MediaStatus::Loading => TrailerPhase::Downloading,
        MediaStatus::Failed(_) => TrailerPhase::Unavailable,
        MediaStatus::Ready(bytes) => {
            TrailerPhase::Player(TrailerPlayer::start(bytes, trailer.output))
        }
    };
}

/// Starts the trailer at `url`: the page's `<video>` streams it (the browser
/// caches it; no copy in the app's memory).
#[cfg(target_arch = "wasm32")]
fn start_trailer(trailer: &mut Trailer, url: String) {
    match &mut trailer.phase {
        TrailerPhase::Html(video) => {
            if video.alt != trailer.alt {
                video.alt.clone_from(&trailer.alt);
            }
        }
        _ => {
            trailer.phase = TrailerPhase::Html(web::HtmlVideo::new(url, trailer.alt.clone()));
        }
    }
}

/// Largest height of the video in the panel, points.
pub(crate) const VIDEO_MAX_HEIGHT: f32 = 240.0;

/// Draws the trailer in the detail panel: the picture (a tap toggles the
/// sound), play/pause, and the sound toggle. Draws nothing without a trailer.
pub fn show_trailer(ui: &mut egui::Ui, trailer: &mut Trailer, locale: &Locale) {
    #[cfg(not(target_arch = "wasm32"))]
    let alt = trailer.alt.clone();
    match &mut trailer.phase {
        TrailerPhase::None => {}
        #[cfg(target_arch = "wasm32")]
        TrailerPhase::Html(video) => web::show(ui, video, locale),
        #[cfg(not(target_arch = "wasm32"))]
        TrailerPhase::Downloading => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(locale.t("video-loading"));
            });
        }
        #[cfg(not(target_arch = "wasm32"))]
        TrailerPhase::Unavailable => {
            ui.label(locale.t("video-unavailable"));
        }
        #[cfg(not(target_arch = "wasm32"))]
        TrailerPhase::Player(player) => {
            let status = player.video_status();
            if let VideoStatus::Failed(e) = &status {
                ui.label(match e {
                    TrailerError::FfmpegMissing => locale.t("video-needs-ffmpeg"),
                    TrailerError::Decode(_) => locale.t("video-unavailable"),
                });
                return;
            }
            match player.update_texture(ui.ctx()) {
                Some((id, size)) => {
                    let max = egui::vec2(ui.available_width(), VIDEO_MAX_HEIGHT);
                    let response = ui.add(
                        egui::Image::new(egui::load::SizedTexture::new(id, size))
                            .max_size(max)
                            .sense(egui::Sense::click())
                            .alt_text(alt),
                    );
                    if response.clicked() {
                        player.set_muted(!player.is_muted());
                    }
                }
                None => {
                    ui.spinner();
                }
            }
            ui.horizontal(|ui| {
                if status == VideoStatus::Ended {
                    if ui.button(locale.t("video-replay")).clicked() {
                        trailer.replay = true;
                    }
                } else {
                    let paused = player.is_paused();
                    let key = if paused { "video-play" } else { "video-pause" };
                    if ui.button(locale.t(key)).clicked() {
                        player.set_paused(!paused);
                    }
                }
                match player.audio_status() {
                    AudioStatus::Unavailable(_) | AudioStatus::NoTrack => {
                        ui.add_enabled(false, egui::Button::new(locale.t("sound-unavailable")));
                    }
                    _ => {
                        let mut on = !player.is_muted();
                        if ui
                            .toggle_value(&mut on, locale.t("sound"))
                            .on_hover_text(locale.t("sound-hint"))
                            .changed()
                        {
                            player.set_muted(!on);
                        }
                    }
                }
            });
            // Frames arrive from a thread: keep painting while it plays.
            ui.ctx().request_repaint();
        }
    }
}
