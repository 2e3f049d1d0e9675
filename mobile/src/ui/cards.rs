//! What a card says: a resolved code's title, cover and two lines of
//! synopsis (a shelf's featured titles instead), a code still loading, or a
//! foreign code's chip, which is shown and never opened.

use bevy_egui::egui;
use pustaka_api::{MarkerOverlay, TargetKind, TitleSummary};
use pustaka_markers::payload::ScannedContent;

use crate::i18n::Locale;
use crate::media::pictures;
use crate::net::{Resolution, Resolutions};
use crate::scan::tracking::TrackedCode;

/// The detail panel that a tap on a card for `content` opens: the marker
/// code, for library codes only. A foreign code's chip opens nothing, by tap
/// or otherwise: a QR code stuck over a poster is a known phishing trick.
pub fn detail_for_tap(content: &ScannedContent) -> Option<String> {
    match content {
        ScannedContent::Library { code, .. } => Some(code.to_string()),
        _ => None,
    }
}

/// What a card says to a screen reader (its AccessKit name): the title and
/// a tap hint once resolved, else the code's state ("loading", a foreign
/// code's domain).
pub fn card_label(seen: &TrackedCode, resolutions: &Resolutions, locale: &Locale) -> String {
    match &seen.content {
        ScannedContent::Library { code, .. } => match resolutions
            .0
            .get(code.as_str())
            .and_then(Resolution::overlay)
        {
            Some(o) => format!("{}. {}", o.title, locale.t("tap-for-more")),
            None => locale.t1("loading", "code", code.to_string()),
        },
        ScannedContent::ForeignUrl { domain, .. } => {
            locale.t1("foreign-code-domain", "domain", domain.clone())
        }
        ScannedContent::Text(_) | ScannedContent::Binary(_) => locale.t("foreign-code"),
    }
}

/// Two lines of synopsis on the card; the rest is in the detail panel.
const CARD_BODY_CHARS: usize = 110;

pub fn card_contents(
    ui: &mut egui::Ui,
    seen: &TrackedCode,
    resolutions: &Resolutions,
    locale: &Locale,
) {
    match &seen.content {
        ScannedContent::Library { code, .. } => match resolutions.0.get(code.as_str()) {
            Some(r @ (Resolution::Ready(_) | Resolution::Offline(_) | Resolution::Cached(_))) => {
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
    match pictures::card_picture(o) {
        Some(pick) => {
            ui.horizontal_top(|ui| {
                pictures::show_picture(ui, &pick, CARD_PICTURE_SIZE);
                ui.vertical(|ui| overlay_text(ui, o, locale));
            });
        }
        None => overlay_text(ui, o, locale),
    }
}

/// Featured titles a shelf's card lists; the detail panel lists them all.
const CARD_FEATURED: usize = 3;

/// One featured title as a line: "title · call number" on a card, with the
/// author too in the detail panel.
pub fn featured_line(t: &TitleSummary, with_author: bool) -> String {
    let mut line = t.title.clone();
    if with_author && let Some(a) = &t.author {
        line.push_str(" — ");
        line.push_str(a);
    }
    if let Some(c) = &t.call_number {
        line.push_str(" · ");
        // A call number is read as one unit: never wrapped inside.
        line.push_str(&c.replace(' ', "\u{a0}"));
    }
    line
}

fn overlay_text(ui: &mut egui::Ui, o: &MarkerOverlay, locale: &Locale) {
    ui.label(egui::RichText::new(&o.title).strong().size(19.0));
    if let Some(s) = &o.subtitle {
        ui.label(s);
    }
    if !o.featured.is_empty() {
        // A shelf: what is on it matters more than its introduction.
        for t in o.featured.iter().take(CARD_FEATURED) {
            ui.label(egui::RichText::new(format!("• {}", featured_line(t, false))).small());
        }
        let more = o.featured.len().saturating_sub(CARD_FEATURED);
        if more > 0 {
            ui.label(egui::RichText::new(locale.t1("featured-more", "count", more)).small());
        }
    } else if let Some(b) = &o.body {
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

#[cfg(test)]
mod tests {
    use super::*;
    use pustaka_api::Lang;

    fn painted_text(out: &egui::FullOutput) -> Vec<String> {
        fn walk(shape: &egui::Shape, texts: &mut Vec<String>) {
            match shape {
                egui::Shape::Vec(v) => v.iter().for_each(|s| walk(s, texts)),
                egui::Shape::Text(t) => texts.push(t.galley.text().to_string()),
                _ => {}
            }
        }
        let mut texts = Vec::new();
        out.shapes.iter().for_each(|c| walk(&c.shape, &mut texts));
        texts
    }

    /// A shelf's card names the shelf and lists its first featured titles
    /// with their call numbers, then how many more there are.
    #[test]
    fn a_shelf_card_lists_its_featured_titles() {
        let title = |n: usize| TitleSummary {
            id: n as i64,
            title: format!("Buku {n}"),
            author: Some(format!("Penulis {n}")),
            call_number: Some(format!("398.2 B{n}")),
            isbn13: None,
            age_group: None,
            cover: None,
        };
        let shelf = MarkerOverlay {
            code: "RK0001".into(),
            kind: TargetKind::Shelf,
            size_m: 0.05,
            title: "Cerita Rakyat".into(),
            subtitle: Some("Lantai 1, Ruang Anak".into()),
            body: Some("Dongeng dan legenda dari seluruh Nusantara.".into()),
            languages: vec![Lang::Id],
            media: vec![],
            target_id: Some(1),
            tour_id: None,
            web_url: None,
            ebook_url: None,
            featured: (1..=5).map(title).collect(),
            event_over: false,
        };
        let locale = Locale::default();
        let ctx = egui::Context::default();
        let mut out = ctx.run_ui(egui::RawInput::default(), |ui| {
            overlay_summary(ui, &shelf, &locale);
        });
        out.textures_delta.clear();
        let texts = painted_text(&out);
        for expected in [
            "Cerita Rakyat",
            "Lantai 1, Ruang Anak",
            "• Buku 1 · 398.2\u{a0}B1",
            "• Buku 3 · 398.2\u{a0}B3",
            "dan 2 lainnya",
        ] {
            assert!(
                texts.iter().any(|t| t == expected),
                "no {expected:?} in {texts:?}"
            );
        }
        assert!(!texts.iter().any(|t| t.contains("Buku 4")), "{texts:?}");
        assert_eq!(
            featured_line(&title(2), true),
            "Buku 2 — Penulis 2 · 398.2\u{a0}B2"
        );
    }
}
