//! The media library (`/admin/media`): every original asset with its
//! thumbnail or poster, size, dimensions or duration and where it is used;
//! uploads streamed to disk ([`super::uploads`]) and ingested from the file
//! ([`crate::media::ingest::prepare_file`]); replacing an asset everywhere it
//! is used; a detail page per asset. Every change is audited in the same
//! transaction as the change.

use askama::Template;
use axum::extract::{Form, Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::{CaptionTrack, Lang, MediaKind, MediaRole, TargetKind};
use serde::Deserialize;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::settings::{self, BYTES_PER_MB, UploadCaps, UploadKind};
use super::staff::{Role, Staff};
use super::uploads::{self, NotReceived, not_received, too_large_text};
use super::{audit, confirm, i18n};
use crate::media::captions::{self, CaptionError};
use crate::media::ingest::{self, IngestError};
use crate::startup::AppState;

/// The media library's routes (librarians and admins). The upload routes
/// have no default body limit: [`uploads::receive`] enforces the caps while
/// streaming.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/media", Librarian, list)
        .upload("/admin/media", Librarian, upload)
        .get("/admin/media/{sha256}", Librarian, detail)
        .post("/admin/media/{sha256}", Librarian, save_label)
        .upload("/admin/media/{sha256}/replace", Librarian, replace)
        .upload("/admin/media/{sha256}/captions", Librarian, upload_captions)
        .get("/admin/media/{sha256}/delete", Librarian, delete_confirm)
        .post("/admin/media/{sha256}/delete", Librarian, delete)
}

/// Assets per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// Longest label a librarian may type, characters.
pub const MAX_LABEL_CHARS: usize = uploads::MAX_LABEL_CHARS;
/// A posted kind word (`image`, `video`, `audio`), if it is one.
fn posted_kind(word: &str) -> Option<MediaKind> {
    word.parse().ok()
}

/// One asset as the pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssetRow {
    /// SHA-256 hex of the stored bytes.
    pub sha256: String,
    /// Store extension.
    pub ext: String,
    /// Image, video or audio.
    #[sqlx(try_from = "String")]
    pub kind: MediaKind,
    /// Stored size.
    pub size_bytes: i64,
    /// Pixels.
    pub width: Option<i64>,
    /// Pixels.
    pub height: Option<i64>,
    /// Milliseconds.
    pub duration_ms: Option<i64>,
    /// Display name.
    pub label: Option<String>,
    /// When it was stored, RFC 3339 UTC.
    pub created_at: String,
    /// File name of its thumbnail or poster in `/media/`, if any.
    pub preview: Option<String>,
    /// How many places use it.
    pub uses: i64,
}

impl AssetRow {
    /// `/media/{sha256}.{ext}`.
    pub fn url(&self) -> String {
        format!("/media/{}.{}", self.sha256, self.ext)
    }

    /// `/media/{preview}` (thumbnail or poster), or empty.
    pub fn preview_url(&self) -> String {
        self.preview
            .as_ref()
            .map(|f| format!("/media/{f}"))
            .unwrap_or_default()
    }

    /// The file input's `accept` list for a replacement of the same kind.
    pub fn accept(&self) -> &'static str {
        accept_of(self.kind)
    }

    /// The text key of its kind.
    pub fn kind_key(&self) -> String {
        format!("ops-media-kind-{}", self.kind)
    }

    /// The label, or the start of the hash.
    pub fn name(&self) -> String {
        match &self.label {
            Some(l) if !l.trim().is_empty() => l.clone(),
            _ => format!(
                "{}….{}",
                &self.sha256[..12.min(self.sha256.len())],
                self.ext
            ),
        }
    }

    /// Size for people, e.g. `2.4 MB`.
    pub fn size_text(&self) -> String {
        size_text(u64::try_from(self.size_bytes).unwrap_or(0))
    }

    /// `1280 × 720`, `0:42`, both, or empty.
    pub fn dims_text(&self) -> String {
        let mut parts = Vec::new();
        if let (Some(w), Some(h)) = (self.width, self.height) {
            parts.push(format!("{w} × {h} px"));
        }
        if let Some(ms) = self.duration_ms {
            let s = ms / 1000;
            parts.push(format!("{}:{:02}", s / 60, s % 60));
        }
        parts.join(", ")
    }
}

