//! The landing page `GET /`: what Pustaka AR is, the upcoming events (in WIB),
//! the reading tours, and the calendar feed. Same language rules, base
//! template and accessibility rules as the marker pages of the parent module.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use pustaka_api::Lang;

use pustaka_i18n::Texts;

use super::{PageQueryParams, TEXTS, html, human_when, page_lang};
use crate::db::content::{self as q, View};
use crate::startup::AppState;
use crate::wib;

/// How far ahead the landing page lists events, in days (the API's default window too).
pub const HOME_EVENTS_DAYS: i64 = crate::api::content::UPCOMING_DAYS;

/// Most events listed on the landing page; the calendar feed has them all.
pub const HOME_EVENTS_MAX: usize = 20;

/// An event as listed on the landing page.
pub struct HomeEvent {
    title: String,
    starts_at: String,
    when: String,
    place: String,
    audience: Option<String>,
    page_url: Option<String>,
    calendar_url: String,
    /// Google Calendar's "add event" link.
    google_calendar_url: Option<String>,
}

/// A tour as listed on the landing page.
pub struct HomeTour {
    name: String,
    description: Option<String>,
    stop_count: u32,
    first_clue: Option<String>,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    lang: &'static str,
    t: Texts,
    home_url: String,
    page_url: String,
    other_lang: &'static str,
    other_lang_url: String,
    events: Vec<HomeEvent>,
    tours: Vec<HomeTour>,
    calendar_url: String,
    /// The feed as a `webcal://` subscription.
    webcal_url: String,
    /// The feed's subscription in Google Calendar (Android).
    google_subscribe_url: String,
    /// The AR web app in the page's language.
    ar_url: String,
}

/// `GET /?lang=`: the landing page (Bahasa Indonesia by default; English by
/// `?lang=en` or `Accept-Language`, exactly as `/m/{code}`).
#[tracing::instrument(skip(state, headers))]
pub async fn home_page(
    State(state): State<AppState>,
    Query(p): Query<PageQueryParams>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(p.lang.as_deref(), &headers);
    let page = match build_home(&state, lang).await {
        Ok(page) => page,
        Err(e) => {
            tracing::error!(error = %e, "landing page query failed");
            return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
        }
    };
    match page.render() {
        Ok(body) => html(StatusCode::OK, body, lang),
        Err(e) => {
            tracing::error!(error = %e, "landing template failed");
            (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response()
        }
    }
}

async fn build_home(state: &AppState, lang: Lang) -> sqlx::Result<HomePage> {
    let base = &*state.public_url;
    let view = View {
        lang,
        base_url: base,
    };
    let from = wib::now_wib();
    let to = from + chrono::Duration::days(HOME_EVENTS_DAYS);
    let rows =
        q::event_rows_between(&state.db, &wib::format_wib(from), &wib::format_wib(to)).await?;
    // The web page of an event is the page of its (active) marker, when it has one.
    let event_codes = q::event_page_codes(&state.db).await?;
    let events = rows
        .into_iter()
        .take(HOME_EVENTS_MAX)
        .map(|e| {
            let page_url = event_codes
                .iter()
                .find(|(id, _)| *id == e.id)
                .map(|(_, code)| format!("{base}/m/{code}?lang={}", lang.tag()));
            let title = view.pick(e.title_id, e.title_en);
            HomeEvent {
                when: human_when(lang, &e.starts_at, &e.ends_at),
                google_calendar_url: crate::calendar::google_calendar_url(
                    &title,
                    &e.starts_at,
                    &e.ends_at,
                    &e.place,
                    page_url.as_deref().unwrap_or(base),
                ),
                page_url,
                calendar_url: format!("{base}/events/{}.ics?lang={}", e.id, lang.tag()),
                title,
                audience: view.pick_opt(e.audience_id, e.audience_en),
                starts_at: e.starts_at,
                place: e.place,
            }
        })
        .collect();
    let mut tours = Vec::new();
    for t in q::list_tours(&state.db, &view).await? {
        let first_clue = q::tour(&state.db, &view, t.id)
            .await?
            .and_then(|full| full.stops.into_iter().next())
            .map(|s| s.clue);
        tours.push(HomeTour {
            name: t.name,
            description: t.description,
            stop_count: t.stop_count,
            first_clue,
        });
    }
    let other_lang = lang.other();
    let feed = format!("{base}/events.ics?lang={}", lang.tag());
    Ok(HomePage {
        lang: lang.tag(),
        t: TEXTS.in_lang(lang),
        home_url: format!("{base}/"),
        page_url: format!("{base}/"),
        other_lang: other_lang.tag(),
        other_lang_url: format!("{base}/?lang={}", other_lang.tag()),
        events,
        tours,
        calendar_url: feed.clone(),
        webcal_url: crate::calendar::webcal_url(&feed),
        google_subscribe_url: crate::calendar::google_subscribe_url(&feed),
        ar_url: super::ar_url(base, None, lang),
    })
}
