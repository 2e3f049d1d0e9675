//! Texts of the back office: Fluent files `backend/locales/{id,en}/admin*.ftl`,
//! compiled into the binary and read through the project's one translator
//! ([`pustaka_i18n::Translator`]). Bahasa Indonesia is the default; a key
//! missing in English falls back to Indonesian, a key missing everywhere shows
//! as itself (and a test checks every language has the same keys).

use pustaka_api::Lang;
use pustaka_i18n::{FtlFile, Translator};

/// The back office's texts, one [`FtlFile`] per section; every language must
/// have the same keys.
pub static TEXTS: Translator = Translator::new(&[
    FtlFile {
        name: "admin.ftl",
        id: include_str!("../../locales/id/admin.ftl"),
        en: include_str!("../../locales/en/admin.ftl"),
    },
    FtlFile {
        name: "admin-content.ftl",
        id: include_str!("../../locales/id/admin-content.ftl"),
        en: include_str!("../../locales/en/admin-content.ftl"),
    },
    FtlFile {
        name: "admin-reports.ftl",
        id: include_str!("../../locales/id/admin-reports.ftl"),
        en: include_str!("../../locales/en/admin-reports.ftl"),
    },
    FtlFile {
        name: "admin-ops.ftl",
        id: include_str!("../../locales/id/admin-ops.ftl"),
        en: include_str!("../../locales/en/admin-ops.ftl"),
    },
]);

/// The text for `key` in `lang`.
pub fn text(lang: Lang, key: &str) -> String {
    TEXTS.text(lang, key)
}

/// The text for `key` with named arguments (`{ $name }` in the Fluent file).
pub fn text_with(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    TEXTS.text_with(lang, key, args.iter().map(|(k, v)| (*k, v.as_str())))
}

/// A translator bound to one language, handy in templates: `{{ p.t("nav-titles") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Lang);

impl Tr {
    /// The text for `key`.
    pub fn t(&self, key: &str) -> String {
        text(self.0, key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_languages_have_the_same_keys_and_parse() {
        let problems = TEXTS.problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let keys: usize = TEXTS
            .files()
            .iter()
            .map(|f| pustaka_i18n::keys(f.id).map_or(0, |k| k.len()))
            .sum();
        assert!(keys > 20);
    }

    #[test]
    fn texts_differ_by_language_and_take_arguments() {
        assert_eq!(text(Lang::Id, "nav-titles"), "Judul buku");
        assert_eq!(text(Lang::En, "nav-titles"), "Titles");
        assert_eq!(text(Lang::En, "no-such-key"), "no-such-key");
        let s = text_with(Lang::En, "login-throttled", &[("minutes", "15".into())]);
        assert!(s.contains("15"), "{s}");
    }
}
