//! Media from the library attached to content (`content_media` rows: a cover,
//! a poster, a badge …): what a select box offers, the check that a chosen
//! asset exists, and reading and replacing one item's attachments.

use pustaka_api::{MediaKind, MediaRole, TargetKind};
use sqlx::{SqliteConnection, SqlitePool};

/// A media-library asset as the picker and the edit pages show it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaChoice {
    /// SHA-256 hex.
    pub sha256: String,
    /// Store extension, e.g. `jpg`.
    pub ext: String,
    /// Display name (or the start of the hash).
    pub label: String,
    /// File name of its thumbnail (image) or poster frame (video) in
    /// `/media/`, when it has one.
    pub preview: Option<String>,
}

impl MediaChoice {
    /// `/media/{sha256}.{ext}`.
    pub fn url(&self) -> String {
        format!("/media/{}.{}", self.sha256, self.ext)
    }

    /// `/media/{preview}`, or empty when it has none (audio).
    pub fn preview_url(&self) -> String {
        self.preview
            .as_ref()
            .map(|f| format!("/media/{f}"))
            .unwrap_or_default()
    }
}

/// The SELECT list of a [`MediaChoice`] from `media_assets a`.
const CHOICE_COLUMNS: &str = "a.sha256, a.ext,
    COALESCE(a.label, substr(a.sha256, 1, 12) || '.' || a.ext) AS label,
    COALESCE((SELECT r.sha256 || '.' || p.ext FROM media_renditions r
       JOIN media_assets p ON p.sha256 = r.sha256
      WHERE r.source_sha256 = a.sha256 AND r.role IN ('thumbnail', 'poster')
      ORDER BY r.role LIMIT 1),
      -- An image small enough to be its own thumbnail has no rendition.
      CASE WHEN a.kind = 'image' THEN a.sha256 || '.' || a.ext END) AS preview";

/// Most assets one picker page shows (the search narrows them).
pub const PICK_LIMIT: i64 = 60;

/// Original media (not renditions) of one kind whose label contains `q`
/// (case-insensitive; empty: all), newest first, at most [`PICK_LIMIT`].
///
/// # Errors
/// Database errors.
pub async fn media_choices(
    pool: &SqlitePool,
    kind: MediaKind,
    q: &str,
) -> sqlx::Result<Vec<MediaChoice>> {
    let q = q.trim();
    let pattern = format!("%{}%", q.replace(['%', '_'], ""));
    sqlx::query_as(&format!(
        "SELECT {CHOICE_COLUMNS} FROM media_assets a
          WHERE a.kind = ?1 AND a.sha256 NOT IN (SELECT sha256 FROM media_renditions)
            AND (?2 = '' OR COALESCE(a.label, '') LIKE ?3)
          ORDER BY a.created_at DESC, a.sha256 LIMIT ?4"
    ))
    .bind(kind.as_str())
    .bind(q)
    .bind(pattern)
    .bind(PICK_LIMIT)
    .fetch_all(pool)
    .await
}

/// One asset as a [`MediaChoice`], `None` for an empty or unknown hash.
///
/// # Errors
/// Database errors.
pub async fn choice(pool: &SqlitePool, sha256: &str) -> sqlx::Result<Option<MediaChoice>> {
    if sha256.is_empty() {
        return Ok(None);
    }
    sqlx::query_as(&format!(
        "SELECT {CHOICE_COLUMNS} FROM media_assets a WHERE a.sha256 = ?"
    ))
    .bind(sha256)
    .fetch_optional(pool)
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

/// One media field of an edit form as the `media_pick` macro shows it: the
/// hidden input carrying the chosen hash, the chosen asset's thumbnail and
/// name, and the button that opens the picker ([`super::picker`]).
#[derive(Debug, Clone)]
pub struct Picked {
    /// The form field, e.g. `cover`.
    pub field: &'static str,
    /// The text key of the field's label, e.g. `title-cover`.
    pub label_key: &'static str,
    /// What the field takes.
    pub kind: MediaKind,
    /// The chosen hash as the form holds it (may name a missing asset).
    pub sha256: String,
    /// The chosen asset, when the hash names one.
    pub current: Option<MediaChoice>,
}

impl Picked {
    /// The field `field` (labelled by `label_key`, taking `kind`) holding `sha256`.
    ///
    /// # Errors
    /// Database errors.
    pub async fn load(
        pool: &SqlitePool,
        field: &'static str,
        label_key: &'static str,
        kind: MediaKind,
        sha256: &str,
    ) -> sqlx::Result<Self> {
        Ok(Self {
            field,
            label_key,
            kind,
            sha256: sha256.to_owned(),
            current: choice(pool, sha256).await?,
        })
    }

    /// The text key of the picker button, e.g. `pick-image`.
    pub fn button_key(&self) -> String {
        format!("pick-{}", self.kind)
    }

    /// The chosen asset's thumbnail URL, or empty.
    pub fn preview_url(&self) -> String {
        self.current
            .as_ref()
            .map(MediaChoice::preview_url)
            .unwrap_or_default()
    }

    /// The chosen asset's name, or empty.
    pub fn name(&self) -> String {
        self.current
            .as_ref()
            .map(|c| c.label.clone())
            .unwrap_or_default()
    }
}

/// A section's media fields: form field, label text key, kind.
pub type MediaFields = &'static [(&'static str, &'static str, MediaKind)];

/// The [`Picked`] of each of `fields`, their hashes read by `value` (field → hash).
///
/// # Errors
/// Database errors.
pub async fn picked_all(
    pool: &SqlitePool,
    fields: MediaFields,
    value: impl Fn(&str) -> String,
) -> sqlx::Result<Vec<Picked>> {
    let mut out = Vec::with_capacity(fields.len());
    for &(field, label_key, kind) in fields {
        out.push(Picked::load(pool, field, label_key, kind, &value(field)).await?);
    }
    Ok(out)
}
