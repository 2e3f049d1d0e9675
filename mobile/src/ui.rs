//! The egui layer: the status bar, one card per detected code anchored to it,
//! and the detail panel a tap opens.
//!
//! Cards are drawn in their own egui layer whose transform puts the card's
//! bottom centre just above the code and scales it with the code's apparent
//! size, so a card follows the code and grows as the visitor steps closer.
//! The code's outline is drawn in perspective under the card.

use bevy::prelude::*;
use bevy_egui::egui::emath::TSTransform;
use bevy_egui::{EguiContexts, EguiPrimaryContextPass, egui};
use pustaka_api::{Lang, MarkerOverlay, MediaRole, TargetKind};
use pustaka_markers::payload::ScannedContent;

use crate::AppConfig;
use crate::i18n::Locale;
use crate::net::{NetStatus, Resolution, Resolutions};
use crate::preview::{MainCamera, world_from_frame};
use crate::scanning::Detections;
use crate::speech::Speech;
use crate::tracking::{TrackedCode, TrackedCodes};

/// Card width in points at scale 1.
const CARD_WIDTH: f32 = 260.0;
/// The card is scaled so that its width is this many times the code's width on screen…
const CARD_PER_CODE_WIDTH: f32 = 1.6;
/// …within these bounds, so it stays readable far away and never fills the screen.
const CARD_SCALE_RANGE: (f32, f32) = (0.75, 1.4);

/// Gap between a code and its card, in points.
const CARD_GAP: f32 = 6.0;

/// The code whose detail panel is open, if any.
#[derive(Resource, Debug, Default, Clone, PartialEq)]
pub struct OpenDetail(pub Option<String>);

/// The UI plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<OpenDetail>().add_systems(
        EguiPrimaryContextPass,
        (setup_fonts, draw_status, draw_cards, draw_detail).chain(),
    );
}

/// Atkinson Hyperlegible (OFL, designed by the Braille Institute for low-vision readers).
fn setup_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if *done {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut fonts = egui::FontDefinitions::default();
    for (name, bytes) in [
        (
            "atkinson",
            &include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Regular.ttf")[..],
        ),
        (
            "atkinson-bold",
            &include_bytes!("../../assets/fonts/AtkinsonHyperlegible-Bold.ttf")[..],
        ),
    ] {
        fonts
            .font_data
            .insert(name.into(), egui::FontData::from_static(bytes).into());
    }
    fonts
        .families
        .entry(egui::FontFamily::Proportional)
        .or_default()
        .insert(0, "atkinson".into());
    fonts.families.insert(
        egui::FontFamily::Name("bold".into()),
        vec!["atkinson-bold".into(), "atkinson".into()],
    );
    ctx.set_fonts(fonts);
    // Large, high-contrast text by default: visitors read at arm's length.
    ctx.all_styles_mut(|s| {
        for (style, size) in [
            (egui::TextStyle::Body, 17.0),
            (egui::TextStyle::Button, 17.0),
            (egui::TextStyle::Heading, 24.0),
            (egui::TextStyle::Small, 14.0),
        ] {
            if let Some(f) = s.text_styles.get_mut(&style) {
                f.size = size;
            }
        }
    });
    *done = true;
    Ok(())
}

fn draw_status(
    mut contexts: EguiContexts,
    detections: Res<Detections>,
    net_status: Res<NetStatus>,
    resolutions: Res<Resolutions>,
    mut locale: ResMut<Locale>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    egui::Area::new(egui::Id::new("status"))
        .anchor(egui::Align2::CENTER_TOP, [0.0, 8.0])
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.heading(locale.t("app-name"));
                    ui.label(locale.t("scan-hint"));
                    ui.label(locale.t1("codes-in-view", "count", detections.codes.len()));
                    ui.separator();
                    let mut lang = locale.lang;
                    ui.selectable_value(&mut lang, Lang::Id, "ID")
                        .on_hover_text("Bahasa Indonesia");
                    ui.selectable_value(&mut lang, Lang::En, "EN")
                        .on_hover_text("English");
                    if lang != locale.lang {
                        locale.lang = lang;
                    }
                });
                if net_status.offline {
                    // Say "showing saved content" only when something saved is shown.
                    let key = if resolutions
                        .0
                        .values()
                        .any(|r| matches!(r, Resolution::Offline(_)))
                    {
                        "offline-banner"
                    } else {
                        "no-connection"
                    };
                    ui.colored_label(egui::Color32::from_rgb(255, 200, 80), locale.t(key));
                }
            });
        });
    Ok(())
}

/// Screen position (egui points) of a frame pixel.
fn to_screen(
    p: Vec2,
    frame_size: Vec2,
    camera: &Camera,
    cam_tf: &GlobalTransform,
    ppp: f32,
) -> Option<egui::Pos2> {
    let world = world_from_frame(p, frame_size);
    let s = camera.world_to_viewport(cam_tf, world.extend(0.0)).ok()?;
    Some(egui::pos2(s.x / ppp, s.y / ppp))
}

