//! The ingest pipeline shared by the demo seed and (later) uploads: sniff the
//! real type, refuse what is not the image/video/audio it claims to be,
//! re-encode images (dropping EXIF/GPS and every other metadata block) with a
//! thumbnail, decoding none whose header claims more than the decode limits
//! ([`DECODE_MAX_SIDE_PX`], [`DECODE_MAX_ALLOC_BYTES`]), normalise videos with
//! ffmpeg to H.264 MP4 (faststart) with a poster frame and duration, re-mux
//! audio with ffmpeg (audio stream only, no metadata), and store every file
//! under its SHA-256.
//!
//! All-or-nothing: outputs are built in a scratch folder, rows are inserted in
//! one transaction, files are moved into the store before the commit, and any
//! file this ingest added is removed again when the commit fails.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::Command;

use image::{DynamicImage, ImageFormat};
use pustaka_api::{MediaExt, MediaKind, MediaName};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::store::BlobStore;

/// Largest accepted input, in bytes (a few minutes of phone video).
pub const MAX_INGEST_BYTES: usize = 200 * 1024 * 1024;
/// Longest side of an image thumbnail, in pixels (a phone list row at 3× density).
pub const THUMBNAIL_MAX_PX: u32 = 320;
/// Longest side a stored image is scaled down to, in pixels: covers are shown
/// at most full-screen on a phone, and this caps decode memory on old devices.
pub const IMAGE_MAX_PX: u32 = 2048;
/// Longest side of an image accepted for decoding, in pixels (a 48-megapixel
/// phone photo is 8064 px wide); larger is refused from its header alone.
pub const DECODE_MAX_SIDE_PX: u32 = 10_000;
/// Most memory one image decode may allocate, in bytes: 256 MiB holds a
/// 64-megapixel RGBA image. Checked by the `image` crate from the header
/// before any pixel is decoded, so a small file claiming a huge image (a
/// decompression bomb) costs nothing.
pub const DECODE_MAX_ALLOC_BYTES: u64 = 256 * 1024 * 1024;
/// JPEG quality of re-encoded photos (visually lossless for covers).
pub const JPEG_QUALITY: u8 = 85;
/// Where the poster frame of a video is taken, in seconds (skips a black first frame).
pub const POSTER_AT_SECS: f64 = 1.0;

/// Why an ingest failed. Nothing was stored in any case.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// The input is empty or larger than [`MAX_INGEST_BYTES`].
    #[error("file size {0} bytes is outside 1..={MAX_INGEST_BYTES}")]
    Size(usize),
    /// The bytes are not an image, video or audio format we accept.
    #[error("unrecognised or unsupported file type ({0})")]
    Unsupported(String),
    /// The bytes are of another kind than claimed, e.g. a PNG sent as a video.
    #[error("file claims to be {claimed} but is {actual}")]
    Mismatch {
        /// The kind the uploader said.
        claimed: &'static str,
        /// The sniffed MIME type.
        actual: String,
    },
    /// The image's header claims more pixels than [`DECODE_MAX_SIDE_PX`] a
    /// side or [`DECODE_MAX_ALLOC_BYTES`] of memory; nothing was decoded.
    #[error("image too large to decode: {0}")]
    TooManyPixels(String),
    /// The file is of the right type but cannot be decoded.
    #[error("cannot decode the file: {0}")]
    Decode(String),
    /// ffmpeg/ffprobe is missing or failed.
    #[error("video processing failed: {0}")]
    Tool(String),
    /// File-system failure.
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    /// Database failure.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
}

/// A stored asset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAsset {
    /// The stored file's name.
    pub name: MediaName,
    /// Image, video or audio.
    pub kind: MediaKind,
    /// Size in bytes.
    pub size_bytes: u64,
    /// Width in pixels (image, video).
    pub width: Option<u32>,
    /// Height in pixels (image, video).
    pub height: Option<u32>,
    /// Duration in milliseconds (video, audio; `None` when ffprobe is absent).
    pub duration_ms: Option<u64>,
    /// Thumbnail (image) or poster frame (video).
    pub preview: Option<MediaName>,
}

