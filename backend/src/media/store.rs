//! The content-addressed media store: every file is named by the SHA-256 of its
//! bytes and an extension, so a name never changes meaning and can be cached
//! forever.
//!
//! The bytes live in an [`object_store`]: a local directory by default
//! (`{data_dir}/media/{aa}/{sha256}.{ext}`, `aa` being the first two hex digits
//! so directories stay small), or with `--media-store URL` any store that URL
//! names: `file:///path`, `memory:///` (tests), and `s3://bucket/prefix` when
//! built with the `s3` feature (credentials and endpoint from the usual
//! `AWS_*` variables, so other S3-compatible stores work too).
//!
//! Ingest still needs local files (ffmpeg reads and writes them), so every
//! store also has a local scratch directory, `{data_dir}/media/.incoming/`.

use std::fs;
use std::io;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{StreamExt, TryStreamExt};
use object_store::local::LocalFileSystem;
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, GetRange, ObjectStore, ObjectStoreExt, PutMode, PutOptions};
use pustaka_api::MediaName;

/// A stream of a blob's bytes.
pub type ByteStream = futures_util::stream::BoxStream<'static, io::Result<bytes::Bytes>>;

/// Where blobs live. `put_file` must be atomic (a reader sees the whole blob
/// or nothing) and create-only (an existing blob is never rewritten).
#[async_trait::async_trait]
pub trait BlobStore: Send + Sync {
    /// Moves the finished file at `src` into the store under `name`. Returns
    /// false when a blob of that name already existed. `src` is removed in
    /// both cases.
    ///
    /// # Errors
    /// I/O or store errors; on error nothing is left under `name` and `src`
    /// stays for the caller's scratch cleanup.
    async fn put_file(&self, src: &Path, name: &MediaName) -> io::Result<bool>;

    /// The size in bytes of a stored blob, or `None` when absent.
    ///
    /// # Errors
    /// Store errors other than "not found".
    async fn size(&self, name: &MediaName) -> io::Result<Option<u64>>;

    /// Bytes `range` (start inclusive, end exclusive, inside the blob) of a blob.
    ///
    /// # Errors
    /// Store errors, including "not found" as [`io::ErrorKind::NotFound`].
    async fn read_range(&self, name: &MediaName, range: Range<u64>) -> io::Result<ByteStream>;

    /// Removes a blob (used to undo a failed ingest); absent is fine.
    ///
    /// # Errors
    /// Store errors other than "not found".
    async fn remove(&self, name: &MediaName) -> io::Result<()>;

    /// A local scratch directory for files about to be put (on the same file
    /// system as a local store, so moving them in is cheap).
    fn scratch_dir(&self) -> &Path;

    /// The blobs last written more than `age` ago (for the sweep of blobs
    /// whose database commit never happened). A store that cannot list
    /// returns none.
    ///
    /// # Errors
    /// Store errors.
    async fn list_older_than(&self, _age: Duration) -> io::Result<Vec<MediaName>> {
        Ok(Vec::new())
    }

    /// Removes partial writes a crash left inside the store (a local store's
    /// staging files) older than `age`; returns how many.
    ///
    /// # Errors
    /// I/O errors.
    async fn sweep_staging(&self, _age: Duration) -> io::Result<usize> {
        Ok(0)
    }
}

/// The media store on an [`ObjectStore`].
#[derive(Debug, Clone)]
pub struct MediaStore {
    inner: Arc<dyn ObjectStore>,
    /// Where the blobs are, for logs.
    description: String,
    scratch: PathBuf,
    /// The root folder of a local store (where crashed writes leave staging files).
    local_root: Option<PathBuf>,
}

/// Folder of in-progress ingests inside the local media folder.
pub const SCRATCH_DIR: &str = ".incoming";

fn io_error(e: object_store::Error) -> io::Error {
    let kind = match &e {
        object_store::Error::NotFound { .. } => io::ErrorKind::NotFound,
        object_store::Error::AlreadyExists { .. } => io::ErrorKind::AlreadyExists,
        object_store::Error::NotImplemented { .. } | object_store::Error::NotSupported { .. } => {
            io::ErrorKind::Unsupported
        }
        _ => io::ErrorKind::Other,
    };
    io::Error::new(kind, e)
}

impl MediaStore {
    /// The default store: the local directory `root`, with fsync on every
    /// write (as durable as the database row that points at the blob).
    ///
    /// # Errors
    /// When the folders cannot be created.
    pub fn local(root: &Path) -> io::Result<Self> {
        let scratch = root.join(SCRATCH_DIR);
        fs::create_dir_all(&scratch)?;
        let fs = LocalFileSystem::new_with_prefix(root)
            .map_err(io_error)?
            .with_fsync(true);
        Ok(Self {
            inner: Arc::new(fs),
            description: format!("directory {}", root.display()),
            scratch,
            local_root: Some(root.to_path_buf()),
        })
    }

