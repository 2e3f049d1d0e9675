//! `POST /api/v1/scans`: anonymous scan batches from the app. Validated,
//! size-capped, rate-limited per client address, stored in one transaction;
//! scans of codes that are not markers of this library are counted and dropped.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::Json;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pustaka_api::{ApiErrorBody, ErrorCode, MAX_SCANS_PER_BATCH, ScanAccepted, ScanBatch};
use pustaka_markers::payload::MarkerCode;

use super::ApiJson;
use crate::error::{AppError, Result};
use crate::startup::AppState;

/// Largest accepted request body in bytes: a full batch of 500 scans is about
/// 40 KiB of JSON, so 64 KiB leaves room without inviting abuse.
pub const MAX_SCAN_BODY_BYTES: usize = 64 * 1024;

/// Batches one client address may post per [`RATE_WINDOW`]. The app posts at
/// most one batch a minute; the slack covers several phones behind one NAT.
pub const RATE_LIMIT_PER_WINDOW: u32 = 30;

/// The fixed window of the rate limit.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

/// Scans older than this are refused (a phone's clock that is far off, or replay).
pub const MAX_SCAN_AGE: chrono::Duration = chrono::Duration::days(30);

/// Scans further in the future than this are refused (clock skew allowance).
pub const MAX_CLOCK_SKEW: chrono::Duration = chrono::Duration::hours(24);

/// Distinct client addresses tracked before old windows are swept.
const RATE_TABLE_SWEEP_AT: usize = 10_000;

/// Stores one scan (`?1` code, `?2` time as `%Y-%m-%dT%H:%M:%SZ`, `?3`
/// client kind) when the code is a marker of this library; the existence
/// check and the insert are one statement, so a marker deleted meanwhile
/// cannot slip in.
const INSERT_SCAN: &str = "INSERT INTO scan_events (code, scanned_at, client)
     SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM markers WHERE code = ?1)";

/// The body-size layer of the scans route.
pub fn body_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(MAX_SCAN_BODY_BYTES)
}

/// A fixed-window request counter per client address.
#[derive(Default)]
pub struct RateLimiter {
    windows: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    /// Counts one request from `ip`; false when over the limit.
    pub fn allow(&self, ip: IpAddr) -> bool {
        let Ok(mut map) = self.windows.lock() else {
            return true;
        };
        let now = Instant::now();
        if map.len() >= RATE_TABLE_SWEEP_AT {
            map.retain(|_, (start, _)| now.duration_since(*start) < RATE_WINDOW);
        }
        let entry = map.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= RATE_WINDOW {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= RATE_LIMIT_PER_WINDOW
    }
}

/// Report a batch of anonymous scans.
///
/// `POST /api/v1/scans`: stores the scans of a batch whose code is a marker of
/// this library (active or not) and answers 202 with how many were stored
/// (`accepted`) and how many well-formed scans were dropped for an unknown code
/// (`rejected`). Unknown codes are not an error: the app may scan codes of
/// other libraries or of deleted markers, and resending them would not help.
///
/// 400 `invalid_json` / `invalid_scan` for malformed JSON, codes or times
/// (nothing of the batch is stored then), 413 `body_too_large` over
/// [`MAX_SCAN_BODY_BYTES`] or `batch_too_large` over [`MAX_SCANS_PER_BATCH`],
/// 429 `too_many_requests` over the rate limit.
#[utoipa::path(
    post,
    path = "/scans",
    request_body = ScanBatch,
    responses(
        (status = 202, description = "Scans of known codes stored; the others counted as rejected.", body = ScanAccepted),
        (status = 400, description = "Malformed batch (`invalid_json`, `invalid_scan`); nothing stored.", body = ApiErrorBody),
        (status = 413, description = "Body or batch too large (`body_too_large`, `batch_too_large`).", body = ApiErrorBody),
        (status = 429, description = "Rate limit exceeded.", body = ApiErrorBody),
    )
)]
#[tracing::instrument(skip(state, batch), fields(client.ip = %addr.ip()))]
pub async fn post_scans(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    // Taken as a `Result` so that the rate limit is counted first: a client
    // that keeps posting malformed batches is limited too.
    batch: Result<ApiJson<ScanBatch>>,
) -> Result<Response> {
    if !state.scan_limiter.allow(addr.ip()) {
        return Err(AppError::api(
            ErrorCode::TooManyRequests,
            format!(
                "more than {RATE_LIMIT_PER_WINDOW} batches in {} s; retry later",
                RATE_WINDOW.as_secs()
            ),
        ));
    }
    let ApiJson(batch) = batch?;
    if batch.scans.len() > MAX_SCANS_PER_BATCH {
        return Err(AppError::api(
            ErrorCode::BatchTooLarge,
            format!("at most {MAX_SCANS_PER_BATCH} scans per batch"),
        ));
    }
    let now = chrono::Utc::now();
    let mut rows = Vec::with_capacity(batch.scans.len());
    for (i, s) in batch.scans.iter().enumerate() {
        let invalid = |msg: String| AppError::api(ErrorCode::InvalidScan, msg);
        let code =
            MarkerCode::parse(&s.code).map_err(|e| invalid(format!("scans[{i}].code: {e}")))?;
        let at = chrono::DateTime::parse_from_rfc3339(&s.scanned_at)
            .map_err(|e| invalid(format!("scans[{i}].scanned_at: {e}")))?
            .with_timezone(&chrono::Utc);
        if at < now - MAX_SCAN_AGE || at > now + MAX_CLOCK_SKEW {
            return Err(invalid(format!(
                "scans[{i}].scanned_at is outside the accepted window"
            )));
        }
        rows.push((
            code.as_str().to_owned(),
            at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            s.client.as_str(),
        ));
    }
    // The existence check and the insert are one statement inside the batch's
    // transaction, so a marker deleted meanwhile cannot slip in.
    let mut accepted: u32 = 0;
    let mut tx = state.db.begin().await?;
    for (code, at, client) in &rows {
        let done = sqlx::query(INSERT_SCAN)
            .bind(code)
            .bind(at)
            .bind(client)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() > 0 {
            accepted += 1;
        }
    }
    tx.commit().await?;
    // `rows.len()` is at most MAX_SCANS_PER_BATCH, so it fits a u32.
    let rejected = u32::try_from(rows.len())
        .unwrap_or(u32::MAX)
        .saturating_sub(accepted);
    tracing::info!(
        scans.accepted = accepted,
        scans.rejected = rejected,
        "stored scan batch"
    );
    Ok((
        StatusCode::ACCEPTED,
        Json(ScanAccepted { accepted, rejected }),
    )
        .into_response())
}

