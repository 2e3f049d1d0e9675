//! The iCalendar feed: `GET /events.ics` (every event) and
//! `GET /events/{id}.ics` (one event, the web page's "add to calendar" link).
//! Times are written as WIB local times with `TZID=Asia/Jakarta` and a
//! matching `VTIMEZONE`, so calendars show them at the library's wall-clock time.
//!
//! Each event's `URL` is its web page (`/m/{code}` of its active code) when
//! it has one, else its registration link; [`google_calendar_url`](crate::calendar::google_calendar_url) and
//! [`webcal_url`](crate::calendar::webcal_url) give the "add to Google Calendar" and subscription links
//! the pages offer beside the `.ics` download (Android's own calendar opens
//! neither an `.ics` download nor a feed by itself).
//!
//! Every document carries `VERSION:2.0`, our own `PRODID`, `METHOD:PUBLISH`,
//! and on every `VEVENT` a stable `UID` (`event-{id}@{host}`) and a `DTSTAMP`:
//! with `METHOD` present, RFC 5545 §3.8.7.2 makes `DTSTAMP` the time the
//! document was created, i.e. the time of the response, in UTC.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use icalendar::{Calendar, CalendarDateTime, Component, Event, EventLike};
use pustaka_api::ErrorCode;

use crate::api::LangQueryParams;
use crate::db::content::{EventRow, View, all_event_rows, event_page_codes, event_row};
use crate::error::{AppError, Result};
use crate::startup::AppState;
use crate::wib::{WIB_TZID, parse_stored};

/// The `VTIMEZONE` for Asia/Jakarta: +07:00 all year, no daylight saving
/// since 1964. The `icalendar` crate cannot build custom components, so this
/// fixed block is inserted into its output.
const WIB_VTIMEZONE: &str = "BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta\r\nBEGIN:STANDARD\r\n\
DTSTART:19700101T000000\r\nTZOFFSETFROM:+0700\r\nTZOFFSETTO:+0700\r\nTZNAME:WIB\r\n\
END:STANDARD\r\nEND:VTIMEZONE\r\n";

/// The `PRODID` of our calendars (RFC 5545 §3.7.3: a globally unique product id,
/// conventionally an FPI `-//owner//product//language`).
pub const PRODID: &str = concat!(
    "-//Perpustakaan Kota Metro//Pustaka AR ",
    env!("CARGO_PKG_VERSION"),
    "//ID"
);

fn ical_event(
    view: &View<'_>,
    host: &str,
    stamp: chrono::DateTime<chrono::Utc>,
    e: EventRow,
    page_url: Option<&str>,
) -> Option<Event> {
    let start = parse_stored(&e.starts_at).ok()?;
    let end = parse_stored(&e.ends_at).ok()?;
    let wib_local = |t: chrono::DateTime<chrono::FixedOffset>| CalendarDateTime::WithTimezone {
        date_time: t.with_timezone(&crate::wib::wib()).naive_local(),
        tzid: WIB_TZID.to_owned(),
    };
    let mut ev = Event::new();
    ev.uid(&format!("event-{}@{host}", e.id))
        .summary(&view.pick(e.title_id, e.title_en))
        .location(&e.place)
        .starts(wib_local(start))
        .ends(wib_local(end))
        .timestamp(stamp);
    let description = view.pick_opt(e.description_id, e.description_en);
    match (page_url, &e.registration_url) {
        (Some(page), registration) => {
            ev.url(page);
            // The page is the event's URL; a registration link goes in the text.
            let texts = crate::texts::TEXTS.in_lang(view.lang);
            let register = registration
                .as_ref()
                .map(|r| format!("{}: {r}", texts.t("register")));
            let text: Vec<String> = description.into_iter().chain(register).collect();
            if !text.is_empty() {
                ev.description(&text.join("\n\n"));
            }
        }
        (None, registration) => {
            if let Some(d) = description {
                ev.description(&d);
            }
            if let Some(url) = registration {
                ev.url(url);
            }
        }
    }
    Some(ev.done())
}

/// One event's web page, `{base}/m/{code}`, from [`event_page_codes`]'s list.
fn page_of(base: &str, codes: &[(i64, String)], id: i64) -> Option<String> {
    codes
        .iter()
        .find(|(event, _)| *event == id)
        .map(|(_, code)| format!("{base}/m/{code}"))
}

/// Renders events as one iCalendar document with the WIB time zone, stamped
/// now; `page_codes` ([`event_page_codes`]) gives each event's page URL.
pub fn render(view: &View<'_>, events: Vec<EventRow>, page_codes: &[(i64, String)]) -> String {
    render_at(view, events, page_codes, chrono::Utc::now())
}

