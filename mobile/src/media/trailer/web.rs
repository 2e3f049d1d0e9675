//! The browser's trailer player: an HTML `<video playsinline>` that the page
//! lays over the space the detail panel keeps for it.
//!
//! The app only says which clip and where ([`HtmlVideo`]); the web shell
//! (`mobile/web`) moves the page's `<video>` element there each frame. The
//! browser streams and decodes the clip, starts it muted (autoplay rules
//! allow only muted autoplay) and unmutes it on a tap, with its own controls.

use bevy_egui::egui;

use super::VIDEO_MAX_HEIGHT;
use crate::i18n::Locale;

/// Width over height of the space kept for the video (most trailers are 16:9;
/// the element letterboxes anything else).
const VIDEO_ASPECT: f32 = 16.0 / 9.0;

/// The clip the page should play, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct HtmlVideo {
    /// Absolute URL of the clip (the server's `/media/{sha256}.mp4`).
    pub url: String,
    /// Text alternative, set as the element's `aria-label`.
    pub alt: String,
    /// Where the panel drew the video's space, in egui points (CSS pixels at
    /// egui's default zoom), origin top-left of the canvas; `None` until the
    /// panel has been drawn once.
    pub rect: Option<egui::Rect>,
}

impl HtmlVideo {
    /// A clip not placed yet.
    pub fn new(url: String, alt: String) -> Self {
        Self {
            url,
            alt,
            rect: None,
        }
    }
}

/// Keeps the video's space in the panel and records where it is.
pub fn show(ui: &mut egui::Ui, video: &mut HtmlVideo, locale: &Locale) {
    let width = ui.available_width();
    let height = (width / VIDEO_ASPECT).min(VIDEO_MAX_HEIGHT);
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, height), egui::Sense::hover());
    ui.painter().rect_filled(rect, 4.0, egui::Color32::BLACK);
    video.rect = Some(rect);
    ui.label(locale.t("sound-hint"));
}
