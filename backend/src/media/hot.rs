//! Frequently served media kept in memory, so `GET /media/...` answers from
//! RAM instead of a blocking file read (or an S3 round trip) per request.
//!
//! Every blob is immutable (its name is the SHA-256 of its bytes), so a copy
//! in memory never goes stale: the only invalidation is [`BlobStore::remove`],
//! which drops it at once. Blobs up to [`HOT_MEDIA_MAX_ITEM_BYTES`] are read
//! whole on their first request and kept in a weighted cache of
//! [`HOT_MEDIA_MAX_BYTES`] (the `quick_cache` crate: S3-FIFO eviction, so a
//! crawl through many cold files does not push out the hot ones); concurrent
//! first requests for one blob wait for one read. Larger blobs are streamed
//! from the store as before. A `Range` request is a slice of the cached
//! bytes, without a copy.
//!
//! This is the in-process equivalent of what nginx gets from the kernel's
//! page cache and `open_file_cache`; the benchmark `media_and_pages`
//! measures both in the same run.

use std::io;
use std::ops::Range;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures_util::StreamExt;
use pustaka_api::MediaName;
use quick_cache::Weighter;
use quick_cache::sync::Cache;

use super::store::{BlobStore, ByteStream};

/// Memory for cached blobs, bytes: 96 MiB, the covers and posters of a whole
/// library and a dozen short trailers.
pub const HOT_MEDIA_MAX_BYTES: u64 = 96 * 1024 * 1024;

/// The largest blob kept in memory, bytes (16 MiB: every cover, poster and
/// badge, and a 30-second 720p trailer); larger ones are streamed.
pub const HOT_MEDIA_MAX_ITEM_BYTES: u64 = 16 * 1024 * 1024;

/// Blobs the cache expects to hold, for its initial table size (covers of
/// ~100 KB in [`HOT_MEDIA_MAX_BYTES`]).
const EXPECTED_ITEMS: usize = 1_000;

/// Weighs a cached blob by its length in bytes.
#[derive(Debug, Clone, Copy)]
struct ByLength;

impl Weighter<MediaName, Bytes> for ByLength {
    fn weight(&self, _name: &MediaName, bytes: &Bytes) -> u64 {
        bytes.len() as u64
    }
}

/// A [`BlobStore`] that keeps small blobs in memory in front of another store.
pub struct HotMedia {
    inner: Arc<dyn BlobStore>,
    cache: Cache<MediaName, Bytes, ByLength>,
    max_item_bytes: u64,
}

impl std::fmt::Debug for HotMedia {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotMedia")
            .field("cached_bytes", &self.cache.weight())
            .field("max_item_bytes", &self.max_item_bytes)
            .finish_non_exhaustive()
    }
}

impl HotMedia {
    /// Caches blobs of `inner` with the default limits.
    pub fn new(inner: Arc<dyn BlobStore>) -> Self {
        Self::with_limits(inner, HOT_MEDIA_MAX_BYTES, HOT_MEDIA_MAX_ITEM_BYTES)
    }

    /// Caches blobs of `inner` up to `max_item_bytes` each and `max_bytes` in
    /// all (both in bytes).
    pub fn with_limits(inner: Arc<dyn BlobStore>, max_bytes: u64, max_item_bytes: u64) -> Self {
        Self {
            inner,
            cache: Cache::with_weighter(EXPECTED_ITEMS, max_bytes, ByLength),
            max_item_bytes,
        }
    }

    /// Bytes held in memory now.
    pub fn cached_bytes(&self) -> u64 {
        self.cache.weight()
    }

    /// The whole blob from memory, reading it once from the store when it is
    /// small enough; `None` for a blob too large to keep (stream it instead).
    async fn whole(&self, name: &MediaName) -> io::Result<Option<Bytes>> {
        let guard = match self.cache.get_value_or_guard_async(name).await {
            Ok(bytes) => return Ok(Some(bytes)),
            Err(guard) => guard,
        };
        let Some(len) = self.inner.size(name).await? else {
            return Err(io::Error::new(
                io::ErrorKind::NotFound,
                format!("no blob {}", name.file_name()),
            ));
        };
        if len > self.max_item_bytes {
            // Dropping the guard lets waiters try themselves; they see the
            // same size and stream too.
            return Ok(None);
        }
        let mut stream = self.inner.read_range(name, 0..len).await?;
        let mut whole = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        while let Some(chunk) = stream.next().await {
            whole.extend_from_slice(&chunk?);
        }
        if whole.len() as u64 != len {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                format!(
                    "blob {} is {} bytes, the store said {len}",
                    name.file_name(),
                    whole.len()
                ),
            ));
        }
        let bytes = Bytes::from(whole);
        // Another writer cannot have raced us (we hold the placeholder).
        let _ = guard.insert(bytes.clone());
        Ok(Some(bytes))
    }
}

#[async_trait::async_trait]
impl BlobStore for HotMedia {
    async fn put_file(&self, src: &Path, name: &MediaName) -> io::Result<bool> {
        self.inner.put_file(src, name).await
    }