/// One output file waiting in scratch.
struct Output {
    path: PathBuf,
    name: MediaName,
    kind: MediaKind,
    size_bytes: u64,
    width: Option<u32>,
    height: Option<u32>,
    duration_ms: Option<u64>,
}

/// Sniffs the bytes; returns the kind and the store extension.
///
/// # Errors
/// `Unsupported` for anything but JPEG/PNG/WebP images, MP4/QuickTime/WebM/
/// Matroska videos, and MP3/M4A/Ogg audio; `Mismatch` when it is not `claimed`.
pub fn sniff(bytes: &[u8], claimed: MediaKind) -> Result<(MediaKind, MediaExt), IngestError> {
    let t = infer::get(bytes).ok_or_else(|| IngestError::Unsupported("unknown".into()))?;
    let (kind, ext) = match t.mime_type() {
        "image/jpeg" => (MediaKind::Image, MediaExt::Jpg),
        "image/png" => (MediaKind::Image, MediaExt::Png),
        "image/webp" => (MediaKind::Image, MediaExt::Jpg),
        "video/mp4" | "video/quicktime" | "video/webm" | "video/x-matroska" => {
            (MediaKind::Video, MediaExt::Mp4)
        }
        "audio/mpeg" => (MediaKind::Audio, MediaExt::Mp3),
        "audio/m4a" | "audio/x-m4a" | "audio/mp4" => (MediaKind::Audio, MediaExt::M4a),
        "audio/ogg" => (MediaKind::Audio, MediaExt::Ogg),
        other => return Err(IngestError::Unsupported(other.into())),
    };
    if kind != claimed {
        return Err(IngestError::Mismatch {
            claimed: claimed.as_str(),
            actual: t.mime_type().into(),
        });
    }
    Ok((kind, ext))
}

fn write_output(
    scratch: &Path,
    bytes: &[u8],
    ext: MediaExt,
    kind: MediaKind,
    dims: Option<(u32, u32)>,
    duration_ms: Option<u64>,
) -> Result<Output, IngestError> {
    let name = MediaName::from_digest(Sha256::digest(bytes).into(), ext);
    let path = scratch.join(name.file_name());
    std::fs::write(&path, bytes)?;
    Ok(Output {
        path,
        name,
        kind,
        size_bytes: bytes.len() as u64,
        width: dims.map(|d| d.0),
        height: dims.map(|d| d.1),
        duration_ms,
    })
}

/// The decoding limits of every image ingest.
fn decode_limits() -> image::Limits {
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(DECODE_MAX_SIDE_PX);
    limits.max_image_height = Some(DECODE_MAX_SIDE_PX);
    limits.max_alloc = Some(DECODE_MAX_ALLOC_BYTES);
    limits
}

/// Decodes an image under [`decode_limits`]: the header is read first and an
/// image over the limits is refused before its pixels are.
pub(crate) fn decode_limited<R: std::io::BufRead + std::io::Seek>(
    reader: image::ImageReader<R>,
) -> Result<DynamicImage, IngestError> {
    let mut reader = reader.with_guessed_format()?;
    reader.limits(decode_limits());
    reader.decode().map_err(|e| match e {
        image::ImageError::Limits(l) => IngestError::TooManyPixels(l.to_string()),
        e => IngestError::Decode(e.to_string()),
    })
}