/// Renders events as one iCalendar document with the WIB time zone; `stamp`
/// is the `DTSTAMP` of every event (the document's creation time).
pub fn render_at(
    view: &View<'_>,
    events: Vec<EventRow>,
    page_codes: &[(i64, String)],
    stamp: chrono::DateTime<chrono::Utc>,
) -> String {
    let host = view
        .base_url
        .split("://")
        .nth(1)
        .unwrap_or(view.base_url)
        .to_owned();
    let mut cal = Calendar::empty();
    cal.append_property(("VERSION", "2.0"))
        .append_property(("PRODID", PRODID))
        .append_property(("CALSCALE", "GREGORIAN"))
        .append_property(("METHOD", "PUBLISH"))
        .name("Perpustakaan Kota Metro")
        .timezone(WIB_TZID);
    for e in events {
        let id = e.id;
        let page = page_of(view.base_url, page_codes, id);
        match ical_event(view, &host, stamp, e, page.as_deref()) {
            Some(ev) => {
                cal.push(ev);
            }
            None => tracing::warn!(event.id = id, "event with unparseable times left out"),
        }
    }
    let text = cal.done().to_string();
    // Insert the VTIMEZONE before the first component (or before END:VCALENDAR).
    let at = text
        .find("BEGIN:VEVENT")
        .or_else(|| text.find("END:VCALENDAR"))
        .unwrap_or(text.len());
    let mut out = String::with_capacity(text.len() + WIB_VTIMEZONE.len());
    out.push_str(&text[..at]);
    out.push_str(WIB_VTIMEZONE);
    out.push_str(&text[at..]);
    out
}

/// Google Calendar's "add event" link for one event (`action=TEMPLATE`:
/// title, start/end in UTC as `YYYYMMDDTHHMMSSZ`, place, details with the
/// page's URL, and `ctz=Asia/Jakarta` so it shows in WIB): what an Android
/// phone opens in its calendar. `starts_at`/`ends_at` are stored times
/// (RFC 3339 `+07:00`); `None` when they do not parse.
pub fn google_calendar_url(
    title: &str,
    starts_at: &str,
    ends_at: &str,
    place: &str,
    details: &str,
) -> Option<String> {
    let utc = |t: &str| {
        parse_stored(t).ok().map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%Y%m%dT%H%M%SZ")
                .to_string()
        })
    };
    let dates = format!("{}/{}", utc(starts_at)?, utc(ends_at)?);
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("action", "TEMPLATE")
        .append_pair("text", title)
        .append_pair("dates", &dates)
        .append_pair("location", place)
        .append_pair("details", details)
        .append_pair("ctz", WIB_TZID)
        .finish();
    Some(format!(
        "https://calendar.google.com/calendar/render?{query}"
    ))
}

/// The subscription form of a calendar feed URL: `webcal://` in place of
/// `http://` or `https://` (the de-facto scheme that makes phone calendars
/// subscribe to a feed and keep it updated instead of importing it once).
pub fn webcal_url(feed_url: &str) -> String {
    let rest = feed_url
        .strip_prefix("https://")
        .or_else(|| feed_url.strip_prefix("http://"))
        .unwrap_or(feed_url);
    format!("webcal://{rest}")
}

/// Google Calendar's "add calendar from URL" link for a feed (`cid=` with
/// the feed's [`webcal_url`]): subscribing on an Android phone, whose calendar
/// follows the Google account's calendars.
pub fn google_subscribe_url(feed_url: &str) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("cid", &webcal_url(feed_url))
        .finish();
    format!("https://calendar.google.com/calendar/render?{query}")
}

fn ics_response(body: String, filename: &str) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/calendar; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
            (
                header::CONTENT_DISPOSITION,
                HeaderValue::from_str(&format!("inline; filename=\"{filename}\""))
                    .unwrap_or(HeaderValue::from_static("inline")),
            ),
        ],
        body,
    )
        .into_response()
}

/// `GET /events.ics?lang=`: every event.
pub async fn get_calendar(
    State(state): State<AppState>,
    Query(p): Query<LangQueryParams>,
) -> Result<Response> {
    // The feed lists what is still to come: an event leaves it once over.
    let rows = all_event_rows(&state.db)
        .await?
        .into_iter()
        .filter(|e| !crate::wib::is_over(&e.ends_at))
        .collect();
    let codes = event_page_codes(&state.db).await?;
    let view = crate::api::view(&state, p.lang);
    Ok(ics_response(render(&view, rows, &codes), "acara.ics"))
}

/// `GET /events/{id}.ics?lang=`: one event.
pub async fn get_event_ics(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(p): Query<LangQueryParams>,
) -> Result<Response> {
    let not_found = || AppError::api(ErrorCode::EventNotFound, "no event with this id");
    let id: i64 = file
        .strip_suffix(".ics")
        .and_then(|s| s.parse().ok())
        .ok_or_else(not_found)?;
    let row = event_row(&state.db, id).await?.ok_or_else(not_found)?;
    let codes = event_page_codes(&state.db).await?;
    let view = crate::api::view(&state, p.lang);
    Ok(ics_response(
        render(&view, vec![row], &codes),
        &format!("acara-{id}.ics"),
    ))
}
