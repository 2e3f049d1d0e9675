//! Media from the library attached to content (`content_media` rows: a cover,
//! a poster, a badge …): what a select box offers, the check that a chosen
//! asset exists, and reading and replacing one item's attachments.

use pustaka_api::{MediaKind, MediaRole, TargetKind};
use sqlx::{SqliteConnection, SqlitePool};

/// A media-library choice for a select box.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaChoice {
    /// SHA-256 hex.
    pub sha256: String,
    /// Display name (or the start of the hash).
    pub label: String,
}

/// Original media (not thumbnails or posters) of one kind, newest first.
///
/// # Errors
/// Database errors.
pub async fn media_choices(pool: &SqlitePool, kind: MediaKind) -> sqlx::Result<Vec<MediaChoice>> {
    sqlx::query_as(
        "SELECT sha256, COALESCE(label, substr(sha256, 1, 12) || '.' || ext) AS label
           FROM media_assets
          WHERE kind = ? AND sha256 NOT IN (SELECT sha256 FROM media_renditions)
          ORDER BY created_at DESC, sha256",
    )
    .bind(kind.as_str())
    .fetch_all(pool)
    .await
}

/// Whether the library holds an asset with this hash and kind. A database
/// error counts as "no": the form is refused rather than saved unchecked.
pub async fn exists(pool: &SqlitePool, sha256: &str, kind: MediaKind) -> bool {
    sqlx::query_scalar::<_, i64>("SELECT 1 FROM media_assets WHERE sha256 = ? AND kind = ?")
        .bind(sha256)
        .bind(kind.as_str())
        .fetch_optional(pool)
        .await
        .ok()
        .flatten()
        .is_some()
}

#[derive(sqlx::FromRow)]
struct AttachedRow {
    #[sqlx(try_from = "String")]
    role: MediaRole,
    sha256: String,
}

/// The live attachments of one item.
pub struct Attached(Vec<AttachedRow>);

impl Attached {
    /// The SHA-256 attached in `role`, or empty when the role has none.
    pub fn get(&self, role: MediaRole) -> String {
        self.0
            .iter()
            .find(|r| r.role == role)
            .map(|r| r.sha256.clone())
            .unwrap_or_default()
    }
}

/// Loads the live attachments of one item.
///
/// # Errors
/// Database errors.
pub async fn attached(
    pool: &SqlitePool,
    target_kind: TargetKind,
    target_id: i64,
) -> sqlx::Result<Attached> {
    let rows = sqlx::query_as(
        "SELECT role, sha256 FROM content_media WHERE target_kind = ? AND target_id = ?",
    )
    .bind(target_kind.as_str())
    .bind(target_id)
    .fetch_all(pool)
    .await?;
    Ok(Attached(rows))
}

/// One attachment to write: role, SHA-256 (empty: none), alt text in Bahasa
/// Indonesia and in English.
#[derive(Debug, Clone)]
pub struct Attachment<'a> {
    /// What the asset is for on the item.
    pub role: MediaRole,
    /// SHA-256 hex, or empty to remove the role's attachment.
    pub sha256: &'a str,
    /// Alt text in Bahasa Indonesia.
    pub alt_id: String,
    /// Alt text in English.
    pub alt_en: String,
}

/// Replaces one role's attachment of an item inside the caller's transaction.
///
/// # Errors
/// Database errors.
pub async fn attach(
    tx: &mut SqliteConnection,
    target_kind: TargetKind,
    target_id: i64,
    a: &Attachment<'_>,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM content_media WHERE target_kind = ? AND target_id = ? AND role = ?")
        .bind(target_kind.as_str())
        .bind(target_id)
        .bind(a.role.as_str())
        .execute(&mut *tx)
        .await?;
    if !a.sha256.is_empty() {
        sqlx::query(
            "INSERT INTO content_media (target_kind, target_id, role, sha256, alt_id, alt_en)
             VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(target_kind.as_str())
        .bind(target_id)
        .bind(a.role.as_str())
        .bind(a.sha256)
        .bind(&a.alt_id)
        .bind(&a.alt_en)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}