/// Re-encodes an image from its decoded pixels (so no metadata survives),
/// scaled to at most [`IMAGE_MAX_PX`], plus a JPEG thumbnail.
fn process_image(
    scratch: &Path,
    img: DynamicImage,
    keep_png: bool,
) -> Result<(Output, Output), IngestError> {
    let img = if img.width() > IMAGE_MAX_PX || img.height() > IMAGE_MAX_PX {
        img.resize(
            IMAGE_MAX_PX,
            IMAGE_MAX_PX,
            image::imageops::FilterType::Lanczos3,
        )
    } else {
        img
    };
    let encode = |img: &DynamicImage, png: bool| -> Result<Vec<u8>, IngestError> {
        let mut buf = Cursor::new(Vec::new());
        if png {
            img.write_to(&mut buf, ImageFormat::Png)
                .map_err(|e| IngestError::Decode(e.to_string()))?;
        } else {
            let rgb = img.to_rgb8();
            image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, JPEG_QUALITY)
                .encode_image(&rgb)
                .map_err(|e| IngestError::Decode(e.to_string()))?;
        }
        Ok(buf.into_inner())
    };
    let main_bytes = encode(&img, keep_png)?;
    let main = write_output(
        scratch,
        &main_bytes,
        if keep_png {
            MediaExt::Png
        } else {
            MediaExt::Jpg
        },
        MediaKind::Image,
        Some((img.width(), img.height())),
        None,
    )?;
    let thumb_img = img.thumbnail(THUMBNAIL_MAX_PX, THUMBNAIL_MAX_PX);
    let thumb_bytes = encode(&thumb_img, false)?;
    let thumb = write_output(
        scratch,
        &thumb_bytes,
        MediaExt::Jpg,
        MediaKind::Image,
        Some((thumb_img.width(), thumb_img.height())),
        None,
    )?;
    Ok((main, thumb))
}

fn run_tool(cmd: &mut Command) -> Result<std::process::Output, IngestError> {
    let out = cmd.output().map_err(|e| {
        IngestError::Tool(format!(
            "cannot run {:?} ({e}); install ffmpeg (Debian package `ffmpeg`)",
            cmd.get_program()
        ))
    })?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        let tail: String = err.lines().rev().take(3).collect::<Vec<_>>().join(" | ");
        return Err(IngestError::Tool(format!(
            "{:?} failed: {tail}",
            cmd.get_program()
        )));
    }
    Ok(out)
}

/// Width, height and duration of a media file, from ffprobe.
/// (width, height) of the first video stream, and the duration in milliseconds.
type ProbeResult = (Option<(u32, u32)>, Option<u64>);

fn probe(path: &Path) -> Result<ProbeResult, IngestError> {
    let out = run_tool(
        Command::new("ffprobe")
            .args([
                "-v",
                "error",
                "-show_entries",
                "stream=codec_type,width,height:format=duration",
                "-of",
                "json",
            ])
            .arg(path),
    )?;
    #[derive(serde::Deserialize)]
    struct Probe {
        #[serde(default)]
        streams: Vec<ProbeStream>,
        format: Option<ProbeFormat>,
    }
    #[derive(serde::Deserialize)]
    struct ProbeStream {
        codec_type: Option<String>,
        width: Option<u32>,
        height: Option<u32>,
    }
    #[derive(serde::Deserialize)]
    struct ProbeFormat {
        duration: Option<String>,
    }
    let p: Probe = serde_json::from_slice(&out.stdout)
        .map_err(|e| IngestError::Tool(format!("unreadable ffprobe output: {e}")))?;
    let dims = p
        .streams
        .iter()
        .find(|s| s.codec_type.as_deref() == Some("video"))
        .and_then(|s| Some((s.width?, s.height?)));
    let duration_ms = p
        .format
        .and_then(|f| f.duration)
        .and_then(|d| d.parse::<f64>().ok())
        .filter(|d| d.is_finite() && *d >= 0.0)
        .map(|d| (d * 1000.0).round() as u64);
    Ok((dims, duration_ms))
}

