//! The back office under `/admin`: server-rendered HTML pages (askama, forms that
//! work without JavaScript) for librarians, in Bahasa Indonesia with English
//! available.
//!
//! Security model, in the order [`guard`] applies it to every `/admin` request:
//! 1. the route's [`Access`] comes from the one table [`ROUTES`] (a route that is
//!    not in it is refused: fail closed);
//! 2. the staff member comes from a server-side session (tower-sessions, stored in
//!    the database so replicas share them): anonymous → a redirect to the login
//!    page for page loads, `401` otherwise;
//! 3. the staff member's [`Role`] must reach the route's: else `403`;
//! 4. every state-changing request (any method but GET/HEAD) must carry the
//!    session's CSRF token ([`csrf`]): else `403`.

/// Staff accounts: password hashing (argon2id), login with throttling, the
/// `create-admin` command, and the staff pages.
pub mod accounts;
/// Scan analytics: charts and CSV.
pub mod analytics;
/// The audit log: who changed what, when.
pub mod audit;
/// CSRF tokens bound to the session.
pub mod csrf;
/// The dashboard: what needs attention.
pub mod dashboard;
/// Drafts: edits stay private until published.
pub mod drafts;
/// Events: list by date (WIB), edit as drafts, poster and promo video, publish.
pub mod events;
/// Texts of the back office in Bahasa Indonesia and English (Fluent).
pub mod i18n;
/// Catalogue import from an uploaded MARC21/MARCXML/CSV file, with its report.
pub mod import;
/// Markers: create for any target, label, placement, size, activate/deactivate.
pub mod markers;
/// The media library: streamed uploads, replace, where each asset is used.
pub mod media;
/// The page frame every admin template shares, and the HTML error page.
pub mod page;
/// Printing label sheets and posters (PDF).
pub mod print;
/// Settings an administrator changes: upload caps.
pub mod settings;
/// Shelves: names, classification range, location, featured titles, publish.
pub mod shelves;
/// Titles: search, edit (synopsis per language, cover, trailer, e-book, age group), publish.
pub mod titles;
/// Reading tours: ordered stops with clue, narration, question, badge; publish.
pub mod tours;
/// Streamed multipart uploads to temp files in the data dir, with caps.
pub mod uploads;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, Session, SessionManagerLayer};
use tower_sessions_sqlx_store::SqliteStore;

use crate::startup::AppState;

/// A staff role. Roles are ordered: each one may do everything the ones below it
/// may do (`Volunteer < Librarian < Admin`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Events and tours only.
    Volunteer,
    /// All content: titles, shelves, markers, media, import, print, analytics.
    Librarian,
    /// Everything, plus staff accounts, settings and the audit log.
    Admin,
}

impl Role {
    /// Every role, least trusted first.
    pub const ALL: [Role; 3] = [Role::Volunteer, Role::Librarian, Role::Admin];

    /// The stored name: `volunteer`, `librarian` or `admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Volunteer => "volunteer",
            Role::Librarian => "librarian",
            Role::Admin => "admin",
        }
    }

    /// Parses a stored name.
    ///
    /// # Errors
    /// Any other string, with a message listing the valid names.
    pub fn parse(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| format!("unknown role {s:?}: use admin, librarian or volunteer"))
    }
}

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the login page).
    Public,
    /// A logged-in staff member with at least this role.
    Staff(Role),
}

/// One access rule: HTTP method, axum path pattern, who may use it.
pub type RouteRule = (&'static str, &'static str, Access);

/// The routes of the core pages (login, dashboard, titles, staff, audit).
pub const CORE_ROUTES: &[RouteRule] = {
    use Access::{Public, Staff};
    use Role::{Admin, Librarian, Volunteer};
    &[
        ("GET", "/admin/login", Public),
        ("POST", "/admin/login", Public),
        ("POST", "/admin/logout", Staff(Volunteer)),
        ("POST", "/admin/lang", Staff(Volunteer)),
        ("GET", "/admin", Staff(Volunteer)),
        ("GET", "/admin/titles", Staff(Librarian)),
        ("GET", "/admin/titles/{id}", Staff(Librarian)),
        ("POST", "/admin/titles/{id}", Staff(Librarian)),
        ("POST", "/admin/titles/{id}/publish", Staff(Librarian)),
        ("POST", "/admin/titles/{id}/discard", Staff(Librarian)),
        ("GET", "/admin/staff", Staff(Admin)),
        ("POST", "/admin/staff", Staff(Admin)),
        ("POST", "/admin/staff/{id}", Staff(Admin)),
        ("GET", "/admin/audit", Staff(Admin)),
    ]
};

