//! One translation layer for every surface of Pustaka AR: the back office, the
//! web pages and the app.
//!
//! Texts are Fluent messages in `locales/{id,en}/*.ftl` folders: the server's in
//! `backend/locales`, the app's in `assets/locales`. The crate that shows them
//! compiles its own files in with `include_str!` and declares one [`Translator`]
//! per surface, so the app's browser build carries its own strings and nothing
//! else, and no surface reads a file at run time:
//!
//! ```
//! use pustaka_api::Lang;
//! use pustaka_i18n::{FtlFile, Translator};
//!
//! static TEXTS: Translator = Translator::new(&[FtlFile {
//!     name: "demo.ftl",
//!     id: "greeting = Halo, { $name }!\nonly-id = Hanya di sini",
//!     en: "greeting = Hello, { $name }!",
//! }]);
//!
//! assert_eq!(TEXTS.text_with(Lang::En, "greeting", [("name", "Sari")]), "Hello, Sari!");
//! // A message missing in English falls back to Indonesian, one missing
//! // everywhere shows its key.
//! assert_eq!(TEXTS.text(Lang::En, "only-id"), "Hanya di sini");
//! assert_eq!(TEXTS.text(Lang::En, "no-such-key"), "no-such-key");
//! // (`problems` reports the missing English message, for a test to fail on.)
//! assert_eq!(TEXTS.problems().len(), 1);
//! ```
//!
//! Bahasa Indonesia is the default and the fallback everywhere. [`negotiate`]
//! picks a page's language from `?lang=` and `Accept-Language` (with
//! `fluent-langneg`). Every language must hold the same messages:
//! [`Translator::problems`] and [`folder_problems`] say where they do not, and
//! the tests of this crate and of each surface fail on it.
#![deny(missing_docs)]

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;
use fluent_langneg::{NegotiationStrategy, accepted_languages, negotiate_languages};
use fluent_syntax::ast;
use pustaka_api::Lang;
use unic_langid::LanguageIdentifier;

pub use fluent_bundle::{FluentArgs, FluentValue};

/// Every language, the default ([`Lang::Id`]) first.
pub const LANGS: [Lang; 2] = [Lang::Id, Lang::En];

/// One Fluent file in every language, as the crate that owns it includes it:
/// `FtlFile { name: "web.ftl", id: include_str!("…/id/web.ftl"), en: include_str!("…/en/web.ftl") }`.
#[derive(Debug, Clone, Copy)]
pub struct FtlFile {
    /// The file's name, the same in every language folder (`web.ftl`).
    pub name: &'static str,
    /// Its Bahasa Indonesia text (`locales/id/{name}`).
    pub id: &'static str,
    /// Its English text (`locales/en/{name}`).
    pub en: &'static str,
}

impl FtlFile {
    /// The file's text in `lang`.
    pub fn source(&self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.id,
            Lang::En => self.en,
        }
    }
}

type Bundle = FluentBundle<FluentResource>;

/// The texts of one surface (the back office, the web pages, the app) in
/// every language: Fluent bundles built from its [`FtlFile`]s on first use.
///
/// Lookups fall back from the asked language to Bahasa Indonesia and then to
/// the key itself, so a missing text never panics and never shows blank.
pub struct Translator {
    files: &'static [FtlFile],
    bundles: OnceLock<[Bundle; LANGS.len()]>,
}

impl std::fmt::Debug for Translator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.files.iter().map(|file| file.name).collect();
        f.debug_struct("Translator").field("files", &names).finish()
    }
}

fn index(lang: Lang) -> usize {
    match lang {
        Lang::Id => 0,
        Lang::En => 1,
    }
}

/// The language identifier of a tag this crate writes itself (`"id"`, `"en"`).
fn langid(tag: &str) -> LanguageIdentifier {
    tag.parse().unwrap_or_default()
}

