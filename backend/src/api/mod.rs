//! `/api/v1` JSON routes for the app, and the conditional-GET helper they share.

use axum::Json;
use axum::Router;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, FromRequestParts, Path, Query, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use headers::{ETag, HeaderMapExt, IfNoneMatch};
use pustaka_api::{ErrorCode, Health, Lang};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

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

/// The `/api/v1` routes with their OpenAPI descriptions. Each handler's
/// `#[utoipa::path]` declares its method, path, parameters and answers, and
/// `routes!` registers the route and its description in the same call, so the
/// router and [`openapi::document`] cannot drift apart. Add routes only here,
/// only with `.routes(routes!(..))`.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(openapi::ApiDoc::openapi())
        .routes(routes!(markers::resolve_marker))
        .routes(routes!(content::list_titles))
        .routes(routes!(content::get_title))
        .routes(routes!(content::list_shelves))
        .routes(routes!(content::get_shelf))
        .routes(routes!(content::list_events))
        .routes(routes!(content::get_event))
        .routes(routes!(content::list_tours))
        .routes(routes!(content::get_tour))
        .routes(routes!(scans::post_scans).layer(scans::body_limit()))
        .routes(routes!(openapi::get_openapi))
}

/// The `/api/v1` router (paths relative to [`pustaka_api::API_PREFIX`]).
pub fn router() -> Router<AppState> {
    routes().split_for_parts().0
}

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

/// `Json` whose rejection is in the JSON error envelope: 400 `invalid_json`
/// for a body that is not the JSON the route expects or is not declared
/// `Content-Type: application/json`, 413 `body_too_large` over the route's
/// body limit ([`axum::extract::DefaultBodyLimit`]).
#[derive(Debug)]
pub struct ApiJson<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self> {
        Json::<T>::from_request(req, state)
            .await
            .map(|Json(v)| ApiJson(v))
            .map_err(|e| match e {
                JsonRejection::JsonDataError(_)
                | JsonRejection::JsonSyntaxError(_)
                | JsonRejection::MissingJsonContentType(_) => AppError::api(
                    ErrorCode::InvalidJson,
                    format!("invalid JSON: {}", e.body_text()),
                ),
                e if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                    AppError::api(ErrorCode::BodyTooLarge, e.body_text())
                }
                e => AppError::api(ErrorCode::BadRequest, e.body_text()),
            })
    }
}

/// The `?lang=` query parameter most routes take.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQueryParams {
    /// Language of visitor texts: `id` (default) or `en`; a text missing in
    /// English falls back to Indonesian.
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

/// Whether the request's `If-None-Match` matches `etag` (weak comparison, as
/// RFC 9110 §13.1.2 asks for GET; `*` matches anything; every header line and
/// list item counts, unreadable items are skipped).
pub fn if_none_match_hits(headers: &HeaderMap, etag: &str) -> bool {
    let Ok(etag) = etag.parse::<ETag>() else {
        return false;
    };
    headers
        .typed_get::<IfNoneMatch>()
        .is_some_and(|inm| !inm.precondition_passes(&etag))
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
    let body = serde_json::to_vec(value)?;
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
