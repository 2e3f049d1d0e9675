//! The frame every admin page shares ([`Page`]: language, staff member, CSRF
//! token, navigation, one-shot notice) and how pages are rendered.

use askama::Template;
use axum::extract::Form;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use pustaka_api::Lang;
use serde::Deserialize;
use tower_sessions::Session;

use super::csrf;
use super::error::{PageError, error_page};
use super::i18n::{self, Tr};
use super::routes::{access_for, installed};
use super::staff::{Role, Staff};

/// Session key of the chosen language (`"id"` or `"en"`).
const SESSION_LANG: &str = "lang";
/// Session key of the one-shot notice shown on the next page.
const SESSION_NOTICE: &str = "notice";

/// The navigation, in order: link and text key. Who sees an entry is not
/// written here: a role sees it exactly when the route list
/// ([`super::routes()`]) lets that role `GET` the link ([`nav_for`]).
pub const NAV: &[(&str, &str)] = &[
    ("/admin", "nav-dashboard"),
    ("/admin/titles", "nav-titles"),
    ("/admin/shelves", "nav-shelves"),
    ("/admin/events", "nav-events"),
    ("/admin/tours", "nav-tours"),
    ("/admin/markers", "nav-markers"),
    ("/admin/media", "nav-media"),
    ("/admin/import", "nav-import"),
    ("/admin/print", "nav-print"),
    ("/admin/analytics", "nav-analytics"),
    ("/admin/staff", "nav-staff"),
    ("/admin/settings", "nav-settings"),
    ("/admin/audit", "nav-audit"),
];

/// The [`NAV`] entries (link, text key) that `role` may open: those whose
/// `GET` route the route list ([`super::routes::installed`]) allows it. A link
/// without a route is never shown.
pub fn nav_for(role: Role) -> impl Iterator<Item = (&'static str, &'static str)> {
    NAV.iter().copied().filter(move |(href, _)| {
        access_for(installed(), &Method::GET, href).is_some_and(|a| a.allows(role))
    })
}

/// A navigation link as templates see it.
#[derive(Debug, Clone)]
pub struct NavLink {
    /// Target path.
    pub href: &'static str,
    /// Text in the page's language.
    pub text: String,
    /// Whether it is the current section (`aria-current="page"`).
    pub current: bool,
}

/// What every admin template gets as `p`.
#[derive(Debug, Clone)]
pub struct Page {
    /// Page language.
    pub lang: Lang,
    /// Translator for the template.
    pub tr: Tr,
    /// The logged-in staff member (`None` on the login page).
    pub staff: Option<Staff>,
    /// The session's CSRF token, for hidden `_csrf` fields.
    pub csrf: String,
    /// Navigation links the staff member may use.
    pub nav: Vec<NavLink>,
    /// A notice left by the previous request (e.g. "Draft saved"), shown once.
    pub notice: Option<String>,
}

impl Page {
    /// Builds the frame for a page in section `current` (a [`NAV`] href).
    ///
    /// # Errors
    /// When the session store fails.
    pub async fn new(
        session: &Session,
        staff: Option<&Staff>,
        current: &str,
    ) -> Result<Self, PageError> {
        let csrf = csrf::token(session).await.map_err(PageError::internal)?;
        Self::with_csrf(session, staff, current, csrf).await
    }

    /// [`Page::new`] with a CSRF token from elsewhere (the login page's
    /// cookie), so the session is not written to.
    ///
    /// # Errors
    /// When the session store fails.
    pub async fn with_csrf(
        session: &Session,
        staff: Option<&Staff>,
        current: &str,
        csrf: String,
    ) -> Result<Self, PageError> {
        let lang = lang_of(session).await;
        let notice = session
            .remove::<String>(SESSION_NOTICE)
            .await
            .map_err(PageError::internal)?;
        let nav = staff
            .map(|s| {
                nav_for(s.role)
                    .map(|(href, key)| NavLink {
                        href,
                        text: i18n::text(lang, key),
                        current: href == current,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            lang,
            tr: Tr(lang),
            staff: staff.cloned(),
            csrf,
            nav,
            notice,
        })
    }

    /// The text for `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.tr.t(key)
    }

    /// `lang` attribute value.
    pub fn lang_code(&self) -> &'static str {
        self.lang.tag()
    }

