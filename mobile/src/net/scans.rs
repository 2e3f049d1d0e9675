//! Anonymous scan events: queued on the device, persisted across restarts,
//! and sent in batches to `POST /api/v1/scans` (202 Accepted).
//!
//! Where the queue is kept ([`QueueStore`]): a file in the cache dir on the
//! desktop and phone shells; the page's `localStorage` in the browser (which
//! has no cache dir), so scans made offline survive a reload.
//!
//! An event is only the code, the time (UTC, RFC 3339) and the client kind:
//! no device id, no location, nothing personal. A code that stays in view is
//! counted once per [`DEDUPE_WINDOW`]. When to send and when to try again
//! after a failed send are network intervals: [`NetTimeouts::scans_flush_after`]
//! and [`NetTimeouts::scans_retry_after`].

use std::collections::{HashMap, VecDeque};
use std::path::PathBuf;
use std::time::Duration;

use bevy::platform::time::Instant;
use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, unbounded};
use pustaka_api::{ClientKind, MAX_SCANS_PER_BATCH, ScanEvent};
use pustaka_markers::payload::ScannedContent;
use serde::{Deserialize, Serialize};

use super::Net;
use crate::config::NetTimeouts;
use crate::scan::tracking::TrackedCodes;
use crate::{AppConfig, AppSystems};

/// A code seen again within this window is not counted again.
pub const DEDUPE_WINDOW: Duration = Duration::from_secs(30);
/// Send when this many events wait (or when the oldest has waited
/// [`NetTimeouts::scans_flush_after`]).
pub const FLUSH_AT_COUNT: usize = 20;
/// The most events kept while offline; the oldest are dropped beyond it.
pub const MAX_QUEUED: usize = 5_000;
/// File name of the persisted queue inside the cache dir.
pub const QUEUE_FILE: &str = "scan-queue.json";

/// The `localStorage` key of the persisted queue in the browser build.
pub const QUEUE_STORAGE_KEY: &str = "pustaka-scan-queue";

/// The kind of this build, sent with each event.
pub const CLIENT_KIND: ClientKind = if cfg!(target_arch = "wasm32") {
    ClientKind::Web
} else if cfg!(target_os = "android") {
    ClientKind::Android
} else if cfg!(target_os = "ios") {
    ClientKind::Ios
} else {
    ClientKind::Desktop
};

#[derive(Debug, Default, Serialize, Deserialize)]
struct Persisted {
    scans: Vec<ScanEvent>,
}

/// Where the queue of unsent events is kept between runs of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueueStore {
    /// Nowhere: lost when the app closes.
    Memory,
    /// A JSON file ([`QUEUE_FILE`] in the cache dir), replaced atomically.
    File(PathBuf),
    /// The page's `localStorage` under [`QUEUE_STORAGE_KEY`] (browser build;
    /// elsewhere it keeps nothing).
    Browser,
}

impl QueueStore {
    /// The store this build uses: the file in `cache_dir` when there is one,
    /// else `localStorage` in the browser, else memory.
    pub fn for_platform(cache_dir: Option<PathBuf>) -> Self {
        match cache_dir {
            Some(dir) => Self::File(dir.join(QUEUE_FILE)),
            None if cfg!(target_arch = "wasm32") => Self::Browser,
            None => Self::Memory,
        }
    }

    /// The kept events, oldest first; none when nothing (readable) is kept.
    fn load(&self) -> VecDeque<ScanEvent> {
        let bytes = match self {
            Self::Memory => None,
            Self::File(path) => std::fs::read(path).ok(),
            Self::Browser => browser_storage::load().map(String::into_bytes),
        };
        bytes
            .and_then(|b| serde_json::from_slice::<Persisted>(&b).ok())
            .map(|p| p.scans.into())
            .unwrap_or_default()
    }

    /// Keeps `scans` in place of what was kept.
    ///
    /// # Errors
    /// A message when the file or the browser's storage refuses the write.
    fn save(&self, scans: &VecDeque<ScanEvent>) -> Result<(), String> {
        if *self == Self::Memory {
            return Ok(());
        }
        let body = serde_json::to_string(&Persisted {
            scans: scans.iter().cloned().collect(),
        })
        .map_err(|e| e.to_string())?;
        match self {
            Self::Memory => Ok(()),
            Self::File(path) => (|| -> std::io::Result<()> {
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir)?;
                }
                let tmp = path.with_extension("json.tmp");
                std::fs::write(&tmp, body)?;
                std::fs::rename(&tmp, path)
            })()
            .map_err(|e| e.to_string()),
            Self::Browser => browser_storage::save(&body),
        }
    }
}