fn draw_cards(
    mut contexts: EguiContexts,
    tracked: Res<TrackedCodes>,
    resolutions: Res<Resolutions>,
    locale: Res<Locale>,
    mut open: ResMut<OpenDetail>,
    cameras: Query<(&Camera, &GlobalTransform), With<MainCamera>>,
) -> Result {
    let ctx = contexts.ctx_mut()?;
    let Ok((camera, cam_tf)) = cameras.single() else {
        return Ok(());
    };
    let frame_size = tracked.frame_size.as_vec2();
    let ppp = ctx.pixels_per_point();
    // Every code's screen rectangle, so no card is placed over another code.
    let code_rects: Vec<(u64, egui::Rect)> = tracked
        .codes
        .iter()
        .filter_map(|c| {
            let pts: Option<Vec<egui::Pos2>> = c
                .corners
                .iter()
                .map(|&p| to_screen(p, frame_size, camera, cam_tf, ppp))
                .collect();
            Some((c.id, egui::Rect::from_points(&pts?)))
        })
        .collect();
    for seen in &tracked.codes {
        let i = seen.id;
        let corners: Option<Vec<egui::Pos2>> = seen
            .corners
            .iter()
            .map(|&c| to_screen(c, frame_size, camera, cam_tf, ppp))
            .collect();
        let Some(corners) = corners else { continue };
        // The code's outline, in perspective.
        let outline_colour = match seen.content {
            ScannedContent::Library { .. } => egui::Color32::from_rgb(60, 200, 120),
            _ => egui::Color32::from_rgb(240, 160, 40),
        };
        ctx.layer_painter(egui::LayerId::new(
            egui::Order::Background,
            egui::Id::new(("outline", i)),
        ))
        .add(egui::Shape::closed_line(
            corners.clone(),
            // Thinner while held through a dropout.
            egui::Stroke::new(if seen.visible { 3.0 } else { 1.5 }, outline_colour),
        ));
        let top = corners.iter().map(|p| p.y).fold(f32::INFINITY, f32::min);
        let bottom = corners
            .iter()
            .map(|p| p.y)
            .fold(f32::NEG_INFINITY, f32::max);
        let centre_x = corners.iter().map(|p| p.x).sum::<f32>() / 4.0;
        let code_width =
            ((corners[1] - corners[0]).length() + (corners[2] - corners[3]).length()) / 2.0;
        let scale = (code_width * CARD_PER_CODE_WIDTH / CARD_WIDTH)
            .clamp(CARD_SCALE_RANGE.0, CARD_SCALE_RANGE.1);
        let id = egui::Id::new(("card", i));
        // The card's size as laid out last frame (a first guess before that).
        let size = ctx
            .memory(|m| m.area_rect(id))
            .map_or(egui::vec2(CARD_WIDTH, 110.0), |r| {
                r.size() / scale.max(0.01)
            });
        let screen = ctx.content_rect();
        let (w, h) = (size.x * scale, size.y * scale);
        // Above the code when there is room, else below it; always fully on
        // screen; and, where possible, not over another code.
        let x = (centre_x - w / 2.0).clamp(screen.left(), (screen.right() - w).max(screen.left()));
        let above = top - CARD_GAP - h;
        let below = (bottom + CARD_GAP).min(screen.bottom() - h);
        let covers_other = |y: f32| {
            let card = egui::Rect::from_min_size(egui::pos2(x, y), egui::vec2(w, h));
            code_rects
                .iter()
                .any(|(id, r)| *id != i && r.intersects(card))
        };
        let y = match (
            above >= screen.top(),
            covers_other(above),
            covers_other(below),
        ) {
            (true, false, _) => above,
            (_, _, false) => below,
            (true, true, true) => above,
            (false, _, true) => below,
        };
        let area = egui::Area::new(id).fixed_pos(egui::Pos2::ZERO);
        ctx.set_transform_layer(area.layer(), TSTransform::new(egui::vec2(x, y), scale));
        area.show(ctx, |ui| {
            if !seen.visible {
                // Held through a dropout: faded, so a card about to go does not look current.
                ui.set_opacity(0.45);
            }
            let response = egui::Frame::popup(ui.style())
                .show(ui, |ui| {
                    ui.set_max_width(CARD_WIDTH);
                    card_contents(ui, seen, &resolutions, &locale);
                })
                .response;
            if let ScannedContent::Library { code, .. } = &seen.content {
                let response = response.interact(egui::Sense::click());
                if response.clicked() {
                    open.0 = Some(code.to_string());
                }
            }
        });
    }
    Ok(())
}

/// Two lines of synopsis on the card; the rest is in the detail panel.
const CARD_BODY_CHARS: usize = 110;

