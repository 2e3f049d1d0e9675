//! The look shared by every part of the overlay: the font (Atkinson
//! Hyperlegible), large text sizes, and the colours that carry meaning.
//!
//! The browser bundle has no other font (egui's default fonts are a
//! desktop-only feature, see `mobile/Cargo.toml`), so every text the app
//! draws itself sticks to what Atkinson covers: Latin with its accents and
//! the punctuation used here (— · • … and the no-break space).

use bevy::prelude::*;
use bevy_egui::{EguiContexts, egui};

/// Outline of a library code: green.
pub const LIBRARY_OUTLINE: egui::Color32 = egui::Color32::from_rgb(60, 200, 120);
/// Outline of a foreign code: amber, a warning.
pub const FOREIGN_OUTLINE: egui::Color32 = egui::Color32::from_rgb(240, 160, 40);
/// Text of a warning in the status bar (offline, camera lost): amber on the
/// dark bar.
pub const WARNING_TEXT: egui::Color32 = egui::Color32::from_rgb(255, 200, 80);

/// Atkinson Hyperlegible (OFL, designed by the Braille Institute for low-vision readers).
pub(super) fn setup_fonts(mut contexts: EguiContexts, mut done: Local<bool>) -> Result {
    if *done {
        return Ok(());
    }
    let ctx = contexts.ctx_mut()?;
    let mut fonts = egui::FontDefinitions::default();
    for (name, bytes) in [
        (
            "atkinson",
            &include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Regular.ttf")[..],
        ),
        (
            "atkinson-bold",
            &include_bytes!("../../../assets/fonts/AtkinsonHyperlegible-Bold.ttf")[..],
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
    // Without egui's default fonts (the browser bundle) Monospace would have
    // no font at all; on the desktop Atkinson only comes after Hack.
    fonts
        .families
        .entry(egui::FontFamily::Monospace)
        .or_default()
        .push("atkinson".into());
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
