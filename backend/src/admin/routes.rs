//! The one list of back-office routes: [`Routes`] registers each route on the
//! router and its [`Access`] rule in the same call, so the router, the access
//! check of [`crate::admin::guard`], the navigation of [`crate::admin::page`]
//! and the route × role test all read one list.

use std::sync::{Arc, OnceLock};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::handler::Handler;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use super::staff::Role;
use crate::startup::AppState;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (the login page).
    Public,
    /// A logged-in staff member with at least this role.
    Staff(Role),
}

impl Access {
    /// Whether a staff member with `role` may use a route with this rule.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public => true,
            Access::Staff(needed) => role >= needed,
        }
    }
}

impl From<Role> for Access {
    fn from(role: Role) -> Self {
        Access::Staff(role)
    }
}

/// One access rule: HTTP method, axum path pattern, who may use it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteRule {
    /// `GET` or `POST` (the back office uses no others).
    pub method: Method,
    /// The axum path pattern, e.g. `/admin/titles/{id}`.
    pub path: String,
    /// Who may use it.
    pub access: Access,
    /// A streamed multipart upload ([`Routes::upload`]): its CSRF token is the
    /// body's first field, checked by the upload reader
    /// ([`super::csrf::defer`]).
    pub upload: bool,
}

/// A back-office router under construction together with its access rules.
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    rules: Vec<RouteRule>,
}

impl Routes {
    /// No routes yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn add(
        mut self,
        method: Method,
        path: &str,
        access: Access,
        upload: bool,
        route: MethodRouter<AppState>,
    ) -> Self {
        self.rules.push(RouteRule {
            method,
            path: path.to_owned(),
            access,
            upload,
        });
        // axum merges a second method on an already routed path.
        self.router = self.router.route(path, route);
        self
    }

    /// `GET path` for `access` (a [`Role`] or [`Access::Public`]).
    pub fn get<H, T>(self, path: &str, access: impl Into<Access>, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::GET, path, access.into(), false, get(handler))
    }

    /// `POST path` for `access`.
    pub fn post<H, T>(self, path: &str, access: impl Into<Access>, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add(Method::POST, path, access.into(), false, post(handler))
    }

    /// `POST path` for a streamed multipart upload: without axum's default
    /// body limit, because the handler enforces the upload caps while streaming.
    pub fn upload<H, T>(self, path: &str, access: impl Into<Access>, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = post(handler).layer(DefaultBodyLimit::disable());
        self.add(Method::POST, path, access.into(), true, route)
    }

    /// Adds another section's routes.
    pub fn merge(mut self, other: Routes) -> Self {
        self.rules.extend(other.rules);
        self.router = self.router.merge(other.router);
        self
    }

    /// The access rules registered so far.
    pub fn rules(&self) -> &[RouteRule] {
        &self.rules
    }

    /// The router and its rules.
    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteRule>) {
        (self.router, self.rules)
    }
}

/// The rule for a method and matched path pattern, if the route is known.
pub fn rule_for<'a>(
    rules: &'a [RouteRule],
    method: &Method,
    pattern: &str,
) -> Option<&'a RouteRule> {
    rules
        .iter()
        .find(|r| r.method == *method && r.path == pattern)
}

/// The access rule for a method and matched path pattern, if the route is known.
pub fn access_for(rules: &[RouteRule], method: &Method, pattern: &str) -> Option<Access> {
    rule_for(rules, method, pattern).map(|r| r.access)
}

/// The rules of the route list that [`super::router`] built.
static INSTALLED: OnceLock<Arc<[RouteRule]>> = OnceLock::new();

/// Keeps the rules of the route list for the code below the sections that
/// needs them but cannot import the sections that declare them: the
/// navigation ([`super::page::nav_for`]). [`super::router`] calls it; every
/// build of the list gives the same rules, so the first one stays.
pub fn install(rules: Arc<[RouteRule]>) {
    let _ = INSTALLED.set(rules);
}

/// The rules [`install`] kept; none before the router is built (then the
/// navigation shows nothing: fail closed).
pub fn installed() -> &'static [RouteRule] {
    INSTALLED.get().map_or(&[], |r| r)
}
