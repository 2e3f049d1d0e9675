//! The disk cache of resolved overlays: one JSON file per marker code, with
//! the server's ETag, so the app can revalidate cheaply and show content offline.
//!
//! Files live in `{dir}/overlays/{CODE}.{lang}.json`. The cache is capped at a total
//! size in bytes; when a write pushes it over, the least recently written
//! files are removed first. Every write goes to a temporary file that is then
//! renamed, so a crash never leaves a half-written entry.

use std::path::{Path, PathBuf};

use pustaka_api::{Lang, MarkerOverlay};
use pustaka_markers::payload::MarkerCode;
use serde::{Deserialize, Serialize};

/// One cached overlay.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CachedOverlay {
    /// The server's `ETag` for this overlay, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The overlay itself.
    pub overlay: MarkerOverlay,
}

/// A size-capped directory of cached overlays.
#[derive(Debug, Clone)]
pub struct OverlayCache {
    dir: PathBuf,
    max_bytes: u64,
}

impl OverlayCache {
    /// A cache under `dir` (created on first write) holding at most `max_bytes`.
    pub fn new(dir: &Path, max_bytes: u64) -> Self {
        Self {
            dir: dir.join("overlays"),
            max_bytes,
        }
    }

    fn path(&self, code: &str, lang: Lang) -> Option<PathBuf> {
        // Only canonical codes become file names: nothing from the network
        // reaches the file system unchecked.
        let code = MarkerCode::parse(code).ok()?;
        Some(self.dir.join(format!("{code}.{}.json", lang.tag())))
    }

    /// The cached entry for `code` in `lang`, if any and readable.
    pub fn get(&self, code: &str, lang: Lang) -> Option<CachedOverlay> {
        let bytes = std::fs::read(self.path(code, lang)?).ok()?;
        serde_json::from_slice(&bytes).ok()
    }

    /// Stores an entry, then trims the cache to its cap.
    ///
    /// # Errors
    /// File-system errors (the cache is best effort; callers log and go on).
    pub fn put(&self, code: &str, lang: Lang, entry: &CachedOverlay) -> std::io::Result<()> {
        let path = self
            .path(code, lang)
            .ok_or_else(|| std::io::Error::other("not a marker code"))?;
        std::fs::create_dir_all(&self.dir)?;
        let tmp = path.with_extension("json.tmp");
        std::fs::write(
            &tmp,
            serde_json::to_vec(entry).map_err(std::io::Error::other)?,
        )?;
        std::fs::rename(&tmp, &path)?;
        self.trim()
    }

    /// Forgets `code` (the server said it no longer exists).
    pub fn remove(&self, code: &str, lang: Lang) {
        if let Some(p) = self.path(code, lang) {
            let _ = std::fs::remove_file(p);
        }
    }

    /// Total bytes of cached entries.
    pub fn size_bytes(&self) -> u64 {
        self.entries().iter().map(|e| e.1).sum()
    }

    fn entries(&self) -> Vec<(PathBuf, u64, std::time::SystemTime)> {
        let Ok(rd) = std::fs::read_dir(&self.dir) else {
            return Vec::new();
        };
        rd.flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((e.path(), m.len(), m.modified().ok()?))
            })
            .collect()
    }

    fn trim(&self) -> std::io::Result<()> {
        let mut entries = self.entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort_by_key(|e| e.2);
        for (path, len, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            std::fs::remove_file(path)?;
            total -= len;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overlay(code: &str, body_len: usize) -> CachedOverlay {
        let body = "x".repeat(body_len);
        let json = format!(
            r#"{{"code":"{code}","kind":"title","size_m":0.05,"title":"Judul","body":"{body}","languages":["id"]}}"#
        );
        CachedOverlay {
            etag: Some("\"v1\"".into()),
            overlay: serde_json::from_str(&json).unwrap(),
        }
    }

    #[test]
    fn round_trip_and_cap() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OverlayCache::new(dir.path(), 3_000);
        cache
            .put("BK0001", Lang::Id, &overlay("BK0001", 1_000))
            .unwrap();
        assert_eq!(
            cache.get("bk0001", Lang::Id),
            Some(overlay("BK0001", 1_000))
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache
            .put("BK0002", Lang::Id, &overlay("BK0002", 1_000))
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        cache
            .put("BK0003", Lang::Id, &overlay("BK0003", 1_000))
            .unwrap();
        assert!(cache.size_bytes() <= 3_000, "{}", cache.size_bytes());
        assert!(
            cache.get("BK0001", Lang::Id).is_none(),
            "oldest entry evicted first"
        );
        assert!(cache.get("BK0003", Lang::Id).is_some());
        cache.remove("BK0003", Lang::Id);
        assert!(
            cache.get("BK0002", Lang::En).is_none(),
            "languages are cached apart"
        );
        assert!(cache.get("BK0003", Lang::Id).is_none());
    }

    #[test]
    fn hostile_codes_never_become_paths() {
        let dir = tempfile::tempdir().unwrap();
        let cache = OverlayCache::new(dir.path(), 10_000);
        assert!(
            cache
                .put("../../etc/passwd", Lang::Id, &overlay("BK0001", 1))
                .is_err()
        );
        assert!(cache.get("../x", Lang::Id).is_none());
    }
}
