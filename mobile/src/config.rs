//! `AppConfig`: the app's settings, in one place.

use std::time::Duration;

use bevy::prelude::*;

/// Default content server for a desktop run (the demo server's address).
pub const DEFAULT_SERVER_URL: &str = "http://127.0.0.1:8080";

/// The app's settings. Systems read it as `Res<AppConfig>`; nothing hard-codes URLs.
#[derive(Resource, Debug, Clone)]
pub struct AppConfig {
    /// Base URL of the content server, without a trailing slash.
    pub server_url: String,
    /// Hosts whose `https://{host}/m/{code}` codes are library codes. Any other
    /// content is a foreign code and is never opened automatically.
    pub library_hosts: Vec<String>,
    /// Minimum time between two scans, in milliseconds (saves battery on phones).
    pub scan_interval_ms: u64,
    /// Folder for the offline cache and the scan-event queue; `None` keeps nothing on disk.
    pub cache_dir: Option<std::path::PathBuf>,
    /// Cap on the overlay cache, in bytes.
    pub cache_max_bytes: u64,
    /// Cap on the media cache (covers, posters, trailers), in bytes; on disk
    /// under `cache_dir`, else in memory.
    pub media_cache_max_bytes: u64,
    /// How long network requests may take; tests of a stalled network set short ones.
    pub timeouts: NetTimeouts,
}

/// The network's timeouts and retry intervals, all of them: no other
/// network wait in the app is a constant. The defaults suit a library's
/// Wi-Fi (slow, rarely dead); tests shorten them instead of waiting them out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NetTimeouts {
    /// Give up connecting after this long (default 3 s: the library's Wi-Fi
    /// can be slow, not dead).
    pub connect: Duration,
    /// Give up when no byte has arrived for this long, at any point of an
    /// answer (default 5 s: a stalled link); a stalled media download is
    /// dropped after this, long before its [`Self::media_download`].
    pub read: Duration,
    /// Give up on a whole request after this long (default 8 s).
    pub request: Duration,
    /// Give up on one media download (a cover, a trailer) after this long
    /// (default 120 s: a trailer of tens of MB over slow Wi-Fi).
    pub media_download: Duration,
    /// A code seen again after this long is revalidated (default 60 s; cheap:
    /// usually a 304).
    pub revalidate_after: Duration,
    /// A code or media file whose fetch failed is tried again after this long
    /// while it stays in view (default 5 s).
    pub retry_failed_after: Duration,
    /// Wait before the first retry of a resolve that failed on the way
    /// (network error, 5xx, 408, 429); doubled for each next one (default
    /// 250 ms: 250 ms, then 500 ms).
    pub retry_backoff: Duration,
    /// Send queued scan events once the oldest has waited this long, unless
    /// enough wait to fill a batch sooner (default 10 s).
    pub scans_flush_after: Duration,
    /// After a failed send of scan events, wait this long before the next
    /// (default 30 s: the events are kept meanwhile).
    pub scans_retry_after: Duration,
}

impl Default for NetTimeouts {
    fn default() -> Self {
        Self {
            connect: Duration::from_secs(3),
            read: Duration::from_secs(5),
            request: Duration::from_secs(8),
            media_download: Duration::from_secs(120),
            revalidate_after: Duration::from_secs(60),
            retry_failed_after: Duration::from_secs(5),
            retry_backoff: Duration::from_millis(250),
            scans_flush_after: Duration::from_secs(10),
            scans_retry_after: Duration::from_secs(30),
        }
    }
}

/// The app's folder name inside the platform's cache folder.
pub const CACHE_FOLDER: &str = "pustaka-ar";

/// Where the desktop app keeps its offline cache and scan queue unless told
/// otherwise: [`CACHE_FOLDER`] in the platform's cache folder (`dirs::cache_dir()`:
/// `$XDG_CACHE_HOME` or `~/.cache` on Linux, `~/Library/Caches` on macOS,
/// `%LOCALAPPDATA%` on Windows). `None` where the platform has none.
#[cfg(any(target_os = "linux", target_os = "windows", target_os = "macos"))]
pub fn default_cache_dir() -> Option<std::path::PathBuf> {
    dirs::cache_dir().map(|d| d.join(CACHE_FOLDER))
}

/// Default cap of the offline cache: 20 MB, small next to a phone's storage.
pub const DEFAULT_CACHE_MAX_BYTES: u64 = 20 * 1024 * 1024;

/// Default cap of the media cache: 200 MB, room for a few dozen trailers.
pub const DEFAULT_MEDIA_CACHE_MAX_BYTES: u64 = 200 * 1024 * 1024;

impl AppConfig {
    /// Adds a host to [`Self::library_hosts`], trimmed and lower-cased (host
    /// names are case-insensitive, RFC 4343); an empty or already listed host
    /// is left out.
    pub fn add_library_host(&mut self, host: &str) {
        let host = host.trim().to_ascii_lowercase();
        if !host.is_empty() && !self.library_hosts.contains(&host) {
            self.library_hosts.push(host);
        }
    }
}

impl Default for AppConfig {
    fn default() -> Self {
        Self {
            server_url: DEFAULT_SERVER_URL.to_string(),
            library_hosts: vec![
                "perpustakaan.metrokota.go.id".to_string(),
                "localhost".to_string(),
                "127.0.0.1".to_string(),
            ],
            scan_interval_ms: 0,
            cache_dir: None,
            cache_max_bytes: DEFAULT_CACHE_MAX_BYTES,
            media_cache_max_bytes: DEFAULT_MEDIA_CACHE_MAX_BYTES,
            timeouts: NetTimeouts::default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pustaka_markers::payload::{ScannedContent, classify};

    #[test]
    fn an_added_host_makes_its_codes_library_codes() {
        let code = "https://Perpus.Example.ID/m/BK0001";
        let hosts = |c: &AppConfig| c.library_hosts.clone();
        let mut config = AppConfig::default();
        let before = hosts(&config);
        let refs: Vec<&str> = before.iter().map(String::as_str).collect();
        assert!(matches!(
            classify(Some(code), code.as_bytes(), &refs),
            ScannedContent::ForeignUrl { .. }
        ));
        config.add_library_host(" Perpus.example.id ");
        config.add_library_host("perpus.example.id");
        config.add_library_host("");
        let after = hosts(&config);
        assert_eq!(after.len(), before.len() + 1, "{after:?}");
        let refs: Vec<&str> = after.iter().map(String::as_str).collect();
        assert!(matches!(
            classify(Some(code), code.as_bytes(), &refs),
            ScannedContent::Library { .. }
        ));
    }
}
