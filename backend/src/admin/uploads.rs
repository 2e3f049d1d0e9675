//! Streamed uploads for the back office (media library, catalogue import).
//!
//! A `multipart/form-data` body is read field by field and the file's chunks go
//! straight to a temporary file in the data dir ([`TEMP_DIR`]), so an upload is
//! never held in memory whole. The route disables axum's default body limit
//! and this module enforces the caller's cap instead, counting bytes as they
//! arrive: over the cap, the file is dropped, the rest of the body is read and
//! thrown away (up to [`DRAIN_MAX_BYTES`], so that the browser gets to read
//! the `413` page instead of a reset connection) and [`UploadError::TooLarge`]
//! is returned.
//!
//! The temporary file is a [`tempfile::TempPath`]: whatever happens — a
//! refused type, a failed ingest, the client hanging up mid-upload (axum then
//! drops the handler's future) — dropping it removes the file. The client's
//! file name only ever becomes a cleaned display label ([`clean_label`]),
//! never part of a path.

use std::path::PathBuf;

use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use pustaka_api::Lang;
use tokio::io::AsyncWriteExt;

use super::settings::BYTES_PER_MB;
use super::{csrf, i18n};
use crate::startup::AppState;

/// The folder of upload temp files inside the data dir.
pub const TEMP_DIR: &str = "upload-tmp";
/// Longest text field (label, kind) read from an upload form, bytes.
pub const MAX_TEXT_FIELD_BYTES: usize = 4096;
/// Most text fields an upload form may carry.
pub const MAX_TEXT_FIELDS: usize = 16;
/// After the cap is hit, how much more of the body is read and discarded so
/// the client can read the `413` answer; a client still sending after that is
/// cut off.
pub const DRAIN_MAX_BYTES: u64 = 64 * 1024 * 1024;
/// Longest display label kept from a client's file name, characters.
pub const MAX_LABEL_CHARS: usize = 120;

/// A received file, waiting in the temp folder.
#[derive(Debug)]
pub struct ReceivedFile {
    /// The temp file; removed when dropped.
    pub path: tempfile::TempPath,
    /// Bytes received.
    pub size_bytes: u64,
    /// A display label cleaned from the client's file name (may be empty).
    pub label: String,
    /// The lowercase extension of the client's file name when it is 1–8 ASCII
    /// letters or digits (a hint for format detection, never a path).
    pub ext: Option<String>,
}

/// A received upload form: its small text fields and at most one file.
#[derive(Debug, Default)]
pub struct Received {
    /// Text fields in the order sent.
    pub fields: Vec<(String, String)>,
    /// The file, when one was chosen.
    pub file: Option<ReceivedFile>,
}

impl Received {
    /// The first text field called `name`.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why an upload was not received. In every case no temp file is left.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The body is not `multipart/form-data` (e.g. a form without its `enctype`).
    #[error("not a multipart/form-data body")]
    NotMultipart,
    /// The file is larger than the cap.
    #[error("file larger than {cap_bytes} bytes")]
    TooLarge {
        /// The cap that was exceeded, bytes.
        cap_bytes: u64,
    },
    /// A broken body: bad multipart framing, too many or too long text fields,
    /// or the client went away mid-upload.
    #[error("unreadable upload: {0}")]
    Malformed(String),
    /// The form's CSRF token was missing, not before the file, or wrong.
    #[error("missing or wrong CSRF token")]
    Forbidden,
    /// The temp file could not be written.
    #[error("cannot write the upload: {0}")]
    Io(#[from] std::io::Error),
}

/// The upload temp folder of this server (created when missing).
///
/// # Errors
/// When it cannot be created.
pub fn temp_dir(state: &AppState) -> std::io::Result<PathBuf> {
    let dir = state.config.data_dir.join(TEMP_DIR);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A display label from a client's file name: the last path component, no
/// control characters, no leading dots, whitespace collapsed, at most
/// [`MAX_LABEL_CHARS`] characters. Never used as a path.
pub fn clean_label(client_name: &str) -> String {
    let last = client_name.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    cleaned
        .trim_start_matches('.')
        .trim()
        .chars()
        .take(MAX_LABEL_CHARS)
        .collect()
}

/// The extension of a client's file name, when it is a plain 1–8 character
/// ASCII alphanumeric word; lowercased.
pub fn client_ext(client_name: &str) -> Option<String> {
    let label = clean_label(client_name);
    let (_, ext) = label.rsplit_once('.')?;
    (!ext.is_empty() && ext.len() <= 8 && ext.bytes().all(|b| b.is_ascii_alphanumeric()))
        .then(|| ext.to_ascii_lowercase())
}

/// Whether a request carries a multipart body.
pub fn is_multipart(req: &Request) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.to_ascii_lowercase().starts_with("multipart/form-data"))
}

