//! Captions of videos (`WebVTT`), at most one per language and video, kept in
//! `media_captions` (the text is small) and served as
//! `/media/captions/{sha256}.vtt`, named by the SHA-256 of the text so the
//! address changes when the captions do and can be cached forever. The
//! tracks of one video are listed at `/media/tracks/{video}.json` (not
//! cached: captions may be added), which the browser shell of the app reads
//! for its `<video>`; the web pages and the API's [`pustaka_api::MediaRef`]
//! carry them directly.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use pustaka_api::{CaptionTrack, Lang};
use sha2::{Digest, Sha256};
use sqlx::SqlitePool;

use super::serve::{MEDIA_CACHE_CONTROL, MEDIA_CSP};
use crate::startup::AppState;

/// Largest accepted captions file, bytes (a feature film's captions are
/// about 100 kB).
pub const MAX_CAPTION_BYTES: usize = 512 * 1024;
/// The MIME type captions are served as (`WebVTT`, W3C).
pub const VTT_MIME: &str = "text/vtt; charset=utf-8";

/// Why a file is not accepted as captions.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CaptionError {
    /// Empty or larger than [`MAX_CAPTION_BYTES`].
    #[error("captions size {0} bytes is outside 1..={MAX_CAPTION_BYTES}")]
    Size(usize),
    /// Not UTF-8 text (`WebVTT` is always UTF-8).
    #[error("captions are not UTF-8 text")]
    NotUtf8,
    /// The text does not start with the `WEBVTT` signature line.
    #[error("not a WebVTT file (it must start with WEBVTT)")]
    NotWebVtt,
}

/// Checks a captions file: 1..=[`MAX_CAPTION_BYTES`] bytes of UTF-8 whose
/// first line is `WEBVTT`, alone or followed by a space or tab and a header
/// text (`WebVTT` §4.1; a byte order mark before it is dropped). Returns the
/// text as stored and served.
///
/// # Errors
/// [`CaptionError`].
pub fn check(bytes: &[u8]) -> Result<String, CaptionError> {
    if bytes.is_empty() || bytes.len() > MAX_CAPTION_BYTES {
        return Err(CaptionError::Size(bytes.len()));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| CaptionError::NotUtf8)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rest = text.strip_prefix("WEBVTT").ok_or(CaptionError::NotWebVtt)?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t', '\n', '\r'])) {
        return Err(CaptionError::NotWebVtt);
    }
    Ok(text.to_owned())
}

/// The SHA-256 hex of a captions text (its name under `/media/captions/`).
pub fn sha256_of(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The captions' address under `base` (the public URL, or empty for a
/// same-site path).
pub fn url(base: &str, sha256: &str) -> String {
    format!("{base}/media/captions/{sha256}.vtt")
}

/// Stores (or replaces) the captions of `video` in `lang` inside the
/// caller's transaction; returns their SHA-256.
///
/// # Errors
/// Database errors (an unknown video is a foreign-key error).
pub async fn save(
    tx: &mut sqlx::SqliteConnection,
    video: &str,
    lang: Lang,
    text: &str,
) -> sqlx::Result<String> {
    let sha = sha256_of(text);
    sqlx::query(
        "INSERT INTO media_captions (video_sha256, lang, sha256, body) VALUES (?, ?, ?, ?)
         ON CONFLICT (video_sha256, lang) DO UPDATE SET
           sha256 = excluded.sha256, body = excluded.body,
           created_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')",
    )
    .bind(video)
    .bind(lang.tag())
    .bind(&sha)
    .bind(text)
    .execute(&mut *tx)
    .await?;
    Ok(sha)
}

#[derive(sqlx::FromRow)]
struct TrackRow {
    lang: String,
    sha256: String,
}

/// The caption tracks of `video`, Indonesian first, with URLs under `base`.
///
/// # Errors
/// Database errors.
pub async fn tracks(pool: &SqlitePool, base: &str, video: &str) -> sqlx::Result<Vec<CaptionTrack>> {
    let rows: Vec<TrackRow> = sqlx::query_as(
        "SELECT lang, sha256 FROM media_captions WHERE video_sha256 = ?
          ORDER BY CASE lang WHEN 'id' THEN 0 ELSE 1 END",
    )
    .bind(video)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let lang = match r.lang.as_str() {
                "id" => Lang::Id,
                "en" => Lang::En,
                _ => return None,
            };
            Some(CaptionTrack {
                lang,
                url: url(base, &r.sha256),
            })
        })
        .collect())
}

