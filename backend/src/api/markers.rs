//! `GET /api/v1/markers/{code}`: the hot path of every scan. Resolves a code to
//! its overlay, with an ETag and a short in-memory cache of rendered bodies.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

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
use crate::startup::AppState;

/// How long a rendered overlay is reused without asking the database. Short,
/// because `pustaka-server import` and future admin edits write from other
/// processes or handlers and must show up within seconds; long enough that a
/// burst of scans of one code costs one query.
pub const OVERLAY_CACHE_TTL: Duration = Duration::from_secs(2);

/// Upper bound on cached overlays; the cache is emptied when it is reached, so a
/// scan of many distinct codes cannot grow memory without bound.
pub const OVERLAY_CACHE_MAX_ENTRIES: usize = 10_000;

/// How long past [`OVERLAY_CACHE_TTL`] an entry may still be served while one
/// request rebuilds it. Without this, every request that arrives between the
/// expiry and the rebuild (all 256 connections of a load test, or a class of
/// children scanning the same poster) queues on the database at once, which is
/// what made the tail latency; with it, exactly one request per entry pays.
/// It also bounds staleness when the rebuilding request is dropped half-way
/// (a client that hangs up): the entry is then rebuilt after this long.
pub const OVERLAY_STALE_MAX: Duration = Duration::from_secs(10);

struct CachedOverlay {
    body: Bytes,
    etag: String,
    at: Instant,
    /// Set by the one request that rebuilds this expired entry.
    refreshing: AtomicBool,
}

/// Rendered overlays by canonical code, one map per language (indexed by
/// `lang_slot`), so a lookup borrows the code instead of allocating a key.
#[derive(Default)]
pub struct OverlayCache {
    entries: RwLock<[HashMap<String, Arc<CachedOverlay>>; 2]>,
}

fn lang_slot(lang: Lang) -> usize {
    match lang {
        Lang::Id => 0,
        Lang::En => 1,
    }
}

impl OverlayCache {
    /// A fresh entry; or an expired one while another request rebuilds it;
    /// `None` tells the caller to rebuild (it is the first after expiry, or the
    /// entry is older than [`OVERLAY_STALE_MAX`], or there is none).
    fn get(&self, code: &str, lang: Lang) -> Option<Arc<CachedOverlay>> {
        let map = self.entries.read().ok()?;
        let entry = map[lang_slot(lang)].get(code)?;
        let age = entry.at.elapsed();
        if age < OVERLAY_CACHE_TTL
            || (age < OVERLAY_STALE_MAX && entry.refreshing.swap(true, Ordering::AcqRel))
        {
            return Some(entry.clone());
        }
        None
    }

    fn put(&self, code: String, lang: Lang, body: Bytes, etag: String) {
        self.put_at(code, lang, body, etag, Instant::now());
    }

    fn put_at(&self, code: String, lang: Lang, body: Bytes, etag: String, at: Instant) {
        if let Ok(mut map) = self.entries.write() {
            let slot = &mut map[lang_slot(lang)];
            if slot.len() >= OVERLAY_CACHE_MAX_ENTRIES {
                slot.clear();
            }
            slot.insert(
                code,
                Arc::new(CachedOverlay {
                    body,
                    etag,
                    at,
                    refreshing: AtomicBool::new(false),
                }),
            );
        }
    }

    /// Drops one entry (its rebuild failed, or the code is gone), so the next
    /// request asks the database again instead of being served a stale body.
    fn forget(&self, code: &str, lang: Lang) {
        if let Ok(mut map) = self.entries.write() {
            map[lang_slot(lang)].remove(code);
        }
    }

    /// Forgets every cached overlay (after a write in this process).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.write() {
            map.iter_mut().for_each(HashMap::clear);
        }
    }
}

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
    if let Some(hit) = state.overlays.get(code.as_str(), lang) {
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
            state.overlays.forget(code.as_str(), lang);
            return Err(e);
        }
    };
    state
        .overlays
        .put(code.as_str().to_owned(), lang, body.clone(), etag.clone());
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

