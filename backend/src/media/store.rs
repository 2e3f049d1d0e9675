//! The content-addressed media store: every file is named by the SHA-256 of its
//! bytes and an extension, so a name never changes meaning and can be cached
//! forever.
//!
//! DESIGN §4 names `object_store` (local directory by default, S3 later). Here
//! the store is a plain directory behind the small [`BlobStore`] trait because
//! the two users of a stored file need a local path: Range requests seek into
//! it, and ffmpeg reads and writes files. An `object_store`-backed
//! implementation of the same trait can be added for the S3 scale-out without
//! touching callers.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// Extensions the store accepts, with their MIME types.
pub const ALLOWED: &[(&str, &str)] = &[
    ("jpg", "image/jpeg"),
    ("png", "image/png"),
    ("mp4", "video/mp4"),
    ("m4a", "audio/mp4"),
    ("mp3", "audio/mpeg"),
    ("ogg", "audio/ogg"),
];

/// A validated store name: 64 lowercase hex digits, a dot, an allowed extension.
/// Nothing else can be turned into a path, which rules out traversal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BlobName {
    sha256: String,
    ext: &'static str,
}

impl BlobName {
    /// Builds a name from a hash and an extension.
    ///
    /// # Errors
    /// When the hash is not 64 lowercase hex digits or the extension is not allowed.
    pub fn new(sha256: &str, ext: &str) -> Result<Self, String> {
        let ok_hash = sha256.len() == 64
            && sha256
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        if !ok_hash {
            return Err("not a lowercase SHA-256 hex digest".into());
        }
        let ext = ALLOWED
            .iter()
            .find(|(e, _)| *e == ext)
            .map(|(e, _)| *e)
            .ok_or_else(|| format!("extension {ext:?} is not allowed"))?;
        Ok(Self {
            sha256: sha256.to_owned(),
            ext,
        })
    }

    /// Parses a file name `{sha256}.{ext}` as it appears in `/media/` URLs.
    ///
    /// # Errors
    /// Anything else (slashes, dots, `..`, NUL, upper case, other extensions).
    pub fn parse(file: &str) -> Result<Self, String> {
        let (hash, ext) = file
            .split_once('.')
            .ok_or_else(|| "no extension".to_owned())?;
        Self::new(hash, ext)
    }

    /// The hex digest.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The extension, without the dot.
    pub fn ext(&self) -> &'static str {
        self.ext
    }

    /// The MIME type that goes with the extension.
    pub fn mime(&self) -> &'static str {
        ALLOWED
            .iter()
            .find(|(e, _)| *e == self.ext)
            .map(|(_, m)| *m)
            .unwrap_or("application/octet-stream")
    }

    /// `{sha256}.{ext}`.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.sha256, self.ext)
    }
}

/// Where blobs live. Implementations must make `put` atomic: a reader sees the
/// whole file or nothing.
pub trait BlobStore: Send + Sync {
    /// Moves the finished file at `src` into the store under `name`. Returns
    /// false when a blob of that name already existed (then `src` is removed).
    ///
    /// # Errors
    /// I/O errors; on error nothing is left under `name`.
    fn put_file(&self, src: &Path, name: &BlobName) -> io::Result<bool>;

    /// The local path of a stored blob, or `None` when absent.
    fn local_path(&self, name: &BlobName) -> Option<PathBuf>;

    /// Removes a blob (used to undo a failed ingest); absent is fine.
    ///
    /// # Errors
    /// I/O errors other than "not found".
    fn remove(&self, name: &BlobName) -> io::Result<()>;

    /// A scratch directory on the same file system, for files about to be `put`.
    fn scratch_dir(&self) -> &Path;
}

/// A [`BlobStore`] in a local directory: `{root}/{aa}/{sha256}.{ext}`, where
/// `aa` is the first two hex digits (keeps directories small).
#[derive(Debug, Clone)]
pub struct DirStore {
    root: PathBuf,
    scratch: PathBuf,
}

impl DirStore {
    /// Opens (creating) the store at `root`.
    ///
    /// # Errors
    /// When the folders cannot be created.
    pub fn open(root: &Path) -> io::Result<Self> {
        let scratch = root.join(".incoming");
        fs::create_dir_all(&scratch)?;
        Ok(Self {
            root: root.to_path_buf(),
            scratch,
        })
    }

    fn path_of(&self, name: &BlobName) -> PathBuf {
        self.root.join(&name.sha256[..2]).join(name.file_name())
    }
}

impl BlobStore for DirStore {
    fn put_file(&self, src: &Path, name: &BlobName) -> io::Result<bool> {
        let dest = self.path_of(name);
        if dest.exists() {
            fs::remove_file(src)?;
            return Ok(false);
        }
        if let Some(dir) = dest.parent() {
            fs::create_dir_all(dir)?;
        }
        fs::File::open(src)?.sync_all()?;
        // Same file system (scratch is inside root), so rename is atomic.
        fs::rename(src, &dest)?;
        Ok(true)
    }

    fn local_path(&self, name: &BlobName) -> Option<PathBuf> {
        let p = self.path_of(name);
        p.is_file().then_some(p)
    }

    fn remove(&self, name: &BlobName) -> io::Result<()> {
        match fs::remove_file(self.path_of(name)) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }

    fn scratch_dir(&self) -> &Path {
        &self.scratch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn names_reject_everything_but_hash_dot_ext() {
        assert!(BlobName::parse(&format!("{H}.jpg")).is_ok());
        for bad in [
            format!("{H}.JPG"),
            format!("{H}.exe"),
            format!("../{H}.jpg"),
            format!("{}.jpg", H.to_uppercase()),
            format!("{H}.jpg\0"),
            format!("{H}.jpg/.."),
            "..\\..\\etc\\passwd".to_owned(),
            "C:\\Windows\\win.ini".to_owned(),
            format!("{}.jpg", &H[..63]),
        ] {
            assert!(BlobName::parse(&bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn put_is_idempotent_and_remove_undoes() {
        let dir = tempfile::tempdir().unwrap();
        let store = DirStore::open(dir.path()).unwrap();
        let name = BlobName::new(H, "png").unwrap();
        let src = store.scratch_dir().join("a");
        fs::write(&src, b"x").unwrap();
        assert!(store.put_file(&src, &name).unwrap());
        let src2 = store.scratch_dir().join("b");
        fs::write(&src2, b"x").unwrap();
        assert!(!store.put_file(&src2, &name).unwrap());
        assert!(!src2.exists());
        assert!(store.local_path(&name).is_some());
        store.remove(&name).unwrap();
        assert!(store.local_path(&name).is_none());
    }
}