/// Normalises a video to H.264/AAC MP4 with the index up front (faststart, so
/// phones start playing before the download ends), and grabs a poster frame.
/// Re-muxes an audio file with ffmpeg: its first audio stream only, its
/// codec data copied unchanged, every metadata block (tags, embedded
/// pictures) and every other stream dropped, so what is stored is only audio
/// that ffmpeg could read through. A file ffmpeg cannot read is refused.
fn process_audio(scratch: &Path, input: &Path, ext: MediaExt) -> Result<Output, IngestError> {
    let muxer = match ext {
        MediaExt::Mp3 => "mp3",
        MediaExt::M4a => "ipod",
        _ => "ogg",
    };
    let remuxed = scratch.join(format!("remuxed.{ext}"));
    run_tool(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-i"])
            .arg(input)
            .args([
                "-map",
                "0:a:0",
                "-map_metadata",
                "-1",
                "-c:a",
                "copy",
                "-f",
                muxer,
            ])
            .arg(&remuxed),
    )?;
    let out = output_from_file(scratch, &remuxed, ext, MediaKind::Audio)?;
    let duration_ms = probe(&out.path).ok().and_then(|(_, d)| d);
    Ok(Output { duration_ms, ..out })
}

fn process_video(scratch: &Path, input: &Path) -> Result<(Output, Output), IngestError> {
    let mp4 = scratch.join("normalised.mp4");
    run_tool(
        Command::new("ffmpeg")
            .args(["-nostdin", "-v", "error", "-y", "-i"])
            .arg(input)
            .args([
                "-map_metadata",
                "-1",
                "-c:v",
                "libx264",
                "-preset",
                "veryfast",
                "-crf",
                "23",
                "-pix_fmt",
                "yuv420p",
                "-vf",
                "scale='min(1280,iw)':-2",
                "-c:a",
                "aac",
                "-b:a",
                "128k",
                "-movflags",
                "+faststart",
            ])
            .arg(&mp4),
    )?;
    let (dims, duration_ms) = probe(&mp4)?;
    let at = match duration_ms {
        Some(ms) if (ms as f64) / 1000.0 > POSTER_AT_SECS * 2.0 => POSTER_AT_SECS,
        _ => 0.0,
    };
    let poster_path = scratch.join("poster.png");
    run_tool(
        Command::new("ffmpeg")
            .args([
                "-nostdin",
                "-v",
                "error",
                "-y",
                "-ss",
                &at.to_string(),
                "-i",
            ])
            .arg(&mp4)
            .args(["-frames:v", "1"])
            .arg(&poster_path),
    )?;
    let poster_img = decode_limited(image::ImageReader::open(&poster_path)?)?;
    let (poster, _thumb) = process_image(scratch, poster_img, false)?;
    let bytes = std::fs::read(&mp4)?;
    let video = write_output(
        scratch,
        &bytes,
        MediaExt::Mp4,
        MediaKind::Video,
        dims,
        duration_ms,
    )?;
    Ok((video, poster))
}

/// The CPU and tool work of an ingest: builds every output file in `scratch`.
/// Returns the main output and its preview (thumbnail or poster).
fn build_outputs(
    scratch: &Path,
    bytes: &[u8],
    claimed: MediaKind,
) -> Result<(Output, Option<Output>), IngestError> {
    if bytes.is_empty() || bytes.len() > MAX_INGEST_BYTES {
        return Err(IngestError::Size(bytes.len()));
    }
    let (kind, ext) = sniff(bytes, claimed)?;
    match kind {
        MediaKind::Image => {
            let img = decode_limited(image::ImageReader::new(Cursor::new(bytes)))?;
            let (main, thumb) = process_image(scratch, img, ext == MediaExt::Png)?;
            Ok((main, Some(thumb)))
        }
        MediaKind::Video => {
            let input = scratch.join("input.bin");
            std::fs::write(&input, bytes)?;
            let (video, poster) = process_video(scratch, &input)?;
            Ok((video, Some(poster)))
        }
        MediaKind::Audio => {
            let input = scratch.join("input.bin");
            std::fs::write(&input, bytes)?;
            Ok((process_audio(scratch, &input, ext)?, None))
        }
    }
}