fn bundle(lang: Lang, files: &[FtlFile]) -> Bundle {
    let mut bundle = FluentBundle::new_concurrent(vec![langid(lang.tag())]);
    // No Unicode isolation marks around arguments: they would end up in HTML
    // attributes, confuse screen readers and egui's text layout, and our
    // arguments are codes, numbers and names, never right-to-left text.
    bundle.set_use_isolating(false);
    for file in files {
        // A file with errors still gives the messages that parsed (and the
        // tests fail on the errors); a duplicate keeps the first definition.
        let (Ok(resource) | Err((resource, _))) = FluentResource::try_new(file.source(lang).into());
        let _ = bundle.add_resource(resource);
    }
    bundle
}

impl Translator {
    /// A translator over `files` (each file in every language); nothing is
    /// parsed before the first lookup, so this can initialise a `static`.
    pub const fn new(files: &'static [FtlFile]) -> Self {
        Self {
            files,
            bundles: OnceLock::new(),
        }
    }

    /// The files this translator reads.
    pub fn files(&self) -> &'static [FtlFile] {
        self.files
    }

    fn bundle(&self, lang: Lang) -> &Bundle {
        let bundles = self
            .bundles
            .get_or_init(|| LANGS.map(|lang| bundle(lang, self.files)));
        &bundles[index(lang)]
    }

    /// The message `key` in `lang` with optional arguments (`{ $name }` in the
    /// file): from `lang`'s bundle, else Indonesian's, else `key` itself.
    pub fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for lang in [lang, Lang::Id] {
            let bundle = self.bundle(lang);
            if let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        key.to_owned()
    }

    /// The message `key` in `lang`, without arguments.
    pub fn text(&self, lang: Lang, key: &str) -> String {
        self.format(lang, key, None)
    }

    /// The message `key` in `lang` with named arguments: strings, or numbers
    /// for plural selectors (`[("count", 3)]`, `[("code", "BK0001")]`).
    pub fn text_with<'a, K, V>(
        &self,
        lang: Lang,
        key: &str,
        args: impl IntoIterator<Item = (K, V)>,
    ) -> String
    where
        K: Into<Cow<'a, str>>,
        V: Into<FluentValue<'a>>,
    {
        let args: FluentArgs<'a> = args.into_iter().collect();
        self.format(lang, key, Some(&args))
    }

    /// This translator's texts in one language, for a template
    /// (`{{ t.t("key") }}`) or a function that shows several.
    pub fn in_lang(&'static self, lang: Lang) -> Texts {
        Texts {
            translator: self,
            lang,
        }
    }

    /// What is wrong with the files, one line each: a parse error, a message
    /// or term defined twice, or one that a language lacks and another has.
    /// Empty when every language holds the same messages. Each surface's tests
    /// assert that this is empty.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut seen = BTreeSet::new();
        for file in self.files {
            problems.extend(file_problems(file.name, &|lang| {
                Some(file.source(lang).to_owned())
            }));
            let mut own = keys(file.id).unwrap_or_default();
            own.dedup();
            for key in own {
                if !seen.insert(key.clone()) {
                    problems.push(format!(
                        "{}: `{key}` is also defined in another file",
                        file.name
                    ));
                }
            }
        }
        problems
    }
}

/// One surface's texts in one language: what templates and UI code hold.
#[derive(Debug, Clone, Copy)]
pub struct Texts {
    translator: &'static Translator,
    lang: Lang,
}

impl Texts {
    /// The language of these texts.
    pub fn lang(&self) -> Lang {
        self.lang
    }

    /// The message `key` (see [`Translator::text`]).
    pub fn t(&self, key: &str) -> String {
        self.translator.text(self.lang, key)
    }

    /// The message `key` with named arguments (see [`Translator::text_with`]).
    pub fn t_with<'a, K, V>(&self, key: &str, args: impl IntoIterator<Item = (K, V)>) -> String
    where
        K: Into<Cow<'a, str>>,
        V: Into<FluentValue<'a>>,
    {
        self.translator.text_with(self.lang, key, args)
    }
}

