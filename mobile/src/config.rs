//! `AppConfig`: the app's settings, in one place.

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
