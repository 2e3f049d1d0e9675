//! Settings an administrator changes in the back office (`/admin/settings`):
//! the upload caps. A value saved here wins over the server's configured
//! default ([`crate::config::UploadCapsConfig`], flags or environment); an
//! empty field goes back to that default. Every change is audited.

use askama::Template;
use axum::extract::{Form, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::MediaKind;
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, i18n};
use crate::config::UploadCapsConfig;
use crate::startup::AppState;

/// The settings routes; administrators only.
pub fn routes() -> Routes {
    use Role::Admin;
    Routes::new()
        .get("/admin/settings", Admin, show)
        .post("/admin/settings", Admin, save)
}

/// Bytes in a megabyte as people read file sizes (SI, like file managers and
/// phones show them).
pub const BYTES_PER_MB: u64 = 1_000_000;

/// What an upload is, for its cap.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadKind {
    /// A media file of this kind.
    Media(MediaKind),
    /// A catalogue file for the import.
    Catalog,
}

impl UploadKind {
    /// Its word in text keys: the media kind's wire word, or `catalog`.
    pub fn as_str(self) -> &'static str {
        match self {
            UploadKind::Media(kind) => kind.as_str(),
            UploadKind::Catalog => "catalog",
        }
    }
}

/// One cap: its settings key, what it is for, and the largest value an
/// administrator may set (MB), with the reason in the comment.
struct CapSpec {
    key: &'static str,
    kind: UploadKind,
    max_mb: u64,
}

/// Images are decoded whole in memory for re-encoding, so their cap stays
/// far below video's; catalogue files are parsed in memory too.
const CAPS: [CapSpec; 4] = [
    CapSpec {
        key: "upload_cap_image_mb",
        kind: UploadKind::Media(MediaKind::Image),
        max_mb: 100,
    },
    CapSpec {
        key: "upload_cap_video_mb",
        kind: UploadKind::Media(MediaKind::Video),
        max_mb: 4000,
    },
    CapSpec {
        key: "upload_cap_audio_mb",
        kind: UploadKind::Media(MediaKind::Audio),
        max_mb: 1000,
    },
    CapSpec {
        key: "upload_cap_catalog_mb",
        kind: UploadKind::Catalog,
        max_mb: 500,
    },
];

/// The caps in force, in MB.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UploadCaps {
    /// Images.
    pub image_mb: u64,
    /// Videos.
    pub video_mb: u64,
    /// Audio.
    pub audio_mb: u64,
    /// Catalogue files.
    pub catalog_mb: u64,
}

impl UploadCaps {
    fn from_config(c: &UploadCapsConfig) -> Self {
        Self {
            image_mb: c.image_mb,
            video_mb: c.video_mb,
            audio_mb: c.audio_mb,
            catalog_mb: c.catalog_mb,
        }
    }

    /// The cap for one kind of upload, MB.
    pub fn mb(&self, kind: UploadKind) -> u64 {
        match kind {
            UploadKind::Media(MediaKind::Image) => self.image_mb,
            UploadKind::Media(MediaKind::Video) => self.video_mb,
            UploadKind::Media(MediaKind::Audio) => self.audio_mb,
            UploadKind::Catalog => self.catalog_mb,
        }
    }

    fn slot(&mut self, kind: UploadKind) -> &mut u64 {
        match kind {
            UploadKind::Media(MediaKind::Image) => &mut self.image_mb,
            UploadKind::Media(MediaKind::Video) => &mut self.video_mb,
            UploadKind::Media(MediaKind::Audio) => &mut self.audio_mb,
            UploadKind::Catalog => &mut self.catalog_mb,
        }
    }

    /// The cap for one kind of upload, bytes.
    pub fn bytes(&self, kind: UploadKind) -> u64 {
        self.mb(kind).saturating_mul(BYTES_PER_MB)
    }

    /// The largest media cap, bytes (while the kind of a file is not known yet).
    pub fn largest_media_bytes(&self) -> u64 {
        self.image_mb
            .max(self.video_mb)
            .max(self.audio_mb)
            .saturating_mul(BYTES_PER_MB)
    }
}

/// The caps in force: the settings table over the server's configuration.
///
/// # Errors
/// Database errors.
pub async fn upload_caps(state: &AppState) -> sqlx::Result<UploadCaps> {
    let mut caps = UploadCaps::from_config(&state.config.upload_caps);
    for (spec, stored) in CAPS.iter().zip(stored_caps(&state.db).await?) {
        if let Some(mb) = stored {
            *caps.slot(spec.kind) = mb;
        }
    }
    Ok(caps)
}

/// One row of the `settings` table.
#[derive(sqlx::FromRow)]
struct Setting {
    key: String,
    value: String,
}

/// The values saved on the settings page, in [`CAPS`] order (`None`: not set).
async fn stored_caps(pool: &SqlitePool) -> sqlx::Result<Vec<Option<u64>>> {
    let rows: Vec<Setting> =
        sqlx::query_as("SELECT key, value FROM settings WHERE key LIKE 'upload_cap_%'")
            .fetch_all(pool)
            .await?;
    Ok(CAPS
        .iter()
        .map(|spec| {
            rows.iter()
                .find(|r| r.key == spec.key)
                .and_then(|r| r.value.parse().ok())
        })
        .collect())
}

