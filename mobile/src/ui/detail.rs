//! The detail panel a tap on a card opens: the picture, the whole synopsis
//! (or a shelf's featured titles), the trailer, read-aloud, and links (the
//! calendar, the e-book, the web page), all opened by the visitor only.
//!
//! This module owns [`Panel`], the one piece of interface state that other
//! parts read: the cards set it on a tap ([`crate::ui::placement`]), the
//! mirror describes it ([`crate::ui::mirror`]), the shells open it (`--open`,
//! `/ar/?code=`, the page's card buttons), and it tells the media stage which
//! code's picture and trailer to load ([`crate::media::Spotlight`]), so
//! that media never imports the ui.

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};
use pustaka_api::{MediaRole, TargetKind};

use super::cards::featured_line;
use crate::i18n::Locale;
use crate::media::pictures;
use crate::media::speech::Speech;
use crate::media::trailer::{self, Trailer};
use crate::media::{MediaSystems, Spotlight};
use crate::net::{Resolution, Resolutions};
use crate::{AppConfig, AppSystems};

/// Which panel covers the cards.
///
/// A resource rather than a Bevy `States`: the open panel carries data (the
/// code) and changes in the middle of a frame (a tap in the egui pass, a
/// shell's command), and every reader wants the value at once. A state would
/// apply changes only at the next `StateTransition`, one frame late, make a
/// state value per code, and need `StatesPlugin` in every headless test;
/// nothing here needs `OnEnter`/`OnExit` schedules or `in_state` gating.
#[derive(Resource, Debug, Default, Clone, PartialEq, Eq)]
pub enum Panel {
    /// No panel: the camera picture and the cards.
    #[default]
    Closed,
    /// The detail panel of one library code.
    Detail {
        /// The canonical marker code (upper case, e.g. `BK0001`).
        code: String,
    },
}

impl Panel {
    /// The detail panel of `code`, trimmed and upper-cased (marker codes are
    /// canonical in upper case).
    pub fn detail(code: &str) -> Self {
        Self::Detail {
            code: code.trim().to_uppercase(),
        }
    }

    /// The code whose detail panel is open, if any.
    pub fn detail_code(&self) -> Option<&str> {
        match self {
            Self::Closed => None,
            Self::Detail { code } => Some(code),
        }
    }
}

/// The panel's plugin: the [`Panel`] resource and what it asks of the media
/// stage. Added with or without a renderer (drawing is [`crate::ui::plugin`]'s).
pub fn plugin(app: &mut App) {
    app.init_resource::<Panel>().add_systems(
        Update,
        spotlight_open_panel
            .in_set(AppSystems::Present)
            .before(MediaSystems),
    );
}

/// Puts the open detail panel's code in the media [`Spotlight`], so its
/// large picture and trailer load and play (and stop when it closes).
fn spotlight_open_panel(panel: Res<Panel>, mut spotlight: ResMut<Spotlight>) {
    spotlight.set_if_neq(Spotlight(panel.detail_code().map(str::to_string)));
}

/// Size of the cover or poster in the detail panel, in points.
const DETAIL_PICTURE_SIZE: egui::Vec2 = egui::vec2(140.0, 210.0);
/// Height of the scrolling synopsis in the detail panel, in points.
const DETAIL_TEXT_MAX_HEIGHT: f32 = 220.0;