    async fn size(&self, name: &MediaName) -> io::Result<Option<u64>> {
        if let Some(bytes) = self.cache.get(name) {
            return Ok(Some(bytes.len() as u64));
        }
        self.inner.size(name).await
    }

    async fn read_range(&self, name: &MediaName, range: Range<u64>) -> io::Result<ByteStream> {
        match self.whole(name).await? {
            Some(bytes) => {
                let len = bytes.len() as u64;
                if range.start > range.end || range.end > len {
                    return Err(io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!(
                            "range {}..{} outside blob {} of {len} bytes",
                            range.start,
                            range.end,
                            name.file_name()
                        ),
                    ));
                }
                // In bounds of a blob held in memory, so both fit in usize.
                let (start, end) = (range.start as usize, range.end as usize);
                let slice = bytes.slice(start..end);
                Ok(futures_util::stream::once(async move { Ok(slice) }).boxed())
            }
            None => self.inner.read_range(name, range).await,
        }
    }

    async fn remove(&self, name: &MediaName) -> io::Result<()> {
        let removed = self.inner.remove(name).await;
        self.cache.remove(name);
        removed
    }

    fn scratch_dir(&self) -> &Path {
        self.inner.scratch_dir()
    }

    async fn list_older_than(&self, age: Duration) -> io::Result<Vec<MediaName>> {
        self.inner.list_older_than(age).await
    }

    async fn sweep_staging(&self, age: Duration) -> io::Result<usize> {
        self.inner.sweep_staging(age).await
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use futures_util::TryStreamExt;

    use super::*;
    use crate::media::store::MediaStore;

    async fn collect(stream: ByteStream) -> io::Result<Vec<u8>> {
        stream
            .try_fold(Vec::new(), |mut all, chunk| async move {
                all.extend_from_slice(&chunk);
                Ok(all)
            })
            .await
    }

    /// Counts the reads that reach the store behind the cache.
    struct Counting {
        inner: MediaStore,
        reads: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl BlobStore for Counting {
        async fn put_file(&self, src: &Path, name: &MediaName) -> io::Result<bool> {
            self.inner.put_file(src, name).await
        }
        async fn size(&self, name: &MediaName) -> io::Result<Option<u64>> {
            self.inner.size(name).await
        }
        async fn read_range(&self, name: &MediaName, range: Range<u64>) -> io::Result<ByteStream> {
            self.reads.fetch_add(1, Ordering::SeqCst);
            self.inner.read_range(name, range).await
        }
        async fn remove(&self, name: &MediaName) -> io::Result<()> {
            self.inner.remove(name).await
        }
        fn scratch_dir(&self) -> &Path {
            self.inner.scratch_dir()
        }
    }

    async fn stored(store: &dyn BlobStore, dir: &Path, bytes: &[u8]) -> MediaName {
        use sha2::Digest;
        let name: MediaName = format!("{}.png", hex::encode(sha2::Sha256::digest(bytes)))
            .parse()
            .expect("a media name");
        let src = dir.join("upload");
        std::fs::write(&src, bytes).expect("scratch file");
        store.put_file(&src, &name).await.expect("stored");
        name
    }

    #[tokio::test]
    async fn small_blobs_are_read_once_and_sliced_large_ones_streamed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let counting = Arc::new(Counting {
            inner: MediaStore::local(&dir.path().join("media")).expect("store"),
            reads: AtomicUsize::new(0),
        });
        let hot = HotMedia::with_limits(counting.clone(), 1024, 100);
        let small: Vec<u8> = (0..100u8).collect();
        let large: Vec<u8> = (0..=255u8).collect();
        let small_name = stored(&hot, dir.path(), &small).await;
        let large_name = stored(&hot, dir.path(), &large).await;

        for range in [0..100, 10..20, 99..100, 0..0] {
            let got = collect(hot.read_range(&small_name, range.clone()).await.unwrap())
                .await
                .unwrap();
            assert_eq!(got, small[range.start as usize..range.end as usize]);
        }
        assert_eq!(counting.reads.load(Ordering::SeqCst), 1, "one store read");
        assert_eq!(hot.cached_bytes(), 100);
        assert_eq!(hot.size(&small_name).await.unwrap(), Some(100));
        let e = hot.read_range(&small_name, 50..101).await.err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);

        for _ in 0..2 {
            let got = collect(hot.read_range(&large_name, 200..256).await.unwrap())
                .await
                .unwrap();
            assert_eq!(got, large[200..]);
        }
        assert_eq!(
            counting.reads.load(Ordering::SeqCst),
            3,
            "a blob over the item limit is streamed each time"
        );
        assert_eq!(hot.cached_bytes(), 100);

        // A removed blob is gone from memory at once, not only from the store.
        hot.remove(&small_name).await.unwrap();
        assert_eq!(hot.cached_bytes(), 0);
        assert_eq!(hot.size(&small_name).await.unwrap(), None);
        let e = hot.read_range(&small_name, 0..1).await.err().unwrap();
        assert_eq!(e.kind(), io::ErrorKind::NotFound);
    }
}