/// Every back-office route with who may use it, section by section. [`guard`]
/// checks each request against it (a route missing here is refused), and the
/// route × role test walks it, so no route exists without an access rule.
pub const ROUTES: &[&[RouteRule]] = &[
    CORE_ROUTES,
    shelves::ROUTES,
    events::ROUTES,
    tours::ROUTES,
    markers::ROUTES,
    print::ROUTES,
    analytics::ROUTES,
    media::ROUTES,
    import::ROUTES,
    settings::ROUTES,
];

/// Every rule of [`ROUTES`], flattened.
pub fn all_routes() -> impl Iterator<Item = RouteRule> {
    ROUTES.iter().flat_map(|section| section.iter().copied())
}

/// The access rule for a method and matched path pattern, if the route is known.
pub fn access_for(method: &Method, pattern: &str) -> Option<Access> {
    all_routes()
        .find(|(m, p, _)| *m == method.as_str() && *p == pattern)
        .map(|(_, _, a)| a)
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
    Router::new()
        .route("/admin", get(dashboard::show))
        .route(
            "/admin/login",
            get(accounts::login_page).post(accounts::login_submit),
        )
        .route("/admin/logout", post(accounts::logout))
        .route("/admin/lang", post(page::set_lang))
        .route("/admin/titles", get(titles::list))
        .route("/admin/titles/{id}", get(titles::edit).post(titles::save))
        .route("/admin/titles/{id}/publish", post(titles::publish))
        .route("/admin/titles/{id}/discard", post(titles::discard))
        .route(
            "/admin/staff",
            get(accounts::staff_page).post(accounts::staff_create),
        )
        .route("/admin/staff/{id}", post(accounts::staff_update))
        .route("/admin/audit", get(audit::page))
        .merge(shelves::router())
        .merge(events::router())
        .merge(tours::router())
        .merge(markers::router())
        .merge(print::router())
        .merge(analytics::router())
        // Each further section adds its routes here and its rules to ROUTES.
        .merge(media::router())
        .merge(import::router())
        .merge(settings::router())
        .route_layer(middleware::from_fn_with_state(state, guard))
        .layer(sessions)
}

/// The logged-in staff member, put into request extensions by [`guard`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Row id in `staff_users`.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
}

/// Session key of the logged-in staff member's id.
pub const SESSION_STAFF_ID: &str = "staff_id";

/// The access check of every `/admin` route (see the module docs).
pub async fn guard(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let Some(pattern) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(access) = access_for(req.method(), &pattern) else {
        tracing::error!(%pattern, method = %req.method(), "admin route missing from ROUTES");
        return page::error_page(StatusCode::FORBIDDEN, "Akses ditolak / Access denied");
    };
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD);
    let mut req = req;
    if let Access::Staff(needed) = access {
        let limits = &state.config.staff_sessions;
        let staff = match accounts::current_staff(&state.db, &session, limits).await {
            Ok(Some(s)) => s,
            Ok(None) => return unauthenticated(&req),
            Err(e) => {
                tracing::error!(error = %e, "loading the session's staff member");
                return StatusCode::INTERNAL_SERVER_ERROR.into_response();
            }
        };
        if staff.role < needed {
            let tr = page::lang_of(&session).await;
            return page::error_page(StatusCode::FORBIDDEN, &i18n::text(tr, "error-forbidden"));
        }
        req.extensions_mut().insert(staff);
    }
    if state_changing {
        let checked = match access {
            // No session before login: the login form's own cookie token.
            Access::Public => csrf::check_login(req).await,
            Access::Staff(_)
                if uploads::is_multipart(&req) && uploads::UPLOAD_ROUTES.contains(&&*pattern) =>
            {
                csrf::defer(&session, req).await
            }
            Access::Staff(_) => csrf::check(&session, req).await,
        };
        req = match checked {
            Ok(req) => req,
            Err(resp) => return resp,
        };
    }
    next.run(req).await
}

/// Anonymous: a page load goes to the login page (and back afterwards), anything
/// else gets `401`.
fn unauthenticated(req: &Request) -> Response {
    if req.method() == Method::GET && page::wants_html(req.headers()) {
        let next = req.uri().path_and_query().map_or("/admin", |p| p.as_str());
        let to = format!("/admin/login?next={}", crate::web::url_encode(next));
        Redirect::to(&to).into_response()
    } else {
        page::error_page(
            StatusCode::UNAUTHORIZED,
            "Silakan masuk dulu / Please log in first",
        )
    }
}
