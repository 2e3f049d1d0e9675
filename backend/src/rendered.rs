//! Rendered bodies by code and language, reused for a short time: the overlay
//! JSON of `GET /api/v1/markers/{code}` (every scan) and the HTML of
//! `GET /m/{code}` (every visit without the app). Both are built from several
//! queries, and a burst of requests for one code (a class scanning the same
//! poster, a link shared in a group chat) should cost one build.
//!
//! Writes in this process (publishing, an import, a code's edit) call
//! [`RenderedCache::clear`], so they show at once; writes from another process
//! (`pustaka-server import`) show within [`RENDERED_TTL`].

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use pustaka_api::Lang;

/// How long a rendered body is reused without asking the database. Short,
/// because `pustaka-server import` writes from another process and must show
/// up within seconds; long enough that a burst of requests for one code costs
/// one build.
pub const RENDERED_TTL: Duration = Duration::from_secs(2);

/// Upper bound on cached bodies per [`Rendered`] kind and language; that map
/// is emptied when it is reached, so requests for many distinct codes cannot
/// grow memory without bound.
pub const RENDERED_MAX_ENTRIES: usize = 10_000;

/// How long past [`RENDERED_TTL`] an entry may still be served while one
/// request rebuilds it. Without this, every request that arrives between the
/// expiry and the rebuild (all 256 connections of a load test, or a class of
/// children scanning the same poster) queues on the database at once, which is
/// what made the tail latency; with it, exactly one request per entry pays.
/// It also bounds staleness when the rebuilding request is dropped half-way
/// (a client that hangs up): the entry is then rebuilt after this long.
pub const RENDERED_STALE_MAX: Duration = Duration::from_secs(10);

/// What a body is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rendered {
    /// The overlay JSON of `GET /api/v1/markers/{code}`.
    Overlay,
    /// The HTML page of `GET /m/{code}`.
    Page,
}

/// One cached body.
#[derive(Debug)]
pub struct CachedBody {
    /// The body as sent.
    pub body: Bytes,
    /// Its strong ETag (quoted).
    pub etag: String,
    at: Instant,
    /// Set by the one request that rebuilds this expired entry.
    refreshing: AtomicBool,
}

/// Rendered bodies by canonical code, one map per kind and language (indexed
/// by kind and language), so a lookup borrows the code instead of allocating a key.
#[derive(Debug, Default)]
pub struct RenderedCache {
    entries: RwLock<[HashMap<String, Arc<CachedBody>>; 4]>,
}

fn slot(what: Rendered, lang: Lang) -> usize {
    let kind = match what {
        Rendered::Overlay => 0,
        Rendered::Page => 2,
    };
    kind + match lang {
        Lang::Id => 0,
        Lang::En => 1,
    }
}

impl RenderedCache {
    /// A fresh entry; or an expired one while another request rebuilds it;
    /// `None` tells the caller to rebuild (it is the first after expiry, or the
    /// entry is older than [`RENDERED_STALE_MAX`], or there is none).
    pub fn get(&self, what: Rendered, code: &str, lang: Lang) -> Option<Arc<CachedBody>> {
        let map = self.entries.read().ok()?;
        let entry = map[slot(what, lang)].get(code)?;
        let age = entry.at.elapsed();
        if age < RENDERED_TTL
            || (age < RENDERED_STALE_MAX && entry.refreshing.swap(true, Ordering::AcqRel))
        {
            return Some(entry.clone());
        }
        None
    }

    /// Stores a freshly built body.
    pub fn put(&self, what: Rendered, code: String, lang: Lang, body: Bytes, etag: String) {
        self.put_at(what, code, lang, body, etag, Instant::now());
    }

    fn put_at(
        &self,
        what: Rendered,
        code: String,
        lang: Lang,
        body: Bytes,
        etag: String,
        at: Instant,
    ) {
        if let Ok(mut map) = self.entries.write() {
            let slot = &mut map[slot(what, lang)];
            if slot.len() >= RENDERED_MAX_ENTRIES {
                slot.clear();
            }
            slot.insert(
                code,
                Arc::new(CachedBody {
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
    pub fn forget(&self, what: Rendered, code: &str, lang: Lang) {
        if let Ok(mut map) = self.entries.write() {
            map[slot(what, lang)].remove(code);
        }
    }

    /// Forgets every cached body, overlays and pages alike (after a write in
    /// this process).
    pub fn clear(&self) {
        if let Ok(mut map) = self.entries.write() {
            map.iter_mut().for_each(HashMap::clear);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aged(cache: &RenderedCache, what: Rendered, code: &str, age: Duration) {
        let at = Instant::now().checked_sub(age).unwrap_or_else(Instant::now);
        cache.put_at(
            what,
            code.into(),
            Lang::Id,
            Bytes::from_static(b"{}"),
            "\"e\"".into(),
            at,
        );
    }

    #[test]
    fn one_request_rebuilds_an_expired_body_while_others_get_the_old_one() {
        let cache = RenderedCache::default();
        let o = Rendered::Overlay;
        aged(&cache, o, "BK0001", Duration::ZERO);
        assert!(cache.get(o, "BK0001", Lang::Id).is_some(), "fresh");
        assert!(cache.get(o, "BK0001", Lang::En).is_none(), "other language");
        assert!(
            cache.get(Rendered::Page, "BK0001", Lang::Id).is_none(),
            "other kind"
        );

        aged(
            &cache,
            o,
            "BK0001",
            RENDERED_TTL + Duration::from_millis(100),
        );
        assert!(
            cache.get(o, "BK0001", Lang::Id).is_none(),
            "first after expiry rebuilds"
        );
        for _ in 0..100 {
            assert!(
                cache.get(o, "BK0001", Lang::Id).is_some(),
                "the rest get the old body"
            );
        }
        // The rebuild failed (e.g. the code was deactivated): nothing stale stays.
        cache.forget(o, "BK0001", Lang::Id);
        assert!(cache.get(o, "BK0001", Lang::Id).is_none());

        // Too old to serve at all: everyone asks the database.
        aged(
            &cache,
            o,
            "BK0001",
            RENDERED_STALE_MAX + Duration::from_secs(1),
        );
        assert!(cache.get(o, "BK0001", Lang::Id).is_none());
        assert!(cache.get(o, "BK0001", Lang::Id).is_none());
    }

    #[test]
    fn clear_forgets_pages_and_overlays() {
        let cache = RenderedCache::default();
        aged(&cache, Rendered::Overlay, "BK0001", Duration::ZERO);
        aged(&cache, Rendered::Page, "BK0001", Duration::ZERO);
        assert!(cache.get(Rendered::Page, "BK0001", Lang::Id).is_some());
        cache.clear();
        assert!(cache.get(Rendered::Page, "BK0001", Lang::Id).is_none());
        assert!(cache.get(Rendered::Overlay, "BK0001", Lang::Id).is_none());
    }
}
