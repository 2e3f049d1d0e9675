//! The web fallback page `GET /m/{code}` for phones without the app: an
//! accessible HTML page (askama templates, everything escaped) with Open Graph
//! and Twitter-card meta so shared links preview. Bahasa Indonesia by default,
//! English by `?lang=en` or `Accept-Language` ([`page_lang`](crate::web::page_lang)).
//!
//! The fixed texts of these pages, of [`home`](crate::web::home) and of
//! [`ar`](crate::web::ar) are the Fluent messages of
//! `backend/locales/{id,en}/web.ftl` ([`TEXTS`](crate::texts::TEXTS)); templates
//! read them through a [`Texts`](pustaka_i18n::Texts) in the page's language:
//! `{{ t.t("share") }}`.

use askama::Template;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use pustaka_api::{Lang, MediaKind, MediaName, MediaRole};
use pustaka_i18n::Texts;
use pustaka_markers::payload::MarkerCode;
use serde::Deserialize;

use crate::db::content::{self as q, View};
use crate::rendered::Rendered;
use crate::startup::AppState;

pub mod ar;
pub mod home;

pub use crate::texts::{TEXTS, human_when};

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
    /// The stored image (what link previews get).
    url: String,
    /// What `<img src>` loads where `srcset` is not understood: a copy at
    /// most [`IMG_FALLBACK_PX`] wide when there is one, else `url`.
    src: String,
    /// The narrower copies and the image itself (`srcset`), empty when
    /// there are none.
    srcset: String,
    alt: String,
    width: Option<u32>,
    height: Option<u32>,
}

/// Widest copy an `<img>` without `srcset` support loads, pixels.
pub const IMG_FALLBACK_PX: u32 = 640;
/// The `sizes` of a code page's picture: it is shown at most 20rem (320 CSS
/// px) wide (`img.picture` in `templates/base.html`), so a phone at 1×, 2×
/// or 3× density loads the 320, 640 or 960 px copy.
pub const IMG_SIZES: &str = "20rem";

/// Gives `img` its phone-sized copies ([`crate::media::widths`], made now
/// when missing). A failure leaves the picture as it is, logged.
async fn with_widths(state: &AppState, img: &mut PageImage) {
    let Some(width) = img.width else { return };
    let Ok(name) = MediaName::from_url(&img.url) else {
        return;
    };
    match crate::media::widths::ensure(&state.db, state.store.clone(), &name, width).await {
        Ok(sized) if !sized.is_empty() => {
            let base = &*state.public_url;
            img.srcset = crate::media::widths::srcset(base, &sized, &img.url, width);
            if let Some(s) = sized.iter().rev().find(|s| s.width <= IMG_FALLBACK_PX) {
                img.src = format!("{base}/media/{}", s.name.file_name());
            }
        }
        Ok(_) => {}
        Err(e) => tracing::warn!(error = %e, image = %img.url, "no phone-sized copies"),
    }
}

