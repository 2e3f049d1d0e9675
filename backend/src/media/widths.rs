//! Narrower copies of stored images for the web pages' `srcset`, so that a
//! phone on a slow line downloads a picture sized for its screen rather
//! than the librarian's full photo.
//!
//! Each image gets a JPEG [`WIDTHS`] pixels wide (each narrower than the
//! image itself; a small image gets fewer or none), stored like any media
//! file and recorded as renditions `w320`, `w640`, `w960` (migration 0033).
//! They are made once: after an upload, and for images stored before this
//! existed, the first time a page needs them ([`ensure`]); later calls read
//! the rows only.

use std::io::Cursor;
use std::sync::Arc;

use futures_util::TryStreamExt;
use image::DynamicImage;
use pustaka_api::{MediaExt, MediaName};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::ingest::{IngestError, decode_limited};
use super::store::BlobStore;

/// The widths made, pixels: a phone's screen at 1×, 2× and 3×-ish density
/// for a picture shown at most about 320 CSS pixels wide, and a tablet.
pub const WIDTHS: [u32; 3] = [320, 640, 960];
/// JPEG quality of the narrower copies (they are shown small; 80 is
/// indistinguishable from the original at that size).
pub const WIDTH_JPEG_QUALITY: u8 = 80;

/// One narrower copy: its width in pixels and its stored name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sized {
    /// Width, pixels.
    pub width: u32,
    /// The stored JPEG.
    pub name: MediaName,
}

#[derive(sqlx::FromRow)]
struct Row {
    role: String,
    sha256: String,
}

/// The widths an image `source_width` pixels wide gets.
pub fn widths_for(source_width: u32) -> Vec<u32> {
    WIDTHS.into_iter().filter(|w| *w < source_width).collect()
}

/// The stored narrower copies of image `sha256`, narrowest first.
///
/// # Errors
/// Database errors.
pub async fn existing(pool: &SqlitePool, sha256: &str) -> sqlx::Result<Vec<Sized>> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT role, sha256 FROM media_renditions
          WHERE source_sha256 = ? AND role IN ('w320', 'w640', 'w960')",
    )
    .bind(sha256)
    .fetch_all(pool)
    .await?;
    let mut out: Vec<Sized> = rows
        .into_iter()
        .filter_map(|r| {
            Some(Sized {
                width: r.role.strip_prefix('w')?.parse().ok()?,
                name: MediaName::new(&r.sha256, MediaExt::Jpg).ok()?,
            })
        })
        .collect();
    out.sort_by_key(|s| s.width);
    Ok(out)
}

/// The narrower copies of image `name` (`source_width` pixels wide), made
/// and stored first when some are missing. Returns them narrowest first.
///
/// # Errors
/// Reading the image, decoding, storing or the database failed; what was
/// stored before the failure stays (it is complete and recorded).
pub async fn ensure(
    pool: &SqlitePool,
    store: Arc<dyn BlobStore>,
    name: &MediaName,
    source_width: u32,
) -> Result<Vec<Sized>, IngestError> {
    let have = existing(pool, name.sha256()).await?;
    let missing: Vec<u32> = widths_for(source_width)
        .into_iter()
        .filter(|w| !have.iter().any(|h| h.width == *w))
        .collect();
    if missing.is_empty() {
        return Ok(have);
    }
    let len = store.size(name).await?.unwrap_or(0);
    let chunks: Vec<bytes::Bytes> = store.read_range(name, 0..len).await?.try_collect().await?;
    let bytes = chunks.concat();
    let scratch = tempfile::Builder::new()
        .prefix("widths-")
        .tempdir_in(store.scratch_dir())?;
    let dir = scratch.path().to_path_buf();
    let made = tokio::task::spawn_blocking(move || make(&dir, &bytes, &missing))
        .await
        .map_err(|e| IngestError::Tool(format!("resize task failed: {e}")))??;
    for (width, w, h, path, size, out) in made {
        store.put_file(&path, &out).await?;
        let mut tx = pool.begin().await?;
        sqlx::query(
            "INSERT OR IGNORE INTO media_assets
               (sha256, ext, mime, kind, size_bytes, width, height)
             VALUES (?, 'jpg', 'image/jpeg', 'image', ?, ?, ?)",
        )
        .bind(out.sha256())
        .bind(i64::try_from(size).unwrap_or(i64::MAX))
        .bind(w)
        .bind(h)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT OR IGNORE INTO media_renditions (source_sha256, role, sha256) VALUES (?, ?, ?)",
        )
        .bind(name.sha256())
        .bind(format!("w{width}"))
        .bind(out.sha256())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
    }
    Ok(existing(pool, name.sha256()).await?)
}

/// A made copy: width asked, pixel size, scratch file, bytes, stored name.
type Made = (u32, u32, u32, std::path::PathBuf, u64, MediaName);

/// Decodes `bytes` once and writes one JPEG per width into `dir`.
fn make(dir: &std::path::Path, bytes: &[u8], widths: &[u32]) -> Result<Vec<Made>, IngestError> {
    let img: DynamicImage = decode_limited(image::ImageReader::new(Cursor::new(bytes)))?;
    let mut out = Vec::with_capacity(widths.len());
    for &width in widths {
        let height =
            (u64::from(img.height()) * u64::from(width) / u64::from(img.width().max(1))).max(1);
        let height = u32::try_from(height).unwrap_or(u32::MAX);
        let small = img
            .resize_exact(width, height, image::imageops::FilterType::Triangle)
            .to_rgb8();
        let mut buf = Cursor::new(Vec::new());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, WIDTH_JPEG_QUALITY)
            .encode_image(&small)
            .map_err(|e| IngestError::Decode(e.to_string()))?;
        let data = buf.into_inner();
        let name = MediaName::from_digest(Sha256::digest(&data).into(), MediaExt::Jpg);
        let path = dir.join(name.file_name());
        std::fs::write(&path, &data)?;
        out.push((width, width, height, path, data.len() as u64, name));
    }
    Ok(out)
}

/// The `srcset` value for copies under `base` plus the image itself at
/// `source_width`, e.g. `…/a.jpg 320w, …/b.jpg 640w, …/c.jpg 1200w`.
pub fn srcset(base: &str, sized: &[Sized], source_url: &str, source_width: u32) -> String {
    sized
        .iter()
        .map(|s| format!("{base}/media/{} {}w", s.name.file_name(), s.width))
        .chain(std::iter::once(format!("{source_url} {source_width}w")))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_narrower_widths_are_made() {
        assert_eq!(widths_for(2048), vec![320, 640, 960]);
        assert_eq!(widths_for(700), vec![320, 640]);
        assert_eq!(widths_for(320), Vec::<u32>::new());
    }
}
