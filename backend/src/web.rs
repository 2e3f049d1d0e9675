//! The web fallback page `GET /m/{code}` for phones without the app: an
//! accessible HTML page (askama templates, everything escaped) with Open Graph
//! and Twitter-card meta so shared links preview. Bahasa Indonesia by default,
//! English by `?lang=en` or `Accept-Language`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use pustaka_api::{Lang, MediaKind, MediaRole};
use pustaka_markers::payload::MarkerCode;
use serde::Deserialize;

use crate::db::content::{self as q, View};
use crate::rendered::Rendered;
use crate::startup::AppState;

pub mod ar;
pub mod home;

/// Fixed texts of the page in one language.
pub struct Labels {
    library: &'static str,
    skip: &'static str,
    nav_label: &'static str,
    other_lang_name: &'static str,
    footer: &'static str,
    video: &'static str,
    download_video: &'static str,
    event_details: &'static str,
    when: &'static str,
    where_: &'static str,
    audience: &'static str,
    add_to_calendar: &'static str,
    register: &'static str,
    details: &'static str,
    read_ebook: &'static str,
    share: &'static str,
    synopsis: &'static str,
    about_shelf: &'static str,
    featured: &'static str,
    about_event: &'static str,
    narration: &'static str,
    kind_title: &'static str,
    kind_shelf: &'static str,
    kind_event: &'static str,
    kind_tour_stop: &'static str,
    cover_of: &'static str,
    call_number: &'static str,
    location: &'static str,
    isbn: &'static str,
    subjects: &'static str,
    not_found_title: &'static str,
    not_found_body: &'static str,
    view_ar: &'static str,
}

const ID: Labels = Labels {
    library: "Perpustakaan Kota Metro",
    skip: "Langsung ke isi",
    nav_label: "Navigasi utama",
    other_lang_name: "English",
    footer: "Perpustakaan Kota Metro, Lampung · Pindai kode di rak dengan aplikasi Pustaka AR.",
    video: "Video",
    download_video: "Unduh video",
    event_details: "Rincian acara",
    when: "Waktu",
    where_: "Tempat",
    audience: "Untuk",
    add_to_calendar: "Tambahkan ke kalender",
    register: "Daftar",
    details: "Keterangan",
    read_ebook: "Baca e-book",
    share: "Bagikan",
    synopsis: "Sinopsis",
    about_shelf: "Tentang rak ini",
    featured: "Pilihan di rak ini",
    about_event: "Tentang acara",
    narration: "Cerita",
    kind_title: "Buku",
    kind_shelf: "Rak",
    kind_event: "Acara",
    kind_tour_stop: "Tur membaca",
    cover_of: "Sampul buku",
    call_number: "Nomor panggil",
    location: "Lokasi",
    isbn: "ISBN",
    subjects: "Subjek",
    not_found_title: "Kode tidak ditemukan",
    not_found_body: "Maaf, kode ini tidak dikenal atau sudah tidak aktif. Tanyakan kepada pustakawan di meja layanan.",
    view_ar: "Lihat dengan kamera AR",
};

const EN: Labels = Labels {
    library: "Metro City Library",
    skip: "Skip to content",
    nav_label: "Main navigation",
    other_lang_name: "Bahasa Indonesia",
    footer: "Metro City Library, Lampung · Scan the codes on the shelves with the Pustaka AR app.",
    video: "Video",
    download_video: "Download the video",
    event_details: "Event details",
    when: "When",
    where_: "Where",
    audience: "For",
    add_to_calendar: "Add to calendar",
    register: "Register",
    details: "Details",
    read_ebook: "Read the e-book",
    share: "Share",
    synopsis: "Synopsis",
    about_shelf: "About this shelf",
    featured: "Featured on this shelf",
    about_event: "About the event",
    narration: "Story",
    kind_title: "Book",
    kind_shelf: "Shelf",
    kind_event: "Event",
    kind_tour_stop: "Reading tour",
    cover_of: "Cover of",
    call_number: "Call number",
    location: "Location",
    isbn: "ISBN",
    subjects: "Subjects",
    not_found_title: "Code not found",
    not_found_body: "Sorry, this code is unknown or no longer active. Please ask a librarian at the service desk.",
    view_ar: "View with the AR camera",
};

fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::Id => &ID,
        Lang::En => &EN,
    }
}

/// One of a shelf's featured titles as its page lists it.
pub struct FeaturedItem {
    /// Title as displayed (MARC 245 $a $b).
    title: String,
    /// Main author (MARC 100).
    author: Option<String>,
    /// Call number, e.g. `398.2 KAN s`.
    call_number: Option<String>,
    /// The title's own page (`/m/{code}?lang=`, in the page's language) when
    /// an active marker points at it; `None` lists it without a link.
    url: Option<String>,
}

/// An image on the page.
pub struct PageImage {
    url: String,
    alt: String,
    width: Option<u32>,
    height: Option<u32>,
}

/// A video on the page.
pub struct PageVideo {
    url: String,
    mime: String,
    poster: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
}

/// Event details on the page.
pub struct PageEvent {
    starts_at: String,
    when: String,
    place: String,
    audience: Option<String>,
    calendar_url: String,
    registration_url: Option<String>,
}

#[derive(Template)]
#[template(path = "marker.html")]
struct MarkerPage<'a> {
    lang: &'static str,
    l: &'static Labels,
    home_url: String,
    other_lang: &'static str,
    other_lang_url: String,
    og_locale: &'static str,
    og_type: &'static str,
    page_url: String,
    kind_label: &'static str,
    heading: String,
    subtitle: Option<String>,
    description: String,
    body_heading: &'a str,
    paragraphs: Vec<String>,
    image: Option<PageImage>,
    video: Option<PageVideo>,
    event: Option<PageEvent>,
    details: Vec<(&'static str, String)>,
    /// A shelf's featured titles.
    featured: Vec<FeaturedItem>,
    ebook_url: Option<String>,
    /// The AR web app with this code highlighted, in the page's language.
    ar_url: String,
    share_whatsapp: String,
    share_facebook: String,
    share_x: String,
}

#[derive(Template)]
#[template(path = "not_found.html")]
struct NotFoundPage {
    lang: &'static str,
    l: &'static Labels,
    home_url: String,
    other_lang: &'static str,
    other_lang_url: String,
}

/// Query string of the page.
#[derive(Debug, Deserialize)]
pub struct PageQueryParams {
    /// `id` or `en`; overrides `Accept-Language`.
    pub lang: Option<String>,
}

/// The page language: `?lang=` when it names `id` or `en`, else the
/// `Accept-Language` entry with the highest weight among Indonesian (`id`, or
/// the old `in`) and English, else Indonesian.
pub fn choose_lang(query: Option<&str>, accept_language: Option<&str>) -> Lang {
    match query {
        Some("en") => return Lang::En,
        Some("id") => return Lang::Id,
        _ => {}
    }
    let mut best: Option<(f32, Lang)> = None;
    for part in accept_language.unwrap_or("").split(',') {
        let mut pieces = part.split(';');
        let tag = pieces.next().unwrap_or("").trim().to_ascii_lowercase();
        let primary = tag.split('-').next().unwrap_or("");
        let lang = match primary {
            "id" | "in" => Lang::Id,
            "en" => Lang::En,
            _ => continue,
        };
        let q = pieces
            .find_map(|p| p.trim().strip_prefix("q="))
            .and_then(|v| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, lang));
        }
    }
    best.map_or(Lang::Id, |(_, l)| l)
}

/// Percent-encodes a string for a URL query value (RFC 3986 unreserved kept).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

const DAYS_ID: [&str; 7] = [
    "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu",
];
const MONTHS_ID: [&str; 12] = [
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
];

