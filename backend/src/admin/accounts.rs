//! Staff accounts: argon2id password hashes (the `argon2` crate's defaults:
//! argon2id v19, m = 19 MiB, t = 2, p = 1, the OWASP password-storage
//! recommendation), login with throttling, logout, and the staff pages.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::audit;
use super::error::PageError;
use super::i18n;
use super::page::{self, Page, render};
use super::staff::{Role, SESSION_STAFF_ID, Staff};
use crate::startup::AppState;

/// Failed logins for one user name within [`THROTTLE_WINDOW_MIN`] minutes after
/// which further attempts are refused until the window passes.
pub const THROTTLE_MAX_FAILURES: i64 = 5;
/// The throttling window, minutes.
pub const THROTTLE_WINDOW_MIN: i64 = 15;
/// Shortest password accepted (characters).
pub const MIN_PASSWORD_CHARS: usize = 10;

/// Why an account could not be created or changed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AccountError {
    /// The user name is not 3–32 of `a-z 0-9 . _ -`.
    #[error("user name must be 3-32 characters of a-z, 0-9, '.', '_' or '-'")]
    BadUsername,
    /// The password is too short.
    #[error("password must have at least {MIN_PASSWORD_CHARS} characters")]
    WeakPassword,
    /// The user name is taken.
    #[error("user name {0:?} is already taken")]
    Taken(String),
    /// Storage failed.
    #[error("database error: {0}")]
    Db(String),
}

/// Why a login failed.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoginError {
    /// Unknown user, wrong password or deactivated account (not told apart).
    #[error("wrong user name or password")]
    Invalid,
    /// Too many recent failures for this user name.
    #[error("too many failed logins; try again in {0} minutes")]
    Throttled(i64),
    /// Storage failed.
    #[error("database error: {0}")]
    Db(String),
}

/// Checks a user name: 3–32 characters of `a-z 0-9 . _ -` (compared case-insensitively).
///
/// # Errors
/// [`AccountError::BadUsername`].
pub fn validate_username(name: &str) -> Result<String, AccountError> {
    let name = name.trim().to_ascii_lowercase();
    let ok = (3..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-".contains(&b));
    if ok {
        Ok(name)
    } else {
        Err(AccountError::BadUsername)
    }
}

/// Hashes a password with argon2id and a random salt into a PHC string.
///
/// # Errors
/// [`AccountError::WeakPassword`] when shorter than [`MIN_PASSWORD_CHARS`].
pub fn hash_password(password: &str) -> Result<String, AccountError> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AccountError::WeakPassword);
    }
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AccountError::Db(e.to_string()))
}

/// Whether `password` matches a stored PHC hash (false for a malformed hash).
pub fn verify_password(password: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Creates a staff account and records it in the audit log, in one transaction.
/// `by` is the administrator doing it (`None` for the command line).
///
/// # Errors
/// A bad user name, a short password, a taken name, or a database error.
pub async fn create_user(
    pool: &SqlitePool,
    username: &str,
    password: &str,
    role: Role,
    by: Option<&Staff>,
) -> Result<i64, AccountError> {
    let username = validate_username(username)?;
    let hash = hash_password(password)?;
    let db = |e: sqlx::Error| AccountError::Db(e.to_string());
    let mut tx = pool.begin().await.map_err(db)?;
    let res =
        sqlx::query("INSERT INTO staff_users (username, password_hash, role) VALUES (?, ?, ?)")
            .bind(&username)
            .bind(&hash)
            .bind(role.as_str())
            .execute(&mut *tx)
            .await;
    let id = match res {
        Ok(r) => r.last_insert_rowid(),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            return Err(AccountError::Taken(username));
        }
        Err(e) => return Err(db(e)),
    };
    audit::record(
        &mut tx,
        by,
        "staff.create",
        &format!("staff:{username}"),
        &format!("role {}", role.as_str()),
    )
    .await
    .map_err(db)?;
    tx.commit().await.map_err(db)?;
    Ok(id)
}

/// A throwaway hash verified for unknown user names, so a login takes as long
/// whether or not the name exists.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| hash_password("not-a-real-password-0000").unwrap_or_default())
}

