//! `GET /api/v1/markers/{code}`: the hot path of every scan. Resolves a code to
//! its overlay, with an ETag and a short in-memory cache of rendered bodies
//! ([`crate::rendered`]).

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use bytes::Bytes;
use pustaka_api::{ApiErrorBody, ErrorCode, Lang, MarkerOverlay, TargetKind};
use pustaka_markers::payload::MarkerCode;
use sqlx::SqlitePool;

use super::{
    ApiPath as Path, ApiQuery as Query, CONTENT_CACHE_CONTROL, LangQueryParams, conditional_bytes,
    etag_for, view,
};
use crate::db::content::{View, languages, media_for};
use crate::db::{self, MarkerRow};
use crate::error::{AppError, Result};
use crate::rendered::Rendered;
use crate::startup::AppState;

/// Resolve a marker code to its overlay (the scan hot path).
///
/// `GET /api/v1/markers/{code}?lang=id|en`: 400 when the code is malformed,
/// 404 when unknown or inactive; `ETag` + `If-None-Match` → 304.
#[utoipa::path(
    get,
    path = "/markers/{code}",
    params(
        ("code" = String, Path, description = "Marker code (Crockford base-32, case-insensitive)."),
        LangQueryParams,
    ),
    responses(
        (status = 200, description = "The overlay.", body = MarkerOverlay),
        (status = 400, description = "Malformed code or query.", body = ApiErrorBody),
        (status = 404, description = "Unknown or inactive code.", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, headers), fields(marker.code = %code))]
pub async fn resolve_marker(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<LangQueryParams>,
    headers: HeaderMap,
) -> Result<Response> {
    let code = MarkerCode::parse(&code)
        .map_err(|e| AppError::api(ErrorCode::InvalidMarkerCode, e.to_string()))?;
    let lang = q.lang.unwrap_or_default();
    if let Some(hit) = state.rendered.get(Rendered::Overlay, code.as_str(), lang) {
        return Ok(conditional_bytes(
            &headers,
            hit.body.clone(),
            hit.etag.clone(),
            CONTENT_CACHE_CONTROL,
        ));
    }
    let built = build_overlay(&state, &code, lang).await;
    let (body, etag) = match built {
        Ok(b) => b,
        Err(e) => {
            state
                .rendered
                .forget(Rendered::Overlay, code.as_str(), lang);
            return Err(e);
        }
    };
    state.rendered.put(
        Rendered::Overlay,
        code.as_str().to_owned(),
        lang,
        body.clone(),
        etag.clone(),
    );
    Ok(conditional_bytes(
        &headers,
        body,
        etag,
        CONTENT_CACHE_CONTROL,
    ))
}

/// The serialised overlay of an active code and its ETag.
async fn build_overlay(state: &AppState, code: &MarkerCode, lang: Lang) -> Result<(Bytes, String)> {
    let marker = db::marker_by_code(&state.db, code.as_str())
        .await?
        .filter(|m| m.active)
        .ok_or_else(|| {
            AppError::api(
                ErrorCode::MarkerNotFound,
                format!("marker code {code} not found"),
            )
        })?;
    let overlay = overlay_for(&state.db, &view(state, Some(lang)), marker).await?;
    let body: Bytes = serde_json::to_vec(&overlay)?.into();
    let etag = etag_for(&body);
    Ok((body, etag))
}

/// What a title's overlay shows.
#[derive(sqlx::FromRow)]
struct TitleHeadRow {
    title: String,
    author: Option<String>,
    synopsis_id: Option<String>,
    synopsis_en: Option<String>,
    ebook_url: Option<String>,
}

/// What a shelf's overlay shows.
#[derive(sqlx::FromRow)]
struct ShelfHeadRow {
    name_id: String,
    name_en: Option<String>,
    location: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
}

/// What a tour stop's overlay shows: its tour, place in it and texts.
#[derive(sqlx::FromRow)]
struct StopHeadRow {
    tour_id: i64,
    position: i64,
    name_id: String,
    name_en: Option<String>,
    clue_id: String,
    clue_en: Option<String>,
    narration_id: Option<String>,
    narration_en: Option<String>,
    /// Stops of the tour.
    stop_count: i64,
}

