//! Texts of the back office: Fluent files `backend/locales/{id,en}/admin.ftl`,
//! compiled into the binary. Bahasa Indonesia is the default; a key missing in
//! English falls back to Indonesian, a key missing everywhere shows as itself
//! (and a test checks both files have the same keys).

use std::sync::OnceLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use pustaka_api::Lang;

/// The Fluent files, one `(Indonesian, English)` pair per section of the back
/// office; every pair must have the same keys.
pub const FILES: &[(&str, &str)] = &[
    (
        include_str!("../../locales/id/admin.ftl"),
        include_str!("../../locales/en/admin.ftl"),
    ),
    (
        include_str!("../../locales/id/admin-content.ftl"),
        include_str!("../../locales/en/admin-content.ftl"),
    ),
    (
        include_str!("../../locales/id/admin-reports.ftl"),
        include_str!("../../locales/en/admin-reports.ftl"),
    ),
    (
        include_str!("../../locales/id/admin-ops.ftl"),
        include_str!("../../locales/en/admin-ops.ftl"),
    ),
];

struct Bundles {
    id: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle<'a>(tag: &str, ftls: impl Iterator<Item = &'a str>) -> FluentBundle<FluentResource> {
    let mut b = FluentBundle::new_concurrent(vec![tag.parse().unwrap_or_default()]);
    // No Unicode isolation marks around arguments: they would end up in HTML attributes.
    b.set_use_isolating(false);
    for ftl in ftls {
        match FluentResource::try_new(ftl.to_owned()) {
            Ok(res) | Err((res, _)) => {
                let _ = b.add_resource(res);
            }
        }
    }
    b
}

fn bundles() -> &'static Bundles {
    static B: OnceLock<Bundles> = OnceLock::new();
    B.get_or_init(|| Bundles {
        id: bundle("id", FILES.iter().map(|(id, _)| *id)),
        en: bundle("en", FILES.iter().map(|(_, en)| *en)),
    })
}

fn format(lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
    let b = bundles();
    let order: [&FluentBundle<FluentResource>; 2] = match lang {
        Lang::En => [&b.en, &b.id],
        Lang::Id => [&b.id, &b.id],
    };
    for bundle in order {
        if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
            let mut errors = Vec::new();
            return bundle
                .format_pattern(pattern, args, &mut errors)
                .into_owned();
        }
    }
    key.to_owned()
}

/// The text for `key` in `lang`.
pub fn text(lang: Lang, key: &str) -> String {
    format(lang, key, None)
}

/// The text for `key` with named arguments (`{ $name }` in the Fluent file).
pub fn text_with(lang: Lang, key: &str, args: &[(&str, String)]) -> String {
    let mut fa = FluentArgs::new();
    for (k, v) in args {
        fa.set(*k, FluentValue::from(v.clone()));
    }
    format(lang, key, Some(&fa))
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

    fn keys(ftl: &str) -> Vec<String> {
        let mut k: Vec<String> = ftl
            .lines()
            .filter(|l| !l.starts_with([' ', '#', '\t']) && l.contains(" ="))
            .filter_map(|l| l.split(" =").next().map(str::to_owned))
            .collect();
        k.sort();
        k
    }

    #[test]
    fn both_languages_have_the_same_keys_and_parse() {
        let mut all = Vec::new();
        for (id, en) in FILES {
            assert_eq!(keys(id), keys(en));
            assert!(FluentResource::try_new((*id).to_owned()).is_ok());
            assert!(FluentResource::try_new((*en).to_owned()).is_ok());
            all.extend(keys(id));
        }
        let n = all.len();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), n, "a key is defined in two files");
        assert!(n > 20);
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