fn now_rfc3339() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Checks a login. Failures are counted per user name in the database (so every
/// replica sees them); after [`THROTTLE_MAX_FAILURES`] within
/// [`THROTTLE_WINDOW_MIN`] minutes the name is refused without checking the password.
///
/// # Errors
/// [`LoginError::Invalid`], [`LoginError::Throttled`] or a database error.
pub async fn login(pool: &SqlitePool, username: &str, password: &str) -> Result<Staff, LoginError> {
    let db = |e: sqlx::Error| LoginError::Db(e.to_string());
    let name = username.trim().to_ascii_lowercase();
    let since = (Utc::now() - ChronoDuration::minutes(THROTTLE_WINDOW_MIN))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let (failures, oldest): (i64, Option<String>) = sqlx::query_as(
        "SELECT COUNT(*), MIN(failed_at) FROM login_failures WHERE username = ? AND failed_at > ?",
    )
    .bind(&name)
    .bind(&since)
    .fetch_one(pool)
    .await
    .map_err(db)?;
    if failures >= THROTTLE_MAX_FAILURES {
        let wait = oldest
            .and_then(|o| chrono::DateTime::parse_from_rfc3339(&o).ok())
            .map_or(THROTTLE_WINDOW_MIN, |o| {
                let free = o.with_timezone(&Utc) + ChronoDuration::minutes(THROTTLE_WINDOW_MIN);
                (free - Utc::now()).num_minutes().max(0) + 1
            });
        return Err(LoginError::Throttled(wait));
    }
    let row: Option<(i64, String, String, String, bool)> = sqlx::query_as(
        "SELECT id, username, password_hash, role, active FROM staff_users WHERE username = ?",
    )
    .bind(&name)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let ok = match &row {
        Some((_, _, hash, _, active)) => verify_password(password, hash) && *active,
        None => {
            let _ = verify_password(password, dummy_hash());
            false
        }
    };
    match row {
        Some((id, username, _, role, _)) if ok => {
            let role = Role::parse(&role).map_err(LoginError::Db)?;
            sqlx::query("DELETE FROM login_failures WHERE username = ?")
                .bind(&name)
                .execute(pool)
                .await
                .map_err(db)?;
            Ok(Staff { id, username, role })
        }
        _ => {
            sqlx::query("INSERT INTO login_failures (username, failed_at) VALUES (?, ?)")
                .bind(&name)
                .bind(now_rfc3339())
                .execute(pool)
                .await
                .map_err(db)?;
            Err(LoginError::Invalid)
        }
    }
}

/// The staff member of a session: the stored id, looked up again on every
/// request so a deactivated account or a changed role takes effect at once.
///
/// # Errors
/// Database errors.
pub async fn current_staff(pool: &SqlitePool, session: &Session) -> anyhow::Result<Option<Staff>> {
    let Some(id) = session.get::<i64>(SESSION_STAFF_ID).await? else {
        return Ok(None);
    };
    let row: Option<(i64, String, String)> =
        sqlx::query_as("SELECT id, username, role FROM staff_users WHERE id = ? AND active = 1")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.and_then(|(id, username, role)| {
        Role::parse(&role)
            .ok()
            .map(|role| Staff { id, username, role })
    }))
}

#[derive(Template)]
#[template(path = "admin/login.html")]
struct LoginPage {
    p: Page,
    next: String,
    username: String,
    error: Option<String>,
}

/// Query of the login page.
#[derive(Debug, Deserialize)]
pub struct LoginQuery {
    /// Where to go after logging in.
    #[serde(default)]
    pub next: String,
}

/// `GET /admin/login`.
///
/// # Errors
/// Session failures, as an HTML error page.
pub async fn login_page(
    session: Session,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let p = Page::new(&session, None, "").await?;
    Ok(render(&LoginPage {
        p,
        next: page::safe_back(&q.next).to_owned(),
        username: String::new(),
        error: None,
    }))
}

/// Form of `POST /admin/login`.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    /// User name.
    pub username: String,
    /// Password.
    pub password: String,
    /// Where to go afterwards.
    #[serde(default)]
    pub next: String,
}

/// `POST /admin/login`: on success a new session id (no fixation) and a
/// redirect; on failure the form again with a message (`401`, or `429` when throttled).
///
/// # Errors
/// Session or database failures, as an HTML error page.
pub async fn login_submit(
    State(state): State<AppState>,
    session: Session,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    match login(&state.db, &f.username, &f.password).await {
        Ok(staff) => {
            session.cycle_id().await.map_err(PageError::internal)?;
            session
                .insert(SESSION_STAFF_ID, staff.id)
                .await
                .map_err(PageError::internal)?;
            let mut conn = state.db.acquire().await?;
            audit::record(&mut conn, Some(&staff), "login", "", "").await?;
            Ok(Redirect::to(page::safe_back(&f.next)).into_response())
        }
        Err(e) => {
            let p = Page::new(&session, None, "").await?;
            let (status, msg) = match e {
                LoginError::Invalid => (StatusCode::UNAUTHORIZED, p.t("login-invalid")),
                LoginError::Throttled(m) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    i18n::text_with(p.lang, "login-throttled", &[("minutes", m.to_string())]),
                ),
                LoginError::Db(e) => return Err(PageError::internal(e)),
            };
            let mut resp = render(&LoginPage {
                p,
                next: page::safe_back(&f.next).to_owned(),
                username: f.username,
                error: Some(msg),
            });
            *resp.status_mut() = status;
            Ok(resp)
        }
    }
}

/// `POST /admin/logout`: deletes the session from the store.
///
/// # Errors
/// Session failures, as an HTML error page.
pub async fn logout(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let mut conn = state.db.acquire().await?;
    audit::record(&mut conn, Some(&staff), "logout", "", "").await?;
    session.flush().await.map_err(PageError::internal)?;
    Ok(Redirect::to("/admin/login").into_response())
}

/// One account as the staff page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct StaffRow {
    /// Row id.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// `admin` | `librarian` | `volunteer`.
    pub role: String,
    /// Whether the account may log in.
    pub active: bool,
    /// When it was created, RFC 3339 UTC.
    pub created_at: String,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    p: Page,
    rows: Vec<StaffRow>,
    roles: [Role; 3],
    error: Option<String>,
}

