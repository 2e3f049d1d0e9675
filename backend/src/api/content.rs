//! Content routes: titles, shelves, events and tours, each with `?lang=` and
//! conditional GET (`ETag` / `If-None-Match`).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use pustaka_api::{
    ApiErrorBody, ErrorCode, EventResponse, Lang, Page, ShelfResponse, TitleDetail, TitleSummary,
    TourResponse, TourSummary,
};
use serde::Deserialize;
use utoipa::IntoParams;

use super::{
    ApiPath as Path, ApiQuery as Query, CONTENT_CACHE_CONTROL, LangQueryParams, conditional_json,
    view,
};
use crate::db::content as q;
use crate::error::{AppError, Result};
use crate::startup::AppState;
use crate::wib;

/// The largest page `GET /api/v1/titles` returns.
pub const MAX_PAGE_LIMIT: u32 = 200;
/// The page size when none is asked for.
pub const DEFAULT_PAGE_LIMIT: u32 = 50;
/// Longest search text `q` accepted, in characters (a title, an author or an
/// ISBN fits many times over); longer gets `400 invalid_query`, before the
/// database sees it.
pub const MAX_SEARCH_CHARS: usize = 200;
/// How far ahead "upcoming events" look when no `to` is given, in days.
pub const UPCOMING_DAYS: i64 = 90;

/// Query string of `GET /api/v1/titles`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TitlesQueryParams {
    /// Case-insensitive substring of the title, author or ISBN.
    pub q: Option<String>,
    /// Page size, 1..=200 (default 50).
    // utoipa takes literals only: a test checks 200 against MAX_PAGE_LIMIT.
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// Items to skip (default 0).
    pub offset: Option<u32>,
    /// Language of visitor texts: `id` (default) or `en`.
    pub lang: Option<Lang>,
}

