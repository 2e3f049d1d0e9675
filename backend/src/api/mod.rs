//! `/api/v1` JSON routes for the app, and the conditional-GET helper they share.

use axum::Json;
use axum::Router;
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use pustaka_api::{ErrorCode, Health, Lang};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::db::content::View;
use crate::error::{AppError, Result};
use crate::startup::AppState;

pub mod content;
pub mod markers;
pub mod openapi;
pub mod scans;

/// `Cache-Control` of content JSON: short, because librarians edit content, and
/// revalidation with `If-None-Match` is cheap (a 304 without a body).
pub const CONTENT_CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

/// The `/api/v1` router. Every route here must also be in [`openapi::document`]
/// (a test checks it against [`ROUTES`]).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/markers/{code}", get(markers::resolve_marker))
        .route("/titles", get(content::list_titles))
        .route("/titles/{id}", get(content::get_title))
        .route("/shelves", get(content::list_shelves))
        .route("/shelves/{id}", get(content::get_shelf))
        .route("/events", get(content::list_events))
        .route("/events/{id}", get(content::get_event))
        .route("/tours", get(content::list_tours))
        .route("/tours/{id}", get(content::get_tour))
        .route("/scans", post(scans::post_scans).layer(scans::body_limit()))
        .route("/openapi.json", get(openapi::get_openapi))
}

/// Method and path (relative to `/api/v1`) of every API route, in router order.
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/markers/{code}"),
    ("get", "/titles"),
    ("get", "/titles/{id}"),
    ("get", "/shelves"),
    ("get", "/shelves/{id}"),
    ("get", "/events"),
    ("get", "/events/{id}"),
    ("get", "/tours"),
    ("get", "/tours/{id}"),
    ("post", "/scans"),
    ("get", "/openapi.json"),
];

/// `GET /healthz`.
pub async fn health(State(state): State<AppState>) -> Result<Json<Health>> {
    sqlx::query("SELECT 1").execute(&state.db).await?;
    Ok(Json(Health {
        status: "ok".into(),
        version: env!("CARGO_PKG_VERSION").into(),
    }))
}

/// `Path` whose rejection (e.g. `/titles/abc`) is a 400 in the JSON error envelope.
#[derive(Debug)]
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|e| AppError::api(ErrorCode::InvalidPath, e.body_text()))
    }
}

/// `Query` whose rejection (e.g. `?lang=fr`) is a 400 in the JSON error envelope.
#[derive(Debug)]
pub struct ApiQuery<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned + Send> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self> {
        Query::<T>::from_request_parts(parts, state)
            .await
            .map(|Query(v)| ApiQuery(v))
            .map_err(|e| AppError::api(ErrorCode::InvalidQuery, e.body_text()))
    }
}

/// The `?lang=` query parameter most routes take.
#[derive(Debug, Default, Deserialize)]
pub struct LangQueryParams {
    /// `id` (default) or `en`.
    pub lang: Option<Lang>,
}

/// The rendering view for a request.
pub fn view(state: &AppState, lang: Option<Lang>) -> View<'_> {
    View {
        lang: lang.unwrap_or_default(),
        base_url: &state.public_url,
    }
}

/// A strong ETag for a body: the first 128 bits of its SHA-256, quoted.
pub fn etag_for(body: &[u8]) -> String {
    let digest = Sha256::digest(body);
    format!("\"{}\"", hex::encode(&digest[..16]))
}

/// Whether an `If-None-Match` header matches `etag` (weak comparison, as
/// RFC 9110 §13.1.2 asks for GET; `*` matches anything).
pub fn if_none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    let bare = etag.trim_start_matches("W/");
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/") == bare)
}

/// Serialises `value` and answers 304 when the client already has it, else 200
/// with `ETag` and `Cache-Control`.
///
/// # Errors
/// Serialisation failures (a bug) become a 500.
pub fn conditional_json<T: Serialize>(
    headers: &HeaderMap,
    value: &T,
    cache_control: &'static str,
) -> Result<Response> {
    let body = serde_json::to_vec(value).map_err(|e| AppError::Internal(e.into()))?;
    let etag = etag_for(&body);
    Ok(conditional_bytes(headers, body.into(), etag, cache_control))
}

/// The response for an already serialised JSON body and its ETag.
pub fn conditional_bytes(
    headers: &HeaderMap,
    body: bytes::Bytes,
    etag: String,
    cache_control: &'static str,
) -> Response {
    let etag_value = HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"0\""));
    let cc = HeaderValue::from_static(cache_control);
    if if_none_match_hits(headers, &etag) {
        return (
            StatusCode::NOT_MODIFIED,
            [(header::ETAG, etag_value), (header::CACHE_CONTROL, cc)],
        )
            .into_response();
    }
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (header::ETAG, etag_value),
            (header::CACHE_CONTROL, cc),
        ],
        body,
    )
        .into_response()
}