/// The ids a Fluent text defines: messages, their attributes (`key.attr`) and
/// terms (`-term`), sorted; `Err` with the parse errors when it does not parse.
///
/// # Errors
/// The parser's errors, when the text is not valid Fluent.
pub fn keys(ftl: &str) -> Result<Vec<String>, String> {
    let resource =
        fluent_syntax::parser::parse(ftl).map_err(|(_, errors)| format!("{errors:?}"))?;
    let mut keys = Vec::new();
    for entry in resource.body {
        let (prefix, id, attributes) = match entry {
            ast::Entry::Message(m) => ("", m.id.name, m.attributes),
            ast::Entry::Term(t) => ("-", t.id.name, t.attributes),
            _ => continue,
        };
        let key = format!("{prefix}{id}");
        keys.extend(attributes.iter().map(|a| format!("{key}.{}", a.id.name)));
        keys.push(key);
    }
    keys.sort();
    Ok(keys)
}

/// The problems of one file whose text in each language `source` gives
/// (`None`: the language lacks the file).
fn file_problems(name: &str, source: &dyn Fn(Lang) -> Option<String>) -> Vec<String> {
    let mut problems = Vec::new();
    let mut all = Vec::new();
    for lang in LANGS {
        let Some(text) = source(lang) else {
            problems.push(format!("{}/{name}: missing", lang.tag()));
            continue;
        };
        match keys(&text) {
            Ok(keys) => {
                let mut sorted = keys.clone();
                sorted.dedup();
                if sorted.len() != keys.len() {
                    problems.push(format!("{}/{name}: a message is defined twice", lang.tag()));
                }
                all.push((lang, sorted));
            }
            Err(e) => problems.push(format!("{}/{name}: does not parse: {e}", lang.tag())),
        }
    }
    let union: BTreeSet<&String> = all.iter().flat_map(|(_, keys)| keys).collect();
    for (lang, keys) in &all {
        for key in &union {
            if keys.binary_search(key).is_err() {
                problems.push(format!("{}/{name}: `{key}` is missing", lang.tag()));
            }
        }
    }
    problems
}

/// What is wrong with a `locales` folder on disk (`backend/locales`,
/// `assets/locales`): a language folder that lacks a file another one has, or
/// any of [`Translator::problems`]' faults in a file. Empty when every
/// language holds the same files with the same messages. Tests call it on
/// every surface's folder, so a new file is checked before any code includes it.
pub fn folder_problems(locales: &Path) -> Vec<String> {
    let mut names = BTreeSet::new();
    for lang in LANGS {
        let Ok(dir) = std::fs::read_dir(locales.join(lang.tag())) else {
            return vec![format!("{}: no `{}` folder", locales.display(), lang.tag())];
        };
        for entry in dir.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.ends_with(".ftl") {
                names.insert(name);
            }
        }
    }
    if names.is_empty() {
        return vec![format!("{}: no .ftl files", locales.display())];
    }
    names
        .iter()
        .flat_map(|name| {
            file_problems(name, &|lang| {
                std::fs::read_to_string(locales.join(lang.tag()).join(name)).ok()
            })
        })
        .collect()
}