/// A file input's `accept` list for uploads of `kind`.
pub fn accept_of(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "image/jpeg,image/png,image/webp",
        MediaKind::Video => "video/*",
        MediaKind::Audio => "audio/*",
    }
}

/// Bytes for people: `840 kB`, `2.4 MB` (SI units, as file managers show them).
pub fn size_text(bytes: u64) -> String {
    if bytes >= BYTES_PER_MB {
        format!("{:.1} MB", bytes as f64 / BYTES_PER_MB as f64)
    } else {
        format!("{} kB", bytes.div_ceil(1000))
    }
}

/// A place that uses an asset.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AssetUse {
    /// The asset.
    pub sha256: String,
    /// What uses it.
    #[sqlx(try_from = "String")]
    pub target_kind: TargetKind,
    /// Its row id.
    pub target_id: i64,
    /// What the asset is for there.
    #[sqlx(try_from = "String")]
    pub role: MediaRole,
    /// Its name (title, shelf or event name, tour name and stop number).
    pub name: Option<String>,
    /// The id of the back-office page (the tour's for a tour stop).
    pub page_id: i64,
}

impl AssetUse {
    /// The back-office page of the user.
    pub fn href(&self) -> String {
        let section = match self.target_kind {
            TargetKind::Title => "titles",
            TargetKind::Shelf => "shelves",
            TargetKind::Event => "events",
            TargetKind::TourStop => "tours",
        };
        format!("/admin/{section}/{}", self.page_id)
    }

    /// The text key of its kind.
    pub fn kind_key(&self) -> &'static str {
        match self.target_kind {
            TargetKind::Title => "kind-title",
            TargetKind::Shelf => "kind-shelf",
            TargetKind::Event => "kind-event",
            TargetKind::TourStop => "kind-tour",
        }
    }
}

const ASSET_COLUMNS: &str = "a.sha256, a.ext, a.kind, a.size_bytes, a.width, a.height,
    a.duration_ms, a.label, a.created_at,
    (SELECT r.sha256 || '.' || p.ext FROM media_renditions r
       JOIN media_assets p ON p.sha256 = r.sha256
      WHERE r.source_sha256 = a.sha256 ORDER BY r.role LIMIT 1) AS preview,
    (SELECT COUNT(*) FROM content_media c WHERE c.sha256 = a.sha256) AS uses";

/// The uses of the given assets.
async fn uses_of(pool: &sqlx::SqlitePool, shas: &[&str]) -> sqlx::Result<Vec<AssetUse>> {
    let list = serde_json::to_string(shas).unwrap_or_else(|_| "[]".into());
    sqlx::query_as(
        "SELECT c.sha256, c.target_kind, c.target_id, c.role,
                CASE c.target_kind
                  WHEN 'title' THEN (SELECT title FROM titles WHERE id = c.target_id)
                  WHEN 'shelf' THEN (SELECT name_id FROM shelves WHERE id = c.target_id)
                  WHEN 'event' THEN (SELECT title_id FROM events WHERE id = c.target_id)
                  ELSE (SELECT t.name_id || ' · ' || s.position FROM tour_stops s
                          JOIN tours t ON t.id = s.tour_id WHERE s.id = c.target_id)
                END AS name,
                CASE c.target_kind
                  WHEN 'tour_stop' THEN COALESCE((SELECT tour_id FROM tour_stops WHERE id = c.target_id), 0)
                  ELSE c.target_id
                END AS page_id
           FROM content_media c
          WHERE c.sha256 IN (SELECT value FROM json_each(?))
          ORDER BY c.target_kind, c.target_id, c.role",
    )
    .bind(list)
    .fetch_all(pool)
    .await
}

/// One kind choice of the upload form, with its cap.
#[derive(Debug, Clone)]
pub struct KindChoice {
    /// The kind.
    pub kind: MediaKind,
    /// Cap in MB.
    pub cap_mb: u64,
    /// Cap in bytes (for the script's check before sending).
    pub cap_bytes: u64,
}