/// "Sabtu, 5 Desember 2026, 09.00–10.30 WIB" / "Saturday, 5 December 2026, 09:00–10:30 WIB".
pub fn human_when(lang: Lang, starts: &str, ends: &str) -> String {
    use chrono::{Datelike, Timelike};
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
    let same_day = s.date_naive() == e.date_naive();
    match lang {
        Lang::Id => {
            let day = DAYS_ID[s.weekday().num_days_from_monday() as usize];
            let month = MONTHS_ID[s.month0() as usize];
            let end = if same_day {
                format!("{:02}.{:02}", e.hour(), e.minute())
            } else {
                format!(
                    "{} {} {}, {:02}.{:02}",
                    e.day(),
                    MONTHS_ID[e.month0() as usize],
                    e.year(),
                    e.hour(),
                    e.minute()
                )
            };
            format!(
                "{day}, {} {month} {}, {:02}.{:02}–{end} WIB",
                s.day(),
                s.year(),
                s.hour(),
                s.minute()
            )
        }
        Lang::En => {
            let end = if same_day {
                e.format("%H:%M").to_string()
            } else {
                e.format("%-d %B %Y, %H:%M").to_string()
            };
            format!("{}–{end} WIB", s.format("%A, %-d %B %Y, %H:%M"))
        }
    }
}

fn html(status: StatusCode, body: impl Into<axum::body::Body>, lang: Lang) -> Response {
    (
        status,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (
                header::CONTENT_LANGUAGE,
                HeaderValue::from_static(lang.tag()),
            ),
            (header::VARY, HeaderValue::from_static("Accept-Language")),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=60"),
            ),
        ],
        body.into(),
    )
        .into_response()
}

/// The Indonesian 404 page (also used for malformed codes: a visitor typing a
/// URL gets the same friendly page).
fn not_found_page(base: &str, path: &str) -> Response {
    let page = NotFoundPage {
        lang: "id",
        l: &ID,
        home_url: format!("{base}/"),
        other_lang: "en",
        other_lang_url: format!("{base}{path}?lang=en"),
    };
    match page.render() {
        Ok(body) => html(StatusCode::NOT_FOUND, body, Lang::Id),
        Err(e) => {
            tracing::error!(error = %e, "404 template failed");
            (StatusCode::NOT_FOUND, "Kode tidak ditemukan").into_response()
        }
    }
}

