//! Drafts: an edit made in the back office is stored as a JSON object in
//! `drafts` and changes nothing public; publishing applies it to the live row
//! (in one transaction with its audit record) and clears the marker-overlay
//! cache. Content created in the back office starts with `published = 0` and
//! becomes public at its first publication.

use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{SqliteConnection, SqlitePool};

use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::error::PageError;
use super::page;
use super::staff::Staff;
use super::{audit, i18n};

/// What a draft belongs to: `title`, `shelf`, `event` or `tour` (the `drafts.target_kind` values).
pub type Kind = &'static str;

/// A pending draft's fields, decoded.
///
/// # Errors
/// Database errors; a draft that no longer decodes into `T` is treated as absent.
pub async fn load<T: DeserializeOwned>(
    pool: &SqlitePool,
    kind: Kind,
    id: i64,
) -> sqlx::Result<Option<(T, String, String)>> {
    let row: Option<(String, String, String)> = sqlx::query_as(
        "SELECT data, updated_by, updated_at FROM drafts WHERE target_kind = ? AND target_id = ?",
    )
    .bind(kind)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|(data, by, at)| serde_json::from_str(&data).ok().map(|d| (d, by, at))))
}

/// Stores (or replaces) the draft of one item, with an audit record.
///
/// # Errors
/// Database errors; nothing is written then.
pub async fn save<T: Serialize>(
    pool: &SqlitePool,
    staff: &Staff,
    kind: Kind,
    id: i64,
    data: &T,
) -> anyhow::Result<()> {
    let json = serde_json::to_string(data)?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO drafts (target_kind, target_id, data, updated_by, updated_at)
         VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
         ON CONFLICT (target_kind, target_id) DO UPDATE SET
           data = excluded.data, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(kind)
    .bind(id)
    .bind(&json)
    .bind(&staff.username)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(staff),
        &format!("{kind}.draft"),
        &format!("{kind}:{id}"),
        "",
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the draft of one item inside the caller's transaction.
///
/// # Errors
/// Database errors.
pub async fn delete(conn: &mut SqliteConnection, kind: Kind, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM drafts WHERE target_kind = ? AND target_id = ?")
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// One pending draft as the dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    /// `title` | `shelf` | `event` | `tour`.
    pub target_kind: String,
    /// Row id of the item.
    pub target_id: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When, RFC 3339 UTC.
    pub updated_at: String,
}

impl Pending {
    /// The edit page of the item.
    pub fn href(&self) -> String {
        edit_href(&self.target_kind, self.target_id)
    }
}

/// The edit page of an item of `kind` (`title` → `/admin/titles/{id}`, …).
pub fn edit_href(kind: &str, id: i64) -> String {
    let section = match kind {
        "title" => "titles",
        "shelf" => "shelves",
        "event" => "events",
        _ => "tours",
    };
    format!("/admin/{section}/{id}")
}

/// What every `POST /admin/{section}/{id}/discard` does once the item is known
/// to exist: drops its draft (with a `{kind}.discard` audit record when there
/// was one, in one transaction), leaves a notice and returns to the edit page.
/// The live item stays as it is.
///
/// # Errors
/// Database errors, as an HTML error page.
pub async fn discard_and_return(
    pool: &SqlitePool,
    session: &Session,
    staff: &Staff,
    kind: Kind,
    id: i64,
) -> Result<Response, PageError> {
    let lang = page::lang_of(session).await;
    let mut tx = pool.begin().await?;
    if delete(&mut tx, kind, id).await? {
        audit::record(
            &mut tx,
            Some(staff),
            &format!("{kind}.discard"),
            &format!("{kind}:{id}"),
            "",
        )
        .await?;
    }
    tx.commit().await?;
    page::notice(session, i18n::text(lang, "draft-discarded")).await;
    Ok(Redirect::to(&edit_href(kind, id)).into_response())
}

/// Every pending draft, newest first.
///
/// # Errors
/// Database errors.
pub async fn pending(pool: &SqlitePool) -> sqlx::Result<Vec<Pending>> {
    sqlx::query_as(
        "SELECT target_kind, target_id, updated_by, updated_at FROM drafts ORDER BY updated_at DESC",
    )
    .fetch_all(pool)
    .await
}
