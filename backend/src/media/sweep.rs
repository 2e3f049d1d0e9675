//! Sweeping what a crash left behind: upload temp files (media and catalogue
//! uploads alike), ingest scratch folders, a local store's staging files, and
//! blobs put into the store whose database commit never happened. Runs at
//! start-up and every [`SWEEP_EVERY`].
//!
//! Only what is older than [`LEFTOVER_AGE`] goes: replicas share the data dir
//! and the store, so a file younger than that may belong to a request in
//! flight on another server (an upload's temp file is written at least every
//! body timeout; a video's ingest takes minutes, not hours).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;

use super::store::{BlobStore, older_than};

/// How old a leftover must be before it is swept.
pub const LEFTOVER_AGE: Duration = Duration::from_secs(6 * 60 * 60);
/// How often the sweep runs after the one at start-up.
pub const SWEEP_EVERY: Duration = Duration::from_secs(60 * 60);

/// What one sweep removed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Swept {
    /// Upload temp files.
    pub temp_files: usize,
    /// Ingest scratch folders.
    pub scratch_dirs: usize,
    /// Staging files inside a local store.
    pub staging_files: usize,
    /// Stored blobs no database row refers to.
    pub orphan_blobs: usize,
}

/// Removes the entries of `dir` older than `age` (files, or folders with
/// their contents); a missing folder is fine. Returns how many went.
fn sweep_dir(dir: &Path, age: Duration) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for e in entries.flatten() {
        let path = e.path();
        if !older_than(&path, age) {
            continue;
        }
        let done = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        match done {
            Ok(()) => removed += 1,
            Err(err) => tracing::warn!(error = %err, path = %path.display(), "cannot sweep"),
        }
    }
    removed
}

/// One sweep of the data dir's upload temp folder (`temp_dir`), the store's
/// scratch folder, the store's staging files and its orphan blobs, each
/// older than `age`.
///
/// # Errors
/// Database or store errors while looking for orphan blobs (the file sweeps
/// before it log their own failures and go on).
pub async fn sweep_once(
    pool: &SqlitePool,
    store: &dyn BlobStore,
    temp_dir: &Path,
    age: Duration,
) -> anyhow::Result<Swept> {
    let (temp, scratch) = (temp_dir.to_path_buf(), store.scratch_dir().to_path_buf());
    let (temp_files, scratch_dirs) =
        tokio::task::spawn_blocking(move || (sweep_dir(&temp, age), sweep_dir(&scratch, age)))
            .await?;
    let staging_files = store.sweep_staging(age).await?;
    let mut orphan_blobs = 0;
    for name in store.list_older_than(age).await? {
        let known: Option<i64> = sqlx::query_scalar("SELECT 1 FROM media_assets WHERE sha256 = ?")
            .bind(name.sha256())
            .fetch_optional(pool)
            .await?;
        if known.is_none() {
            store.remove(&name).await?;
            orphan_blobs += 1;
        }
    }
    let swept = Swept {
        temp_files,
        scratch_dirs,
        staging_files,
        orphan_blobs,
    };
    if swept != Swept::default() {
        tracing::info!(?swept, "swept leftovers of interrupted uploads and ingests");
    }
    Ok(swept)
}

/// Runs [`sweep_once`] every [`SWEEP_EVERY`] in the background (the one at
/// start-up is the caller's, so that it is done before serving).
pub fn start_periodic(pool: SqlitePool, store: Arc<dyn BlobStore>, temp_dir: std::path::PathBuf) {
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SWEEP_EVERY);
        every.tick().await;
        loop {
            every.tick().await;
            if let Err(e) = sweep_once(&pool, store.as_ref(), &temp_dir, LEFTOVER_AGE).await {
                tracing::warn!(error = %e, "sweeping leftovers failed");
            }
        }
    });
}