/// Builds the overlay of an (active) marker in the view's language.
///
/// # Errors
/// `NotFound` when the marker's target was deleted; database errors.
pub async fn overlay_for(
    pool: &SqlitePool,
    view: &View<'_>,
    m: MarkerRow,
) -> Result<MarkerOverlay> {
    let missing = || {
        AppError::api(
            ErrorCode::MarkerNotFound,
            format!("marker code {} not found", m.code),
        )
    };
    let mut tour_id = None;
    let mut ebook_url = None;
    let mut event_over = false;
    let kind: TargetKind = m
        .target_kind
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("marker {}: {e}", m.code)))?;
    let (title, subtitle, body, has_en) = match kind {
        TargetKind::Title => {
            let t: TitleHeadRow = sqlx::query_as(
                "SELECT title, author, synopsis_id, synopsis_en, ebook_url
                   FROM titles WHERE id = ? AND published = 1",
            )
            .bind(m.target_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(missing)?;
            let has_en = t.synopsis_en.is_some();
            ebook_url = t.ebook_url.filter(|u| !u.trim().is_empty());
            (
                t.title,
                t.author,
                view.pick_opt(t.synopsis_id, t.synopsis_en),
                has_en,
            )
        }
        TargetKind::Shelf => {
            let s: ShelfHeadRow = sqlx::query_as(
                "SELECT name_id, name_en, location, description_id, description_en
                   FROM shelves WHERE id = ? AND published = 1",
            )
            .bind(m.target_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(missing)?;
            let has_en = s.name_en.is_some();
            (
                view.pick(s.name_id, s.name_en),
                s.location,
                view.pick_opt(s.description_id, s.description_en),
                has_en,
            )
        }
        TargetKind::Event => {
            let e = crate::db::content::event_row(pool, m.target_id)
                .await?
                .ok_or_else(missing)?;
            let has_en = e.title_en.is_some();
            event_over = crate::wib::is_over(&e.ends_at);
            // "Sabtu, 5 Desember 2026, 09.00–10.30 WIB · place", as on the web
            // page; after its end "Acara sudah lewat · " before it.
            let when = crate::texts::human_when(view.lang, &e.starts_at, &e.ends_at);
            let over = if event_over {
                format!("{} · ", crate::texts::TEXTS.text(view.lang, "event-over"))
            } else {
                String::new()
            };
            (
                view.pick(e.title_id, e.title_en),
                Some(format!("{over}{when} · {}", e.place)),
                view.pick_opt(e.description_id, e.description_en),
                has_en,
            )
        }
        TargetKind::TourStop => {
            let s: StopHeadRow = sqlx::query_as(
                "SELECT t.id AS tour_id, s.position, t.name_id, t.name_en, s.clue_id, s.clue_en,
                        s.narration_id, s.narration_en,
                        (SELECT COUNT(*) FROM tour_stops x WHERE x.tour_id = t.id) AS stop_count
                   FROM tour_stops s JOIN tours t ON t.id = s.tour_id
                  WHERE s.id = ? AND t.active = 1 AND t.published = 1",
            )
            .bind(m.target_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(missing)?;
            tour_id = Some(s.tour_id);
            let has_en = s.name_en.is_some();
            let stop_word = if view.lang == Lang::En {
                "stop"
            } else {
                "perhentian"
            };
            (
                format!(
                    "{} · {stop_word} {}/{}",
                    view.pick(s.name_id, s.name_en),
                    s.position,
                    s.stop_count
                ),
                Some(view.pick(s.clue_id, s.clue_en)),
                view.pick_opt(s.narration_id, s.narration_en),
                has_en,
            )
        }
    };
    let media = media_for(pool, view, &m.target_kind, m.target_id).await?;
    let featured = match kind {
        TargetKind::Shelf => crate::db::content::shelf(pool, view, m.target_id)
            .await?
            .map(|s| {
                s.featured
                    .into_iter()
                    .take(pustaka_api::FEATURED_ON_OVERLAY)
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    };
    Ok(MarkerOverlay {
        web_url: Some(format!("{}/m/{}", view.base_url, m.code)),
        code: m.code,
        kind,
        size_m: m.size_m,
        title,
        subtitle,
        body,
        languages: languages(has_en),
        media,
        target_id: Some(m.target_id),
        tour_id,
        ebook_url,
        featured,
        event_over,
    })
}