/// Ingests one file: see the module docs. Runs the heavy work on a blocking thread.
///
/// # Errors
/// [`IngestError`]; in every error case no file and no row was added.
pub async fn ingest(
    pool: &SqlitePool,
    store: std::sync::Arc<dyn BlobStore>,
    bytes: Vec<u8>,
    claimed: MediaKind,
) -> Result<StoredAsset, IngestError> {
    let scratch = tempfile::Builder::new()
        .prefix("ingest-")
        .tempdir_in(store.scratch_dir())?;
    let scratch_path = scratch.path().to_path_buf();
    let (main, preview) =
        tokio::task::spawn_blocking(move || build_outputs(&scratch_path, &bytes, claimed))
            .await
            .map_err(|e| IngestError::Tool(format!("ingest task failed: {e}")))??;
    let mut outputs = vec![&main];
    // A small image's thumbnail can be byte for byte the image itself.
    outputs.extend(preview.iter().filter(|p| p.name != main.name));

    let mut tx = pool.begin().await?;
    for o in &outputs {
        sqlx::query(
            "INSERT OR IGNORE INTO media_assets
               (sha256, ext, mime, kind, size_bytes, width, height, duration_ms)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(o.name.sha256())
        .bind(o.name.ext().as_str())
        .bind(o.name.ext().mime())
        .bind(o.kind.as_str())
        .bind(i64::try_from(o.size_bytes).unwrap_or(i64::MAX))
        .bind(o.width)
        .bind(o.height)
        .bind(o.duration_ms.and_then(|d| i64::try_from(d).ok()))
        .execute(&mut *tx)
        .await?;
    }
    if let Some(p) = &preview {
        let role = if main.kind == MediaKind::Video {
            "poster"
        } else {
            "thumbnail"
        };
        sqlx::query(
            "INSERT OR REPLACE INTO media_renditions (source_sha256, role, sha256) VALUES (?, ?, ?)",
        )
        .bind(main.name.sha256())
        .bind(role)
        .bind(p.name.sha256())
        .execute(&mut *tx)
        .await?;
    }
    let mut added: Vec<MediaName> = Vec::new();
    let mut put_result = Ok(());
    for o in &outputs {
        match store.put_file(&o.path, &o.name).await {
            Ok(true) => added.push(o.name.clone()),
            Ok(false) => {}
            Err(e) => {
                put_result = Err(IngestError::from(e));
                break;
            }
        }
    }
    let result = match put_result {
        Ok(()) => tx.commit().await.map_err(IngestError::from),
        Err(e) => Err(e),
    };
    if let Err(e) = result {
        for name in &added {
            // A concurrent ingest of the same bytes may have committed its row
            // meanwhile; its file must stay.
            let kept: Option<(i64,)> =
                sqlx::query_as("SELECT 1 FROM media_assets WHERE sha256 = ?")
                    .bind(name.sha256())
                    .fetch_optional(pool)
                    .await
                    .unwrap_or(None);
            if kept.is_some() {
                continue;
            }
            if let Err(rm) = store.remove(name).await {
                tracing::error!(error = %rm, file = %name.file_name(), "cannot undo ingest");
            }
        }
        return Err(e);
    }
    Ok(StoredAsset {
        name: main.name.clone(),
        kind: main.kind,
        size_bytes: main.size_bytes,
        width: main.width,
        height: main.height,
        duration_ms: main.duration_ms,
        preview: preview.map(|p| p.name),
    })
}

/// Whether `ffmpeg` and `ffprobe` can be run (video ingest needs both).
pub fn ffmpeg_available() -> bool {
    ["ffmpeg", "ffprobe"].iter().all(|tool| {
        Command::new(tool)
            .arg("-version")
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

/// An ingest from a file on disk (an upload streamed to a temp file) whose
/// outputs are built in scratch but not stored yet. The caller opens a
/// transaction, [`insert_rows`](Self::insert_rows), adds its own rows to the
/// same transaction (an audit record, uses switched to the new asset), then
/// [`commit`](Self::commit)s: files and rows appear together or not at all.
/// Dropping it instead removes the scratch files.
///
/// Unlike [`ingest`], the input is never read into memory whole: images are
/// decoded from the file, videos are read by ffmpeg, audio is hashed while it
/// is copied.
pub struct PreparedIngest {
    /// Owns the scratch folder (removed on drop).
    _scratch: tempfile::TempDir,
    main: Output,
    preview: Option<Output>,
}

/// Bytes read from the start of a file to sniff its type (every signature
/// `infer` checks for our formats lies within the first few hundred bytes).
const SNIFF_BYTES: u64 = 8192;

/// Hashes `input` while copying it into scratch under its store name.
fn output_from_file(
    scratch: &Path,
    input: &Path,
    ext: MediaExt,
    kind: MediaKind,
) -> Result<Output, IngestError> {
    use std::io::{Read, Write};
    let copy = scratch.join("copy.bin");
    let mut reader = std::fs::File::open(input)?;
    let mut writer = std::io::BufWriter::new(std::fs::File::create(&copy)?);
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut size_bytes: u64 = 0;
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        writer.write_all(&buf[..n])?;
        size_bytes += n as u64;
    }
    writer.flush()?;
    let name = MediaName::from_digest(hasher.finalize().into(), ext);
    let path = scratch.join(name.file_name());
    std::fs::rename(&copy, &path)?;
    Ok(Output {
        path,
        name,
        kind,
        size_bytes,
        width: None,
        height: None,
        duration_ms: None,
    })
}

/// [`build_outputs`] for a file on disk.
fn build_outputs_from_file(
    scratch: &Path,
    input: &Path,
    claimed: MediaKind,
) -> Result<(Output, Option<Output>), IngestError> {
    use std::io::Read;
    let len = std::fs::metadata(input)?.len();
    if len == 0 {
        return Err(IngestError::Size(0));
    }
    let mut head = Vec::new();
    std::fs::File::open(input)?
        .take(SNIFF_BYTES)
        .read_to_end(&mut head)?;
    let (kind, ext) = sniff(&head, claimed)?;
    match kind {
        MediaKind::Image => {
            let img = decode_limited(image::ImageReader::open(input)?)?;
            let (main, thumb) = process_image(scratch, img, ext == MediaExt::Png)?;
            Ok((main, Some(thumb)))
        }
        MediaKind::Video => {
            let (video, poster) = process_video(scratch, input)?;
            Ok((video, Some(poster)))
        }
        MediaKind::Audio => Ok((process_audio(scratch, input, ext)?, None)),
    }
}

/// Sniffs, checks and processes the file at `input` (see [`PreparedIngest`]);
/// the heavy work runs on a blocking thread. `input` itself is left alone.
///
/// # Errors
/// [`IngestError`]: an empty file, a type other than `claimed`, an
/// undecodable file, ffmpeg failures; nothing is stored in any case.
pub async fn prepare_file(
    store: &dyn BlobStore,
    input: &Path,
    claimed: MediaKind,
) -> Result<PreparedIngest, IngestError> {
    let scratch = tempfile::Builder::new()
        .prefix("ingest-")
        .tempdir_in(store.scratch_dir())?;
    let scratch_path = scratch.path().to_path_buf();
    let input = input.to_path_buf();
    let (main, preview) = tokio::task::spawn_blocking(move || {
        build_outputs_from_file(&scratch_path, &input, claimed)
    })
    .await
    .map_err(|e| IngestError::Tool(format!("ingest task failed: {e}")))??;
    Ok(PreparedIngest {
        _scratch: scratch,
        main,
        preview,
    })
}

impl PreparedIngest {
    /// The main output's store name.
    pub fn name(&self) -> &MediaName {
        &self.main.name
    }

    /// The main output's kind.
    pub fn kind(&self) -> MediaKind {
        self.main.kind
    }

    /// Inserts the asset rows (and its preview) into the caller's transaction;
    /// `label` becomes the main asset's display name when given.
    ///
    /// # Errors
    /// Database errors.
    pub async fn insert_rows(
        &self,
        tx: &mut sqlx::SqliteConnection,
        label: Option<&str>,
    ) -> Result<(), IngestError> {
        for o in std::iter::once(&self.main).chain(self.preview.iter()) {
            sqlx::query(
                "INSERT OR IGNORE INTO media_assets
                   (sha256, ext, mime, kind, size_bytes, width, height, duration_ms)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(o.name.sha256())
            .bind(o.name.ext().as_str())
            .bind(o.name.ext().mime())
            .bind(o.kind.as_str())
            .bind(i64::try_from(o.size_bytes).unwrap_or(i64::MAX))
            .bind(o.width)
            .bind(o.height)
            .bind(o.duration_ms.and_then(|d| i64::try_from(d).ok()))
            .execute(&mut *tx)
            .await?;
        }
        if let Some(label) = label {
            sqlx::query("UPDATE media_assets SET label = ? WHERE sha256 = ?")
                .bind(label)
                .bind(self.main.name.sha256())
                .execute(&mut *tx)
                .await?;
        }
        if let Some(p) = &self.preview {
            let role = if self.main.kind == MediaKind::Video {
                "poster"
            } else {
                "thumbnail"
            };
            sqlx::query(
                "INSERT OR REPLACE INTO media_renditions (source_sha256, role, sha256) VALUES (?, ?, ?)",
            )
            .bind(self.main.name.sha256())
            .bind(role)
            .bind(p.name.sha256())
            .execute(&mut *tx)
            .await?;
        }
        Ok(())
    }

    /// Moves the files into the store, then commits `tx`; when either fails,
    /// the files this call added are removed again (unless a concurrent ingest
    /// of the same bytes committed rows for them meanwhile).
    ///
    /// # Errors
    /// Storage or database errors; nothing of this ingest remains then.
    pub async fn commit(
        self,
        tx: sqlx::Transaction<'_, sqlx::Sqlite>,
        pool: &SqlitePool,
        store: &dyn BlobStore,
    ) -> Result<StoredAsset, IngestError> {
        // A small image's thumbnail can be byte for byte the image itself.
        let outputs: Vec<&Output> = std::iter::once(&self.main)
            .chain(self.preview.iter().filter(|p| p.name != self.main.name))
            .collect();
        let mut added: Vec<MediaName> = Vec::new();
        let mut put_all: Result<(), IngestError> = Ok(());
        for o in &outputs {
            match store.put_file(&o.path, &o.name).await {
                Ok(true) => added.push(o.name.clone()),
                Ok(false) => {}
                Err(e) => {
                    put_all = Err(e.into());
                    break;
                }
            }
        }
        let result = match put_all {
            Ok(()) => tx.commit().await.map_err(IngestError::from),
            Err(e) => Err(e),
        };
        if let Err(e) = result {
            for name in &added {
                let kept: Option<(i64,)> =
                    sqlx::query_as("SELECT 1 FROM media_assets WHERE sha256 = ?")
                        .bind(name.sha256())
                        .fetch_optional(pool)
                        .await
                        .unwrap_or(None);
                if kept.is_some() {
                    continue;
                }
                if let Err(rm) = store.remove(name).await {
                    tracing::error!(error = %rm, file = %name.file_name(), "cannot undo ingest");
                }
            }
            return Err(e);
        }
        Ok(StoredAsset {
            name: self.main.name.clone(),
            kind: self.main.kind,
            size_bytes: self.main.size_bytes,
            width: self.main.width,
            height: self.main.height,
            duration_ms: self.main.duration_ms,
            preview: self.preview.map(|p| p.name),
        })
    }
}