async fn staff_page_with(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/staff").await?;
    let rows = sqlx::query_as(
        "SELECT id, username, role, active, created_at FROM staff_users ORDER BY username",
    )
    .fetch_all(&state.db)
    .await?;
    let failed = error.is_some();
    let mut resp = render(&StaffPage {
        p,
        rows,
        roles: Role::ALL,
        error,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/staff`: the accounts, a form to add one.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn staff_page(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    staff_page_with(&state, &session, &staff, None).await
}

/// Form of `POST /admin/staff`.
#[derive(Debug, Deserialize)]
pub struct NewStaffForm {
    /// Login name.
    pub username: String,
    /// First password (the person changes it by asking an admin; no e-mail here).
    pub password: String,
    /// `admin` | `librarian` | `volunteer`.
    pub role: String,
}

/// `POST /admin/staff`: adds an account.
///
/// # Errors
/// Database or session failures, as an HTML error page; bad input re-shows the
/// page with the reason (`422`).
pub async fn staff_create(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Form(f): Form<NewStaffForm>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let Ok(role) = Role::parse(&f.role) else {
        return Err(PageError::bad_request("unknown role"));
    };
    match create_user(&state.db, &f.username, &f.password, role, Some(&staff)).await {
        Ok(_) => {
            page::notice(
                &session,
                i18n::text_with(lang, "staff-created", &[("name", f.username.clone())]),
            )
            .await;
            Ok(Redirect::to("/admin/staff").into_response())
        }
        Err(AccountError::Db(e)) => Err(PageError::internal(e)),
        Err(e) => {
            let msg = match e {
                AccountError::BadUsername => i18n::text(lang, "staff-bad-username"),
                AccountError::Taken(n) => i18n::text_with(lang, "staff-taken", &[("name", n)]),
                _ => i18n::text(lang, "staff-weak-password"),
            };
            staff_page_with(&state, &session, &staff, Some(msg)).await
        }
    }
}

/// Form of `POST /admin/staff/{id}`.
#[derive(Debug, Deserialize)]
pub struct UpdateStaffForm {
    /// New role.
    pub role: String,
    /// `"1"` when the account may log in (a checkbox: absent means no).
    #[serde(default)]
    pub active: Option<String>,
    /// A new password, or empty to keep the current one.
    #[serde(default)]
    pub password: String,
}

/// `POST /admin/staff/{id}`: changes role, active flag or password. An admin
/// cannot demote or deactivate their own account (so one admin always remains).
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn staff_update(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<UpdateStaffForm>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let role = Role::parse(&f.role).map_err(PageError::bad_request)?;
    let active = f.active.as_deref() == Some("1");
    if id == staff.id && (role != Role::Admin || !active) {
        return staff_page_with(
            &state,
            &session,
            &staff,
            Some(i18n::text(lang, "staff-self")),
        )
        .await;
    }
    let hash = if f.password.is_empty() {
        None
    } else {
        match hash_password(&f.password) {
            Ok(h) => Some(h),
            Err(_) => {
                let msg = i18n::text(lang, "staff-weak-password");
                return staff_page_with(&state, &session, &staff, Some(msg)).await;
            }
        }
    };
    let mut tx = state.db.begin().await?;
    let name: Option<(String,)> = sqlx::query_as("SELECT username FROM staff_users WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some((name,)) = name else {
        return Err(PageError::not_found("no such account"));
    };
    sqlx::query(
        "UPDATE staff_users SET role = ?, active = ?, password_hash = COALESCE(?, password_hash)
          WHERE id = ?",
    )
    .bind(role.as_str())
    .bind(active)
    .bind(&hash)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let detail = format!(
        "role {}, {}{}",
        role.as_str(),
        if active { "active" } else { "inactive" },
        if hash.is_some() {
            ", password reset"
        } else {
            ""
        }
    );
    audit::record(
        &mut tx,
        Some(&staff),
        "staff.update",
        &format!("staff:{name}"),
        &detail,
    )
    .await?;
    tx.commit().await?;
    page::notice(
        &session,
        i18n::text_with(lang, "staff-updated", &[("name", name)]),
    )
    .await;
    Ok(Redirect::to("/admin/staff").into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_are_checked_and_lowercased() {
        assert_eq!(validate_username(" Siti.R ").as_deref(), Ok("siti.r"));
        assert_eq!(validate_username("ab"), Err(AccountError::BadUsername));
        assert_eq!(validate_username("a b c"), Err(AccountError::BadUsername));
        assert_eq!(validate_username("../etc"), Err(AccountError::BadUsername));
    }

    #[test]
    fn hashes_are_argon2id_and_verify() {
        let h = hash_password("buku-cerita-anak").expect("hash");
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_password("buku-cerita-anak", &h));
        assert!(!verify_password("buku-cerita-anaK", &h));
        assert!(!verify_password("x", "not a hash"));
        assert_eq!(hash_password("short"), Err(AccountError::WeakPassword));
    }
}
