//! The dashboard `GET /admin`: what needs a librarian's attention — titles
//! without a synopsis, markers never scanned, drafts waiting to be published —
//! and the latest changes.

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use tower_sessions::Session;

use super::audit::{self, AuditLine};
use super::drafts::{self, Pending};
use super::error::PageError;
use super::page::{Page, render};
use super::staff::{Role, Staff};
use crate::startup::AppState;

/// How many items each list on the dashboard shows.
pub const LIST_LEN: i64 = 10;

/// A title without a synopsis in either language.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct NoSynopsis {
    /// Row id.
    pub id: i64,
    /// Title proper.
    pub title: String,
}

/// A marker that was never scanned.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Unscanned {
    /// Canonical code.
    pub code: String,
    /// Librarian's label.
    pub label: String,
    /// Placement note.
    pub placement: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/dashboard.html")]
struct DashboardPage {
    p: Page,
    show_content: bool,
    no_synopsis_count: i64,
    no_synopsis: Vec<NoSynopsis>,
    unscanned_count: i64,
    unscanned: Vec<Unscanned>,
    drafts: Vec<Pending>,
    recent: Vec<AuditLine>,
    scans_7d: i64,
}

/// `GET /admin`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin").await?;
    let db = &state.db;
    let no_syn = "FROM titles WHERE COALESCE(TRIM(synopsis_id), '') = ''
                    AND COALESCE(TRIM(synopsis_en), '') = ''";
    let no_synopsis_count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {no_syn}"))
        .fetch_one(db)
        .await?;
    let no_synopsis = sqlx::query_as(&format!(
        "SELECT id, title {no_syn} ORDER BY title, id LIMIT ?"
    ))
    .bind(LIST_LEN)
    .fetch_all(db)
    .await?;
    let unscanned_sql = "FROM markers m WHERE m.active = 1
        AND NOT EXISTS (SELECT 1 FROM scan_events s WHERE s.code = m.code)";
    let unscanned_count: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) {unscanned_sql}"))
        .fetch_one(db)
        .await?;
    let unscanned = sqlx::query_as(&format!(
        "SELECT m.code, m.label, m.placement {unscanned_sql} ORDER BY m.code LIMIT ?"
    ))
    .bind(LIST_LEN)
    .fetch_all(db)
    .await?;
    let scans_7d: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM scan_events WHERE scanned_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-7 days')",
    )
    .fetch_one(db)
    .await?;
    let mut pending = drafts::pending(db).await?;
    if staff.role < Role::Librarian {
        pending.retain(|d| staff.role >= d.target_kind.role());
    }
    let recent = if staff.role >= Role::Librarian {
        audit::describe(p.lang, audit::recent(db, LIST_LEN).await?)
    } else {
        Vec::new()
    };
    Ok(render(&DashboardPage {
        p,
        show_content: staff.role >= Role::Librarian,
        no_synopsis_count,
        no_synopsis,
        unscanned_count,
        unscanned,
        drafts: pending,
        recent,
        scans_7d,
    }))
}