/// One row of the settings form.
#[derive(Debug, Clone)]
struct CapRow {
    key: &'static str,
    label_key: String,
    /// What the form shows: the saved value, or what was posted.
    value: String,
    default_mb: u64,
    max_mb: u64,
}

#[derive(Template)]
#[template(path = "admin/ops_settings.html")]
struct SettingsPage {
    p: Page,
    rows: Vec<CapRow>,
    errors: Vec<String>,
}

fn rows(state: &AppState, values: &[String]) -> Vec<CapRow> {
    let defaults = UploadCaps::from_config(&state.config.upload_caps);
    CAPS.iter()
        .zip(values)
        .map(|(spec, value)| CapRow {
            key: spec.key,
            label_key: format!("ops-settings-cap-{}", spec.kind.as_str()),
            value: value.clone(),
            default_mb: defaults.mb(spec.kind),
            max_mb: spec.max_mb,
        })
        .collect()
}

/// `GET /admin/settings`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin/settings").await?;
    let values: Vec<String> = stored_caps(&state.db)
        .await?
        .into_iter()
        .map(|v| v.map(|mb| mb.to_string()).unwrap_or_default())
        .collect();
    Ok(render(&SettingsPage {
        p,
        rows: rows(&state, &values),
        errors: Vec::new(),
    }))
}

/// The posted settings form: one field per cap, named by its settings key;
/// empty means "the server's default".
#[derive(Debug, Deserialize)]
pub struct SettingsForm {
    /// Images, MB.
    #[serde(default)]
    pub upload_cap_image_mb: String,
    /// Videos, MB.
    #[serde(default)]
    pub upload_cap_video_mb: String,
    /// Audio, MB.
    #[serde(default)]
    pub upload_cap_audio_mb: String,
    /// Catalogue files, MB.
    #[serde(default)]
    pub upload_cap_catalog_mb: String,
}

/// Parses one posted cap: `Ok(None)` for empty (the default), whole MB in
/// `1..=max_mb` otherwise.
///
/// # Errors
/// When it is not such a number.
fn parse_cap(text: &str, max_mb: u64) -> Result<Option<u64>, ()> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    match t.parse::<u64>() {
        Ok(mb) if (1..=max_mb).contains(&mb) => Ok(Some(mb)),
        _ => Err(()),
    }
}

/// `POST /admin/settings`: validates and saves the caps (one transaction,
/// audited), or re-shows the form with the problems (`422`).
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Form(f): Form<SettingsForm>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let posted = [
        f.upload_cap_image_mb,
        f.upload_cap_video_mb,
        f.upload_cap_audio_mb,
        f.upload_cap_catalog_mb,
    ];
    let mut parsed = Vec::new();
    let mut errors = Vec::new();
    for (spec, text) in CAPS.iter().zip(&posted) {
        match parse_cap(text, spec.max_mb) {
            Ok(v) => parsed.push(v),
            Err(()) => errors.push(i18n::text_with(
                lang,
                "ops-settings-bad-cap",
                &[
                    (
                        "what",
                        i18n::text(lang, &format!("ops-settings-cap-{}", spec.kind.as_str())),
                    ),
                    ("max", spec.max_mb.to_string()),
                ],
            )),
        }
    }
    if !errors.is_empty() {
        let p = Page::new(&session, Some(&staff), "/admin/settings").await?;
        let mut resp = render(&SettingsPage {
            p,
            rows: rows(&state, &posted),
            errors,
        });
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(resp);
    }
    let mut tx = state.db.begin().await?;
    let mut summary = Vec::new();
    for (spec, value) in CAPS.iter().zip(&parsed) {
        match value {
            Some(mb) => {
                sqlx::query(
                    "INSERT INTO settings (key, value) VALUES (?, ?)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                )
                .bind(spec.key)
                .bind(mb.to_string())
                .execute(&mut *tx)
                .await?;
                summary.push(format!("{}={mb}", spec.key));
            }
            None => {
                sqlx::query("DELETE FROM settings WHERE key = ?")
                    .bind(spec.key)
                    .execute(&mut *tx)
                    .await?;
                summary.push(format!("{}=default", spec.key));
            }
        }
    }
    audit::record(
        &mut tx,
        Some(&staff),
        "settings.update",
        "settings:upload_caps",
        &summary.join(", "),
    )
    .await?;
    tx.commit().await?;
    page::notice(&session, i18n::text(lang, "ops-settings-saved")).await;
    Ok(Redirect::to("/admin/settings").into_response())
}

#[cfg(test)]
mod tests {
    use super::parse_cap;

    #[test]
    fn caps_are_whole_megabytes_in_range() {
        assert_eq!(parse_cap("", 100), Ok(None));
        assert_eq!(parse_cap(" 20 ", 100), Ok(Some(20)));
        assert_eq!(parse_cap("100", 100), Ok(Some(100)));
        for bad in ["0", "101", "-1", "2.5", "20MB", "1e3"] {
            assert_eq!(parse_cap(bad, 100), Err(()), "{bad}");
        }
    }
}
