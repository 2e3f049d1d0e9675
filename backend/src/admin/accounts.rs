//! Staff accounts: argon2id password hashes (the `argon2` crate's defaults:
//! argon2id v19, m = 19 MiB, t = 2, p = 1, the OWASP password-storage
//! recommendation), login with throttling, logout, and the staff pages.
//!
//! Hashing is CPU work of tens of milliseconds: it runs on tokio's blocking
//! pool in a [`HashingLine`]: at most half the cores for strangers, whose
//! queue is bounded (more get "busy" at once), and a slot of its own for
//! trusted devices, so a flood of logins neither takes the async workers that
//! serve the public API nor keeps a librarian's own browser waiting.
//!
//! Throttling, per the OWASP authentication cheat sheet ("Account Lockout"
//! and "Slow Brute-force": device cookies): a browser that has logged in to
//! the account before carries a trusted-device cookie ([`DEVICE_COOKIE`]);
//! its failures count for that device alone ([`THROTTLE_MAX_FAILURES`] per
//! window), so strangers can neither slow nor lock it. Every other attempt
//! counts per client address first ([`THROTTLE_MAX_FAILURES_PER_ADDRESS`]:
//! that address is refused for the rest of the window) and per user name:
//! from the [`THROTTLE_MAX_FAILURES`]th failure on, each further attempt at
//! the name waits an exponential backoff after the last one
//! ([`name_backoff_secs`], at most [`BACKOFF_MAX_SECS`]) instead of a lockout;
//! an attempt from a clean address (no failure in the window) is checked
//! despite the backoff until the name has [`NAME_MAX_FAILURES`], so strangers
//! who keep the backoff busy do not keep a librarian's new browser out. An admin clears an account's failures from the staff
//! page ([`unblock`]), or from a terminal with `pustaka-server unblock-login`
//! ([`clear_login_failures`]). An attempt is recorded before the password is
//! checked, in one statement that also checks every limit, so concurrent
//! attempts cannot get past one.

use std::net::SocketAddr;

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use askama::Template;
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration as ChronoDuration, SecondsFormat, Utc};
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::audit;
use super::csrf;
use super::error::PageError;
use super::i18n;
use super::page::{self, Page, render};
use super::staff::{Role, SESSION_STAFF_ID, Staff};
use crate::startup::AppState;

/// Failed logins for one user name (from browsers that are not trusted
/// devices) within [`THROTTLE_WINDOW_MIN`] minutes after which each further
/// attempt at the name waits [`name_backoff_secs`]; also the failures one
/// trusted device may make per window. OWASP's cheat sheet and NIST SP
/// 800-63B 5.2.2 leave the number to the service; 5 is Keycloak's and
/// django-axes' default.
pub const THROTTLE_MAX_FAILURES: i64 = 5;
/// The throttling window, minutes: failures older than this no longer count
/// and are swept.
pub const THROTTLE_WINDOW_MIN: i64 = 15;
/// Failed logins from one client address (IPv4, or an IPv6 /64) within
/// [`THROTTLE_WINDOW_MIN`] minutes after which that address is refused, for
/// every user name, until the window passes (trusted devices excepted).
pub const THROTTLE_MAX_FAILURES_PER_ADDRESS: i64 = 10;
/// Failed logins at one user name within the window (from untrusted
/// browsers) up to which an attempt from a *clean* address (one with no
/// failure in the window) is checked even while the name is in backoff, so
/// strangers racing for the backoff's slot cannot keep the librarian's new
/// browser out; NIST SP 800-63B 5.2.2 allows up to 100 consecutive failures
/// per account.
pub const NAME_MAX_FAILURES: i64 = 100;
/// The wait after the [`THROTTLE_MAX_FAILURES`]th failure at a name, seconds;
/// it doubles with each further failure.
pub const BACKOFF_FIRST_SECS: i64 = 2;
/// The longest wait between attempts at one name, seconds (the cap of the
/// doubling; Keycloak's brute-force detection also starts its wait at one
/// minute's scale): one guess a minute at most from untrusted browsers.
pub const BACKOFF_MAX_SECS: i64 = 60;