fn kind_choices(caps: &UploadCaps) -> Vec<KindChoice> {
    MediaKind::ALL
        .iter()
        .map(|&k| KindChoice {
            kind: k,
            cap_mb: caps.mb(UploadKind::Media(k)),
            cap_bytes: caps.bytes(UploadKind::Media(k)),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/ops_media.html")]
struct ListPage {
    p: Page,
    rows: Vec<AssetRow>,
    uses: Vec<AssetUse>,
    /// The list's filter (`None`: every kind).
    kind: Option<MediaKind>,
    kinds: Vec<KindChoice>,
    total: i64,
    page: i64,
    pages: i64,
    errors: Vec<String>,
    /// The kind the refused upload claimed, selected again.
    chosen_kind: Option<MediaKind>,
    label: String,
}

impl ListPage {
    fn uses_of<'a>(&'a self, sha: &'a str) -> impl Iterator<Item = &'a AssetUse> + 'a {
        self.uses.iter().filter(move |u| u.sha256 == sha)
    }

    fn link(&self, page: i64) -> String {
        let kind = self.kind.map_or("", MediaKind::as_str);
        format!("/admin/media?kind={kind}&page={page}")
    }
}

/// Query of the list.
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    /// Only this kind (`image`, `video`, `audio`); empty for all.
    #[serde(default)]
    pub kind: String,
    /// 1-based page.
    #[serde(default)]
    pub page: Option<i64>,
}

/// What the upload form shows again after a refused upload.
#[derive(Debug, Default)]
struct Refused {
    status: Option<StatusCode>,
    errors: Vec<String>,
    kind: Option<MediaKind>,
    label: String,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    q: ListQuery,
    refused: Refused,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/media").await?;
    let kind = posted_kind(&q.kind);
    let filter =
        "a.sha256 NOT IN (SELECT sha256 FROM media_renditions) AND (?1 = '' OR a.kind = ?1)";
    let kind_word = kind.map_or("", MediaKind::as_str);
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM media_assets a WHERE {filter}"
    ))
    .bind(kind_word)
    .fetch_one(&state.db)
    .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows: Vec<AssetRow> = sqlx::query_as(&format!(
        "SELECT {ASSET_COLUMNS} FROM media_assets a WHERE {filter}
          ORDER BY a.created_at DESC, a.sha256 LIMIT ?2 OFFSET ?3"
    ))
    .bind(kind_word)
    .bind(PAGE_SIZE)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(&state.db)
    .await?;
    let shas: Vec<&str> = rows.iter().map(|r| r.sha256.as_str()).collect();
    let uses = uses_of(&state.db, &shas).await?;
    let caps = settings::upload_caps(state).await?;
    let mut resp = render(&ListPage {
        p,
        rows,
        uses,
        kind,
        kinds: kind_choices(&caps),
        total,
        page,
        pages,
        errors: refused.errors,
        chosen_kind: refused.kind,
        label: refused.label,
    });
    if let Some(s) = refused.status {
        *resp.status_mut() = s;
    }
    Ok(resp)
}

/// `GET /admin/media?kind=&page=`: the library and the upload form.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    list_page(&state, &session, &staff, q, Refused::default()).await
}

/// A librarian's label: trimmed, no control characters, at most
/// [`MAX_LABEL_CHARS`]; `None` when empty.
pub fn typed_label(s: &str) -> Option<String> {
    let l: String = s
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>()
        .trim()
        .chars()
        .take(MAX_LABEL_CHARS)
        .collect();
    (!l.is_empty()).then_some(l)
}

/// The status and message for an upload the library refuses.
fn refusal(lang: Lang, e: &IngestError, kind: MediaKind) -> (StatusCode, String) {
    let kind_name = i18n::text(lang, &format!("ops-media-kind-{kind}"));
    match e {
        IngestError::Size(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::text(lang, "ops-upload-empty"),
        ),
        IngestError::Unsupported(_) | IngestError::Mismatch { .. } => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            i18n::text_with(lang, "ops-media-wrong-type", &[("kind", kind_name)]),
        ),
        IngestError::TooManyPixels(_) => (
            StatusCode::PAYLOAD_TOO_LARGE,
            i18n::text_with(
                lang,
                "ops-media-too-many-pixels",
                &[("px", ingest::DECODE_MAX_SIDE_PX.to_string())],
            ),
        ),
        IngestError::Decode(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            i18n::text_with(lang, "ops-media-undecodable", &[("kind", kind_name)]),
        ),
        IngestError::Tool(detail) => {
            tracing::warn!(error = %detail, "video processing failed");
            (
                StatusCode::UNPROCESSABLE_ENTITY,
                i18n::text(lang, "ops-media-tool-failed"),
            )
        }
        IngestError::Io(_) | IngestError::Db(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            i18n::text(lang, "ops-upload-server-error"),
        ),
    }
}

