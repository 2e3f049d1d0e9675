//! `/api/v1` JSON routes for the app.

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::routing::get;
use pustaka_api::{Health, Lang, MarkerOverlay, TargetKind};
use pustaka_markers::payload::MarkerCode;
use serde::Deserialize;
use sqlx::SqlitePool;

use crate::db;
use crate::error::{AppError, Result};
use crate::startup::AppState;

/// The `/api/v1` router.
pub fn router() -> Router<AppState> {
    Router::new().route("/markers/{code}", get(resolve_marker))
}

/// `GET /healthz`.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// Query string of the resolve route.
#[derive(Debug, Deserialize)]
pub struct ResolveQueryParams {
    /// `id` (default) or `en`.
    pub lang: Option<Lang>,
}

/// `GET /api/v1/markers/{code}`: the overlay for a code; 400 when malformed,
/// 404 when unknown or inactive.
#[tracing::instrument(skip(state), fields(marker.code = %code))]
pub async fn resolve_marker(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<ResolveQueryParams>,
) -> Result<Json<MarkerOverlay>> {
    let code = MarkerCode::parse(&code).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let lang = q.lang.unwrap_or_default();
    let marker = db::marker_by_code(&state.db, code.as_str())
        .await?
        .filter(|m| m.active)
        .ok_or_else(|| AppError::NotFound(format!("kode {code} tidak ditemukan")))?;
    overlay_for(&state.db, marker, lang).await
}

async fn overlay_for(
    pool: &SqlitePool,
    m: db::MarkerRow,
    lang: Lang,
) -> Result<Json<MarkerOverlay>> {
    let pick = |id: String, en: Option<String>| match (lang, en) {
        (Lang::En, Some(en)) if !en.is_empty() => en,
        _ => id,
    };
    let missing = || AppError::NotFound(format!("target of {} is gone", m.code));
    let (kind, title, subtitle, body, has_en) = match m.target_kind.as_str() {
        "title" => {
            let (t, a, s_id, s_en): (String, Option<String>, Option<String>, Option<String>) =
                sqlx::query_as(
                    "SELECT title, author, synopsis_id, synopsis_en FROM titles WHERE id = ?",
                )
                .bind(m.target_id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(missing)?;
            let has_en = s_en.is_some();
            let body = match (lang, s_en) {
                (Lang::En, Some(en)) => Some(en),
                _ => s_id,
            };
            (TargetKind::Title, t, a, body, has_en)
        }
        "shelf" => {
            let (n_id, n_en, loc): (String, Option<String>, Option<String>) =
                sqlx::query_as("SELECT name_id, name_en, location FROM shelves WHERE id = ?")
                    .bind(m.target_id)
                    .fetch_optional(pool)
                    .await?
                    .ok_or_else(missing)?;
            let has_en = n_en.is_some();
            (TargetKind::Shelf, pick(n_id, n_en), loc, None, has_en)
        }
        "event" => {
            let (t_id, t_en, d_id, d_en, starts, place): (String, Option<String>, Option<String>, Option<String>, String, String) =
                sqlx::query_as("SELECT title_id, title_en, description_id, description_en, starts_at, place FROM events WHERE id = ?")
                    .bind(m.target_id)
                    .fetch_optional(pool)
                    .await?
                    .ok_or_else(missing)?;
            let has_en = t_en.is_some();
            let body = match (lang, d_en) {
                (Lang::En, Some(en)) => Some(en),
                _ => d_id,
            };
            (
                TargetKind::Event,
                pick(t_id, t_en),
                Some(format!("{starts} · {place}")),
                body,
                has_en,
            )
        }
        other => {
            return Err(AppError::Internal(anyhow::anyhow!(
                "unsupported target kind {other}"
            )));
        }
    };
    let mut languages = vec![Lang::Id];
    if has_en {
        languages.push(Lang::En);
    }
    Ok(Json(MarkerOverlay {
        code: m.code,
        kind,
        size_m: m.size_m,
        title,
        subtitle,
        body,
        languages,
    }))
}
