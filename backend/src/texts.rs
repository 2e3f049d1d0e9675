//! The public texts: the Fluent messages of `backend/locales/{id,en}/web.ftl`
//! that the web pages ([`crate::web`]) show and the API's event overlays
//! share (an event's time in words). Below both, so neither imports the other
//! for them.

use std::fmt::Write as _;

use pustaka_api::Lang;
use pustaka_i18n::{FtlFile, Translator};

/// The web pages' texts (`backend/locales/{id,en}/web.ftl`): what the
/// templates show through [`pustaka_i18n::Texts`] and what [`human_when`] writes.
pub static TEXTS: Translator = Translator::new(&[FtlFile {
    name: "web.ftl",
    id: include_str!("../locales/id/web.ftl"),
    en: include_str!("../locales/en/web.ftl"),
}]);

/// An event's time in words, in WIB, with the day and month names of the
/// language's locale (chrono's `format_localized`) and the patterns of
/// `web.ftl`: "Sabtu, 5 Desember 2026, 09.00–10.30 WIB" /
/// "Saturday, 5 December 2026, 09:00–10:30 WIB"; the end's date is written
/// too when the event ends on another day. A new event without a date yet
/// reads "Tanggal belum diisi" / "No date yet".
pub fn human_when(lang: Lang, starts: &str, ends: &str) -> String {
    if starts.is_empty() && ends.is_empty() {
        return TEXTS.text(lang, "when-unset");
    }
    let (Ok(s), Ok(e)) = (
        crate::wib::parse_stored(starts),
        crate::wib::parse_stored(ends),
    ) else {
        return format!("{starts} – {ends}");
    };
    let (s, e) = (
        s.with_timezone(&crate::wib::wib()),
        e.with_timezone(&crate::wib::wib()),
    );
    let locale = chrono::Locale::try_from(TEXTS.text(lang, "locale").as_str())
        .unwrap_or(chrono::Locale::id_ID);
    let end_pattern = if s.date_naive() == e.date_naive() {
        "when-end-same-day"
    } else {
        "when-end-other-day"
    };
    // A pattern chrono cannot read fails the write instead of panicking.
    let local = |t: chrono::DateTime<chrono::FixedOffset>, pattern: &str| {
        let mut out = String::new();
        write!(
            out,
            "{}",
            t.format_localized(&TEXTS.text(lang, pattern), locale)
        )
        .ok()?;
        Some(out)
    };
    let (Some(start), Some(end)) = (local(s, "when-start"), local(e, end_pattern)) else {
        tracing::error!(
            lang = lang.tag(),
            "web.ftl has an unreadable event time pattern"
        );
        return format!("{starts} – {ends}");
    };
    TEXTS.text_with(lang, "when", [("start", start), ("end", end)])
}

/// One moment in words, in WIB: "8 Desember 2026, 08.32 WIB" /
/// "8 December 2026, 08:32 WIB" (`when-instant` in `web.ftl`); `at` is RFC
/// 3339 with any offset (the audit log's UTC times); unreadable input is
/// returned as it is.
pub fn human_instant(lang: Lang, at: &str) -> String {
    let Ok(t) = chrono::DateTime::parse_from_rfc3339(at) else {
        return at.to_owned();
    };
    let t = t.with_timezone(&crate::wib::wib());
    let locale = chrono::Locale::try_from(TEXTS.text(lang, "locale").as_str())
        .unwrap_or(chrono::Locale::id_ID);
    let mut out = String::new();
    if write!(
        out,
        "{}",
        t.format_localized(&TEXTS.text(lang, "when-instant"), locale)
    )
    .is_err()
    {
        return at.to_owned();
    }
    out.push_str(" WIB");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_naturally() {
        let s = "2026-12-05T09:00:00+07:00";
        let e = "2026-12-05T10:30:00+07:00";
        assert_eq!(
            human_when(Lang::Id, s, e),
            "Sabtu, 5 Desember 2026, 09.00–10.30 WIB"
        );
        assert_eq!(
            human_when(Lang::En, s, e),
            "Saturday, 5 December 2026, 09:00–10:30 WIB"
        );
    }

    #[test]
    fn dates_over_two_days_name_both_and_convert_to_wib() {
        // 23:00 UTC is 06:00 WIB the next day.
        let s = "2026-12-03T23:00:00Z";
        let e = "2026-12-05T12:00:00+07:00";
        assert_eq!(
            human_when(Lang::Id, s, e),
            "Jumat, 4 Desember 2026, 06.00–5 Desember 2026, 12.00 WIB"
        );
        assert_eq!(
            human_when(Lang::En, s, e),
            "Friday, 4 December 2026, 06:00–5 December 2026, 12:00 WIB"
        );
        assert_eq!(human_when(Lang::En, "soon", e), format!("soon – {e}"));
    }
}
