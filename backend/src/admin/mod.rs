//! The back office under `/admin`: server-rendered HTML pages (askama, forms that
//! work without JavaScript) for librarians, in Bahasa Indonesia with English
//! available.
//!
//! Security model, in the order [`guard`] applies it to every `/admin` request:
//! 1. the route's [`Access`] comes from the one list [`routes()`] builds, where
//!    each route is registered together with its rule (a route that is not in
//!    it is refused: fail closed);
//! 2. the staff member comes from a server-side session (tower-sessions, stored in
//!    the database so replicas share them): anonymous → a redirect to the login
//!    page for page loads, `401` otherwise;
//! 3. the staff member's [`Role`] must reach the route's: else `403`;
//! 4. every state-changing request (any method but GET/HEAD) must carry the
//!    session's CSRF token ([`csrf`]): else `403`.

// Staff accounts: password hashing (argon2id), login with throttling, the
// `create-admin` command, and the staff pages.
pub mod accounts;
// Scan analytics: charts and CSV.
pub mod analytics;
// Media from the library attached to content (cover, poster, badge …).
pub mod attachments;
// The audit log: who changed what, when.
pub mod audit;
// CSRF tokens bound to the session.
pub mod csrf;
// The confirmation step before something is thrown away; the typing guard script.
pub mod confirm;
// The dashboard: what needs attention.
pub mod dashboard;
// Drafts: edits stay private until published; the draftable-section trait.
pub mod drafts;
// How a back-office request fails: the HTML error page.
pub mod error;
// Events: list by date (WIB), edit as drafts, poster and promo video, publish.
pub mod events;
// The access check every `/admin` request passes.
pub mod guard;
// Texts of the back office in Bahasa Indonesia and English (Fluent).
pub mod i18n;
// Catalogue import from an uploaded MARC21/MARCXML/CSV file, with its report.
pub mod import;
// Markers: create for any target, label, placement, size, activate/deactivate.
pub mod markers;
// The media library: streamed uploads, replace, where each asset is used.
pub mod media;
// The page frame every admin template shares, and how pages render.
pub mod page;
// Choosing media by thumbnail (or uploading in place) for an edit form's field.
pub mod picker;
// Printing label sheets and posters (PDF).
pub mod print;
// The one list of routes with their access rules.
pub mod routes;
// Settings an administrator changes: upload caps.
pub mod settings;
// Shelves: names, classification range, location, featured titles, publish.
pub mod shelves;
// Staff roles and the logged-in staff member.
pub mod staff;
// The one rule for text typed into forms, and its length limits.
pub mod text;
// Titles: search, edit (synopsis per language, cover, trailer, e-book, age group), publish.
pub mod titles;
// Reading tours: ordered stops with clue, narration, question, badge; publish.
pub mod tours;
// Streamed multipart uploads to temp files in the data dir, with caps.
pub mod uploads;

use std::sync::Arc;

use axum::Router;
use axum::middleware;
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

pub use routes::{Access, RouteRule, Routes};
pub use staff::{Role, Staff};

use crate::startup::AppState;

/// Every back-office route with who may use it, section by section. The
/// router, [`guard`] (a route missing here is refused) and the route × role
/// test all read this one list.
pub fn routes() -> Routes {
    use Access::Public;
    use Role::{Admin, Volunteer};
    Routes::new()
        .get("/admin/login", Public, accounts::login_page)
        .post("/admin/login", Public, accounts::login_submit)
        .post("/admin/logout", Volunteer, accounts::logout)
        .post("/admin/lang", Volunteer, page::set_lang)
        .get("/admin/keep.js", Public, confirm::keep_js)
        .get("/admin/pick.js", Public, picker::pick_js)
        .get("/admin", Volunteer, dashboard::show)
        .get("/admin/staff", Admin, accounts::staff_page)
        .post("/admin/staff", Admin, accounts::staff_create)
        .post("/admin/staff/{id}", Admin, accounts::staff_update)
        .post("/admin/staff/{id}/unblock", Admin, accounts::unblock)
        .get("/admin/audit", Admin, audit::page)
        .merge(titles::routes())
        .merge(shelves::routes())
        .merge(events::routes())
        .merge(tours::routes())
        .merge(markers::routes())
        .merge(print::routes())
        .merge(analytics::routes())
        .merge(media::routes())
        .merge(picker::routes())
        .merge(import::routes())
        .merge(settings::routes())
}

/// Every access rule of [`routes()`].
pub fn all_routes() -> Vec<RouteRule> {
    routes().into_parts().1
}

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "pustaka_staff";

/// How often expired sessions are deleted from the database.
pub const SESSION_SWEEP: std::time::Duration = std::time::Duration::from_secs(3600);

/// Creates the session table (`tower_sessions`) when missing and starts a task
/// that deletes expired sessions and old login records every
/// [`SESSION_SWEEP`]; called once at start-up.
///
/// # Errors
/// Database errors while creating the table.
pub async fn start_sessions(pool: &sqlx::SqlitePool) -> sqlx::Result<()> {
    use tower_sessions::ExpiredDeletion;
    let store = SqliteStore::new(pool.clone());
    store.migrate().await?;
    let pool = pool.clone();
    tokio::spawn(async move {
        let mut every = tokio::time::interval(SESSION_SWEEP);
        loop {
            every.tick().await;
            if let Err(e) = store.delete_expired().await {
                tracing::warn!(error = %e, "deleting expired staff sessions failed");
            }
            if let Err(e) = accounts::sweep_login_records(&pool).await {
                tracing::warn!(error = %e, "sweeping old login records failed");
            }
        }
    });
    Ok(())
}

/// The `/admin` router with its session layer and [`guard`]. Sessions are
/// stored in the database ([`start_sessions`] must have run), so any replica
/// can serve any request; the cookie is `HttpOnly`, `SameSite=Lax`, limited to
/// `/admin`, and `Secure` when the public URL is `https://`. It expires after
/// the configured idle time; [`accounts::current_staff`] enforces that and the
/// absolute lifetime on the server side too.
pub fn router(state: AppState) -> Router<AppState> {
    let store = SqliteStore::new(state.db.clone());
    let secure = state.public_url.starts_with("https://");
    let sessions = SessionManagerLayer::new(store)
        .with_name(SESSION_COOKIE)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(secure)
        .with_path("/admin")
        .with_expiry(Expiry::OnInactivity(Duration::seconds(i64::from(
            state.config.staff_sessions.idle_secs,
        ))));
    let (router, rules) = routes().into_parts();
    let rules: Arc<[RouteRule]> = Arc::from(rules);
    routes::install(Arc::clone(&rules));
    let guarded = guard::Guarded { state, rules };
    router
        .route_layer(middleware::from_fn_with_state(guarded, guard::guard))
        .layer(sessions)
}