    /// A store named by a URL (`file:///path`, `memory:///`, `s3://bucket/prefix`
    /// with the `s3` feature); `scratch` is the local scratch directory (created).
    ///
    /// # Errors
    /// A message naming what is wrong with the URL, or a scheme this build
    /// does not support.
    pub fn from_url(url: &str, scratch: &Path) -> Result<Self, String> {
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| format!("{url:?} is not a URL (file:///path or s3://bucket/prefix)"))?;
        let inner: Arc<dyn ObjectStore> = match scheme {
            "file" => {
                let dir = Path::new(rest);
                if !dir.is_absolute() {
                    return Err(format!("{url:?}: a file URL needs an absolute path"));
                }
                let mut store = Self::local(dir).map_err(|e| format!("{url:?}: {e}"))?;
                store.scratch = scratch.to_path_buf();
                fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
                return Ok(store);
            }
            "memory" => Arc::new(object_store::memory::InMemory::new()),
            "s3" => s3_store(url)?,
            other => {
                return Err(format!(
                    "{url:?}: unsupported media store scheme {other:?} (file, memory, s3)"
                ));
            }
        };
        fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
        Ok(Self {
            inner,
            description: url.to_owned(),
            scratch: scratch.to_path_buf(),
            local_root: None,
        })
    }

    /// Where the blobs are, for logs (no credentials: those come from the environment).
    pub fn describe(&self) -> &str {
        &self.description
    }

    fn location(name: &MediaName) -> ObjectPath {
        ObjectPath::from(format!("{}/{}", &name.sha256()[..2], name.file_name()))
    }
}

#[cfg(feature = "s3")]
fn s3_store(url: &str) -> Result<Arc<dyn ObjectStore>, String> {
    // `s3://bucket/some/prefix`: the builder takes the bucket from the URL; the
    // path becomes a key prefix.
    let rest = url.trim_start_matches("s3://");
    let prefix = rest.split_once('/').map(|(_, p)| p.trim_matches('/'));
    let s3 = object_store::aws::AmazonS3Builder::from_env()
        .with_url(url)
        .build()
        .map_err(|e| format!("{url:?}: {e}"))?;
    Ok(match prefix.filter(|p| !p.is_empty()) {
        Some(p) => Arc::new(object_store::prefix::PrefixStore::new(s3, p)),
        None => Arc::new(s3),
    })
}

#[cfg(not(feature = "s3"))]
fn s3_store(url: &str) -> Result<Arc<dyn ObjectStore>, String> {
    Err(format!(
        "{url:?}: this server was built without S3 support (cargo feature `s3`)"
    ))
}

#[async_trait::async_trait]
impl BlobStore for MediaStore {
    async fn put_file(&self, src: &Path, name: &MediaName) -> io::Result<bool> {
        let location = Self::location(name);
        let bytes = tokio::fs::read(src).await?;
        let opts = PutOptions {
            mode: PutMode::Create,
            ..Default::default()
        };
        let created = match self.inner.put_opts(&location, bytes.into(), opts).await {
            Ok(_) => true,
            Err(object_store::Error::AlreadyExists { .. }) => false,
            // A store without create-only writes: the name is the content's
            // hash, so writing the same bytes again is harmless.
            Err(object_store::Error::NotImplemented { .. }) => {
                if self.size(name).await?.is_some() {
                    false
                } else {
                    let bytes = tokio::fs::read(src).await?;
                    self.inner
                        .put(&location, bytes.into())
                        .await
                        .map_err(io_error)?;
                    true
                }
            }
            Err(e) => return Err(io_error(e)),
        };
        tokio::fs::remove_file(src).await?;
        Ok(created)
    }

    async fn size(&self, name: &MediaName) -> io::Result<Option<u64>> {
        match self.inner.head(&Self::location(name)).await {
            Ok(meta) => Ok(Some(meta.size)),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(io_error(e)),
        }
    }

    async fn read_range(&self, name: &MediaName, range: Range<u64>) -> io::Result<ByteStream> {
        let opts = GetOptions {
            range: Some(GetRange::Bounded(range)),
            ..Default::default()
        };
        let got = self
            .inner
            .get_opts(&Self::location(name), opts)
            .await
            .map_err(io_error)?;
        Ok(got.into_stream().map_err(io_error).boxed())
    }

