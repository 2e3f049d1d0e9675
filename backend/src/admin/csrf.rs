//! CSRF protection by a synchronizer token: each session holds a random token
//! (256 bits, hex); every state-changing request must send it back, compared in
//! constant time. Forms carry it as the hidden field `_csrf`; scripts may send
//! the `X-CSRF-Token` header. Multipart uploads, whose bodies are streamed and
//! never buffered, carry `_csrf` as their first field: for the routes
//! registered with [`super::routes::Routes::upload`] the check is handed to the upload reader
//! ([`PendingCheck`]), which refuses the file unless the field came first and
//! matched. A token is never put in a URL (where logs, history and `Referer`
//! would keep it).
//!
//! The login form has no session yet (a view of the login page stores
//! nothing): its token is a double-submit cookie ([`LOGIN_COOKIE`],
//! `HttpOnly`, `SameSite=Strict`, limited to `/admin/login`) that the form
//! must repeat.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use subtle::ConstantTimeEq;
use tower_sessions::Session;

use super::error::error_page;

/// Session key of the token.
const SESSION_KEY: &str = "csrf";

/// Name of the hidden form field and query parameter.
pub const FIELD: &str = "_csrf";

/// Header scripts may use instead of the field.
pub const HEADER: &str = "x-csrf-token";

/// The largest URL-encoded form body the check reads (bytes); larger forms are
/// refused with `413`. Uploads are multipart and are not read here.
pub const MAX_FORM_BYTES: usize = 1 << 20;

/// The login form's double-submit cookie.
pub const LOGIN_COOKIE: &str = "pustaka_login";

/// A new random token: 256 bits, hex.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Whether a token has the shape [`new_token`] gives (so a cookie value
/// never carries anything else into a page).
fn well_formed(t: &str) -> bool {
    t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

/// The login form's token: the one in the browser's [`LOGIN_COOKIE`] when
/// it has one, else a new one. Returns the token and, when new, the
/// `Set-Cookie` value to send (`Secure` when `secure`).
pub fn login_token(headers: &HeaderMap, secure: bool) -> (String, Option<String>) {
    if let Some(t) = cookie(headers, LOGIN_COOKIE).filter(|t| well_formed(t)) {
        return (t, None);
    }
    let t = new_token();
    let cookie = format!(
        "{LOGIN_COOKIE}={t}; Path=/admin/login; HttpOnly; SameSite=Strict{}",
        if secure { "; Secure" } else { "" }
    );
    (t, Some(cookie))
}

/// Checks a login form's token against its [`LOGIN_COOKIE`].
///
/// # Errors
/// A response saying why the request was refused.
pub async fn check_login(req: Request) -> Result<Request, Response> {
    match cookie(req.headers(), LOGIN_COOKIE).filter(|t| well_formed(t)) {
        Some(expected) => check_against(&expected, req).await,
        None => Err(refused()),
    }
}

/// A CSRF check left to the upload reader (see the module docs): the
/// session's token, which the body's `_csrf` field must match.
#[derive(Debug, Clone)]
pub struct PendingCheck(String);

impl PendingCheck {
    /// Whether `got` is the session's token (constant time).
    pub fn matches(&self, got: &str) -> bool {
        bool::from(got.as_bytes().ct_eq(self.0.as_bytes()))
    }
}

/// For a multipart upload: checks the `X-CSRF-Token` header when sent, else
/// attaches a [`PendingCheck`] for the upload reader.
///
/// # Errors
/// A `403` when the session has no token or the header does not match.
pub async fn defer(session: &Session, mut req: Request) -> Result<Request, Response> {
    let Ok(Some(expected)) = session.get::<String>(SESSION_KEY).await else {
        return Err(refused());
    };
    if req.headers().contains_key(HEADER) {
        return check_against(&expected, req).await;
    }
    req.extensions_mut().insert(PendingCheck(expected));
    Ok(req)
}

/// The session's token, created on first use.
///
/// # Errors
/// When the session store fails.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(SESSION_KEY).await? {
        return Ok(t);
    }
    let t = new_token();
    session.insert(SESSION_KEY, &t).await?;
    Ok(t)
}

/// Finds `_csrf` in an `application/x-www-form-urlencoded` string.
fn from_urlencoded(s: &str) -> Option<String> {
    s.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == FIELD).then(|| v.to_owned())
    })
}

/// Checks the request's token against the session's. Returns the request
/// (its body put back when it had to be read), or the `403`/`413` response.
///
/// # Errors
/// A response saying why the request was refused.
pub async fn check(session: &Session, req: Request) -> Result<Request, Response> {
    let expected = match session.get::<String>(SESSION_KEY).await {
        Ok(Some(t)) => t,
        _ => return Err(refused()),
    };
    check_against(&expected, req).await
}

/// Checks the request's token (header or form field) against `expected`.
async fn check_against(expected: &str, req: Request) -> Result<Request, Response> {
    let matches = |got: &str| bool::from(got.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(h) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(h) { Ok(req) } else { Err(refused()) };
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Err(refused());
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_FORM_BYTES).await {
        Ok(b) => b,
        Err(e) if is_length_limit(&e) => {
            return Err(error_page(
                StatusCode::PAYLOAD_TOO_LARGE,
                "Formulir terlalu besar / Form too large",
            ));
        }
        Err(_) => {
            return Err(error_page(
                StatusCode::BAD_REQUEST,
                "Formulir tidak terbaca / The form could not be read",
            ));
        }
    };
    let found = std::str::from_utf8(&bytes).ok().and_then(from_urlencoded);
    match found {
        Some(t) if matches(&t) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(refused()),
    }
}

/// Whether reading a body failed on the size limit (rather than, say, the
/// body read timeout or a client that went away).
fn is_length_limit(e: &axum::Error) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if err.is::<http_body_util::LengthLimitError>() {
            return true;
        }
        source = err.source();
    }
    false
}

/// The message of a refused token, in both languages.
pub const REFUSED_TEXT: &str = "Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi. / \
     The form's security token did not match. Reload the page and try again.";

fn refused() -> Response {
    error_page(StatusCode::FORBIDDEN, REFUSED_TEXT)
}

#[cfg(test)]
mod tests {
    use super::from_urlencoded;

    #[test]
    fn finds_the_field_among_others() {
        assert_eq!(from_urlencoded("a=1&_csrf=abc&b=2").as_deref(), Some("abc"));
        assert_eq!(from_urlencoded("a=1&x_csrf=abc"), None);
        assert_eq!(from_urlencoded(""), None);
    }
}