/// Title, author, synopsis (id, en), e-book URL.
type TitleHeadRow = (
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Tour id, stop position, tour name (id, en), clue (id, en), narration (id, en), stop count.
type StopHeadRow = (
    i64,
    i64,
    String,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    i64,
);

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
    let kind: TargetKind = m
        .target_kind
        .parse()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("marker {}: {e}", m.code)))?;
    let (title, subtitle, body, has_en) = match kind {
        TargetKind::Title => {
            let (t, a, s_id, s_en, ebook): TitleHeadRow = sqlx::query_as(
                "SELECT title, author, synopsis_id, synopsis_en, ebook_url
                   FROM titles WHERE id = ? AND published = 1",
            )
            .bind(m.target_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(missing)?;
            let has_en = s_en.is_some();
            ebook_url = ebook.filter(|u| !u.trim().is_empty());
            (t, a, view.pick_opt(s_id, s_en), has_en)
        }
        TargetKind::Shelf => {
            let (n_id, n_en, loc, d_id, d_en): (
                String,
                Option<String>,
                Option<String>,
                Option<String>,
                Option<String>,
            ) = sqlx::query_as(
                "SELECT name_id, name_en, location, description_id, description_en
                   FROM shelves WHERE id = ? AND published = 1",
            )
            .bind(m.target_id)
            .fetch_optional(pool)
            .await?
            .ok_or_else(missing)?;
            let has_en = n_en.is_some();
            (
                view.pick(n_id, n_en),
                loc,
                view.pick_opt(d_id, d_en),
                has_en,
            )
        }
        TargetKind::Event => {
            let e = crate::db::content::event_row(pool, m.target_id)
                .await?
                .ok_or_else(missing)?;
            let has_en = e.title_en.is_some();
            (
                view.pick(e.title_id, e.title_en),
                // "Sabtu, 5 Desember 2026, 09.00–10.30 WIB · place", as on the web page.
                Some(format!(
                    "{} · {}",
                    crate::web::human_when(view.lang, &e.starts_at, &e.ends_at),
                    e.place
                )),
                view.pick_opt(e.description_id, e.description_en),
                has_en,
            )
        }
        TargetKind::TourStop => {
            let (tid, pos, n_id, n_en, c_id, c_en, nar_id, nar_en, count): StopHeadRow =
                sqlx::query_as(
                    "SELECT t.id, s.position, t.name_id, t.name_en, s.clue_id, s.clue_en,
                        s.narration_id, s.narration_en,
                        (SELECT COUNT(*) FROM tour_stops x WHERE x.tour_id = t.id)
                   FROM tour_stops s JOIN tours t ON t.id = s.tour_id
                  WHERE s.id = ? AND t.active = 1 AND t.published = 1",
                )
                .bind(m.target_id)
                .fetch_optional(pool)
                .await?
                .ok_or_else(missing)?;
            tour_id = Some(tid);
            let has_en = n_en.is_some();
            let stop_word = if view.lang == Lang::En {
                "stop"
            } else {
                "pemberhentian"
            };
            (
                format!("{} · {stop_word} {pos}/{count}", view.pick(n_id, n_en)),
                Some(view.pick(c_id, c_en)),
                view.pick_opt(nar_id, nar_en),
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(cache: &OverlayCache, code: &str, age: Duration) {
        let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        cache.put_at(
            code.into(),
            Lang::Id,
            Bytes::from_static(b"{}"),
            "\"e\"".into(),
            at,
        );
    }

    #[test]
    fn one_request_rebuilds_an_expired_overlay_while_others_get_the_old_one() {
        let cache = OverlayCache::default();
        aged(&cache, "BK0001", Duration::ZERO);
        assert!(cache.get("BK0001", Lang::Id).is_some(), "fresh");
        assert!(cache.get("BK0001", Lang::En).is_none(), "other language");

        aged(
            &cache,
            "BK0001",
            OVERLAY_CACHE_TTL + Duration::from_millis(100),
        );
        assert!(
            cache.get("BK0001", Lang::Id).is_none(),
            "first after expiry rebuilds"
        );
        for _ in 0..100 {
            assert!(
                cache.get("BK0001", Lang::Id).is_some(),
                "the rest get the old body"
            );
        }
        // The rebuild failed (e.g. the code was deactivated): nothing stale stays.
        cache.forget("BK0001", Lang::Id);
        assert!(cache.get("BK0001", Lang::Id).is_none());

        // Too old to serve at all: everyone asks the database.
        aged(&cache, "BK0001", OVERLAY_STALE_MAX + Duration::from_secs(1));
        assert!(cache.get("BK0001", Lang::Id).is_none());
        assert!(cache.get("BK0001", Lang::Id).is_none());
    }
}
