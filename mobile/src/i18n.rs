//! Localisation with Fluent: Bahasa Indonesia by default, English second.
//!
//! The strings live in `assets/locales/{id,en}/app.ftl` and are compiled into
//! the binary, so phones and the web build need no file access to show text.
//! A missing key shows the key itself (and is caught by a test), never a panic.

use bevy::prelude::*;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use pustaka_api::Lang;

const ID_FTL: &str = include_str!("../../assets/locales/id/app.ftl");
const EN_FTL: &str = include_str!("../../assets/locales/en/app.ftl");

/// The current language and its message bundles.
#[derive(Resource)]
pub struct Locale {
    /// The language shown.
    pub lang: Lang,
    id: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl Default for Locale {
    fn default() -> Self {
        Self {
            lang: Lang::Id,
            id: bundle("id", ID_FTL),
            en: bundle("en", EN_FTL),
        }
    }
}

fn bundle(tag: &str, ftl: &str) -> FluentBundle<FluentResource> {
    let langid = tag.parse().unwrap_or_default();
    let mut b = FluentBundle::new_concurrent(vec![langid]);
    // Unicode isolation marks around arguments confuse screen readers and
    // egui's text layout; our arguments are codes and numbers, never bidi text.
    b.set_use_isolating(false);
    let resource = match FluentResource::try_new(ftl.to_string()) {
        Ok(r) => r,
        Err((r, errors)) => {
            error!(
                lang = tag,
                ?errors,
                "locale file has errors; using what parsed"
            );
            r
        }
    };
    if let Err(errors) = b.add_resource(resource) {
        error!(lang = tag, ?errors, "duplicate messages in locale file");
    }
    b
}

impl Locale {
    /// The message `key` in the current language, without arguments.
    pub fn t(&self, key: &str) -> String {
        self.format(key, None)
    }

    /// The message `key` with one named argument.
    pub fn t1(&self, key: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
        let mut args = FluentArgs::new();
        args.set(name.to_string(), value.into());
        self.format(key, Some(&args))
    }

    fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        let b = match self.lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        };
        let Some(pattern) = b.get_message(key).and_then(|m| m.value()) else {
            return key.to_string();
        };
        let mut errors = Vec::new();
        b.format_pattern(pattern, args, &mut errors).into_owned()
    }

    /// Every message id of a language (for the completeness test).
    pub fn keys(lang: Lang) -> Vec<String> {
        let ftl = match lang {
            Lang::Id => ID_FTL,
            Lang::En => EN_FTL,
        };
        ftl.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" =").map(|(k, _)| k.trim().to_string()))
            .collect()
    }
}

/// The i18n plugin.
pub fn plugin(app: &mut App) {
    app.init_resource::<Locale>();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys() {
        let id = Locale::keys(Lang::Id);
        let en = Locale::keys(Lang::En);
        assert!(id.len() >= 10);
        assert_eq!(id, en);
    }

    #[test]
    fn formats_plurals_and_arguments() {
        let mut l = Locale::default();
        assert_eq!(l.t("scan-hint"), "Arahkan kamera ke kode QR");
        assert_eq!(l.t1("codes-in-view", "count", 3), "3 kode terlihat");
        assert_eq!(
            l.t1("not-found", "code", "BK0001"),
            "Kode BK0001 tidak ditemukan"
        );
        l.lang = Lang::En;
        assert_eq!(l.t1("codes-in-view", "count", 1), "1 code in view");
        assert_eq!(l.t1("codes-in-view", "count", 0), "No code in view yet");
        assert_eq!(l.t("no-such-key"), "no-such-key");
    }
}
