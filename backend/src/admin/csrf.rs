//! CSRF protection by a synchronizer token: each session holds a random token
//! (256 bits, hex); every state-changing request must send it back, compared in
//! constant time. Forms carry it as the hidden field `_csrf`; multipart uploads,
//! whose bodies are streamed and never buffered, carry it in the action URL's
//! query (`?_csrf=...`); scripts may send the `X-CSRF-Token` header.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
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

/// The session's token, created on first use.
///
/// # Errors
/// When the session store fails.
pub async fn token(session: &Session) -> Result<String, tower_sessions::session::Error> {
    if let Some(t) = session.get::<String>(SESSION_KEY).await? {
        return Ok(t);
    }
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    let t = hex::encode(bytes);
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
    let matches = |got: &str| bool::from(got.as_bytes().ct_eq(expected.as_bytes()));
    if let Some(h) = req.headers().get(HEADER).and_then(|v| v.to_str().ok()) {
        return if matches(h) { Ok(req) } else { Err(refused()) };
    }
    if let Some(q) = req.uri().query().and_then(from_urlencoded) {
        return if matches(&q) { Ok(req) } else { Err(refused()) };
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
    let Ok(bytes) = axum::body::to_bytes(body, MAX_FORM_BYTES).await else {
        return Err(error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            "Formulir terlalu besar / Form too large",
        ));
    };
    let found = std::str::from_utf8(&bytes).ok().and_then(from_urlencoded);
    match found {
        Some(t) if matches(&t) => Ok(Request::from_parts(parts, Body::from(bytes))),
        _ => Err(refused()),
    }
}

fn refused() -> Response {
    error_page(
        StatusCode::FORBIDDEN,
        "Token keamanan formulir tidak cocok. Muat ulang halaman lalu coba lagi. / \
         The form's security token did not match. Reload the page and try again.",
    )
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