/// How long one visitor's views of one code's web page count as one visit:
/// the app's own dedupe window (a scan of the same code within 30 s is the
/// same sighting).
pub const WEB_VISIT_WINDOW: Duration = Duration::from_secs(30);

/// Visitors remembered for [`WEB_VISIT_WINDOW`] at most; beyond this the
/// least recently seen are forgotten (a visit may then count twice, never
/// unboundedly much memory).
pub const WEB_VISITS_REMEMBERED: usize = 65_536;

/// Counts visits of a code's web page (`GET /m/{code}`) as scans of that code
/// by a [`ClientKind::Web`](pustaka_api::ClientKind) client, so analytics,
/// "never scanned" and the CSV see visitors without the app too.
///
/// No cookie and nothing personal is stored: a visitor is the hash of the
/// client address (IPv6: its /64), the `User-Agent` and the code, keyed
/// with a random per-process key, held in memory for
/// [`WEB_VISIT_WINDOW`] to drop repeated views (reloads, language switches)
/// the way the app dedupes its own scans. Crawlers and link previews
/// (`WhatsApp`, Facebook, Telegram, Slack...) are recognised by their
/// `User-Agent` with the `isbot` crate, as are requests without one and
/// browser prefetches (`Sec-Purpose: prefetch`), and are not counted.
///
/// Per process: behind several replicas a visitor whose views land on two
/// of them within the window counts twice.
pub struct WebVisits {
    seen: quick_cache::sync::Cache<u64, Instant>,
    key: std::hash::RandomState,
    bots: isbot::Bots,
}

impl Default for WebVisits {
    fn default() -> Self {
        Self {
            seen: quick_cache::sync::Cache::new(WEB_VISITS_REMEMBERED),
            key: std::hash::RandomState::new(),
            bots: isbot::Bots::default(),
        }
    }
}

impl WebVisits {
    /// Whether a view of `code`'s page by this client is a new visit to
    /// count: false for bots, link previews, prefetches, and repeats within
    /// [`WEB_VISIT_WINDOW`].
    pub fn is_new_visit(&self, ip: IpAddr, headers: &axum::http::HeaderMap, code: &str) -> bool {
        use std::hash::BuildHasher;
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let Some(agent) = header("user-agent").filter(|a| !a.trim().is_empty()) else {
            return false;
        };
        let prefetch = |v: Option<&str>| v.is_some_and(|v| v.contains("prefetch"));
        if prefetch(header("sec-purpose")) || prefetch(header("purpose")) || self.bots.is_bot(agent)
        {
            return false;
        }
        let visitor = self
            .key
            .hash_one((crate::server::address_key(ip), agent, code));
        let now = Instant::now();
        let repeat = self
            .seen
            .get(&visitor)
            .is_some_and(|at| now.duration_since(at) < WEB_VISIT_WINDOW);
        if !repeat {
            self.seen.insert(visitor, now);
        }
        !repeat
    }
}

/// Stores one web-page visit of `code` as a scan event (client `web`, now),
/// if the code is a marker of this library.
///
/// # Errors
/// Database errors.
pub async fn record_web_visit(db: &sqlx::SqlitePool, code: &str) -> sqlx::Result<()> {
    sqlx::query(INSERT_SCAN)
        .bind(code)
        .bind(chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string())
        .bind(pustaka_api::ClientKind::Web.as_str())
        .execute(db)
        .await?;
    Ok(())
}