/// Titles ordered by title, paged; optionally searched.
///
/// `GET /api/v1/titles?q=&limit=&offset=`.
#[utoipa::path(
    get,
    path = "/titles",
    params(TitlesQueryParams),
    responses(
        (status = 200, description = "A page of titles.", body = Page<TitleSummary>),
        (status = 400, description = "Bad limit or query.", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn list_titles(
    State(state): State<AppState>,
    Query(p): Query<TitlesQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let limit = p.limit.unwrap_or(DEFAULT_PAGE_LIMIT);
    if limit == 0 || limit > MAX_PAGE_LIMIT {
        return Err(AppError::api(
            ErrorCode::InvalidQuery,
            format!("limit must be in 1..={MAX_PAGE_LIMIT}"),
        ));
    }
    let offset = p.offset.unwrap_or(0);
    let search = p.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if search.is_some_and(|s| s.chars().count() > MAX_SEARCH_CHARS) {
        return Err(AppError::api(
            ErrorCode::InvalidQuery,
            format!("q must be at most {MAX_SEARCH_CHARS} characters"),
        ));
    }
    let v = view(&state, p.lang);
    let (items, total) = q::list_titles(&state.db, &v, search, limit, offset).await?;
    let page = Page {
        items,
        total,
        limit,
        offset,
    };
    conditional_json(&headers, &page, CONTENT_CACHE_CONTROL)
}

/// One title in full.
///
/// `GET /api/v1/titles/{id}`.
#[utoipa::path(
    get,
    path = "/titles/{id}",
    params(("id" = i64, Path, description = "Id of the title."), LangQueryParams),
    responses(
        (status = 200, description = "Found.", body = TitleDetail),
        (status = 400, description = "Malformed id or query.", body = ApiErrorBody),
        (status = 404, description = "No such title (`title_not_found`).", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn get_title(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let t = q::title_detail(&state.db, &view(&state, p.lang), id)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::TitleNotFound, format!("title {id} not found")))?;
    conditional_json(&headers, &t, CONTENT_CACHE_CONTROL)
}

/// Every shelf with its featured titles.
///
/// `GET /api/v1/shelves`.
#[utoipa::path(
    get,
    path = "/shelves",
    params(LangQueryParams),
    responses(
        (status = 200, description = "The list.", body = Vec<ShelfResponse>),
        (status = 400, description = "Malformed query.", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn list_shelves(
    State(state): State<AppState>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let shelves = q::list_shelves(&state.db, &view(&state, p.lang)).await?;
    conditional_json(&headers, &shelves, CONTENT_CACHE_CONTROL)
}

/// One shelf with its featured titles.
///
/// `GET /api/v1/shelves/{id}`.
#[utoipa::path(
    get,
    path = "/shelves/{id}",
    params(("id" = i64, Path, description = "Id of the shelf."), LangQueryParams),
    responses(
        (status = 200, description = "Found.", body = ShelfResponse),
        (status = 400, description = "Malformed id or query.", body = ApiErrorBody),
        (status = 404, description = "No such shelf (`shelf_not_found`).", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn get_shelf(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let s = q::shelf(&state.db, &view(&state, p.lang), id)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::ShelfNotFound, format!("shelf {id} not found")))?;
    conditional_json(&headers, &s, CONTENT_CACHE_CONTROL)
}

/// Query string of `GET /api/v1/events`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventsQueryParams {
    /// Start of the range: a WIB date `YYYY-MM-DD` or RFC 3339; default now.
    pub from: Option<String>,
    /// End of the range (exclusive; a date means through that whole day);
    /// default 90 days after `from`.
    pub to: Option<String>,
    /// Language of visitor texts: `id` (default) or `en`.
    pub lang: Option<Lang>,
}

fn date_range_error(message: String) -> AppError {
    AppError::api(ErrorCode::InvalidDateRange, message)
}

/// Events overlapping a range, by start time (default: upcoming, next 90 days).
///
/// `GET /api/v1/events?from=&to=`; without parameters, the events not yet
/// ended that start within 90 days.
#[utoipa::path(
    get,
    path = "/events",
    params(EventsQueryParams),
    responses(
        (status = 200, description = "The events.", body = Vec<EventResponse>),
        (status = 400, description = "Unparseable or empty range (`invalid_date_range`).", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn list_events(
    State(state): State<AppState>,
    Query(p): Query<EventsQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let from = match &p.from {
        Some(s) => wib::parse_bound(s, false).map_err(date_range_error)?,
        None => wib::now_wib(),
    };
    let to = match &p.to {
        Some(s) => wib::parse_bound(s, true).map_err(date_range_error)?,
        None => from + chrono::Duration::days(UPCOMING_DAYS),
    };
    if to <= from {
        return Err(date_range_error("`to` must be after `from`".to_owned()));
    }
    let v = view(&state, p.lang);
    let rows =
        q::event_rows_between(&state.db, &wib::format_wib(from), &wib::format_wib(to)).await?;
    let mut events = Vec::with_capacity(rows.len());
    for r in rows {
        events.push(q::event_response(&state.db, &v, r).await?);
    }
    conditional_json(&headers, &events, CONTENT_CACHE_CONTROL)
}

/// One event.
///
/// `GET /api/v1/events/{id}`.
#[utoipa::path(
    get,
    path = "/events/{id}",
    params(("id" = i64, Path, description = "Id of the event."), LangQueryParams),
    responses(
        (status = 200, description = "Found.", body = EventResponse),
        (status = 400, description = "Malformed id or query.", body = ApiErrorBody),
        (status = 404, description = "No such event (`event_not_found`).", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn get_event(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let row = q::event_row(&state.db, id)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::EventNotFound, format!("event {id} not found")))?;
    let e = q::event_response(&state.db, &view(&state, p.lang), row).await?;
    conditional_json(&headers, &e, CONTENT_CACHE_CONTROL)
}

/// Active tours.
///
/// `GET /api/v1/tours`.
#[utoipa::path(
    get,
    path = "/tours",
    params(LangQueryParams),
    responses(
        (status = 200, description = "The list.", body = Vec<TourSummary>),
        (status = 400, description = "Malformed query.", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn list_tours(
    State(state): State<AppState>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let tours = q::list_tours(&state.db, &view(&state, p.lang)).await?;
    conditional_json(&headers, &tours, CONTENT_CACHE_CONTROL)
}

/// A tour with all its stops (for offline prefetch).
///
/// `GET /api/v1/tours/{id}`.
#[utoipa::path(
    get,
    path = "/tours/{id}",
    params(("id" = i64, Path, description = "Id of the tour."), LangQueryParams),
    responses(
        (status = 200, description = "Found.", body = TourResponse),
        (status = 400, description = "Malformed id or query.", body = ApiErrorBody),
        (status = 404, description = "No such tour (`tour_not_found`).", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers))]
pub async fn get_tour(
    State(state): State<AppState>,
    Path(id): Path<i64>,
    Query(p): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let t = q::tour(&state.db, &view(&state, p.lang), id)
        .await?
        .ok_or_else(|| AppError::api(ErrorCode::TourNotFound, format!("tour {id} not found")))?;
    conditional_json(&headers, &t, CONTENT_CACHE_CONTROL)
}