/// The page's `localStorage` (browser build only).
#[cfg(target_arch = "wasm32")]
mod browser_storage {
    use super::QUEUE_STORAGE_KEY;

    fn storage() -> Result<web_sys::Storage, String> {
        web_sys::window()
            .ok_or("no window")?
            .local_storage()
            .map_err(|e| format!("localStorage refused: {e:?}"))?
            .ok_or_else(|| "no localStorage".to_string())
    }

    pub(super) fn load() -> Option<String> {
        storage().ok()?.get_item(QUEUE_STORAGE_KEY).ok().flatten()
    }

    pub(super) fn save(body: &str) -> Result<(), String> {
        storage()?
            .set_item(QUEUE_STORAGE_KEY, body)
            .map_err(|e| format!("localStorage full or refused: {e:?}"))
    }
}

/// Outside the browser there is no `localStorage`: nothing is kept.
#[cfg(not(target_arch = "wasm32"))]
mod browser_storage {
    pub(super) fn load() -> Option<String> {
        None
    }

    pub(super) fn save(_body: &str) -> Result<(), String> {
        Ok(())
    }
}

/// The queue of scan events not yet accepted by the server.
#[derive(Resource, Debug)]
pub struct ScanQueue {
    pending: VecDeque<ScanEvent>,
    store: QueueStore,
    counted_at: HashMap<String, Instant>,
    last_attempt: Option<Instant>,
    oldest_since: Option<Instant>,
    in_flight: bool,
    tx: Sender<Result<usize, String>>,
    rx: Receiver<Result<usize, String>>,
}

impl ScanQueue {
    /// A queue persisted in `dir/scan-queue.json` (loaded if present), or in memory only.
    pub fn open(dir: Option<PathBuf>) -> Self {
        Self::with_store(match dir {
            Some(d) => QueueStore::File(d.join(QUEUE_FILE)),
            None => QueueStore::Memory,
        })
    }

    /// A queue kept in `store`, starting with what it holds.
    pub fn with_store(store: QueueStore) -> Self {
        let pending = store.load();
        let (tx, rx) = unbounded();
        Self {
            pending,
            store,
            counted_at: HashMap::new(),
            last_attempt: None,
            // Kept events are due at once (`due` reads `None` as overdue).
            oldest_since: None,
            in_flight: false,
            tx,
            rx,
        }
    }

    /// Events waiting to be sent, oldest first.
    pub fn pending(&self) -> impl Iterator<Item = &ScanEvent> {
        self.pending.iter()
    }

    /// Counts a sighting of `code` (once per [`DEDUPE_WINDOW`]); returns whether it was queued.
    pub fn record(&mut self, code: &str, now: Instant) -> bool {
        if self
            .counted_at
            .get(code)
            .is_some_and(|t| now.duration_since(*t) < DEDUPE_WINDOW)
        {
            return false;
        }
        self.counted_at.insert(code.to_string(), now);
        self.pending.push_back(ScanEvent {
            code: code.to_string(),
            scanned_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            client: CLIENT_KIND,
        });
        while self.pending.len() > MAX_QUEUED {
            self.pending.pop_front();
        }
        self.oldest_since.get_or_insert(now);
        self.save();
        true
    }

    fn save(&self) {
        if let Err(e) = self.store.save(&self.pending) {
            warn!(error = %e, "cannot persist the scan queue");
        }
    }

    fn due(&self, now: Instant, timeouts: &NetTimeouts) -> bool {
        !self.in_flight
            && !self.pending.is_empty()
            && self.last_attempt.is_none_or(|t| {
                now.duration_since(t) >= timeouts.scans_retry_after
                    || self.pending.len() >= FLUSH_AT_COUNT
            })
            && (self.pending.len() >= FLUSH_AT_COUNT
                || self
                    .oldest_since
                    .is_none_or(|t| now.duration_since(t) >= timeouts.scans_flush_after))
    }
}