/// `POST /admin/media?_csrf=…` (multipart: `kind`, `label`, `file`): streams
/// the file to a temp file, checks its cap and type, ingests it, and goes to
/// its page. Refusals re-show the form with the reason: `413` over the cap,
/// `415` a type other than the chosen kind, `422` undecodable.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    req: Request,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let caps = settings::upload_caps(&state).await?;
    let cap_for = |fields: &[(String, String)]| {
        fields
            .iter()
            .find(|(k, _)| k == "kind")
            .and_then(|(_, v)| posted_kind(v))
            .map_or(caps.largest_media_bytes(), |k| {
                caps.bytes(UploadKind::Media(k))
            })
    };
    let received = uploads::receive(&state, req, "file", &[], cap_for).await;
    let refuse = |status, errors, kind: Option<MediaKind>, label: &str| Refused {
        status: Some(status),
        errors,
        kind,
        label: label.to_owned(),
    };
    let received = match received {
        Ok(r) => r,
        Err(e) => {
            return match not_received(lang, e, "ops-media-file") {
                NotReceived::Back(text) => {
                    page::notice(&session, text).await;
                    Ok(Redirect::to("/admin/media").into_response())
                }
                NotReceived::Refused(status, text) => {
                    list_page(
                        &state,
                        &session,
                        &staff,
                        ListQuery::default(),
                        refuse(status, vec![text], None, ""),
                    )
                    .await
                }
            };
        }
    };
    let label_text = received.field("label").unwrap_or_default().to_owned();
    let Some(kind) = received.field("kind").and_then(posted_kind) else {
        return list_page(
            &state,
            &session,
            &staff,
            ListQuery::default(),
            refuse(
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![i18n::text(lang, "ops-media-choose-kind")],
                None,
                &label_text,
            ),
        )
        .await;
    };
    let Some(file) = received.file else {
        page::notice(&session, i18n::text(lang, "ops-upload-no-file")).await;
        return Ok(Redirect::to("/admin/media").into_response());
    };
    let sha = match store_received(&state, &staff, lang, &file, kind, &label_text).await? {
        Ok(sha) => sha,
        Err((status, text)) => {
            return list_page(
                &state,
                &session,
                &staff,
                ListQuery::default(),
                refuse(status, vec![text], Some(kind), &label_text),
            )
            .await;
        }
    };
    drop(file);
    page::notice(&session, i18n::text(lang, "ops-media-uploaded")).await;
    Ok(Redirect::to(&format!("/admin/media/{sha}")).into_response())
}

/// Stores a received upload of `kind` in the library: checks its kind's cap
/// (the kind may have come after the file, when the largest cap applied while
/// streaming), ingests it ([`ingest::prepare_file`]), and records it with a
/// `media.upload` audit record in one transaction. The label is `label_text`
/// when typed, else the client's file name. Returns the stored hash, or the
/// status and message of a refusal in `lang` (nothing stored then).
///
/// # Errors
/// Database, storage or ingest failures of the server.
pub async fn store_received(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    file: &uploads::ReceivedFile,
    kind: MediaKind,
    label_text: &str,
) -> Result<Result<String, (StatusCode, String)>, PageError> {
    let cap = caps_bytes(state, kind).await?;
    if file.size_bytes > cap {
        return Ok(Err((
            StatusCode::PAYLOAD_TOO_LARGE,
            too_large_text(lang, "ops-media-file", cap),
        )));
    }
    let label = typed_label(label_text).or_else(|| typed_label(&file.label));
    let prepared = match ingest::prepare_file(&*state.store, &file.path, kind).await {
        Ok(p) => p,
        Err(e) => {
            let (status, text) = refusal(lang, &e, kind);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::internal(e));
            }
            return Ok(Err((status, text)));
        }
    };
    let prepared_name = prepared.name().clone();
    let sha = prepared_name.sha256().to_owned();
    let mut tx = state.db.begin().await?;
    prepared
        .insert_rows(&mut tx, label.as_deref())
        .await
        .map_err(PageError::internal)?;
    audit::record(
        &mut tx,
        Some(staff),
        "media.upload",
        &format!("media:{sha}"),
        &format!(
            "{} ({}, {})",
            label.as_deref().unwrap_or(""),
            kind,
            size_text(file.size_bytes)
        ),
    )
    .await?;
    prepared
        .commit(tx, &state.db, &*state.store)
        .await
        .map_err(PageError::internal)?;
    tracing::info!(media.sha256 = %sha, upload.kind = kind.as_str(), "media uploaded");
    if kind == MediaKind::Image {
        make_widths_later(state, prepared_name);
    }
    Ok(Ok(sha))
}

