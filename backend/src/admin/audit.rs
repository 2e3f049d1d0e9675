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

/// An audit row in the reader's words: the time in WIB, the action and its
/// target named in the language of the page (`kind-*` and `audit-verb-*`
/// in `admin.ftl`), never `title.publish` or `marker:BK0001`.
#[derive(Debug, Clone)]
pub struct AuditLine {
    /// When, e.g. "8 Desember 2026, 08.32 WIB".
    pub when: String,
    /// Who (a user name, or "(command line)").
    pub who: String,
    /// What, e.g. "Judul: diterbitkan".
    pub what: String,
    /// On what, e.g. "Kode BK0001", "Judul #12".
    pub target: String,
    /// Summary as recorded.
    pub detail: String,
}

/// The text of `key`, or `None` where the language files have none (the
/// translator answers a missing key with the key itself).
fn known(lang: pustaka_api::Lang, key: &str) -> Option<String> {
    let t = super::i18n::text(lang, key);
    (t != key).then_some(t)
}

/// `title.publish` → "Judul: diterbitkan"; `login` → "Masuk"; an action
/// the language files do not know is shown as recorded.
fn action_words(lang: pustaka_api::Lang, action: &str) -> String {
    match action.split_once('.') {
        Some((kind, verb)) => {
            let verb = verb.replace('.', "-");
            match (
                known(lang, &format!("kind-{kind}")),
                known(lang, &format!("audit-verb-{verb}")),
            ) {
                (Some(k), Some(v)) => format!("{k}: {v}"),
                _ => action.to_owned(),
            }
        }
        None => known(lang, &format!("audit-verb-{action}")).unwrap_or_else(|| action.to_owned()),
    }
}

/// `marker:BK0001` → "Kode BK0001"; `title:12` → "Judul #12".
fn target_words(lang: pustaka_api::Lang, target: &str) -> String {
    let Some((kind, id)) = target.split_once(':') else {
        return target.to_owned();
    };
    let Some(k) = known(lang, &format!("kind-{kind}")) else {
        return target.to_owned();
    };
    if id.bytes().all(|b| b.is_ascii_digit()) {
        format!("{k} #{id}")
    } else {
        format!("{k} {id}")
    }
}

/// Audit rows as [`AuditLine`]s in `lang`.
pub fn describe(lang: pustaka_api::Lang, rows: Vec<AuditRow>) -> Vec<AuditLine> {
    rows.into_iter()
        .map(|r| AuditLine {
            when: crate::texts::human_instant(lang, &r.at),
            what: action_words(lang, &r.action),
            target: target_words(lang, &r.target),
            who: r.username,
            detail: r.detail,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    p: Page,
    rows: Vec<AuditLine>,
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
    let rows = describe(p.lang, recent(&state.db, 500).await?);
    Ok(render(&AuditPage { p, rows }))
}
