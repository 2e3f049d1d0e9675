//! The landing page `GET /`: what Pustaka AR is, the upcoming events (in WIB),
//! the reading tours, and the calendar feed. Same language rules, base
//! template and accessibility rules as the marker pages of the parent module.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pustaka_api::Lang;

use super::{Labels, PageQueryParams, choose_lang, html, human_when, labels};
use crate::db::content::{self as q, View};
use crate::startup::AppState;
use crate::wib;

/// How far ahead the landing page lists events, in days (the API's default window too).
pub const HOME_EVENTS_DAYS: i64 = crate::api::content::UPCOMING_DAYS;

/// Most events listed on the landing page; the calendar feed has them all.
pub const HOME_EVENTS_MAX: usize = 20;

/// Fixed texts of the landing page in one language.
pub struct HomeLabels {
    heading: &'static str,
    intro: &'static str,
    how_heading: &'static str,
    how_steps: [&'static str; 3],
    events_heading: &'static str,
    no_events: &'static str,
    event_page: &'static str,
    add_to_calendar: &'static str,
    subscribe_heading: &'static str,
    subscribe_body: &'static str,
    subscribe_link: &'static str,
    tours_heading: &'static str,
    no_tours: &'static str,
    stops: &'static str,
    first_clue: &'static str,
}

const HOME_ID: HomeLabels = HomeLabels {
    heading: "Pustaka AR",
    intro: "Pustaka AR adalah teman augmented reality untuk pengunjung Perpustakaan Kota Metro. \
            Arahkan kamera ponsel ke kode QR di rak, buku atau poster acara: sampul, sinopsis, \
            video dan rincian acara muncul di layar. Tanpa aplikasi pun setiap kode membuka \
            halaman web seperti ini.",
    how_heading: "Cara memakai",
    how_steps: [
        "Cari kode QR pada label rak, sampul belakang buku atau poster acara.",
        "Pindai dengan aplikasi Pustaka AR, atau dengan kamera ponsel biasa.",
        "Baca, dengarkan atau tonton isinya; anak-anak bisa ikut tur membaca dan mengumpulkan lencana.",
    ],
    events_heading: "Acara mendatang",
    no_events: "Belum ada acara yang dijadwalkan. Tanyakan kepada pustakawan di meja layanan.",
    event_page: "Selengkapnya",
    add_to_calendar: "Tambahkan ke kalender",
    subscribe_heading: "Kalender acara",
    subscribe_body: "Semua acara perpustakaan dalam satu kalender (iCalendar, waktu WIB) untuk ponsel atau komputer Anda.",
    subscribe_link: "Unduh atau langganan kalender acara (.ics)",
    tours_heading: "Tur membaca",
    no_tours: "Belum ada tur membaca.",
    stops: "pemberhentian",
    first_clue: "Petunjuk pertama",
};

const HOME_EN: HomeLabels = HomeLabels {
    heading: "Pustaka AR",
    intro: "Pustaka AR is an augmented-reality companion for visitors of Metro City Library. \
            Point a phone camera at a QR code on a shelf, a book or an event poster: the cover, \
            synopsis, video and event details appear on the screen. Even without the app, every \
            code opens a web page like this one.",
    how_heading: "How to use it",
    how_steps: [
        "Find a QR code on a shelf label, the back cover of a book or an event poster.",
        "Scan it with the Pustaka AR app, or with an ordinary phone camera.",
        "Read, listen or watch; children can follow a reading tour and collect badges.",
    ],
    events_heading: "Upcoming events",
    no_events: "No events are scheduled yet. Please ask a librarian at the service desk.",
    event_page: "More",
    add_to_calendar: "Add to calendar",
    subscribe_heading: "Event calendar",
    subscribe_body: "Every library event in one calendar (iCalendar, WIB times) for your phone or computer.",
    subscribe_link: "Download or subscribe to the event calendar (.ics)",
    tours_heading: "Reading tours",
    no_tours: "No reading tours yet.",
    stops: "stops",
    first_clue: "First clue",
};

fn home_labels(lang: Lang) -> &'static HomeLabels {
    match lang {
        Lang::Id => &HOME_ID,
        Lang::En => &HOME_EN,
    }
}

/// An event as listed on the landing page.
pub struct HomeEvent {
    title: String,
    starts_at: String,
    when: String,
    place: String,
    audience: Option<String>,
    page_url: Option<String>,
    calendar_url: String,
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
    l: &'static Labels,
    h: &'static HomeLabels,
    home_url: String,
    page_url: String,
    other_lang: &'static str,
    other_lang_url: String,
    og_locale: &'static str,
    events: Vec<HomeEvent>,
    tours: Vec<HomeTour>,
    calendar_url: String,
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
    let lang = choose_lang(
        p.lang.as_deref(),
        headers
            .get(header::ACCEPT_LANGUAGE)
            .and_then(|v| v.to_str().ok()),
    );
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
    let event_codes: Vec<(i64, String)> = sqlx::query_as(
        "SELECT target_id, code FROM markers
          WHERE target_kind = 'event' AND active = 1 ORDER BY code",
    )
    .fetch_all(&state.db)
    .await?;
    let events = rows
        .into_iter()
        .take(HOME_EVENTS_MAX)
        .map(|e| HomeEvent {
            when: human_when(lang, &e.starts_at, &e.ends_at),
            page_url: event_codes
                .iter()
                .find(|(id, _)| *id == e.id)
                .map(|(_, code)| format!("{base}/m/{code}?lang={}", lang.tag())),
            calendar_url: format!("{base}/events/{}.ics?lang={}", e.id, lang.tag()),
            title: view.pick(e.title_id, e.title_en),
            audience: view.pick_opt(e.audience_id, e.audience_en),
            starts_at: e.starts_at,
            place: e.place,
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
    Ok(HomePage {
        lang: lang.tag(),
        l: labels(lang),
        h: home_labels(lang),
        home_url: format!("{base}/"),
        page_url: format!("{base}/"),
        other_lang: other_lang.tag(),
        other_lang_url: format!("{base}/?lang={}", other_lang.tag()),
        og_locale: match lang {
            Lang::Id => "id_ID",
            Lang::En => "en_US",
        },
        events,
        tours,
        calendar_url: format!("{base}/events.ics?lang={}", lang.tag()),
        ar_url: super::ar_url(base, None, lang),
    })
}