/// A video on the page.
pub struct PageVideo {
    url: String,
    mime: String,
    poster: Option<String>,
    width: Option<u32>,
    height: Option<u32>,
    /// Caption tracks: language tag, the language's name, `WebVTT` URL.
    captions: Vec<(&'static str, String, String)>,
}

/// A recording on the page (narration of a tour stop or a title), played
/// with the browser's own `<audio controls>`.
pub struct PageAudio {
    url: String,
    mime: String,
    /// What it is, e.g. "Narasi perhentian 2".
    label: String,
}

/// Event details on the page.
pub struct PageEvent {
    /// Whether it has ended (the page says "Acara sudah lewat" and offers no
    /// calendar entry or registration).
    over: bool,
    starts_at: String,
    when: String,
    place: String,
    audience: Option<String>,
    calendar_url: String,
    /// Google Calendar's "add event" link ([`crate::calendar::google_calendar_url`]).
    google_calendar_url: Option<String>,
    registration_url: Option<String>,
}

#[derive(Template)]
#[template(path = "marker.html")]
struct MarkerPage {
    lang: &'static str,
    t: Texts,
    home_url: String,
    other_lang: &'static str,
    other_lang_url: String,
    og_type: &'static str,
    page_url: String,
    kind_label: String,
    heading: String,
    subtitle: Option<String>,
    description: String,
    body_heading: String,
    paragraphs: Vec<String>,
    image: Option<PageImage>,
    video: Option<PageVideo>,
    audio: Option<PageAudio>,
    event: Option<PageEvent>,
    details: Vec<(String, String)>,
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
    t: Texts,
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

/// The page language: `?lang=` (`id` or `en`), else the request's
/// `Accept-Language`, else Indonesian ([`pustaka_i18n::negotiate`]).
pub fn page_lang(query: Option<&str>, headers: &HeaderMap) -> Lang {
    let accept = headers
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok());
    pustaka_i18n::negotiate(query, accept)
}

/// The site's icon (the AR app's own, drawn for Pustaka AR), SVG.
const FAVICON_SVG: &[u8] = include_bytes!("../../mobile/web/static/icons/icon.svg");

/// `GET /favicon.svg` and `GET /favicon.ico`: the site's icon as SVG (the
/// browsers we serve read SVG at either path), cached for a day.
pub async fn favicon() -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("image/svg+xml"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=86400"),
            ),
        ],
        FAVICON_SVG,
    )
        .into_response()
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
/// The 404 page in `lang` (a visitor's language follows them to a code
/// that does not exist), with a link to the same path in the other language.
fn not_found_page(base: &str, path: &str, lang: Lang) -> Response {
    let other = lang.other();
    let page = NotFoundPage {
        lang: lang.tag(),
        t: TEXTS.in_lang(lang),
        home_url: format!("{base}/?lang={}", lang.tag()),
        other_lang: other.tag(),
        other_lang_url: format!("{base}{path}?lang={}", other.tag()),
    };
    match page.render() {
        Ok(body) => html(StatusCode::NOT_FOUND, body, lang),
        Err(e) => {
            tracing::error!(error = %e, "404 template failed");
            let title = TEXTS.text(lang, "not-found-title");
            (StatusCode::NOT_FOUND, title).into_response()
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

/// `GET /m/{code}`: the page for a code, or the Indonesian 404 page. A view
/// answered with the page (`200` or `304`) by a browser counts as a visit of
/// the code ([`crate::api::scans::WebVisits`]: bots and link previews not,
/// repeats within 30 s once).
#[tracing::instrument(skip(state, headers))]
pub async fn marker_page(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<std::net::SocketAddr>,
    Path(raw): Path<String>,
    Query(p): Query<PageQueryParams>,
    headers: HeaderMap,
) -> Response {
    let base = state.public_url.to_string();
    let Ok(code) = MarkerCode::parse(&raw) else {
        return not_found_page(&base, "/", page_lang(p.lang.as_deref(), &headers));
    };
    let response = marker_page_for(&state, &code, p.lang.as_deref(), &headers).await;
    if matches!(response.status(), StatusCode::OK | StatusCode::NOT_MODIFIED)
        && state
            .web_visits
            .is_new_visit(peer.ip(), &headers, code.as_str())
        && let Err(e) = crate::api::scans::record_web_visit(&state.db, code.as_str()).await
    {
        // The visitor still gets the page; the count misses one visit.
        tracing::warn!(error = %e, "web visit not counted");
    }
    response
}

async fn marker_page_for(
    state: &AppState,
    code: &MarkerCode,
    lang: Option<&str>,
    headers: &HeaderMap,
) -> Response {
    let base = state.public_url.to_string();
    let path = format!("/m/{code}");
    let lang = page_lang(lang, headers);
    if let Some(hit) = state.rendered.get(Rendered::Page, code.as_str(), lang) {
        return page_response(headers, hit.body.clone(), &hit.etag, lang);
    }
    let failed = |what: &str, e: &dyn std::fmt::Display| {
        state.rendered.forget(Rendered::Page, code.as_str(), lang);
        tracing::error!(error = %e, "{what}");
        (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
    };
    match build_page(state, code, lang).await {
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
                page_response(headers, body, &etag, lang)
            }
            Err(e) => failed("marker template failed", &e),
        },
        Ok(None) => {
            state.rendered.forget(Rendered::Page, code.as_str(), lang);
            not_found_page(&base, &path, lang)
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

async fn build_page(
    state: &AppState,
    code: &MarkerCode,
    lang: Lang,
) -> sqlx::Result<Option<MarkerPage>> {
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
    let t = TEXTS.in_lang(lang);
    let page_url = format!("{base}/m/{}", m.code);
    let other_lang = lang.other();
    let media = q::media_for(&state.db, &view, &m.target_kind, m.target_id).await?;
    let image_of = |roles: &[MediaRole], alt: String| {
        media
            .iter()
            .find(|r| r.kind == MediaKind::Image && roles.contains(&r.role))
            .map(|r| PageImage {
                url: r.url.clone(),
                src: r.url.clone(),
                srcset: String::new(),
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
            captions: r
                .captions
                .iter()
                .map(|c| {
                    let name = t.t(&format!("captions-{}", c.lang.tag()));
                    (c.lang.tag(), name, c.url.clone())
                })
                .collect(),
        });
    let audio = media
        .iter()
        .find(|r| r.kind == MediaKind::Audio && r.role == MediaRole::Narration)
        .map(|r| PageAudio {
            url: r.url.clone(),
            mime: r.mime.clone(),
            label: r.alt.clone().unwrap_or_else(|| t.t("listen")),
        });
    let mut details = Vec::new();
    let mut featured = Vec::new();
    let subtitle;
    let mut event = None;
    let mut ebook_url = None;
    let (kind_label, og_type, heading, body, body_heading, image) = match m.target_kind.as_str() {
        "title" => {
            let Some(title) = q::title_detail(&state.db, &view, m.target_id).await? else {
                return Ok(None);
            };
            subtitle = (!title.authors.is_empty()).then(|| title.authors.join("; "));
            if let Some(c) = title.call_number {
                details.push((t.t("call-number"), c));
            }
            if let Some(i) = title.isbn13 {
                details.push((t.t("isbn"), i));
            }
            if !title.subjects.is_empty() {
                details.push((t.t("subjects"), title.subjects.join("; ")));
            }
            ebook_url = title.ebook_url;
            let alt = t.t_with("cover-of", [("title", title.title.as_str())]);
            (
                t.t("kind-title"),
                "book",
                title.title,
                title.synopsis,
                t.t("synopsis"),
                image_of(&[MediaRole::Cover], alt),
            )
        }
        "shelf" => {
            let Some(s) = q::shelf(&state.db, &view, m.target_id).await? else {
                return Ok(None);
            };
            if let Some(loc) = s.location.clone() {
                details.push((t.t("location"), loc));
            }
            if let Some(c) = s.class_range {
                details.push((t.t("call-number"), c));
            }
            subtitle = s.location;
            for f in s.featured {
                let code = crate::db::active_code_for(&state.db, "title", f.id).await?;
                featured.push(FeaturedItem {
                    title: f.title,
                    author: f.author,
                    call_number: f.call_number,
                    url: code.map(|c| format!("{base}/m/{c}?lang={}", lang.tag())),
                });
            }
            let alt = s.name.clone();
            (
                t.t("kind-shelf"),
                "website",
                s.name,
                s.description,
                t.t("about-shelf"),
                image_of(&[MediaRole::Cover, MediaRole::Poster], alt),
            )
        }
        "event" => {
            let Some(row) = q::event_row(&state.db, m.target_id).await? else {
                return Ok(None);
            };
            let e = q::event_response(&state.db, &view, row).await?;
            event = Some(PageEvent {
                over: e.over,
                when: human_when(lang, &e.starts_at, &e.ends_at),
                starts_at: e.starts_at.clone(),
                place: e.place.clone(),
                audience: e.audience.clone(),
                calendar_url: format!("{}?lang={}", e.calendar_url, lang.tag()),
                google_calendar_url: crate::calendar::google_calendar_url(
                    &e.title,
                    &e.starts_at,
                    &e.ends_at,
                    &e.place,
                    &page_url,
                ),
                registration_url: e.registration_url.clone(),
            });
            subtitle = Some(e.place.clone());
            let alt = t.t_with("poster-of", [("title", e.title.as_str())]);
            (
                t.t("kind-event"),
                "website",
                e.title,
                e.description,
                t.t("about-event"),
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
                t.t("kind-tour-stop"),
                "website",
                overlay.title,
                overlay.body,
                t.t("narration"),
                image_of(&[MediaRole::Badge, MediaRole::Cover], alt),
            )
        }
        _ => return Ok(None),
    };
    let mut image = image;
    if let Some(img) = image.as_mut() {
        with_widths(state, img).await;
    }
    let paragraphs = paragraphs(body);
    let description = first_sentence_or(&paragraphs, &heading);
    let share_text = format!("{heading} — {}", t.t("library"));
    let ar_url = ar_url(base, Some(&m.code), lang);
    Ok(Some(MarkerPage {
        lang: lang.tag(),
        t,
        home_url: format!("{base}/"),
        other_lang: other_lang.tag(),
        other_lang_url: format!("{page_url}?lang={}", other_lang.tag()),
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
        audio,
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

/// Fallback for any other path under `/m/` (e.g. `/m/a/b`): the 404 page,
/// in the visitor's language.
pub async fn marker_page_fallback(
    State(state): State<AppState>,
    Query(p): Query<PageQueryParams>,
    headers: HeaderMap,
) -> Response {
    not_found_page(
        &state.public_url,
        "/",
        page_lang(p.lang.as_deref(), &headers),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_server_text_file_is_compiled_in_and_complete() {
        let problems = TEXTS.problems();
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let mut compiled: Vec<&str> = (TEXTS.files().iter())
            .chain(crate::admin::i18n::TEXTS.files())
            .map(|f| f.name)
            .collect();
        compiled.sort_unstable();
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales/id");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".ftl"))
            .collect();
        on_disk.sort_unstable();
        assert_eq!(compiled, on_disk);
    }

    #[test]
    fn url_encoding_escapes_reserved() {
        assert_eq!(url_encode("a b&c/é"), "a%20b%26c%2F%C3%A9");
    }
}