/// How long an attempt at a user name with `failures` recent failures (from
/// untrusted browsers) must wait after the last of them, seconds: 0 below
/// [`THROTTLE_MAX_FAILURES`], then [`BACKOFF_FIRST_SECS`] doubling per
/// failure up to [`BACKOFF_MAX_SECS`].
#[must_use]
pub fn name_backoff_secs(failures: i64) -> i64 {
    if failures < THROTTLE_MAX_FAILURES {
        return 0;
    }
    let doublings = u32::try_from(failures - THROTTLE_MAX_FAILURES).map_or(31, |d| d.min(31));
    BACKOFF_FIRST_SECS
        .saturating_mul(1_i64 << doublings)
        .min(BACKOFF_MAX_SECS)
}

/// The trusted-device cookie (`Path=/admin/login`, `HttpOnly`,
/// `SameSite=Strict`, kept [`DEVICE_TRUST_DAYS`] days).
pub const DEVICE_COOKIE: &str = "pustaka_device";
/// How long a trusted-device token is honoured after it was issued, days.
pub const DEVICE_TRUST_DAYS: i64 = 30;
/// Trusted devices remembered per account (the newest win).
pub const DEVICES_PER_ACCOUNT: i64 = 10;
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
    /// Too many recent failures for this address, name or device: try
    /// again after this many seconds (at least 1).
    #[error("too many failed logins; try again in {0} seconds")]
    Throttled(i64),
    /// Too many strangers' attempts are waiting for a password check: try
    /// again in a moment (nothing was counted).
    #[error("too many logins at once; try again in a moment")]
    Busy,
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

/// Which line a password computation waits in: staff's own (a browser
/// that is a trusted device of the account, or a logged-in staff member
/// setting a password) never waits behind strangers' attempts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HashLane {
    /// Trusted devices and logged-in staff: one slot of their own.
    Staff,
    /// Everyone else: half the cores' slots, with a bounded queue.
    Open,
}

/// Strangers' attempts that may wait for a hashing slot at once; more are
/// answered "busy" at once ([`LoginError::Busy`]) instead of queueing for
/// tens of seconds (at ~50 ms a hash, 32 waiting is under 2 s per slot).
pub const MAX_WAITING_HASHES: usize = 32;

/// The bounded places where argon2 runs: half the CPU cores (at least one)
/// for [`HashLane::Open`], so hashing never takes all of them from the API,
/// plus one slot for [`HashLane::Staff`].
pub struct HashingLine {
    open: tokio::sync::Semaphore,
    staff: tokio::sync::Semaphore,
    waiting: std::sync::atomic::AtomicUsize,
    max_waiting: usize,
}

impl HashingLine {
    /// A line with `open` slots for strangers (at least 1), one for staff,
    /// and at most `max_waiting` strangers waiting.
    #[must_use]
    pub fn new(open: usize, max_waiting: usize) -> Self {
        Self {
            open: tokio::sync::Semaphore::new(open.max(1)),
            staff: tokio::sync::Semaphore::new(1),
            waiting: std::sync::atomic::AtomicUsize::new(0),
            max_waiting,
        }
    }

    /// The server's line: half the cores, [`MAX_WAITING_HASHES`].
    pub fn shared() -> &'static Self {
        static LINE: std::sync::OnceLock<HashingLine> = std::sync::OnceLock::new();
        LINE.get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get);
            HashingLine::new(cores / 2, MAX_WAITING_HASHES)
        })
    }

    /// Whether the open lane already has `max_waiting` waiting (the next
    /// stranger would be turned away).
    pub fn open_is_full(&self) -> bool {
        self.open.available_permits() == 0
            && self.waiting.load(std::sync::atomic::Ordering::Acquire) >= self.max_waiting
    }

    /// Waits for a slot in `lane`; `None` when the open lane already has
    /// `max_waiting` waiting (the caller answers "busy").
    pub async fn enter(&self, lane: HashLane) -> Option<tokio::sync::SemaphorePermit<'_>> {
        use std::sync::atomic::Ordering;
        match lane {
            HashLane::Staff => self.staff.acquire().await.ok(),
            HashLane::Open => {
                if let Ok(permit) = self.open.try_acquire() {
                    return Some(permit);
                }
                if self.waiting.fetch_add(1, Ordering::AcqRel) >= self.max_waiting {
                    self.waiting.fetch_sub(1, Ordering::AcqRel);
                    return None;
                }
                let permit = self.open.acquire().await.ok();
                self.waiting.fetch_sub(1, Ordering::AcqRel);
                permit
            }
        }
    }
}

