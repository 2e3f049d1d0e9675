//! The media cache: covers, posters and trailers, downloaded once and kept.
//!
//! A media URL ends in `{sha256}.{ext}` and its content never changes, so a
//! cached file is always current: it is served without asking the server,
//! which also makes media work offline once seen. Downloads are checked against
//! the hash in their name before they are kept.
//!
//! With a cache folder, files live in `{cache_dir}/media/{sha256}.{ext}`; the
//! folder is capped at a total size in bytes and the least recently *used*
//! files go first (a read refreshes a file's modification time). A download is
//! held in memory, checked, written to a temporary file and renamed, so a
//! crash or a cut connection never leaves a half file under a real name.
//! Without a cache folder, media is kept in memory only, under the same cap.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use bevy::platform::time::Instant;
use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, unbounded};
use sha2::{Digest, Sha256};

use super::Net;
use crate::config::NetTimeouts;
use crate::{AppConfig, AppSystems};

/// Why media could not be had.
#[derive(Debug, thiserror::Error)]
pub enum MediaError {
    /// The URL does not end in a [`MediaName`], `{sha256}.{ext}` with an
    /// extension the server stores ([`pustaka_api::MediaExt`]).
    #[error("not a media URL: {0}")]
    BadUrl(String),
    /// The server could not be reached or the transfer broke off.
    #[error("download failed: {0}")]
    Network(String),
    /// The server answered with an error status.
    #[error("server answered {0}")]
    Status(u16),
    /// The file is larger than the whole cache may hold.
    #[error("{size_bytes} bytes is more than the media cache holds ({max_bytes} bytes)")]
    TooLarge {
        /// Size of the file (announced or received so far), bytes.
        size_bytes: u64,
        /// The cache's cap, bytes.
        max_bytes: u64,
    },
    /// The content does not hash to its name (corrupt or tampered).
    #[error("content does not match its SHA-256 name")]
    HashMismatch,
    /// Writing or reading the cache folder failed.
    #[error("media cache: {0}")]
    Io(#[from] std::io::Error),
}

pub use pustaka_api::MediaName;

/// The media name at the end of `url`.
///
/// # Errors
/// [`MediaError::BadUrl`] when the last segment is not a [`MediaName`].
fn name_of_url(url: &str) -> Result<MediaName, MediaError> {
    MediaName::from_url(url).map_err(|_| MediaError::BadUrl(url.chars().take(200).collect()))
}

/// The app's check of a download against its name (the wire crate has no
/// hashing: it stays serde-only).
pub trait MediaNameExt {
    /// True when `bytes` hash to this name.
    fn matches(&self, bytes: &[u8]) -> bool;
}

impl MediaNameExt for MediaName {
    fn matches(&self, bytes: &[u8]) -> bool {
        MediaName::from_digest(Sha256::digest(bytes).into(), self.ext()) == *self
    }
}

/// Media ready to use: a file in the cache folder, or bytes in memory.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaBytes {
    /// A complete, checked file in the cache folder.
    File(PathBuf),
    /// The whole file in memory (no cache folder).
    Memory(Arc<[u8]>),
}

impl MediaBytes {
    /// The content (reads the file when on disk).
    ///
    /// # Errors
    /// When the file cannot be read (e.g. evicted meanwhile).
    pub fn read(&self) -> std::io::Result<Arc<[u8]>> {
        match self {
            MediaBytes::File(p) => Ok(std::fs::read(p)?.into()),
            MediaBytes::Memory(b) => Ok(b.clone()),
        }
    }

    /// True when the content still hashes to `name` (a file is streamed
    /// through SHA-256, not read whole). Blocking file I/O.
    pub fn is_intact(&self, name: &MediaName) -> bool {
        match self {
            MediaBytes::File(p) => {
                let mut hasher = Sha256::new();
                std::fs::File::open(p)
                    .and_then(|mut f| std::io::copy(&mut f, &mut hasher))
                    .is_ok_and(|_| {
                        MediaName::from_digest(hasher.finalize().into(), name.ext()) == *name
                    })
            }
            MediaBytes::Memory(b) => name.matches(b),
        }
    }
}

/// In-memory entries by name, with a use counter for LRU eviction.
#[derive(Debug, Default)]
struct MemoryStore {
    entries: HashMap<MediaName, (Arc<[u8]>, u64)>,
    clock: u64,
}

/// A size-capped store of media files, on disk or in memory. Cheap to clone
/// (clones share the memory store).
#[derive(Debug, Clone)]
pub struct MediaCache {
    dir: Option<PathBuf>,
    max_bytes: u64,
    /// How long one download may take in all ([`NetTimeouts::media_download`]).
    download_timeout: Duration,
    memory: Arc<Mutex<MemoryStore>>,
}

/// Suffix of files being written; never served, removed when found stale.
const PART_SUFFIX: &str = ".part";