/// Makes an uploaded image's phone-sized copies in the background (a page
/// that needs them first makes them itself; this spares its visitor the wait).
fn make_widths_later(state: &AppState, name: pustaka_api::MediaName) {
    let (pool, store) = (state.db.clone(), state.store.clone());
    tokio::spawn(async move {
        let width: Option<i64> =
            sqlx::query_scalar("SELECT width FROM media_assets WHERE sha256 = ?")
                .bind(name.sha256())
                .fetch_optional(&pool)
                .await
                .ok()
                .flatten();
        let Some(width) = width.and_then(|w| u32::try_from(w).ok()) else {
            return;
        };
        if let Err(e) = crate::media::widths::ensure(&pool, store, &name, width).await {
            tracing::warn!(error = %e, image = %name.file_name(), "no phone-sized copies");
        }
    });
}

/// The upload cap of `kind`, bytes.
async fn caps_bytes(state: &AppState, kind: MediaKind) -> Result<u64, PageError> {
    Ok(settings::upload_caps(state)
        .await?
        .bytes(UploadKind::Media(kind)))
}

#[derive(Template)]
#[template(path = "admin/ops_media_detail.html")]
struct DetailPage {
    p: Page,
    a: AssetRow,
    uses: Vec<AssetUse>,
    cap_mb: u64,
    cap_bytes: u64,
    errors: Vec<String>,
    /// A video's caption tracks (same-site URLs).
    captions: Vec<CaptionTrack>,
}

fn valid_sha(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

async fn asset_or_404(pool: &sqlx::SqlitePool, sha: &str) -> Result<AssetRow, PageError> {
    let missing = || PageError::not_found("Berkas media tidak ada / No such media file");
    if !valid_sha(sha) {
        return Err(missing());
    }
    sqlx::query_as(&format!(
        "SELECT {ASSET_COLUMNS} FROM media_assets a WHERE a.sha256 = ?"
    ))
    .bind(sha)
    .fetch_optional(pool)
    .await?
    .ok_or_else(missing)
}

async fn detail_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    a: AssetRow,
    status: Option<StatusCode>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/media").await?;
    let uses = uses_of(&state.db, &[a.sha256.as_str()]).await?;
    let caps = settings::upload_caps(state).await?;
    let captions = captions::tracks(&state.db, "", &a.sha256).await?;
    let mut resp = render(&DetailPage {
        captions,
        p,
        uses,
        cap_mb: caps.mb(UploadKind::Media(a.kind)),
        cap_bytes: caps.bytes(UploadKind::Media(a.kind)),
        errors,
        a,
    });
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    Ok(resp)
}

/// `GET /admin/media/{sha256}`: one asset, where it is used, its label and
/// the replace form.
///
/// # Errors
/// Unknown asset → 404 page; database or session failures.
pub async fn detail(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
) -> Result<Response, PageError> {
    let a = asset_or_404(&state.db, &sha).await?;
    detail_page(&state, &session, &staff, a, None, Vec::new()).await
}

/// Form of `POST /admin/media/{sha256}`.
#[derive(Debug, Deserialize)]
pub struct LabelForm {
    /// The new display name (empty: none).
    #[serde(default)]
    pub label: String,
}