    /// Whether the staff member may open the media library (volunteers may
    /// not): whether the navigation offers it.
    pub fn can_media(&self) -> bool {
        self.nav.iter().any(|l| l.href == "/admin/media")
    }

    /// The staff member's role in the page's language, e.g. "Pustakawan".
    pub fn role_name(&self) -> String {
        self.staff
            .as_ref()
            .map(|s| self.t(&format!("role-{}", s.role.as_str())))
            .unwrap_or_default()
    }
}

/// The session's language (Indonesian unless English was chosen).
pub async fn lang_of(session: &Session) -> Lang {
    match session.get::<String>(SESSION_LANG).await {
        Ok(Some(l)) if l == Lang::En.tag() => Lang::En,
        _ => Lang::Id,
    }
}

/// Leaves a notice for the next page this session loads.
pub async fn notice(session: &Session, text: String) {
    if let Err(e) = session.insert(SESSION_NOTICE, text).await {
        tracing::warn!(error = %e, "could not store a notice");
    }
}

/// Form of `POST /admin/lang`.
#[derive(Debug, Deserialize)]
pub struct LangForm {
    /// `id` or `en`.
    pub to: String,
    /// Where to go back to (a path under `/admin`).
    #[serde(default)]
    pub back: String,
}

/// `POST /admin/lang`: switches the back office's language for this session.
pub async fn set_lang(
    session: Session,
    _staff: Staff,
    Form(f): Form<LangForm>,
) -> Result<Response, PageError> {
    let lang = if f.to == "en" { "en" } else { "id" };
    session
        .insert(SESSION_LANG, lang)
        .await
        .map_err(PageError::internal)?;
    Ok(Redirect::to(safe_back(&f.back)).into_response())
}

/// A redirect target from a form: a path under `/admin` only (never another
/// site) made of visible ASCII (a browser sends paths percent-encoded, so a
/// control character, space or raw non-ASCII byte means a crafted link that
/// could not go into a `Location` header), else `/admin`.
pub fn safe_back(back: &str) -> &str {
    let ok = back.starts_with("/admin")
        && !back.starts_with("//")
        && back.bytes().all(|b| b.is_ascii_graphic() && b != b'\\')
        && !back.contains("://");
    if ok { back } else { "/admin" }
}

/// Renders a template into a `200` HTML response (or a logged `500`).
pub fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => ([(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "admin template failed");
            error_page(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Kesalahan server / Server error",
            )
        }
    }
}

/// Whether the client prefers HTML (browsers) over JSON or anything else.
pub fn wants_html(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| a.contains("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn install_the_route_list() {
        crate::admin::routes::install(crate::admin::all_routes().into());
    }

    #[test]
    fn every_navigation_link_has_a_get_route() {
        install_the_route_list();
        for (href, _) in NAV {
            assert!(
                access_for(installed(), &Method::GET, href).is_some(),
                "{href} is in the navigation but not in the route list"
            );
        }
    }

    #[test]
    fn the_navigation_follows_the_route_list() {
        install_the_route_list();
        let hrefs = |role| nav_for(role).map(|(href, _)| href).collect::<Vec<_>>();
        assert_eq!(
            hrefs(Role::Volunteer),
            ["/admin", "/admin/events", "/admin/tours"]
        );
        assert_eq!(hrefs(Role::Librarian).len(), NAV.len() - 3);
        assert_eq!(hrefs(Role::Admin).len(), NAV.len());
    }

    #[test]
    fn back_links_stay_in_the_back_office() {
        assert_eq!(safe_back("/admin/titles?q=x"), "/admin/titles?q=x");
        assert_eq!(safe_back("https://evil.example/admin"), "/admin");
        assert_eq!(safe_back("//evil.example"), "/admin");
        assert_eq!(safe_back("/m/BK0001"), "/admin");
        assert_eq!(safe_back("/admin\\..\\x"), "/admin");
        assert_eq!(safe_back("/admin/titles\u{1}x"), "/admin");
        assert_eq!(safe_back("/admin\tx"), "/admin");
        assert_eq!(safe_back("/admin\u{7f}"), "/admin");
        assert_eq!(safe_back("/admin/ü"), "/admin");
    }
}