impl MediaCache {
    /// A cache under `{cache_dir}/media` (created on first write), or in memory
    /// when `cache_dir` is `None`, holding at most `max_bytes`, downloading
    /// within the default [`NetTimeouts::media_download`]. Leftover temporary
    /// files of an earlier run are removed.
    pub fn new(cache_dir: Option<&Path>, max_bytes: u64) -> Self {
        let dir = cache_dir.map(|d| d.join("media"));
        if let Some(dir) = &dir
            && let Ok(rd) = std::fs::read_dir(dir)
        {
            for e in rd.flatten() {
                if e.file_name().to_string_lossy().ends_with(PART_SUFFIX) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        Self {
            dir,
            max_bytes,
            download_timeout: NetTimeouts::default().media_download,
            memory: Arc::default(),
        }
    }

    /// The same cache, giving up on one download after `timeout`.
    #[must_use]
    pub fn with_download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// The cache folder, when on disk.
    pub fn dir(&self) -> Option<&Path> {
        self.dir.as_deref()
    }

    fn memory(&self) -> std::sync::MutexGuard<'_, MemoryStore> {
        self.memory.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached media called `name`, if present; marks it as just used.
    pub fn get(&self, name: &MediaName) -> Option<MediaBytes> {
        match &self.dir {
            Some(dir) => {
                let path = dir.join(name.file_name());
                // Refresh the modification time: eviction is by last use.
                let file = std::fs::File::options().write(true).open(&path).ok()?;
                let _ = file.set_modified(SystemTime::now());
                Some(MediaBytes::File(path))
            }
            None => {
                let mut mem = self.memory();
                mem.clock += 1;
                let now = mem.clock;
                let (bytes, used) = mem.entries.get_mut(name)?;
                *used = now;
                Some(MediaBytes::Memory(bytes.clone()))
            }
        }
    }

    /// Checks `bytes` against `name` and stores them, evicting the least
    /// recently used entries to stay within the cap. Blocking file I/O.
    ///
    /// # Errors
    /// [`MediaError::HashMismatch`], [`MediaError::TooLarge`] (over the whole
    /// cap), or [`MediaError::Io`]; on error nothing is stored.
    pub fn put(&self, name: &MediaName, bytes: &[u8]) -> Result<MediaBytes, MediaError> {
        let size_bytes = bytes.len() as u64;
        if size_bytes > self.max_bytes {
            return Err(MediaError::TooLarge {
                size_bytes,
                max_bytes: self.max_bytes,
            });
        }
        if !name.matches(bytes) {
            return Err(MediaError::HashMismatch);
        }
        match &self.dir {
            Some(dir) => {
                std::fs::create_dir_all(dir)?;
                let path = dir.join(name.file_name());
                let tmp = dir.join(format!(
                    "{}.{}{PART_SUFFIX}",
                    name.file_name(),
                    std::process::id()
                ));
                let written =
                    std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &path));
                if let Err(e) = written {
                    let _ = std::fs::remove_file(&tmp);
                    return Err(e.into());
                }
                self.trim_disk(&path)?;
                Ok(MediaBytes::File(path))
            }
            None => {
                let bytes: Arc<[u8]> = bytes.into();
                let mut mem = self.memory();
                mem.clock += 1;
                let now = mem.clock;
                mem.entries.insert(name.clone(), (bytes.clone(), now));
                let mut total: u64 = mem.entries.values().map(|e| e.0.len() as u64).sum();
                while total > self.max_bytes {
                    let Some(oldest) = mem
                        .entries
                        .iter()
                        .filter(|(n, _)| *n != name)
                        .min_by_key(|(_, e)| e.1)
                        .map(|(n, _)| n.clone())
                    else {
                        break;
                    };
                    if let Some((b, _)) = mem.entries.remove(&oldest) {
                        total -= b.len() as u64;
                    }
                }
                Ok(MediaBytes::Memory(bytes))
            }
        }
    }

    /// Total bytes of complete cached files (or of in-memory entries).
    pub fn size_bytes(&self) -> u64 {
        match &self.dir {
            Some(_) => self.disk_entries().iter().map(|e| e.1).sum(),
            None => self
                .memory()
                .entries
                .values()
                .map(|e| e.0.len() as u64)
                .sum(),
        }
    }

    /// Complete cached files: path, size in bytes, last use.
    fn disk_entries(&self) -> Vec<(PathBuf, u64, SystemTime)> {
        let Some(Ok(rd)) = self.dir.as_ref().map(std::fs::read_dir) else {
            return Vec::new();
        };
        rd.flatten()
            .filter(|e| {
                e.file_name()
                    .to_str()
                    .is_some_and(|n| MediaName::from_url(n).is_ok())
            })
            .filter_map(|e| {
                let m = e.metadata().ok()?;
                Some((e.path(), m.len(), m.modified().ok()?))
            })
            .collect()
    }