/// Sends one batch; returns how many the server accepted. The request gives
/// up after `timeout` (the app passes [`NetTimeouts::request`]), so a fetch
/// that hangs on a dead line cannot hold the queue.
///
/// # Errors
/// A message when the server is unreachable, does not answer within
/// `timeout`, or refuses the batch.
pub async fn send_batch(
    client: &reqwest::Client,
    server_url: &str,
    scans: Vec<ScanEvent>,
    timeout: std::time::Duration,
) -> Result<usize, String> {
    let n = scans.len();
    let url = format!("{server_url}{}/scans", pustaka_api::API_PREFIX);
    let resp = client
        .post(url)
        .json(&pustaka_api::ScanBatch { scans })
        .timeout(timeout)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if resp.status() == reqwest::StatusCode::ACCEPTED {
        Ok(n)
    } else {
        Err(format!("server answered {}", resp.status()))
    }
}

/// The scan-event plugin (part of the net plugin).
pub fn plugin(app: &mut App) {
    let dir = app
        .world()
        .get_resource::<AppConfig>()
        .and_then(|c| c.cache_dir.clone());
    app.insert_resource(ScanQueue::with_store(QueueStore::for_platform(dir)))
        .add_systems(
            Update,
            (count_scans, flush_scans)
                .chain()
                .in_set(AppSystems::Resolve),
        );
}

/// Counts each library code in view (the scan stage's [`TrackedCodes`]; a
/// code held through a dropout is not seen again).
fn count_scans(tracked: Res<TrackedCodes>, mut queue: ResMut<ScanQueue>) {
    if !tracked.is_changed() {
        return;
    }
    let now = Instant::now();
    for seen in tracked.codes.iter().filter(|c| c.visible) {
        if let ScannedContent::Library { code, .. } = &seen.content {
            queue.record(code.as_str(), now);
        }
    }
}

fn flush_scans(mut queue: ResMut<ScanQueue>, net: Option<Res<Net>>, config: Res<AppConfig>) {
    let now = Instant::now();
    while let Ok(result) = queue.rx.try_recv() {
        queue.in_flight = false;
        match result {
            Ok(n) => {
                let n = n.min(queue.pending.len());
                queue.pending.drain(..n);
                queue.oldest_since = if queue.pending.is_empty() {
                    None
                } else {
                    Some(now)
                };
                queue.last_attempt = None;
                queue.save();
            }
            Err(e) => warn!(error = %e, "scan events not sent; will retry"),
        }
    }
    let Some(net) = net else { return };
    if !queue.due(now, &config.timeouts) {
        return;
    }
    queue.in_flight = true;
    queue.last_attempt = Some(now);
    let batch: Vec<ScanEvent> = queue
        .pending
        .iter()
        .take(MAX_SCANS_PER_BATCH)
        .cloned()
        .collect();
    let client = net.client().clone();
    let url = config.server_url.clone();
    let tx = queue.tx.clone();
    let timeout = config.timeouts.request;
    net.spawn(async move {
        let _ = tx.send(send_batch(&client, &url, batch, timeout).await);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedupes_and_persists_across_restarts() {
        let dir = tempfile::tempdir().unwrap();
        let t0 = Instant::now();
        let mut q = ScanQueue::open(Some(dir.path().to_path_buf()));
        assert!(q.record("BK0001", t0));
        assert!(
            !q.record("BK0001", t0 + Duration::from_secs(5)),
            "same code within the window"
        );
        assert!(q.record("BK0002", t0));
        assert!(
            q.record("BK0001", t0 + DEDUPE_WINDOW),
            "counted again after the window"
        );
        drop(q);
        let q = ScanQueue::open(Some(dir.path().to_path_buf()));
        let codes: Vec<&str> = q.pending().map(|s| s.code.as_str()).collect();
        assert_eq!(codes, ["BK0001", "BK0002", "BK0001"]);
        assert!(
            q.pending()
                .all(|s| s.scanned_at.ends_with('Z') && s.client == CLIENT_KIND)
        );
    }

    #[test]
    fn flush_waits_for_count_or_age() {
        let timeouts = NetTimeouts::default();
        let mut q = ScanQueue::open(None);
        let t0 = Instant::now();
        q.record("BK0001", t0);
        assert!(!q.due(t0, &timeouts));
        assert!(q.due(t0 + timeouts.scans_flush_after, &timeouts));
        // A test's shorter interval is the one used.
        let short = NetTimeouts {
            scans_flush_after: Duration::from_millis(50),
            ..timeouts
        };
        assert!(q.due(t0 + Duration::from_millis(50), &short));
        for i in 0..FLUSH_AT_COUNT {
            q.record(&format!("BK{i:04}"), t0);
        }
        assert!(q.due(t0, &timeouts));
    }
}
