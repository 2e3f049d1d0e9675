//! Database access: one SQLite file in WAL mode; query functions take `&SqlitePool`.

/// Content queries (titles, shelves, events, tours, media) in wire types.
pub mod content;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::SqlitePool;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

/// How long a writer waits for SQLite's single write lock before failing.
pub const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// The database file inside the data dir.
pub const DB_FILE: &str = "pustaka.db";

/// Opens (creating if needed) `{data_dir}/pustaka.db` in WAL mode with a busy
/// timeout, and applies pending migrations.
///
/// # Errors
/// When the data dir cannot be created or written, or a migration fails.
pub async fn connect_and_migrate(data_dir: &Path) -> anyhow::Result<SqlitePool> {
    std::fs::create_dir_all(data_dir)
        .with_context(|| format!("cannot create data dir {}", data_dir.display()))?;
    let path = data_dir.join(DB_FILE);
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .context("bad database path")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .busy_timeout(BUSY_TIMEOUT)
        .foreign_keys(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(opts)
        .await
        .with_context(|| {
            format!(
                "cannot open database {} (is the data dir writable?)",
                path.display()
            )
        })?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .context("database migration failed")?;
    Ok(pool)
}

/// One marker joined with the headline of its target, as the resolve route needs it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkerRow {
    /// Canonical code.
    pub code: String,
    /// `title` | `shelf` | `event` | `tour_stop`.
    pub target_kind: String,
    /// Id in the target's table.
    pub target_id: i64,
    /// Librarian's label.
    pub label: String,
    /// Printed side in metres.
    pub size_m: f64,
    /// Whether the marker resolves.
    pub active: bool,
}

/// The user name the audit log gives changes made outside the back office
/// (`pustaka-server import`, other commands).
pub const COMMAND_LINE_USER: &str = "(command line)";

/// Appends one row to the audit log: `user_id` and `username` of who did it
/// (`None` and a label such as `(command line)` outside the back office),
/// `action` a dotted verb (`title.publish`), `target` the object
/// (`title:12`, `import:katalog.mrc`), `detail` a short summary (never a
/// password or personal data). Written inside the caller's transaction, so the
/// row and the change it describes commit together.
///
/// # Errors
/// Database errors.
pub async fn record_audit(
    conn: &mut sqlx::SqliteConnection,
    user_id: Option<i64>,
    username: &str,
    action: &str,
    target: &str,
    detail: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (user_id, username, action, target, detail) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(username)
    .bind(action)
    .bind(target)
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// The code of an active marker pointing at `target_kind` / `target_id`
/// (`title`, `shelf`, `event` or `tour_stop` and that table's id); the
/// alphabetically first when several do, `None` when none is active.
///
/// # Errors
/// Database errors.
pub async fn active_code_for(
    pool: &SqlitePool,
    target_kind: &str,
    target_id: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT code FROM markers
         WHERE target_kind = ? AND target_id = ? AND active = 1
         ORDER BY code LIMIT 1",
    )
    .bind(target_kind)
    .bind(target_id)
    .fetch_optional(pool)
    .await
}

/// Looks up a marker by canonical code.
///
/// # Errors
/// Database errors only; a missing code is `Ok(None)`.
pub async fn marker_by_code(pool: &SqlitePool, code: &str) -> sqlx::Result<Option<MarkerRow>> {
    sqlx::query_as::<_, MarkerRow>(
        "SELECT code, target_kind, target_id, label, size_m, active FROM markers WHERE code = ?",
    )
    .bind(code)
    .fetch_optional(pool)
    .await
}

/// Every marker, ordered by code.
///
/// # Errors
/// Database errors.
pub async fn all_markers(pool: &SqlitePool) -> sqlx::Result<Vec<MarkerRow>> {
    sqlx::query_as::<_, MarkerRow>(
        "SELECT code, target_kind, target_id, label, size_m, active FROM markers ORDER BY code",
    )
    .fetch_all(pool)
    .await
}