    /// Removes least recently used files until the total fits, never `keep`.
    fn trim_disk(&self, keep: &Path) -> std::io::Result<()> {
        let mut entries = self.disk_entries();
        let mut total: u64 = entries.iter().map(|e| e.1).sum();
        entries.sort_by_key(|e| e.2);
        for (path, len, _) in entries {
            if total <= self.max_bytes {
                break;
            }
            if path == keep {
                continue;
            }
            std::fs::remove_file(path)?;
            total -= len;
        }
        Ok(())
    }

    /// The media at `url`: from the cache when present (no network at all),
    /// else downloaded, checked against its name and stored.
    ///
    /// # Errors
    /// See [`MediaError`]. Nothing is stored unless the whole file arrived and
    /// its hash matched.
    pub async fn fetch(
        &self,
        client: &reqwest::Client,
        url: &str,
    ) -> Result<MediaBytes, MediaError> {
        let name = name_of_url(url)?;
        if let Some(hit) = self.get(&name) {
            // A file can be damaged after it was written (a full disk, a
            // phone cleaner, a hand): it is checked once per fetch, off the
            // main thread, and fetched again when its hash no longer matches.
            let (check, checked) = (hit.clone(), name.clone());
            let intact = super::runtime::blocking(move || check.is_intact(&checked))
                .await
                .unwrap_or(false);
            if intact {
                return Ok(hit);
            }
            if let MediaBytes::File(p) = &hit {
                warn!(media.file = %p.display(), "damaged cached media, fetching again");
                let _ = std::fs::remove_file(p);
            }
        }
        let resp = client
            .get(url)
            .timeout(self.download_timeout)
            .send()
            .await
            .map_err(|e| MediaError::Network(e.to_string()))?;
        if !resp.status().is_success() {
            return Err(MediaError::Status(resp.status().as_u16()));
        }
        let too_large = |size_bytes| MediaError::TooLarge {
            size_bytes,
            max_bytes: self.max_bytes,
        };
        if let Some(len) = resp.content_length().filter(|l| *l > self.max_bytes) {
            return Err(too_large(len));
        }
        #[cfg(not(target_arch = "wasm32"))]
        let body = {
            let mut resp = resp;
            let mut body = Vec::with_capacity(
                resp.content_length()
                    .and_then(|l| usize::try_from(l).ok())
                    .unwrap_or(0),
            );
            while let Some(chunk) = resp
                .chunk()
                .await
                .map_err(|e| MediaError::Network(e.to_string()))?
            {
                body.extend_from_slice(&chunk);
                if body.len() as u64 > self.max_bytes {
                    return Err(too_large(body.len() as u64));
                }
            }
            body
        };
        // fetch's body arrives whole (reqwest reads no chunks in the browser);
        // the length check above already refused what says it is too large.
        #[cfg(target_arch = "wasm32")]
        let body = {
            let body = resp
                .bytes()
                .await
                .map_err(|e| MediaError::Network(e.to_string()))?
                .to_vec();
            if body.len() as u64 > self.max_bytes {
                return Err(too_large(body.len() as u64));
            }
            body
        };
        let cache = self.clone();
        super::runtime::blocking(move || cache.put(&name, &body))
            .await
            .ok_or_else(|| MediaError::Io(std::io::Error::other("media store task panicked")))?
    }
}

/// Where one media URL stands.
#[derive(Debug, Clone, PartialEq)]
pub enum MediaStatus {
    /// Being downloaded.
    Loading,
    /// Ready to use.
    Ready(MediaBytes),
    /// Download failed (the message is for the log); tried again later.
    Failed(String),
}

/// What [`Media`] remembers of a URL (the bytes themselves stay in the cache,
/// so its cap holds).
#[derive(Debug, Clone, PartialEq)]
enum Known {
    Loading,
    Ready,
    Failed(String),
}

/// The app's media: the cache, and the state of every URL asked for.
#[derive(Resource)]
pub struct Media {
    cache: MediaCache,
    known: HashMap<String, (Known, Instant)>,
    tx: Sender<(String, Result<MediaBytes, String>)>,
    rx: Receiver<(String, Result<MediaBytes, String>)>,
}

impl Media {
    /// Media backed by `cache`.
    pub fn new(cache: MediaCache) -> Self {
        let (tx, rx) = unbounded();
        Self {
            cache,
            known: HashMap::new(),
            tx,
            rx,
        }
    }

    /// The cache behind this.
    pub fn cache(&self) -> &MediaCache {
        &self.cache
    }