fn card_contents(
    ui: &mut egui::Ui,
    seen: &TrackedCode,
    resolutions: &Resolutions,
    locale: &Locale,
) {
    match &seen.content {
        ScannedContent::Library { code, .. } => match resolutions.0.get(code.as_str()) {
            Some(r @ (Resolution::Ready(_) | Resolution::Offline(_))) => {
                if let Some(o) = r.overlay() {
                    overlay_summary(ui, o, locale);
                }
            }
            Some(Resolution::NotFound) => {
                ui.label(locale.t1("not-found", "code", code.to_string()));
            }
            Some(Resolution::Failed(_)) => {
                ui.label(locale.t("server-unreachable"));
            }
            _ => {
                ui.label(locale.t1("loading", "code", code.to_string()));
            }
        },
        ScannedContent::ForeignUrl { domain, .. } => {
            // Shown, never opened: QR phishing on posters is a real attack.
            ui.label(locale.t1("foreign-code-domain", "domain", domain.clone()));
        }
        ScannedContent::Text(_) | ScannedContent::Binary(_) => {
            ui.label(locale.t("foreign-code"));
        }
    }
}

/// Size of the cover or poster on a card, in points (books are about 2:3).
const CARD_PICTURE_SIZE: egui::Vec2 = egui::vec2(64.0, 96.0);

/// A card's contents for a resolved overlay: its cover or poster, when it has
/// one, beside the title, the second line and two lines of synopsis.
pub fn overlay_summary(ui: &mut egui::Ui, o: &MarkerOverlay, locale: &Locale) {
    match crate::pictures::card_picture(o) {
        Some(pick) => {
            ui.horizontal_top(|ui| {
                crate::pictures::show_picture(ui, &pick, CARD_PICTURE_SIZE);
                ui.vertical(|ui| overlay_text(ui, o, locale));
            });
        }
        None => overlay_text(ui, o, locale),
    }
}

fn overlay_text(ui: &mut egui::Ui, o: &MarkerOverlay, locale: &Locale) {
    ui.label(egui::RichText::new(&o.title).strong().size(19.0));
    if let Some(s) = &o.subtitle {
        ui.label(s);
    }
    if let Some(b) = &o.body {
        let short: String = b.chars().take(CARD_BODY_CHARS).collect();
        let ellipsis = if b.chars().count() > CARD_BODY_CHARS {
            "…"
        } else {
            ""
        };
        // At most two lines, whatever the card's width.
        let mut job = std::sync::Arc::unwrap_or_clone(
            egui::WidgetText::from(egui::RichText::new(format!("{short}{ellipsis}")).small())
                .into_layout_job(ui.style(), egui::FontSelection::Default, egui::Align::LEFT),
        );
        job.wrap.max_rows = 2;
        job.wrap.overflow_character = Some('…');
        ui.add(egui::Label::new(job).wrap());
    }
    if o.kind != TargetKind::TourStop {
        ui.label(
            egui::RichText::new(locale.t("tap-for-more"))
                .small()
                .italics(),
        );
    }
}

/// Size of the cover or poster in the detail panel, in points.
const DETAIL_PICTURE_SIZE: egui::Vec2 = egui::vec2(140.0, 210.0);
/// Height of the scrolling synopsis in the detail panel, in points.
const DETAIL_TEXT_MAX_HEIGHT: f32 = 220.0;

fn draw_detail(
    mut contexts: EguiContexts,
    mut open: ResMut<OpenDetail>,
    resolutions: Res<Resolutions>,
    locale: Res<Locale>,
    config: Res<AppConfig>,
    mut speech: ResMut<Speech>,
    mut trailer: ResMut<crate::trailer::Trailer>,
) -> Result {
    let Some(code) = open.0.clone() else {
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
                if let Some(b) = &overlay.body {
                    egui::ScrollArea::vertical()
                        .max_height(DETAIL_TEXT_MAX_HEIGHT)
                        .show(ui, |ui| {
                            ui.label(b);
                        });
                }
            };
            match crate::pictures::detail_picture(&overlay) {
                Some(pick) => {
                    ui.horizontal_top(|ui| {
                        crate::pictures::show_picture(ui, &pick, DETAIL_PICTURE_SIZE);
                        ui.vertical(text);
                    });
                }
                None => text(ui),
            }
            crate::trailer::show_trailer(ui, &mut trailer, &locale);
            ui.separator();
            ui.horizontal(|ui| {
                let text = [
                    overlay.title.as_str(),
                    overlay.subtitle.as_deref().unwrap_or(""),
                    overlay.body.as_deref().unwrap_or(""),
                ]
                .join(". ");
                if speech.is_speaking() {
                    if ui.button(locale.t("stop-reading")).clicked() {
                        speech.stop();
                    }
                } else if ui.button(locale.t("read-aloud")).clicked() {
                    speech.say(&text, locale.lang);
                }
                if ui.button(locale.t("close")).clicked() {
                    open.0 = None;
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
                if let Some(web) = &overlay.web_url {
                    ui.hyperlink_to(locale.t("open-web-page"), web);
                }
            });
        });
    if !keep_open {
        open.0 = None;
    }
    if open.0.is_none() {
        speech.stop();
    }
    Ok(())
}
