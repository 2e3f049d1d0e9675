//! The app's texts: Bahasa Indonesia by default, English second, read through
//! the project's one translator ([`pustaka_i18n::Translator`]).
//!
//! The strings live in `assets/locales/{id,en}/app.ftl` and are compiled into
//! the binary, so phones and the web build need no file access to show text.
//! A message missing in English falls back to Indonesian, one missing
//! everywhere shows its key (and a test fails on both), never a panic.

use bevy::prelude::*;
use pustaka_api::Lang;
use pustaka_i18n::{FluentValue, FtlFile, Translator};

/// The app's texts in every language.
pub static TEXTS: Translator = Translator::new(&[FtlFile {
    name: "app.ftl",
    id: include_str!("../../assets/locales/id/app.ftl"),
    en: include_str!("../../assets/locales/en/app.ftl"),
}]);

/// The language the app shows (Indonesian until the visitor switches).
#[derive(Resource, Debug, Default)]
pub struct Locale {
    /// The language shown.
    pub lang: Lang,
}

impl Locale {
    /// The message `key` in the current language, without arguments.
    pub fn t(&self, key: &str) -> String {
        TEXTS.text(self.lang, key)
    }

    /// The message `key` with one named argument (a number selects plurals).
    pub fn t1(&self, key: &str, name: &str, value: impl Into<FluentValue<'static>>) -> String {
        TEXTS.text_with(self.lang, key, [(name.to_owned(), value)])
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
        let problems = TEXTS.problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let keys = pustaka_i18n::keys(TEXTS.files()[0].id).unwrap();
        assert!(keys.len() >= 10);
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../assets/locales/id");
        let on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            on_disk,
            ["app.ftl"],
            "a locale file the app does not include"
        );
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