    /// Where `url` stands; starts getting it when it was never asked for,
    /// failed a while ago, or was evicted since. The download's result
    /// arrives through [`collect_media`].
    pub fn request(&mut self, net: &Net, url: &str) -> MediaStatus {
        let status = match self.known.get(url) {
            None => None,
            Some((Known::Loading, _)) => Some(MediaStatus::Loading),
            Some((Known::Failed(e), at)) => (at.elapsed() < net.timeouts().retry_failed_after)
                .then(|| MediaStatus::Failed(e.clone())),
            Some((Known::Ready, _)) => MediaName::from_url(url)
                .ok()
                .and_then(|n| self.cache.get(&n))
                .map(MediaStatus::Ready),
        };
        if let Some(status) = status {
            return status;
        }
        self.known
            .insert(url.to_string(), (Known::Loading, Instant::now()));
        let (cache, client, tx, url) = (
            self.cache.clone(),
            net.client().clone(),
            self.tx.clone(),
            url.to_string(),
        );
        net.spawn(async move {
            let result = cache.fetch(&client, &url).await.map_err(|e| e.to_string());
            let _ = tx.send((url, result));
        });
        MediaStatus::Loading
    }

    /// Moves finished downloads into the status table; returns how many.
    pub fn collect(&mut self) -> usize {
        let mut n = 0;
        while let Ok((url, result)) = self.rx.try_recv() {
            let known = match result {
                Ok(_) => Known::Ready,
                Err(e) => {
                    warn!(media.url = %url, error = %e, "media unavailable");
                    Known::Failed(e)
                }
            };
            self.known.insert(url, (known, Instant::now()));
            n += 1;
        }
        n
    }
}

/// Moves finished downloads from the net runtime into [`Media`].
pub fn collect_media(media: Option<ResMut<Media>>) {
    if let Some(mut media) = media {
        media.collect();
    }
}

/// The media plugin: a [`Media`] resource sized by [`AppConfig`].
pub fn plugin(app: &mut App) {
    let (dir, max, timeouts) = app
        .world()
        .get_resource::<AppConfig>()
        .map(|c| (c.cache_dir.clone(), c.media_cache_max_bytes, c.timeouts))
        .unwrap_or((
            None,
            crate::config::DEFAULT_MEDIA_CACHE_MAX_BYTES,
            NetTimeouts::default(),
        ));
    let cache = MediaCache::new(dir.as_deref(), max).with_download_timeout(timeouts.media_download);
    app.insert_resource(Media::new(cache))
        .add_systems(Update, collect_media.in_set(AppSystems::Resolve));
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name_of(bytes: &[u8], ext: &str) -> MediaName {
        MediaName::from_digest(Sha256::digest(bytes).into(), ext.parse().unwrap())
    }

    #[test]
    fn names_are_only_hash_and_known_extension() {
        let h = "a".repeat(64);
        assert!(MediaName::from_url(&format!("http://h/media/{h}.JPG?x=1")).is_ok());
        for bad in [
            format!("http://h/media/{h}.exe"),
            format!("http://h/media/{}.jpg", "a".repeat(63)),
            format!("http://h/media/{}.jpg", "g".repeat(64)),
            format!("http://h/media/../{h}/.jpg"),
            "http://h/media/".to_string(),
            String::new(),
            format!("http://h/media/{h}.jpg.mp4/.."),
        ] {
            assert!(MediaName::from_url(&bad).is_err(), "{bad}");
        }
        // The app accepts exactly the extensions the server stores: the one
        // name type of the wire crate, not a list of its own.
        for ext in pustaka_api::MediaExt::ALL {
            let name: pustaka_api::MediaName =
                name_of_url(&format!("http://h/media/{h}.{ext}")).unwrap();
            assert_eq!(name.ext(), *ext);
        }
        for never_stored in ["jpeg", "webp", "gif", "webm", "opus", "wav"] {
            let url = format!("http://h/media/{h}.{never_stored}");
            assert!(
                matches!(name_of_url(&url), Err(MediaError::BadUrl(_))),
                "{url}"
            );
        }
    }

    #[test]
    fn memory_store_caps_and_evicts_least_recently_used() {
        let cache = MediaCache::new(None, 250);
        let (a, b, c) = (vec![1u8; 100], vec![2u8; 100], vec![3u8; 100]);
        let (na, nb, nc) = (name_of(&a, "png"), name_of(&b, "png"), name_of(&c, "png"));
        cache.put(&na, &a).unwrap();
        cache.put(&nb, &b).unwrap();
        assert!(cache.get(&na).is_some(), "a used after b");
        cache.put(&nc, &c).unwrap();
        assert!(cache.get(&nb).is_none(), "b was least recently used");
        assert!(cache.get(&na).is_some());
        assert_eq!(cache.size_bytes(), 200);
        assert!(matches!(cache.put(&na, &b), Err(MediaError::HashMismatch)));
        assert!(matches!(
            cache.put(&name_of(&[0; 300], "png"), &[0; 300]),
            Err(MediaError::TooLarge { .. })
        ));
    }
}