/// `POST /admin/media/{sha256}`: renames the asset (display label only), audited.
///
/// # Errors
/// Unknown asset → 404 page; database or session failures.
pub async fn save_label(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
    Form(f): Form<LabelForm>,
) -> Result<Response, PageError> {
    let a = asset_or_404(&state.db, &sha).await?;
    let label = typed_label(&f.label);
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE media_assets SET label = ? WHERE sha256 = ?")
        .bind(&label)
        .bind(&a.sha256)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "media.label",
        &format!("media:{}", a.sha256),
        label.as_deref().unwrap_or(""),
    )
    .await?;
    tx.commit().await?;
    let lang = page::lang_of(&session).await;
    page::notice(&session, i18n::text(lang, "ops-media-label-saved")).await;
    Ok(Redirect::to(&format!("/admin/media/{}", a.sha256)).into_response())
}

/// `POST /admin/media/{sha256}/replace?_csrf=…` (multipart: `file`): ingests
/// a new file of the same kind and, in one transaction with its rows and the
/// audit record, switches every use of the old asset (and every pending
/// draft that names it) to the new one. The old asset stays in the library.
///
/// # Errors
/// Unknown asset → 404 page; database or session failures.
pub async fn replace(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let old = asset_or_404(&state.db, &sha).await?;
    let lang = page::lang_of(&session).await;
    let back = format!("/admin/media/{}", old.sha256);
    let kind = old.kind;
    let caps = settings::upload_caps(&state).await?;
    let cap = caps.bytes(UploadKind::Media(kind));
    let received = match uploads::receive(&state, req, "file", &[], |_| cap).await {
        Ok(r) => r,
        Err(e) => {
            return match not_received(lang, e, "ops-media-file") {
                NotReceived::Back(text) => {
                    page::notice(&session, text).await;
                    Ok(Redirect::to(&back).into_response())
                }
                NotReceived::Refused(status, text) => {
                    detail_page(&state, &session, &staff, old, Some(status), vec![text]).await
                }
            };
        }
    };
    let Some(file) = received.file else {
        page::notice(&session, i18n::text(lang, "ops-upload-no-file")).await;
        return Ok(Redirect::to(&back).into_response());
    };
    let prepared = match ingest::prepare_file(&*state.store, &file.path, kind).await {
        Ok(p) => p,
        Err(e) => {
            let (status, text) = refusal(lang, &e, kind);
            if status == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::internal(e));
            }
            return detail_page(&state, &session, &staff, old, Some(status), vec![text]).await;
        }
    };
    let new_sha = prepared.name().sha256().to_owned();
    if new_sha == old.sha256 {
        page::notice(&session, i18n::text(lang, "ops-media-same-file")).await;
        return Ok(Redirect::to(&back).into_response());
    }
    let label = typed_label(&file.label).or_else(|| old.label.clone());
    let mut tx = state.db.begin().await?;
    prepared
        .insert_rows(&mut tx, label.as_deref())
        .await
        .map_err(PageError::internal)?;
    let switched = sqlx::query("UPDATE content_media SET sha256 = ? WHERE sha256 = ?")
        .bind(&new_sha)
        .bind(&old.sha256)
        .execute(&mut *tx)
        .await?
        .rows_affected();
    // Drafts hold media by hash in their JSON; a 64-hex-digit hash cannot be
    // part of any other value there, so a text replace is exact.
    sqlx::query("UPDATE drafts SET data = replace(data, ?1, ?2) WHERE instr(data, ?1) > 0")
        .bind(&old.sha256)
        .bind(&new_sha)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "media.replace",
        &format!("media:{}", old.sha256),
        &format!("→ {new_sha}; {switched} use(s) switched"),
    )
    .await?;
    prepared
        .commit(tx, &state.db, &*state.store)
        .await
        .map_err(PageError::internal)?;
    drop(file);
    state.rendered.clear();
    page::notice(
        &session,
        i18n::text_with(
            lang,
            "ops-media-replaced",
            &[("count", switched.to_string())],
        ),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/media/{new_sha}")).into_response())
}

#[cfg(test)]
mod tests {
    use super::{size_text, typed_label};

