//! The access check of every `/admin` request (the order is in the module
//! docs of [`super`]): route rule, session's staff member, role, CSRF token.

use std::sync::Arc;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::error::error_page;
use super::routes::{Access, RouteRule, rule_for};
use super::{accounts, csrf, i18n, page, uploads};
use crate::startup::AppState;

/// What the guard needs: the app's state and the access rules of
/// [`super::routes()`], built once with the router.
#[derive(Clone)]
pub struct Guarded {
    /// The app's state (the database holds the staff accounts).
    pub state: AppState,
    /// Every back-office route's rule.
    pub rules: Arc<[RouteRule]>,
}

/// The access check of every `/admin` route (see the module docs of [`super`]).
pub async fn guard(State(g): State<Guarded>, req: Request, next: Next) -> Response {
    let Some(pattern) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let Some(rule) = rule_for(&g.rules, req.method(), &pattern) else {
        tracing::error!(%pattern, method = %req.method(), "admin route without an access rule");
        return error_page(StatusCode::FORBIDDEN, "Akses ditolak / Access denied");
    };
    let (access, upload) = (rule.access, rule.upload);
    let Some(session) = req.extensions().get::<Session>().cloned() else {
        return StatusCode::INTERNAL_SERVER_ERROR.into_response();
    };
    let state_changing = !matches!(*req.method(), Method::GET | Method::HEAD);
    let mut req = req;
    if let Access::Staff(needed) = access {
        let staff =
            match accounts::current_staff(&g.state.db, &session, &g.state.config.staff_sessions)
                .await
            {
                Ok(Some(s)) => s,
                Ok(None) => return unauthenticated(&req),
                Err(e) => {
                    tracing::error!(error = %e, "loading the session's staff member");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
        if staff.role < needed {
            let tr = page::lang_of(&session).await;
            return error_page(StatusCode::FORBIDDEN, &i18n::text(tr, "error-forbidden"));
        }
        req.extensions_mut().insert(staff);
    }
    if state_changing {
        let checked = match access {
            // No session before login: the login form's own cookie token.
            Access::Public => csrf::check_login(req).await,
            Access::Staff(_) if upload && uploads::is_multipart(&req) => {
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
        error_page(
            StatusCode::UNAUTHORIZED,
            "Silakan masuk dulu / Please log in first",
        )
    }
}
