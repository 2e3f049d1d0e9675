//! Who is asking: staff [`Role`]s and the logged-in [`Staff`] member, which
//! handlers take as an extractor once [`super::guard`] has checked the session.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use serde::{Deserialize, Serialize};

use super::error::PageError;

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

/// Session key of the logged-in staff member's id.
pub const SESSION_STAFF_ID: &str = "staff_id";

/// The logged-in staff member. [`super::guard`] loads it from the session and
/// puts it into the request's extensions; handlers take it as an argument.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Staff {
    /// Row id in `staff_users`.
    pub id: i64,
    /// Login name.
    pub username: String,
    /// Role.
    pub role: Role,
}

/// Taking `Staff` in a handler of a public route (where the guard has loaded
/// nobody) is a programming error: it answers with a logged `500`, never with
/// another staff member's rights.
impl<S: Send + Sync> FromRequestParts<S> for Staff {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Self::Rejection> {
        parts
            .extensions
            .get::<Staff>()
            .cloned()
            .ok_or_else(|| PageError::internal(format!("no staff member on {}", parts.uri.path())))
    }
}