    #[test]
    fn sizes_and_labels_read_well() {
        assert_eq!(size_text(999), "1 kB");
        assert_eq!(size_text(840_000), "840 kB");
        assert_eq!(size_text(2_400_000), "2.4 MB");
        assert_eq!(typed_label("  Sampul\u{7}  "), Some("Sampul".into()));
        assert_eq!(typed_label("   "), None);
    }
}

/// A pending draft that names an asset (its SHA-256 is in the draft's data).
#[derive(Debug, Clone, sqlx::FromRow)]
struct DraftUse {
    target_kind: String,
    target_id: i64,
}

/// What still uses asset `sha`, as texts in `lang` naming each place (live
/// attachments and pending drafts); empty when it may be deleted.
async fn users_named(pool: &sqlx::SqlitePool, lang: Lang, sha: &str) -> sqlx::Result<Vec<String>> {
    let mut out: Vec<String> = uses_of(pool, &[sha])
        .await?
        .iter()
        .map(|u| {
            format!(
                "{} «{}» ({})",
                i18n::text(lang, u.kind_key()),
                u.name.as_deref().unwrap_or("?"),
                i18n::text(lang, &format!("ops-media-role-{}", u.role))
            )
        })
        .collect();
    let drafts: Vec<DraftUse> = sqlx::query_as(
        "SELECT target_kind, target_id FROM drafts WHERE instr(data, ?) > 0 ORDER BY target_kind, target_id",
    )
    .bind(sha)
    .fetch_all(pool)
    .await?;
    out.extend(drafts.iter().map(|d| {
        i18n::text_with(
            lang,
            "media-delete-used-by-draft",
            &[
                ("kind", i18n::text(lang, &format!("kind-{}", d.target_kind))),
                ("id", d.target_id.to_string()),
            ],
        )
    }));
    Ok(out)
}

/// `GET /admin/media/{sha256}/delete`: the confirmation step; while the
/// asset is attached somewhere (or named by a draft), the refusal naming
/// each place instead of a button.
///
/// # Errors
/// Unknown asset → 404 page; database or session failures.
pub async fn delete_confirm(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
) -> Result<Response, PageError> {
    let a = asset_or_404(&state.db, &sha).await?;
    let p = Page::new(&session, Some(&staff), "/admin/media").await?;
    let users = users_named(&state.db, p.lang, &a.sha256).await?;
    let href = format!("/admin/media/{}", a.sha256);
    let heading = i18n::text_with(p.lang, "media-delete-heading", &[("name", a.name())]);
    let refused = !users.is_empty();
    let message = if refused {
        p.t("media-delete-refused")
    } else {
        p.t("media-delete-message")
    };
    let c = confirm::Confirm::delete(&p, href, heading, message, users, refused);
    Ok(confirm::page(p, c))
}