/// The SHA-256 hex of a file name `{sha256}.{ext}` with this extension.
fn sha_of_file<'a>(file: &'a str, ext: &str) -> Option<&'a str> {
    let sha = file.strip_suffix(ext)?.strip_suffix('.')?;
    (sha.len() == 64
        && sha
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)))
    .then_some(sha)
}

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "tidak ditemukan\n").into_response()
}

fn failed(e: &sqlx::Error) -> Response {
    tracing::error!(error = %e, "captions query failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "kesalahan server\n").into_response()
}

/// `GET /media/captions/{sha256}.vtt`: one captions text, cached forever
/// (its name is its hash), with the media files' sandboxing CSP.
pub async fn get_captions(
    State(state): State<AppState>,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Some(sha) = sha_of_file(&file, "vtt") else {
        return not_found();
    };
    let body: Option<String> =
        match sqlx::query_scalar("SELECT body FROM media_captions WHERE sha256 = ? LIMIT 1")
            .bind(sha)
            .fetch_optional(&state.db)
            .await
        {
            Ok(b) => b,
            Err(e) => return failed(&e),
        };
    let Some(body) = body else {
        return not_found();
    };
    let etag = format!("\"{sha}\"");
    let mut h = HeaderMap::new();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(VTT_MIME));
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(MEDIA_CACHE_CONTROL),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MEDIA_CSP),
    );
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    if crate::api::if_none_match_hits(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, h).into_response();
    }
    (StatusCode::OK, h, body).into_response()
}

/// `GET /media/tracks/{video}.{ext}.json`, e.g. `/media/tracks/3a…f9.mp4.json`:
/// the caption tracks of a stored video as a JSON list of
/// [`CaptionTrack`] (empty when it has none), absolute URLs, `no-cache`.
pub async fn get_tracks(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let Some(sha) = file
        .strip_suffix(".json")
        .and_then(|f| sha_of_file(f, "mp4"))
    else {
        return not_found();
    };
    match tracks(&state.db, &state.public_url, sha).await {
        Ok(t) => ([(header::CACHE_CONTROL, "no-cache")], axum::Json(t)).into_response(),
        Err(e) => failed(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_webvtt_text_is_accepted() {
        let ok = "WEBVTT\n\n00:00.000 --> 00:01.000\nHalo\n";
        assert_eq!(check(ok.as_bytes()).as_deref(), Ok(ok));
        assert_eq!(
            check("\u{feff}WEBVTT - judul\n".as_bytes()).as_deref(),
            Ok("WEBVTT - judul\n")
        );
        assert_eq!(check(b"WEBVTT").as_deref(), Ok("WEBVTT"));
        assert_eq!(check(b"WEBVTTX\n"), Err(CaptionError::NotWebVtt));
        assert_eq!(
            check(b"1\n00:00:00,000 --> 00:00:01,000\nHalo\n"),
            Err(CaptionError::NotWebVtt)
        );
        assert_eq!(check(b"WEBVTT\n\xff\xfe"), Err(CaptionError::NotUtf8));
        assert_eq!(check(b""), Err(CaptionError::Size(0)));
        let big = vec![b'a'; MAX_CAPTION_BYTES + 1];
        assert_eq!(check(&big), Err(CaptionError::Size(MAX_CAPTION_BYTES + 1)));
        assert_eq!(
            sha_of_file(&format!("{}.vtt", "a".repeat(64)), "vtt"),
            Some("a".repeat(64).as_str())
        );
        assert_eq!(sha_of_file("../x.vtt", "vtt"), None);
    }
}