fn paragraphs(text: Option<String>) -> Vec<String> {
    text.map(|t| {
        t.split("\n\n")
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

fn first_sentence_or(text: &[String], fallback: &str) -> String {
    let joined = text.join(" ");
    let trimmed: String = joined.chars().take(200).collect();
    if trimmed.is_empty() {
        fallback.to_owned()
    } else if joined.chars().count() > 200 {
        format!("{trimmed}…")
    } else {
        trimmed
    }
}

/// `GET /m/{code}`: the page for a code, or the Indonesian 404 page.
#[tracing::instrument(skip(state, headers))]
pub async fn marker_page(
    State(state): State<AppState>,
    Path(raw): Path<String>,
    Query(p): Query<PageQueryParams>,
    headers: HeaderMap,
) -> Response {
    let base = state.public_url.to_string();
    let Ok(code) = MarkerCode::parse(&raw) else {
        return not_found_page(&base, "/");
    };
    let path = format!("/m/{code}");
    let lang = choose_lang(
        p.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
    if let Some(hit) = state.rendered.get(Rendered::Page, code.as_str(), lang) {
        return page_response(&headers, hit.body.clone(), &hit.etag, lang);
    }
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        state.rendered.forget(Rendered::Page, code.as_str(), lang);
        tracing::error!(error = %e, "{what}");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    };
    match build_page(&state, &code, lang).await {
        Ok(Some(page)) => match page.render() {
            Ok(body) => {
                let body = Bytes::from(body);
                let etag = crate::api::etag_for(&body);
                state.rendered.put(
                    Rendered::Page,
                    code.as_str().to_owned(),
                    lang,
                    body.clone(),
                    etag.clone(),
                );
                page_response(&headers, body, &etag, lang)
            }
            Err(e) => failed("marker template failed", &e),
        },
        Ok(None) => {
            state.rendered.forget(Rendered::Page, code.as_str(), lang);
            not_found_page(&base, &path)
        }
        Err(e) => failed("marker page query failed", &e),
    }
}

/// A code's page (fresh or from [`crate::rendered`]) with its `ETag`; `304`
/// when the browser's `If-None-Match` already holds it.
fn page_response(headers: &HeaderMap, body: Bytes, etag: &str, lang: Lang) -> Response {
    let mut response = if crate::api::if_none_match_hits(headers, etag) {
        html(StatusCode::NOT_MODIFIED, Bytes::new(), lang)
    } else {
        html(StatusCode::OK, body, lang)
    };
    if let Ok(value) = HeaderValue::from_str(etag) {
        response.headers_mut().insert(header::ETAG, value);
    }
    if response.status() == StatusCode::NOT_MODIFIED {
        response.headers_mut().remove(header::CONTENT_TYPE);
    }
    response
}

async fn build_page<'a>(
    state: &'a AppState,
    code: &MarkerCode,
    lang: Lang,
) -> sqlx::Result<Option<MarkerPage<'a>>> {
    let base = &*state.public_url;
    let Some(m) = crate::db::marker_by_code(&state.db, code.as_str())
        .await?
        .filter(|m| m.active)
    else {
        return Ok(None);
    };
    let view = View {
        lang,
        base_url: base,
    };
    let l = labels(lang);
    let page_url = format!("{base}/m/{}", m.code);
    let other_lang = lang.other();
    let media = q::media_for(&state.db, &view, &m.target_kind, m.target_id).await?;
    let image_of = |roles: &[MediaRole], alt: String| {
        media
            .iter()
            .find(|r| r.kind == MediaKind::Image && roles.contains(&r.role))
            .map(|r| PageImage {
                url: r.url.clone(),
                alt: r.alt.clone().unwrap_or(alt),
                width: r.width,
                height: r.height,
            })
    };
    let video = media
        .iter()
        .find(|r| r.kind == MediaKind::Video)
        .map(|r| PageVideo {
            url: r.url.clone(),
            mime: r.mime.clone(),
            poster: r.preview_url.clone(),
            width: r.width,
            height: r.height,
        });
    let mut details = Vec::new();
    let mut featured = Vec::new();
    let subtitle;
    let mut event = None;
    let mut ebook_url = None;
    let (kind_label, og_type, heading, body, body_heading, image) = match m.target_kind.as_str() {
        "title" => {
            let Some(t) = q::title_detail(&state.db, &view, m.target_id).await? else {
                return Ok(None);
            };
            subtitle = (!t.authors.is_empty()).then(|| t.authors.join("; "));
            if let Some(c) = t.call_number {
                details.push((l.call_number, c));
            }
            if let Some(i) = t.isbn13 {
                details.push((l.isbn, i));
            }
            if !t.subjects.is_empty() {
                details.push((l.subjects, t.subjects.join("; ")));
            }
            ebook_url = t.ebook_url;
            let alt = format!("{} {}", l.cover_of, t.title);
            (
                l.kind_title,
                "book",
                t.title,
                t.synopsis,
                l.synopsis,
                image_of(&[MediaRole::Cover], alt),
            )
        }
        "shelf" => {
            let Some(s) = q::shelf(&state.db, &view, m.target_id).await? else {
                return Ok(None);
            };
            if let Some(loc) = s.location.clone() {
                details.push((l.location, loc));
            }
            if let Some(c) = s.class_range {
                details.push((l.call_number, c));
            }
            subtitle = s.location;
            for t in s.featured {
                let code = crate::db::active_code_for(&state.db, "title", t.id).await?;
                featured.push(FeaturedItem {
                    title: t.title,
                    author: t.author,
                    call_number: t.call_number,
                    url: code.map(|c| format!("{base}/m/{c}?lang={}", lang.tag())),
                });
            }
            let alt = s.name.clone();
            (
                l.kind_shelf,
                "website",
                s.name,
                s.description,
                l.about_shelf,
                image_of(&[MediaRole::Cover, MediaRole::Poster], alt),
            )
        }
        "event" => {
            let Some(row) = q::event_row(&state.db, m.target_id).await? else {
                return Ok(None);
            };
            let e = q::event_response(&state.db, &view, row).await?;
            event = Some(PageEvent {
                when: human_when(lang, &e.starts_at, &e.ends_at),
                starts_at: e.starts_at.clone(),
                place: e.place.clone(),
                audience: e.audience.clone(),
                calendar_url: format!("{}?lang={}", e.calendar_url, lang.tag()),
                registration_url: e.registration_url.clone(),
            });
            subtitle = Some(e.place.clone());
            let alt = format!("Poster: {}", e.title);
            (
                l.kind_event,
                "website",
                e.title,
                e.description,
                l.about_event,
                image_of(&[MediaRole::Poster], alt),
            )
        }
        "tour_stop" => {
            let overlay = match crate::api::markers::overlay_for(&state.db, &view, m.clone()).await
            {
                Ok(o) => o,
                // A database failure is the page's 500; anything else (the
                // stop was unpublished meanwhile) means there is no page.
                Err(crate::error::AppError::Internal(e)) => match e.downcast::<sqlx::Error>() {
                    Ok(db) => return Err(db),
                    Err(_) => return Ok(None),
                },
                Err(_) => return Ok(None),
            };
            subtitle = overlay.subtitle.clone();
            let alt = overlay.title.clone();
            (
                l.kind_tour_stop,
                "website",
                overlay.title,
                overlay.body,
                l.narration,
                image_of(&[MediaRole::Badge, MediaRole::Cover], alt),
            )
        }
        _ => return Ok(None),
    };
    let paragraphs = paragraphs(body);
    let description = first_sentence_or(&paragraphs, &heading);
    let share_text = format!("{heading} — {}", l.library);
    let ar_url = ar_url(base, Some(&m.code), lang);
    Ok(Some(MarkerPage {
        lang: lang.tag(),
        l,
        home_url: format!("{base}/"),
        other_lang: other_lang.tag(),
        other_lang_url: format!("{page_url}?lang={}", other_lang.tag()),
        og_locale: match lang {
            Lang::Id => "id_ID",
            Lang::En => "en_US",
        },
        og_type,
        share_whatsapp: format!(
            "https://wa.me/?text={}",
            url_encode(&format!("{share_text} {page_url}"))
        ),
        share_facebook: format!(
            "https://www.facebook.com/sharer/sharer.php?u={}",
            url_encode(&page_url)
        ),
        share_x: format!(
            "https://x.com/intent/post?text={}&url={}",
            url_encode(&share_text),
            url_encode(&page_url)
        ),
        page_url,
        kind_label,
        heading,
        subtitle,
        description,
        body_heading,
        paragraphs,
        image,
        video,
        event,
        details,
        featured,
        ebook_url,
        ar_url,
    }))
}

/// The AR web app's address (`/ar/`), with the code to highlight and the
/// page's language: `{base}/ar/?code=BK0001&lang=id`.
pub fn ar_url(base: &str, code: Option<&str>, lang: Lang) -> String {
    match code {
        Some(c) => format!("{base}{}?code={c}&lang={}", ar::AR_PREFIX, lang.tag()),
        None => format!("{base}{}?lang={}", ar::AR_PREFIX, lang.tag()),
    }
}

/// Fallback for any other path under `/m/` (e.g. `/m/a/b`): the 404 page.
pub async fn marker_page_fallback(State(state): State<AppState>) -> Response {
    not_found_page(&state.public_url, "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_negotiation() {
        assert_eq!(choose_lang(None, None), Lang::Id);
        assert_eq!(choose_lang(Some("en"), Some("id")), Lang::En);
        assert_eq!(choose_lang(None, Some("en-US,en;q=0.9")), Lang::En);
        assert_eq!(choose_lang(None, Some("en;q=0.5, id;q=0.8")), Lang::Id);
        assert_eq!(choose_lang(None, Some("fr, de")), Lang::Id);
        assert_eq!(choose_lang(None, Some("en;q=0")), Lang::Id);
        assert_eq!(choose_lang(Some("xx"), Some("en")), Lang::En);
    }

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
    fn url_encoding_escapes_reserved() {
        assert_eq!(url_encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
