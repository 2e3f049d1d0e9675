//! The screen-reader mirror of what is drawn.
//!
//! egui draws into a canvas. On the desktop and native phones AccessKit gives
//! screen readers egui's widget tree; in the browser nothing does, so the web
//! shell keeps a visually hidden copy in the page's DOM: an `aria-live`
//! region saying what is in view and one `<button data-code>` per card. This
//! module says what that copy holds, from the cards as drawn
//! ([`DrawnCards`]), so the mirror always matches the picture; it is plain
//! data, serialised to JSON for the page.

use bevy::prelude::*;
use pustaka_api::MarkerOverlay;
use serde::Serialize;

use super::detail::Panel;
use super::placement::DrawnCards;
use crate::i18n::Locale;
use crate::net::{NetStatus, Resolution, Resolutions};

/// What the page's hidden DOM says (serialised as JSON for it).
#[derive(Resource, Debug, Default, Clone, PartialEq, Serialize)]
pub struct Mirror {
    /// The interface language's BCP 47 tag (`id` or `en`), for the page's `lang`.
    pub lang: &'static str,
    /// The live region's sentence: "2 kode terlihat: Title A, Title B".
    pub live: String,
    /// One entry per card, in drawing order.
    pub cards: Vec<MirrorCard>,
    /// The open detail panel, if any.
    pub panel: Option<MirrorPanel>,
    /// The offline banner's text while it shows.
    pub offline: Option<String>,
}

/// One card of the mirror.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirrorCard {
    /// The library code a press opens; `None` for a foreign code's chip
    /// (announced, never a button: it opens nothing).
    pub code: Option<String>,
    /// The card's accessible name: the title once resolved, else what the
    /// card says ("Memuat BK0001…", "Bukan kode perpustakaan · example.com").
    pub name: String,
}

/// The open panel's text.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MirrorPanel {
    /// The code whose panel is open.
    pub code: String,
    /// Its title (the dialog's name).
    pub title: String,
    /// Subtitle, synopsis and featured titles, one paragraph each.
    pub paragraphs: Vec<String>,
    /// The close button's label.
    pub close: String,
}

/// Describes what is drawn, for the page's hidden DOM.
pub fn describe(
    drawn: &DrawnCards,
    resolutions: &Resolutions,
    panel: &Panel,
    locale: &Locale,
    net: &NetStatus,
) -> Mirror {
    let overlay = |code: &str| -> Option<&MarkerOverlay> {
        resolutions.0.get(code).and_then(Resolution::overlay)
    };
    let cards: Vec<MirrorCard> = drawn
        .0
        .iter()
        .map(|c| MirrorCard {
            code: c.code.clone(),
            name: c
                .code
                .as_deref()
                .and_then(overlay)
                .map(|o| o.title.clone())
                .unwrap_or_else(|| c.label.clone()),
        })
        .collect();
    let count = locale.t1("codes-in-view", "count", cards.len());
    let live = if cards.is_empty() {
        count
    } else {
        let names: Vec<&str> = cards.iter().map(|c| c.name.as_str()).collect();
        format!("{count}: {}", names.join(", "))
    };
    let panel = panel.detail_code().and_then(|code| {
        let o = overlay(code)?;
        let mut paragraphs: Vec<String> = [o.subtitle.clone(), o.body.clone()]
            .into_iter()
            .flatten()
            .filter(|p| !p.trim().is_empty())
            .collect();
        if !o.featured.is_empty() {
            paragraphs.push(locale.t("featured-heading"));
            paragraphs.extend(
                o.featured
                    .iter()
                    .map(|t| super::cards::featured_line(t, true)),
            );
        }
        Some(MirrorPanel {
            code: code.to_string(),
            title: o.title.clone(),
            paragraphs,
            close: locale.t("close"),
        })
    });
    Mirror {
        lang: locale.lang.tag(),
        live,
        cards,
        panel,
        offline: net.offline.then(|| locale.t("offline-banner")),
    }
}

/// Keeps the [`Mirror`] resource up to date (after the egui pass that drew
/// the cards); it changes only when what it says changes.
pub fn update_mirror(
    drawn: Res<DrawnCards>,
    resolutions: Res<Resolutions>,
    panel: Res<Panel>,
    locale: Res<Locale>,
    net: Res<NetStatus>,
    mut mirror: ResMut<Mirror>,
) {
    mirror.set_if_neq(describe(&drawn, &resolutions, &panel, &locale, &net));
}

/// The mirror plugin (part of the UI; needs its [`DrawnCards`]).
pub fn plugin(app: &mut App) {
    app.init_resource::<Mirror>()
        .add_systems(PostUpdate, update_mirror);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ui::placement::DrawnCard;
    use pustaka_api::{Lang, TargetKind};

    fn overlay(title: &str) -> MarkerOverlay {
        serde_json::from_value(serde_json::json!({
            "code": "BK0001", "kind": "title", "size_m": 0.05, "title": title,
            "subtitle": "Tere Liye", "body": "Sebuah cerita.", "languages": ["id"],
        }))
        .unwrap_or_else(|e| panic!("overlay fixture: {e}"))
    }

    #[test]
    fn names_cards_by_title_and_mirrors_the_open_panel() {
        let mut resolutions = Resolutions::default();
        let o = overlay("Bumi");
        assert_eq!(o.kind, TargetKind::Title);
        resolutions.0.insert("BK0001".into(), Resolution::Ready(o));
        let drawn = DrawnCards(vec![
            DrawnCard {
                code: Some("BK0001".into()),
                label: "Bumi. Ketuk untuk selengkapnya".into(),
                rect: Rect::new(0.0, 0.0, 10.0, 10.0),
            },
            DrawnCard {
                code: None,
                label: "Bukan kode perpustakaan · example.com".into(),
                rect: Rect::new(20.0, 0.0, 30.0, 10.0),
            },
        ]);
        let mut locale = Locale::default();
        let m = describe(
            &drawn,
            &resolutions,
            &Panel::detail("BK0001"),
            &locale,
            &NetStatus { offline: true },
        );
        assert_eq!(m.lang, "id");
        assert_eq!(
            m.live,
            "2 kode terlihat: Bumi, Bukan kode perpustakaan · example.com"
        );
        assert_eq!(m.cards[0].code.as_deref(), Some("BK0001"));
        assert_eq!(m.cards[1].code, None);
        let panel = m.panel.expect("the open panel is mirrored");
        assert_eq!(panel.title, "Bumi");
        assert_eq!(panel.paragraphs, vec!["Tere Liye", "Sebuah cerita."]);
        assert!(m.offline.is_some());
        locale.lang = Lang::En;
        let m = describe(
            &DrawnCards::default(),
            &resolutions,
            &Panel::Closed,
            &locale,
            &NetStatus::default(),
        );
        assert_eq!((m.lang, m.live.as_str()), ("en", "No code in view yet"));
        assert!(m.panel.is_none() && m.offline.is_none());
    }
}