pub(super) fn draw_detail(
    mut contexts: EguiContexts,
    mut panel: ResMut<Panel>,
    resolutions: Res<Resolutions>,
    locale: Res<Locale>,
    config: Res<AppConfig>,
    mut speech: ResMut<Speech>,
    mut trailer: ResMut<Trailer>,
) -> Result {
    let Some(code) = panel.detail_code().map(str::to_string) else {
        return Ok(());
    };
    let Some(overlay) = resolutions
        .0
        .get(&code)
        .and_then(Resolution::overlay)
        .cloned()
    else {
        return Ok(());
    };
    let ctx = contexts.ctx_mut()?;
    let mut keep_open = true;
    egui::Window::new(overlay.title.clone())
        .id(egui::Id::new("detail"))
        .collapsible(false)
        .resizable(false)
        .anchor(egui::Align2::CENTER_CENTER, [0.0, 0.0])
        .default_width(480.0)
        .open(&mut keep_open)
        .show(ctx, |ui| {
            let text = |ui: &mut egui::Ui| {
                if let Some(s) = &overlay.subtitle {
                    ui.label(egui::RichText::new(s).strong());
                }
                if overlay.body.is_some() || !overlay.featured.is_empty() {
                    // A solid bar, not egui's default floating one, which is
                    // invisible until hovered (and a finger never hovers).
                    ui.spacing_mut().scroll = egui::style::ScrollStyle::solid();
                    egui::ScrollArea::vertical()
                        .max_height(DETAIL_TEXT_MAX_HEIGHT)
                        // Shown, so that text cut at the bottom reads as "more below".
                        .scroll_bar_visibility(
                            egui::scroll_area::ScrollBarVisibility::AlwaysVisible,
                        )
                        .show(ui, |ui| {
                            if let Some(b) = &overlay.body {
                                ui.label(b);
                            }
                            if !overlay.featured.is_empty() {
                                ui.label(
                                    egui::RichText::new(locale.t("featured-heading")).strong(),
                                );
                                for t in &overlay.featured {
                                    ui.label(format!("• {}", featured_line(t, true)));
                                }
                            }
                        });
                }
            };
            match pictures::detail_picture(&overlay) {
                Some(pick) => {
                    ui.horizontal_top(|ui| {
                        pictures::show_picture_or(
                            ui,
                            &pick,
                            pictures::card_picture(&overlay).as_ref(),
                            DETAIL_PICTURE_SIZE,
                        );
                        ui.vertical(text);
                    });
                }
                None => text(ui),
            }
            trailer::show_trailer(ui, &mut trailer, &locale);
            ui.separator();
            ui.horizontal(|ui| {
                let mut text = [
                    overlay.title.as_str(),
                    overlay.subtitle.as_deref().unwrap_or(""),
                    overlay.body.as_deref().unwrap_or(""),
                ]
                .join(". ");
                if !overlay.featured.is_empty() {
                    text.push_str(". ");
                    text.push_str(&locale.t("featured-heading"));
                    for t in &overlay.featured {
                        text.push_str(". ");
                        text.push_str(&featured_line(t, true));
                    }
                }
                if speech.is_speaking() {
                    if ui.button(locale.t("stop-reading")).clicked() {
                        speech.stop();
                    }
                } else if !speech.has_voice(locale.lang) {
                    ui.add_enabled(false, egui::Button::new(locale.t("read-aloud")))
                        .on_disabled_hover_text(locale.t("no-voice"));
                    ui.label(locale.t("no-voice"));
                } else if ui.button(locale.t("read-aloud")).clicked() {
                    speech.say(&text, locale.lang);
                }
                if ui.button(locale.t("close")).clicked() {
                    *panel = Panel::Closed;
                }
            });
            // Links open in the system browser; nothing here opens by itself.
            ui.horizontal_wrapped(|ui| {
                if overlay.kind == TargetKind::Event
                    && let Some(id) = overlay.target_id
                {
                    ui.hyperlink_to(
                        locale.t("add-to-calendar"),
                        format!("{}/events/{id}.ics", config.server_url),
                    );
                }
                if let Some(trailer) = overlay
                    .media
                    .iter()
                    .find(|m| matches!(m.role, MediaRole::Trailer | MediaRole::Promo))
                {
                    ui.hyperlink_to(locale.t("watch-trailer"), &trailer.url);
                }
                if let Some(ebook) = &overlay.ebook_url {
                    ui.hyperlink_to(locale.t("read-ebook"), ebook);
                }
                if let Some(web) = &overlay.web_url {
                    ui.hyperlink_to(locale.t("open-web-page"), web);
                }
            });
        });
    if !keep_open {
        *panel = Panel::Closed;
    }
    if *panel == Panel::Closed {
        speech.stop();
    }
    Ok(())
}