/// The language of a page: `?lang=` when it is `id` or `en`; else the
/// `Accept-Language` range of highest weight that Indonesian (`id`, or the
/// retired `in`) or English matches, as `fluent-langneg` matches ranges
/// (`en-GB` and `en` both give English); else Indonesian.
///
/// Ranges weighted `q=0` are refused; equal weights keep the header's order.
pub fn negotiate(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    match query {
        Some("id") => return Lang::Id,
        Some("en") => return Lang::En,
        _ => {}
    }
    // fluent-langneg reads the ranges in order and ignores weights, so order
    // them by weight first (a stable sort) and drop the refused ones.
    let mut weighted: Vec<(f32, LanguageIdentifier)> = accept_language
        .unwrap_or("")
        .split(',')
        .filter_map(|range| {
            let q = range
                .split(';')
                .skip(1)
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let id = accepted_languages::parse(range).pop()?;
            (q > 0.0).then_some((q, id))
        })
        .collect();
    weighted.sort_by(|a, b| b.0.total_cmp(&a.0));
    let requested: Vec<LanguageIdentifier> = weighted.into_iter().map(|(_, id)| id).collect();
    // `in` is Indonesian's code before 1989; some old phones still send it.
    let available = [langid("id"), langid("en"), langid("in")];
    let chosen = negotiate_languages(
        &requested,
        &available,
        Some(&available[0]),
        NegotiationStrategy::Lookup,
    );
    match chosen.first().map(|id| id.language.as_str()) {
        Some("en") => Lang::En,
        _ => Lang::Id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_negotiation() {
        assert_eq!(negotiate(None, None), Lang::Id);
        assert_eq!(negotiate(Some("en"), Some("id")), Lang::En);
        assert_eq!(negotiate(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(negotiate(None, Some("en;q=0.5, id;q=0.8")), Lang::Id);
        assert_eq!(negotiate(None, Some("fr, de")), Lang::Id);
        assert_eq!(negotiate(None, Some("en;q=0")), Lang::Id);
        assert_eq!(negotiate(Some("xx"), Some("en")), Lang::En);
    }

    #[test]
    fn negotiation_matches_ranges_and_old_codes() {
        assert_eq!(negotiate(None, Some("in-ID, en;q=0.9")), Lang::Id);
        assert_eq!(
            negotiate(None, Some("fr-FR, en-GB;q=0.8, id;q=0.7")),
            Lang::En
        );
        assert_eq!(negotiate(None, Some("EN")), Lang::En);
        assert_eq!(negotiate(None, Some("*")), Lang::Id);
        assert_eq!(negotiate(None, Some("en;q=0.8, id;q=0.8")), Lang::En);
        assert_eq!(negotiate(None, Some("id;q=0, en;q=0.1")), Lang::En);
        assert_eq!(negotiate(None, Some(",,;q=,en-Latn-US")), Lang::En);
    }

    static DEMO: Translator = Translator::new(&[FtlFile {
        name: "demo.ftl",
        id: "hi = Halo { $name }\ncount = { $n ->\n    [0] Belum ada\n   *[other] { $n } kode\n}\n",
        en: "hi = Hello { $name }\ncount = { $n ->\n    [one] One code\n   *[other] { $n } codes\n}\n",
    }]);

    #[test]
    fn formats_arguments_and_plurals_without_isolation_marks() {
        assert_eq!(
            DEMO.text_with(Lang::Id, "hi", [("name", "Sari")]),
            "Halo Sari"
        );
        assert_eq!(DEMO.text_with(Lang::En, "count", [("n", 1)]), "One code");
        assert_eq!(DEMO.text_with(Lang::En, "count", [("n", 4)]), "4 codes");
        assert_eq!(
            DEMO.in_lang(Lang::Id).t_with("count", [("n", 0)]),
            "Belum ada"
        );
        assert!(DEMO.problems().is_empty(), "{:?}", DEMO.problems());
    }

    #[test]
    fn problems_name_missing_duplicate_and_broken_messages() {
        static BAD: Translator = Translator::new(&[
            FtlFile {
                name: "a.ftl",
                id: "a = A\nb = B\n",
                en: "a = A\n-term = T\n",
            },
            FtlFile {
                name: "b.ftl",
                id: "a = again\n",
                en: "a = { broken\n",
            },
        ]);
        let problems = BAD.problems().join("\n");
        assert!(problems.contains("en/a.ftl: `b` is missing"), "{problems}");
        assert!(
            problems.contains("id/a.ftl: `-term` is missing"),
            "{problems}"
        );
        assert!(
            problems.contains("b.ftl: `a` is also defined"),
            "{problems}"
        );
        assert!(problems.contains("en/b.ftl: does not parse"), "{problems}");
    }

    /// Every surface's folder: the same files and messages in every language.
    #[test]
    fn every_language_holds_the_same_messages_on_every_surface() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for folder in ["backend/locales", "assets/locales"] {
            let problems = folder_problems(&root.join(folder));
            assert!(problems.is_empty(), "{folder}:\n{}", problems.join("\n"));
        }
    }
}