    async fn remove(&self, name: &MediaName) -> io::Result<()> {
        match self.inner.delete(&Self::location(name)).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(io_error(e)),
        }
    }

    fn scratch_dir(&self) -> &Path {
        &self.scratch
    }

    async fn list_older_than(&self, age: Duration) -> io::Result<Vec<MediaName>> {
        let before =
            chrono::Utc::now() - chrono::Duration::from_std(age).unwrap_or(chrono::Duration::MAX);
        let metas: Vec<object_store::ObjectMeta> = self
            .inner
            .list(None)
            .try_collect()
            .await
            .map_err(io_error)?;
        Ok(metas
            .into_iter()
            .filter(|m| m.last_modified < before)
            .filter_map(|m| m.location.filename()?.parse::<MediaName>().ok())
            .collect())
    }

    async fn sweep_staging(&self, age: Duration) -> io::Result<usize> {
        let Some(root) = self.local_root.clone() else {
            return Ok(0);
        };
        tokio::task::spawn_blocking(move || sweep_local_staging(&root, age))
            .await
            .map_err(io::Error::other)?
    }
}

/// Removes `object_store`'s staging files (`{name}#{n}`, left when a write
/// is cut short) older than `age` from the two-level folders of a local store.
fn sweep_local_staging(root: &Path, age: Duration) -> io::Result<usize> {
    let mut removed = 0;
    for dir in fs::read_dir(root)?.flatten() {
        let name = dir.file_name();
        let is_shard = name.len() == 2
            && name
                .to_string_lossy()
                .bytes()
                .all(|b| b.is_ascii_hexdigit());
        if !is_shard || !dir.path().is_dir() {
            continue;
        }
        for f in fs::read_dir(dir.path())?.flatten() {
            let staging = f.file_name().to_string_lossy().contains('#');
            if staging && older_than(&f.path(), age) {
                fs::remove_file(f.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Whether the file at `path` was last modified more than `age` ago.
pub fn older_than(path: &Path, age: Duration) -> bool {
    fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .is_some_and(|a| a > age)
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    async fn read_all(store: &MediaStore, name: &MediaName, range: Range<u64>) -> Vec<u8> {
        let chunks: Vec<bytes::Bytes> = store
            .read_range(name, range)
            .await
            .unwrap()
            .try_collect()
            .await
            .unwrap();
        chunks.concat()
    }

    async fn put_read_remove(store: MediaStore) {
        let name = MediaName::new(H, pustaka_api::MediaExt::Png).unwrap();
        let src = store.scratch_dir().join("a");
        fs::write(&src, b"hello world").unwrap();
        assert!(store.put_file(&src, &name).await.unwrap());
        assert!(!src.exists(), "src is moved in");
        let src2 = store.scratch_dir().join("b");
        fs::write(&src2, b"hello world").unwrap();
        assert!(!store.put_file(&src2, &name).await.unwrap(), "second put");
        assert!(!src2.exists());
        assert_eq!(store.size(&name).await.unwrap(), Some(11));
        assert_eq!(read_all(&store, &name, 0..11).await, b"hello world");
        assert_eq!(read_all(&store, &name, 6..9).await, b"wor");
        store.remove(&name).await.unwrap();
        assert_eq!(store.size(&name).await.unwrap(), None);
        store.remove(&name).await.unwrap();
        let err = store.read_range(&name, 0..1).await.err().unwrap();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn local_store_puts_once_reads_ranges_and_removes() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::local(dir.path()).unwrap();
        let name = MediaName::new(H, pustaka_api::MediaExt::Png).unwrap();
        let src = store.scratch_dir().join("x");
        fs::write(&src, b"x").unwrap();
        assert!(store.put_file(&src, &name).await.unwrap());
        // The on-disk layout: {root}/{aa}/{sha256}.{ext}, nothing else but scratch.
        assert!(dir.path().join(&H[..2]).join(name.file_name()).is_file());
        store.remove(&name).await.unwrap();
        put_read_remove(store).await;
    }

    #[tokio::test]
    async fn any_object_store_works_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::from_url("memory:///", &dir.path().join("scratch")).unwrap();
        put_read_remove(store).await;
        let file_url = format!("file://{}", dir.path().join("media").display());
        let store = MediaStore::from_url(&file_url, &dir.path().join("scratch")).unwrap();
        put_read_remove(store).await;
    }

    #[test]
    fn bad_store_urls_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        for (url, says) in [
            ("media", "not a URL"),
            ("file://relative/path", "absolute"),
            ("ftp://host/x", "unsupported"),
        ] {
            let err = MediaStore::from_url(url, dir.path()).err().unwrap();
            assert!(err.contains(says), "{url}: {err}");
        }
        #[cfg(not(feature = "s3"))]
        assert!(
            MediaStore::from_url("s3://bucket/media", dir.path())
                .err()
                .unwrap()
                .contains("without S3 support")
        );
    }
}