/// Runs one argon2 computation on the blocking pool in `lane` of
/// [`HashingLine::shared`]; `None` when the line is full or the task failed.
async fn on_hashing_pool<T: Send + 'static>(
    lane: HashLane,
    work: impl FnOnce() -> T + Send + 'static,
) -> Option<T> {
    let _permit = HashingLine::shared().enter(lane).await?;
    tokio::task::spawn_blocking(work).await.ok()
}

/// [`hash_password`] on the hashing pool (staff lane: only logged-in staff
/// and the command line set passwords).
///
/// # Errors
/// As [`hash_password`].
pub async fn hash_password_pooled(password: &str) -> Result<String, AccountError> {
    let password = password.to_owned();
    on_hashing_pool(HashLane::Staff, move || hash_password(&password))
        .await
        .unwrap_or_else(|| Err(AccountError::Db("password hashing task failed".into())))
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
    let hash = hash_password_pooled(password).await?;
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

/// Who is trying to log in: the client's address and the trusted-device
/// token its browser sent, if any.
#[derive(Debug, Clone, Copy)]
pub struct LoginClient<'a> {
    /// The peer address of the connection.
    pub address: std::net::IpAddr,
    /// The value of the [`DEVICE_COOKIE`] cookie.
    pub device_token: Option<&'a str>,
}

/// A successful login.
#[derive(Debug, Clone)]
pub struct LoggedIn {
    /// Who logged in.
    pub staff: Staff,
    /// The account's session epoch (see [`current_staff`]).
    pub session_epoch: i64,
    /// A new trusted-device token for the [`DEVICE_COOKIE`] cookie.
    pub device_token: String,
}

fn sha256_hex(s: &str) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(s.as_bytes()))
}

/// Whether `token` is a trusted-device token of account `name` (issued
/// within [`DEVICE_TRUST_DAYS`] days).
async fn device_trusted(pool: &SqlitePool, name: &str, token: &str) -> sqlx::Result<bool> {
    let since = (Utc::now() - ChronoDuration::days(DEVICE_TRUST_DAYS))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM login_devices WHERE token_hash = ? AND username = ? AND last_used > ?",
    )
    .bind(sha256_hex(token))
    .bind(name)
    .bind(since)
    .fetch_one(pool)
    .await?;
    Ok(n > 0)
}

/// Issues a trusted-device token for account `name`, keeping the newest
/// [`DEVICES_PER_ACCOUNT`] and dropping the one the browser sent.
async fn remember_device(pool: &SqlitePool, name: &str, old: Option<&str>) -> sqlx::Result<String> {
    use argon2::password_hash::rand_core::RngCore;
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let token = hex::encode(bytes);
    let mut tx = pool.begin().await?;
    if let Some(old) = old {
        sqlx::query("DELETE FROM login_devices WHERE token_hash = ?")
            .bind(sha256_hex(old))
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("INSERT INTO login_devices (token_hash, username, last_used) VALUES (?, ?, ?)")
        .bind(sha256_hex(&token))
        .bind(name)
        .bind(now_rfc3339())
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "DELETE FROM login_devices WHERE username = ?1 AND token_hash NOT IN
           (SELECT token_hash FROM login_devices WHERE username = ?1
             ORDER BY last_used DESC LIMIT ?2)",
    )
    .bind(name)
    .bind(DEVICES_PER_ACCOUNT)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(token)
}

/// Deletes failed-login rows older than the throttling window and expired
/// trusted-device tokens; run periodically with the session sweep.
///
/// # Errors
/// Database errors.
pub async fn sweep_login_records(pool: &SqlitePool) -> sqlx::Result<()> {
    let failures_before = failure_time(Utc::now() - ChronoDuration::minutes(THROTTLE_WINDOW_MIN));
    let devices_before = (Utc::now() - ChronoDuration::days(DEVICE_TRUST_DAYS))
        .to_rfc3339_opts(SecondsFormat::Secs, true);
    sqlx::query("DELETE FROM login_failures WHERE failed_at <= ?")
        .bind(failures_before)
        .execute(pool)
        .await?;
    sqlx::query("DELETE FROM login_devices WHERE last_used <= ?")
        .bind(devices_before)
        .execute(pool)
        .await?;
    Ok(())
}

