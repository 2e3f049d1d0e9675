//! `POST /api/v1/scans`: anonymous scan batches from the app. Validated,
//! size-capped, rate-limited per client address, stored in one transaction.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Json, body::Bytes};
use pustaka_api::{MAX_SCANS_PER_BATCH, ScanAccepted, ScanBatch};
use pustaka_markers::payload::MarkerCode;

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

/// `POST /api/v1/scans`: stores a batch of anonymous scans; 202 with the count.
/// 400 for malformed JSON, codes or times (nothing is stored then), 413 over
/// [`MAX_SCAN_BODY_BYTES`] or [`MAX_SCANS_PER_BATCH`], 429 over the rate limit.
#[tracing::instrument(skip(state, body), fields(client.ip = %addr.ip()))]
pub async fn post_scans(
    State(state): State<AppState>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: std::result::Result<Bytes, BytesRejection>,
) -> Result<Response> {
    if !state.scan_limiter.allow(addr.ip()) {
        return Err(AppError::TooManyRequests(
            "terlalu banyak kiriman; coba lagi sebentar lagi".into(),
        ));
    }
    let body = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge(format!("body lebih dari {MAX_SCAN_BODY_BYTES} byte"))
        } else {
            AppError::BadRequest(e.body_text())
        }
    })?;
    let batch: ScanBatch = serde_json::from_slice(&body)
        .map_err(|e| AppError::BadRequest(format!("JSON tidak valid: {e}")))?;
    if batch.scans.len() > MAX_SCANS_PER_BATCH {
        return Err(AppError::PayloadTooLarge(format!(
            "paling banyak {MAX_SCANS_PER_BATCH} pindaian per kiriman"
        )));
    }
    let now = chrono::Utc::now();
    let mut rows = Vec::with_capacity(batch.scans.len());
    for (i, s) in batch.scans.iter().enumerate() {
        let code = MarkerCode::parse(&s.code)
            .map_err(|e| AppError::BadRequest(format!("scans[{i}].code: {e}")))?;
        let at = chrono::DateTime::parse_from_rfc3339(&s.scanned_at)
            .map_err(|e| AppError::BadRequest(format!("scans[{i}].scanned_at: {e}")))?
            .with_timezone(&chrono::Utc);
        if at < now - MAX_SCAN_AGE || at > now + MAX_CLOCK_SKEW {
            return Err(AppError::BadRequest(format!(
                "scans[{i}].scanned_at is outside the accepted window"
            )));
        }
        rows.push((
            code.as_str().to_owned(),
            at.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
            s.client.as_str(),
        ));
    }
    let mut tx = state.db.begin().await?;
    for (code, at, client) in &rows {
        sqlx::query("INSERT INTO scan_events (code, scanned_at, client) VALUES (?, ?, ?)")
            .bind(code)
            .bind(at)
            .bind(client)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    tracing::info!(scans.count = rows.len(), "stored scan batch");
    let accepted = ScanAccepted {
        accepted: u32::try_from(rows.len()).unwrap_or(u32::MAX),
    };
    Ok((StatusCode::ACCEPTED, Json(accepted)).into_response())
}