/// `POST /admin/media/{sha256}/delete`: deletes an asset nothing uses, with
/// its thumbnails and posters, audited as `media.delete`; its files leave
/// the store and the hot media cache at once (`/media/...` answers `404`)
/// and the rendered pages are cleared. An asset still in use is refused
/// (`409`, nothing changes) with the places named.
///
/// # Errors
/// Unknown asset → 404 page; database or session failures.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
) -> Result<Response, PageError> {
    let a = asset_or_404(&state.db, &sha).await?;
    let lang = page::lang_of(&session).await;
    let users = users_named(&state.db, lang, &a.sha256).await?;
    if !users.is_empty() {
        let mut errors = vec![i18n::text(lang, "media-delete-refused")];
        errors.extend(users);
        return detail_page(
            &state,
            &session,
            &staff,
            a,
            Some(StatusCode::CONFLICT),
            errors,
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    let renditions: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.sha256, p.ext FROM media_renditions r JOIN media_assets p ON p.sha256 = r.sha256
          WHERE r.source_sha256 = ?",
    )
    .bind(&a.sha256)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM media_renditions WHERE source_sha256 = ?")
        .bind(&a.sha256)
        .execute(&mut *tx)
        .await?;
    for (r, _) in &renditions {
        sqlx::query(
            "DELETE FROM media_assets WHERE sha256 = ?1
               AND NOT EXISTS (SELECT 1 FROM media_renditions WHERE sha256 = ?1)
               AND NOT EXISTS (SELECT 1 FROM content_media WHERE sha256 = ?1)",
        )
        .bind(r)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query("DELETE FROM media_assets WHERE sha256 = ?")
        .bind(&a.sha256)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "media.delete",
        &format!("media:{}", a.sha256),
        &a.name(),
    )
    .await?;
    tx.commit().await?;
    let files = std::iter::once(format!("{}.{}", a.sha256, a.ext))
        .chain(renditions.iter().map(|(s, e)| format!("{s}.{e}")));
    for file in files {
        let Ok(name) = file.parse::<pustaka_api::MediaName>() else {
            tracing::warn!(file, "a deleted asset's file name does not parse");
            continue;
        };
        if let Err(e) = state.store.remove(&name).await {
            tracing::warn!(error = %e, file, "removing a deleted asset's file failed");
        }
    }
    state.rendered.clear();
    page::notice(
        &session,
        i18n::text_with(lang, "deleted", &[("name", a.name())]),
    )
    .await;
    Ok(Redirect::to("/admin/media").into_response())
}

/// `POST /admin/media/{sha256}/captions` (multipart: `_csrf` first, `lang`,
/// then `file`): stores a video's `WebVTT` captions in that language
/// (replacing earlier ones), with a `media.captions` audit record in the same
/// transaction, clears the rendered pages and returns to the video's page.
/// Refusals show the page again with the reason: `413` over
/// [`captions::MAX_CAPTION_BYTES`], `415` not `WebVTT` (the text must start
/// with `WEBVTT`), `422` no language; `404` for an asset that is no video.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn upload_captions(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(sha): Path<String>,
    req: Request,
) -> Result<Response, PageError> {
    let video = asset_or_404(&state.db, &sha).await?;
    if video.kind != MediaKind::Video {
        return Err(PageError::not_found(
            "Berkas ini bukan video / This file is not a video",
        ));
    }
    let lang = page::lang_of(&session).await;
    let back = format!("/admin/media/{}#captions", video.sha256);
    let cap = captions::MAX_CAPTION_BYTES as u64;
    let received = match uploads::receive(&state, req, "file", &[], |_| cap).await {
        Ok(r) => r,
        Err(e) => {
            return match not_received(lang, e, "captions-file") {
                NotReceived::Back(text) => {
                    page::notice(&session, text).await;
                    Ok(Redirect::to(&back).into_response())
                }
                NotReceived::Refused(status, text) => {
                    detail_page(&state, &session, &staff, video, Some(status), vec![text]).await
                }
            };
        }
    };
    let track_lang = match received.field("lang") {
        Some("id") => Lang::Id,
        Some("en") => Lang::En,
        _ => {
            let text = i18n::text(lang, "captions-choose-lang");
            return detail_page(
                &state,
                &session,
                &staff,
                video,
                Some(StatusCode::UNPROCESSABLE_ENTITY),
                vec![text],
            )
            .await;
        }
    };
    let Some(file) = received.file else {
        page::notice(&session, i18n::text(lang, "ops-upload-no-file")).await;
        return Ok(Redirect::to(&back).into_response());
    };
    let bytes = tokio::fs::read(&file.path)
        .await
        .map_err(PageError::internal)?;
    drop(file);
    let text = match captions::check(&bytes) {
        Ok(t) => t,
        Err(e) => {
            let (status, key) = match e {
                CaptionError::Size(_) => (StatusCode::PAYLOAD_TOO_LARGE, "captions-too-large"),
                CaptionError::NotUtf8 | CaptionError::NotWebVtt => {
                    (StatusCode::UNSUPPORTED_MEDIA_TYPE, "captions-not-webvtt")
                }
            };
            let text = i18n::text(lang, key);
            return detail_page(&state, &session, &staff, video, Some(status), vec![text]).await;
        }
    };
    let mut tx = state.db.begin().await?;
    captions::save(&mut tx, &video.sha256, track_lang, &text).await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "media.captions",
        &format!("media:{}", video.sha256),
        &format!("{} ({})", video.name(), track_lang.tag()),
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(&session, i18n::text(lang, "captions-saved")).await;
    Ok(Redirect::to(&back).into_response())
}