/// Reads an upload form: text fields into memory (small, capped), the field
/// named `file_field` streamed to a temp file. `cap_for` gives the cap in bytes
/// from the text fields sent before the file (so a form puts its `kind`
/// select before its file input). When the client's file name ends in one of
/// `keep_exts` (lowercase, from a fixed list of the caller's), the temp file
/// gets that extension too, for format detection by name.
///
/// # Errors
/// [`UploadError`]; no temp file is left behind in any case.
pub async fn receive<F>(
    state: &AppState,
    req: Request,
    file_field: &str,
    keep_exts: &[&str],
    cap_for: F,
) -> Result<Received, UploadError>
where
    F: Fn(&[(String, String)]) -> u64,
{
    if !is_multipart(&req) {
        return Err(UploadError::NotMultipart);
    }
    let mut pending = req.extensions().get::<csrf::PendingCheck>().cloned();
    let mut multipart = Multipart::from_request(req, &())
        .await
        .map_err(|e| UploadError::Malformed(e.body_text()))?;
    // Leftovers of a crash are swept by `media::sweep`.
    let dir = temp_dir(state)?;
    let mut received = Received::default();
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| UploadError::Malformed(e.body_text()))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        if pending.is_some() && name != csrf::FIELD {
            // The token must come first: nothing else is read before it.
            return Err(UploadError::Forbidden);
        }
        if name == file_field && received.file.is_none() {
            let client_name = field.file_name().unwrap_or_default().to_owned();
            let cap = cap_for(&received.fields);
            let ext = client_ext(&client_name);
            let suffix = keep_exts
                .iter()
                .find(|e| ext.as_deref() == Some(**e))
                .map(|e| format!(".{e}"))
                .unwrap_or_default();
            let named = tempfile::Builder::new()
                .prefix("upload-")
                .suffix(&suffix)
                .tempfile_in(&dir)?;
            let (std_file, path) = named.into_parts();
            let mut out = tokio::fs::File::from_std(std_file);
            let mut size_bytes: u64 = 0;
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| UploadError::Malformed(e.body_text()))?
            {
                size_bytes += chunk.len() as u64;
                if size_bytes > cap {
                    drop(out);
                    drop(path);
                    let mut drained: u64 = 0;
                    while drained <= DRAIN_MAX_BYTES {
                        match field.chunk().await {
                            Ok(Some(c)) => drained += c.len() as u64,
                            _ => break,
                        }
                    }
                    drop(field);
                    drain_rest(&mut multipart, drained).await;
                    return Err(UploadError::TooLarge { cap_bytes: cap });
                }
                out.write_all(&chunk).await?;
            }
            out.flush().await?;
            drop(out);
            // A file input left empty still sends a part, with no bytes.
            if size_bytes > 0 {
                received.file = Some(ReceivedFile {
                    path,
                    size_bytes,
                    label: clean_label(&client_name),
                    ext,
                });
            }
        } else {
            if received.fields.len() >= MAX_TEXT_FIELDS {
                return Err(UploadError::Malformed("too many form fields".into()));
            }
            let mut value = Vec::new();
            while let Some(chunk) = field
                .chunk()
                .await
                .map_err(|e| UploadError::Malformed(e.body_text()))?
            {
                value.extend_from_slice(&chunk);
                if value.len() > MAX_TEXT_FIELD_BYTES {
                    return Err(UploadError::Malformed(format!(
                        "form field {name} too long"
                    )));
                }
            }
            let value = String::from_utf8(value)
                .map_err(|_| UploadError::Malformed(format!("form field {name} is not UTF-8")))?;
            if let Some(check) = pending.take() {
                if !check.matches(&value) {
                    return Err(UploadError::Forbidden);
                }
                continue;
            }
            received.fields.push((name, value));
        }
    }
    if pending.is_some() {
        return Err(UploadError::Forbidden);
    }
    Ok(received)
}