/// The account a login names, as [`login`] reads it.
#[derive(sqlx::FromRow)]
struct LoginRow {
    id: i64,
    username: String,
    password_hash: String,
    /// Stored role name (parsed after the password check).
    role: String,
    active: bool,
    session_epoch: i64,
}

/// A failed-login time as stored: RFC 3339 UTC with milliseconds, always the
/// same width, so the table's times compare as text (the backoff is in
/// seconds; whole seconds would let a burst within one second through).
fn failure_time(t: chrono::DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Seconds from `now` until `time` (a [`failure_time`]) plus `after_secs`,
/// at least 1.
fn seconds_until(time: Option<&str>, after_secs: i64, now: chrono::DateTime<Utc>) -> i64 {
    time.and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .map_or(after_secs, |t| {
            let free = t.with_timezone(&Utc) + ChronoDuration::seconds(after_secs);
            (free - now).num_milliseconds().saturating_add(999) / 1000
        })
        .max(1)
}

/// The counts [`login`] throttles by, within the window ending at `now`.
#[derive(sqlx::FromRow)]
struct FailureCounts {
    /// Failures from this address (untrusted browsers).
    address: i64,
    /// Failures at this name (untrusted browsers).
    name: i64,
    /// The oldest failure of this device in the window.
    device_oldest: Option<String>,
    /// The oldest failure from this address in the window.
    address_oldest: Option<String>,
    /// The last failure at this name, any time.
    name_last: Option<String>,
}

async fn failure_counts(
    pool: &SqlitePool,
    name: &str,
    address: &str,
    device: &str,
    since: &str,
) -> sqlx::Result<FailureCounts> {
    sqlx::query_as(
        "SELECT
           (SELECT COUNT(*) FROM login_failures
             WHERE address = ?2 AND device = '' AND failed_at > ?4) AS address,
           (SELECT COUNT(*) FROM login_failures
             WHERE ?1 <> '' AND username = ?1 AND device = '' AND failed_at > ?4) AS name,
           (SELECT MIN(failed_at) FROM login_failures
             WHERE ?3 <> '' AND device = ?3 AND failed_at > ?4) AS device_oldest,
           (SELECT MIN(failed_at) FROM login_failures
             WHERE address = ?2 AND device = '' AND failed_at > ?4) AS address_oldest,
           (SELECT MAX(failed_at) FROM login_failures
             WHERE ?1 <> '' AND username = ?1 AND device = '') AS name_last",
    )
    .bind(name)
    .bind(address)
    .bind(device)
    .bind(since)
    .fetch_one(pool)
    .await
}

/// How long a refused attempt must wait, seconds (at least 1): the longest of
/// the limits it hit.
fn throttled_for(c: &FailureCounts, trusted: bool, now: chrono::DateTime<Utc>) -> i64 {
    let window = THROTTLE_WINDOW_MIN * 60;
    if trusted {
        return seconds_until(c.device_oldest.as_deref(), window, now);
    }
    let by_address = if c.address >= THROTTLE_MAX_FAILURES_PER_ADDRESS {
        seconds_until(c.address_oldest.as_deref(), window, now)
    } else {
        0
    };
    let by_name = match name_backoff_secs(c.name) {
        0 => 0,
        wait => seconds_until(c.name_last.as_deref(), wait, now),
    };
    by_address.max(by_name).max(1)
}

/// Forgets every recorded failed login of account `name` (all addresses and
/// devices), so its next attempt is neither slowed nor refused: the admin's
/// way in for a librarian whom strangers keep waiting, used by the staff page
/// ([`unblock`], `by` the admin) and `pustaka-server unblock-login` (`by`
/// `None`: the command line). Recorded in the audit log (`staff.unblock`) in
/// the same transaction. Returns how many were forgotten.
///
/// # Errors
/// Database errors.
pub async fn clear_login_failures(
    pool: &SqlitePool,
    name: &str,
    by: Option<&Staff>,
) -> sqlx::Result<u64> {
    let name = name.trim().to_ascii_lowercase();
    let mut tx = pool.begin().await?;
    let done = sqlx::query("DELETE FROM login_failures WHERE username = ?")
        .bind(&name)
        .execute(&mut *tx)
        .await?;
    let cleared = done.rows_affected();
    audit::record(
        &mut tx,
        by,
        "staff.unblock",
        &format!("staff:{name}"),
        &format!("{cleared} failed logins cleared"),
    )
    .await?;
    tx.commit().await?;
    Ok(cleared)
}

/// A database error of a login: SQLite's "busy"/"locked" (a flood of
/// attempts holding the write lock past the busy timeout) is
/// [`LoginError::Busy`], so the visitor is asked to try again rather than
/// shown an error page.
fn login_db_error(e: sqlx::Error) -> LoginError {
    let busy = e
        .as_database_error()
        .and_then(|d| d.code())
        .is_some_and(|c| matches!(c.as_ref(), "5" | "6" | "261" | "262" | "517"));
    if busy {
        LoginError::Busy
    } else {
        LoginError::Db(e.to_string())
    }
}

/// Checks a login (see the module docs for the throttling). The attempt is
/// recorded as a failure first, atomically with the check of every limit,
/// and removed again when the password is right (with the account's earlier
/// failures from the same address or device; those from elsewhere keep
/// counting, so a success does not reopen the name to strangers). A user
/// name that is not a valid one is never stored (it cannot exist): such
/// attempts count for the address only, so the failure log holds names of
/// at most 32 characters and rows older than the window are swept.
///
/// # Errors
/// [`LoginError::Invalid`], [`LoginError::Throttled`] or a database error.
pub async fn login(
    pool: &SqlitePool,
    username: &str,
    password: &str,
    client: LoginClient<'_>,
) -> Result<LoggedIn, LoginError> {
    let db = login_db_error;
    let name = validate_username(username).unwrap_or_default();
    let address = crate::server::address_key(client.address).to_string();
    let now = Utc::now();
    let since = failure_time(now - ChronoDuration::minutes(THROTTLE_WINDOW_MIN));
    let device = match client.device_token {
        Some(t) if !name.is_empty() && device_trusted(pool, &name, t).await.map_err(db)? => {
            sha256_hex(t)
        }
        _ => String::new(),
    };
    let trusted = !device.is_empty();
    // A stranger's attempt while strangers' checks are already queued to the
    // limit is turned away before it costs a database write.
    if !trusted && HashingLine::shared().open_is_full() {
        return Err(LoginError::Busy);
    }
    // The backoff the name's failures so far ask for; the insert below checks
    // the last failure against it atomically, and counts again, so a burst
    // of concurrent attempts gets one check per backoff at most.
    let before = failure_counts(pool, &name, &address, &device, &since)
        .await
        .map_err(db)?;
    let backoff = name_backoff_secs(before.name.max(THROTTLE_MAX_FAILURES));
    let quiet_since = failure_time(now - ChronoDuration::seconds(backoff));
    let reserved: Option<i64> = sqlx::query_scalar(
        "INSERT INTO login_failures (username, address, device, failed_at)
         SELECT ?1, ?2, ?3, ?4
          WHERE CASE WHEN ?3 <> '' THEN
                  (SELECT COUNT(*) FROM login_failures
                    WHERE device = ?3 AND failed_at > ?5) < ?6
                ELSE
                  (SELECT COUNT(*) FROM login_failures
                    WHERE address = ?2 AND device = '' AND failed_at > ?5) < ?7
                  AND (?1 = ''
                    OR (SELECT COUNT(*) FROM login_failures
                         WHERE username = ?1 AND device = '' AND failed_at > ?5) < ?6
                    OR (SELECT MAX(failed_at) FROM login_failures
                         WHERE username = ?1 AND device = '') <= ?8
                    OR ((SELECT COUNT(*) FROM login_failures
                          WHERE address = ?2 AND device = '' AND failed_at > ?5) = 0
                        AND (SELECT COUNT(*) FROM login_failures
                          WHERE username = ?1 AND device = '' AND failed_at > ?5) < ?9))
                END
         RETURNING rowid",
    )
    .bind(&name)
    .bind(&address)
    .bind(&device)
    .bind(failure_time(now))
    .bind(&since)
    .bind(THROTTLE_MAX_FAILURES)
    .bind(THROTTLE_MAX_FAILURES_PER_ADDRESS)
    .bind(&quiet_since)
    .bind(NAME_MAX_FAILURES)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let Some(reserved) = reserved else {
        let counts = failure_counts(pool, &name, &address, &device, &since)
            .await
            .map_err(db)?;
        return Err(LoginError::Throttled(throttled_for(&counts, trusted, now)));
    };
    let row: Option<LoginRow> = sqlx::query_as(
        "SELECT id, username, password_hash, role, active, session_epoch
           FROM staff_users WHERE username = ?",
    )
    .bind(&name)
    .fetch_optional(pool)
    .await
    .map_err(db)?;
    let lane = if trusted {
        HashLane::Staff
    } else {
        HashLane::Open
    };
    let checked = match &row {
        Some(r) => {
            let (password, phc) = (password.to_owned(), r.password_hash.clone());
            on_hashing_pool(lane, move || verify_password(&password, &phc)).await
        }
        // A name that cannot exist needs no hash to hide that it does not.
        None if name.is_empty() => Some(false),
        // An unknown account costs the same hash as a known one, so the time
        // of the answer does not tell them apart.
        None => {
            let password = password.to_owned();
            on_hashing_pool(lane, move || verify_password(&password, dummy_hash()))
                .await
                .map(|_| false)
        }
    };
    let Some(matches) = checked else {
        // Nothing was checked: the attempt is not a failure.
        sqlx::query("DELETE FROM login_failures WHERE rowid = ?")
            .bind(reserved)
            .execute(pool)
            .await
            .map_err(db)?;
        return Err(LoginError::Busy);
    };
    let ok = matches && row.as_ref().is_some_and(|r| r.active);
    match row {
        Some(r) if ok => {
            let role = Role::parse(&r.role).map_err(LoginError::Db)?;
            // This attempt, and the account's earlier typos from this address;
            // strangers' failures elsewhere keep counting.
            sqlx::query(
                "DELETE FROM login_failures
                  WHERE rowid = ?1 OR (username = ?2 AND (address = ?3 OR (?4 <> '' AND device = ?4)))",
            )
            .bind(reserved)
            .bind(&name)
            .bind(&address)
            .bind(&device)
            .execute(pool)
            .await
            .map_err(db)?;
            let device_token = remember_device(pool, &name, client.device_token)
                .await
                .map_err(db)?;
            Ok(LoggedIn {
                staff: Staff {
                    id: r.id,
                    username: r.username,
                    role,
                },
                session_epoch: r.session_epoch,
                device_token,
            })
        }
        _ => Err(LoginError::Invalid),
    }
}

/// Session key of the account's session epoch at login.
const SESSION_EPOCH: &str = "staff_epoch";
/// Session key of the login time, Unix seconds.
const SESSION_LOGIN_AT: &str = "login_at";
/// Session key of the last request's time, Unix seconds.
const SESSION_SEEN_AT: &str = "seen_at";
/// How stale [`SESSION_SEEN_AT`] may get before a request writes it again,
/// seconds (so not every request writes the session); a quarter of the idle
/// time when that is shorter.
const SEEN_AT_RESOLUTION: i64 = 30;

/// The account of a session, as [`current_staff`] reads it.
#[derive(sqlx::FromRow)]
struct SessionRow {
    id: i64,
    username: String,
    /// Stored role name (an unknown one ends the session).
    role: String,
    session_epoch: i64,
}

/// The staff member of a session: the stored id, looked up again on every
/// request so a deactivated account or a changed role takes effect at once.
/// The session is over (deleted, `None`) when it is older than
/// `limits.max_secs`, idle longer than `limits.idle_secs`, or from before the
/// account's password was reset or it was deactivated (the account's session
/// epoch moved on).
///
/// # Errors
/// Database or session-store errors.
pub async fn current_staff(
    pool: &SqlitePool,
    session: &Session,
    limits: &crate::config::StaffSessionConfig,
) -> anyhow::Result<Option<Staff>> {
    let Some(id) = session.get::<i64>(SESSION_STAFF_ID).await? else {
        return Ok(None);
    };
    let now = Utc::now().timestamp();
    let login_at = session.get::<i64>(SESSION_LOGIN_AT).await?.unwrap_or(0);
    let seen_at = session.get::<i64>(SESSION_SEEN_AT).await?.unwrap_or(0);
    let epoch = session.get::<i64>(SESSION_EPOCH).await?;
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT id, username, role, session_epoch FROM staff_users WHERE id = ? AND active = 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let staff = row.and_then(|r| {
        let live = epoch == Some(r.session_epoch)
            && now - login_at < i64::from(limits.max_secs)
            && now - seen_at < i64::from(limits.idle_secs);
        let role = Role::parse(&r.role).ok()?;
        live.then_some(Staff {
            id: r.id,
            username: r.username,
            role,
        })
    });
    let resolution = SEEN_AT_RESOLUTION.min(i64::from(limits.idle_secs) / 4);
    if staff.is_none() {
        session.flush().await?;
    } else if now - seen_at >= resolution {
        session.insert(SESSION_SEEN_AT, now).await?;
    }
    Ok(staff)
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

/// `GET /admin/login`: the form, with its CSRF token in a cookie
/// ([`super::csrf::LOGIN_COOKIE`]); nothing is stored on the server.
///
/// # Errors
/// Session failures, as an HTML error page.
pub async fn login_page(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    Query(q): Query<LoginQuery>,
) -> Result<Response, PageError> {
    let (token, set_cookie) = csrf::login_token(&headers, is_https(&state));
    let p = Page::with_csrf(&session, None, "", token).await?;
    let mut resp = render(&LoginPage {
        p,
        next: page::safe_back(&q.next).to_owned(),
        username: String::new(),
        error: None,
    });
    add_cookie(&mut resp, set_cookie);
    Ok(resp)
}

fn is_https(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

/// Appends a `Set-Cookie` header when there is one.
fn add_cookie(resp: &mut Response, cookie: Option<String>) {
    if let Some(v) = cookie.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// The `Set-Cookie` value of a trusted-device token.
fn device_cookie(token: &str, secure: bool) -> String {
    format!(
        "{DEVICE_COOKIE}={token}; Path=/admin/login; Max-Age={}; HttpOnly; SameSite=Strict{}",
        DEVICE_TRUST_DAYS * 24 * 60 * 60,
        if secure { "; Secure" } else { "" }
    )
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
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    session: Session,
    headers: HeaderMap,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let device = csrf::cookie(&headers, DEVICE_COOKIE);
    let client = LoginClient {
        address: peer.ip(),
        device_token: device.as_deref(),
    };
    match login(&state.db, &f.username, &f.password, client).await {
        Ok(done) => {
            let staff = &done.staff;
            let now = Utc::now().timestamp();
            session.cycle_id().await.map_err(PageError::internal)?;
            for (key, value) in [
                (SESSION_STAFF_ID, staff.id),
                (SESSION_EPOCH, done.session_epoch),
                (SESSION_LOGIN_AT, now),
                (SESSION_SEEN_AT, now),
            ] {
                session
                    .insert(key, value)
                    .await
                    .map_err(PageError::internal)?;
            }
            let mut conn = state.db.acquire().await?;
            audit::record(&mut conn, Some(staff), "login", "", "").await?;
            let mut resp = Redirect::to(page::safe_back(&f.next)).into_response();
            add_cookie(
                &mut resp,
                Some(device_cookie(&done.device_token, is_https(&state))),
            );
            Ok(resp)
        }
        Err(e) => {
            let (token, set_cookie) = csrf::login_token(&headers, is_https(&state));
            let p = Page::with_csrf(&session, None, "", token).await?;
            let (status, msg, retry_after) = match e {
                LoginError::Invalid => (StatusCode::UNAUTHORIZED, p.t("login-invalid"), None),
                LoginError::Throttled(secs) => (
                    StatusCode::TOO_MANY_REQUESTS,
                    throttled_message(p.lang, secs),
                    Some(secs),
                ),
                LoginError::Busy => (StatusCode::SERVICE_UNAVAILABLE, p.t("login-busy"), Some(1)),
                LoginError::Db(e) => return Err(PageError::internal(e)),
            };
            let mut resp = render(&LoginPage {
                p,
                next: page::safe_back(&f.next).to_owned(),
                username: f.username,
                error: Some(msg),
            });
            *resp.status_mut() = status;
            // RFC 9110 §10.2.3: a 429 says when to try again, in seconds.
            if let Some(secs) = retry_after
                && let Ok(v) = HeaderValue::from_str(&secs.max(1).to_string())
            {
                resp.headers_mut().insert(header::RETRY_AFTER, v);
            }
            add_cookie(&mut resp, set_cookie);
            Ok(resp)
        }
    }
}

/// The login page's message for a throttled attempt: the wait in seconds
/// below two minutes, else in whole minutes (rounded up).
fn throttled_message(lang: pustaka_api::Lang, secs: i64) -> String {
    if secs < 120 {
        i18n::text_with(
            lang,
            "login-throttled-seconds",
            &[("seconds", secs.to_string())],
        )
    } else {
        let minutes = (secs + 59) / 60;
        i18n::text_with(lang, "login-throttled", &[("minutes", minutes.to_string())])
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
    /// Failed logins at this name within [`THROTTLE_WINDOW_MIN`] minutes
    /// (from any browser); the page offers [`unblock`] when there are some.
    pub failed_logins: i64,
}

#[derive(Template)]
#[template(path = "admin/staff.html")]
struct StaffPage {
    p: Page,
    rows: Vec<StaffRow>,
    roles: [Role; 3],
    error: Option<String>,
}

impl StaffPage {
    /// "N failed logins in the last M minutes" for an account's row.
    fn failed_note(&self, r: &StaffRow) -> String {
        i18n::text_with(
            self.p.lang,
            "staff-failed-logins",
            &[
                ("count", r.failed_logins.to_string()),
                ("minutes", THROTTLE_WINDOW_MIN.to_string()),
            ],
        )
    }
}

async fn staff_page_with(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/staff").await?;
    let since = failure_time(Utc::now() - ChronoDuration::minutes(THROTTLE_WINDOW_MIN));
    let rows = sqlx::query_as(
        "SELECT id, username, role, active, created_at,
                (SELECT COUNT(*) FROM login_failures f
                  WHERE f.username = s.username AND f.failed_at > ?) AS failed_logins
           FROM staff_users s ORDER BY username",
    )
    .bind(since)
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
        match hash_password_pooled(&f.password).await {
            Ok(h) => Some(h),
            Err(_) => {
                let msg = i18n::text(lang, "staff-weak-password");
                return staff_page_with(&state, &session, &staff, Some(msg)).await;
            }
        }
    };
    let mut tx = state.db.begin().await?;
    let name: Option<String> = sqlx::query_scalar("SELECT username FROM staff_users WHERE id = ?")
        .bind(id)
        .fetch_optional(&mut *tx)
        .await?;
    let Some(name) = name else {
        return Err(PageError::not_found("no such account"));
    };
    // A new password or a deactivation ends every session of the account and
    // forgets its trusted devices.
    let end_sessions = hash.is_some() || !active;
    sqlx::query(
        "UPDATE staff_users SET role = ?, active = ?, password_hash = COALESCE(?, password_hash),
                session_epoch = session_epoch + ?
          WHERE id = ?",
    )
    .bind(role.as_str())
    .bind(active)
    .bind(&hash)
    .bind(i64::from(end_sessions))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if end_sessions {
        sqlx::query("DELETE FROM login_devices WHERE username = ?")
            .bind(&name)
            .execute(&mut *tx)
            .await?;
    }
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

/// `POST /admin/staff/{id}/unblock`: forgets the account's failed logins
/// ([`clear_login_failures`]), so a librarian whom strangers keep waiting gets
/// in at once; recorded in the audit log.
///
/// # Errors
/// Database or session failures, as an HTML error page; an unknown account is
/// a `404`.
pub async fn unblock(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let name: Option<String> = sqlx::query_scalar("SELECT username FROM staff_users WHERE id = ?")
        .bind(id)
        .fetch_optional(&state.db)
        .await?;
    let Some(name) = name else {
        return Err(PageError::not_found("no such account"));
    };
    clear_login_failures(&state.db, &name, Some(&staff))
        .await
        .map_err(PageError::internal)?;
    page::notice(
        &session,
        i18n::text_with(lang, "staff-unblocked", &[("name", name)]),
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
