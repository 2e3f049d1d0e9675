//! The audit log: one row per change made in the back office or on the command
//! line (who, what, which target, when). Rows are written in the same
//! transaction as the change they describe, so a change is never unlogged.

use askama::Template;
use axum::response::Response;
use sqlx::SqliteConnection;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{Page, render};
use super::staff::Staff;
use crate::startup::AppState;

/// Records one change. `action` is a dotted verb such as `title.publish`,
/// `target` names the object (`title:12`, `marker:BK0001`), `detail` is a short
/// human-readable summary (never a password or personal data).
///
/// # Errors
/// Database errors (the caller's transaction then rolls back).
pub async fn record(
    conn: &mut SqliteConnection,
    staff: Option<&Staff>,
    action: &str,
    target: &str,
    detail: &str,
) -> sqlx::Result<()> {
    crate::db::record_audit(
        conn,
        staff.map(|s| s.id),
        staff.map_or(crate::db::COMMAND_LINE_USER, |s| s.username.as_str()),
        action,
        target,
        detail,
    )
    .await
}

/// One audit row as the page shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct AuditRow {
    /// When, RFC 3339 UTC.
    pub at: String,
    /// Who.
    pub username: String,
    /// What.
    pub action: String,
    /// On what.
    pub target: String,
    /// Summary.
    pub detail: String,
}

/// The newest `limit` audit rows.
///
/// # Errors
/// Database errors.
pub async fn recent(pool: &sqlx::SqlitePool, limit: i64) -> sqlx::Result<Vec<AuditRow>> {
    sqlx::query_as(
        "SELECT at, username, action, target, detail FROM audit_log ORDER BY id DESC LIMIT ?",
    )
    .bind(limit)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    p: Page,
    rows: Vec<AuditRow>,
}

/// `GET /admin/audit`: the newest 500 changes.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn page(
    axum::extract::State(state): axum::extract::State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin/audit").await?;
    let rows = recent(&state.db, 500).await?;
    Ok(render(&AuditPage { p, rows }))
}