/// Reads and discards the fields after an over-cap file, until
/// [`DRAIN_MAX_BYTES`] in all have been thrown away.
async fn drain_rest(multipart: &mut Multipart, mut drained: u64) {
    while drained <= DRAIN_MAX_BYTES {
        let Ok(Some(mut f)) = multipart.next_field().await else {
            return;
        };
        while drained <= DRAIN_MAX_BYTES {
            match f.chunk().await {
                Ok(Some(c)) => drained += c.len() as u64,
                _ => break,
            }
        }
    }
}

/// The `413` message for a cap.
pub fn too_large_text(lang: Lang, what_key: &str, cap_bytes: u64) -> String {
    i18n::text_with(
        lang,
        "ops-upload-too-large",
        &[
            ("what", i18n::text(lang, what_key)),
            ("mb", (cap_bytes / BYTES_PER_MB).to_string()),
        ],
    )
}

/// How an upload request that could not be received is answered: a missing
/// file (or a form sent without its `enctype`) goes back to the form with a
/// notice; anything else is shown on the form with its status.
pub enum NotReceived {
    /// Back to the form (a redirect) with this notice.
    Back(String),
    /// The form again with this status and message.
    Refused(StatusCode, String),
}

/// The answer to an upload that was not received; `what_key` names the file
/// in the `413` message (a Fluent key).
pub fn not_received(lang: Lang, e: UploadError, what_key: &str) -> NotReceived {
    match e {
        UploadError::NotMultipart => NotReceived::Back(i18n::text(lang, "ops-upload-no-file")),
        UploadError::TooLarge { cap_bytes } => NotReceived::Refused(
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large_text(lang, what_key, cap_bytes),
        ),
        UploadError::Forbidden => {
            NotReceived::Refused(StatusCode::FORBIDDEN, csrf::REFUSED_TEXT.to_owned())
        }
        UploadError::Malformed(detail) => {
            tracing::info!(error = %detail, "upload not received");
            NotReceived::Refused(
                StatusCode::BAD_REQUEST,
                i18n::text(lang, "ops-upload-broken"),
            )
        }
        UploadError::Io(e) => {
            tracing::error!(error = %e, "cannot write an upload temp file");
            NotReceived::Refused(
                StatusCode::INTERNAL_SERVER_ERROR,
                i18n::text(lang, "ops-upload-server-error"),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{clean_label, client_ext};

    #[test]
    fn client_file_names_become_labels_only() {
        assert_eq!(clean_label("sampul laskar.jpg"), "sampul laskar.jpg");
        assert_eq!(clean_label("../../etc/passwd"), "passwd");
        assert_eq!(clean_label("C:\\Users\\a\\foto.png"), "foto.png");
        assert_eq!(clean_label(".htaccess"), "htaccess");
        assert_eq!(clean_label("a\u{0}b\nc.mp4"), "a b c.mp4");
        assert_eq!(clean_label("   "), "");
        assert_eq!(clean_label(&"x".repeat(500)).chars().count(), 120);
        assert_eq!(client_ext("katalog.CSV").as_deref(), Some("csv"));
        assert_eq!(client_ext("a.tar/../x"), None);
        assert_eq!(client_ext("noext"), None);
        assert_eq!(client_ext("x.mr c"), None);
    }
}
