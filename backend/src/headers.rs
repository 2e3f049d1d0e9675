//! Security headers on every response (the OWASP Secure Headers Project's
//! list, as far as it applies to this server):
//!
//! - `X-Content-Type-Options: nosniff` and `X-Frame-Options: DENY` on all;
//! - `Referrer-Policy: strict-origin-when-cross-origin` on all (links to other
//!   sites get the origin only, never a back-office path or search text);
//! - `Content-Security-Policy` on HTML pages that did not set their own: only
//!   this server's (and the public URL's) images, media and scripts, no
//!   plugins, no framing (`frame-ancestors 'none'`), forms posting to this
//!   server only; the pages' inline `<style>` and `<script>` blocks are
//!   allowed by their SHA-256 hashes ([`inline_hashes`]), nothing else inline;
//! - `Strict-Transport-Security: max-age=63072000` (two years, the Mozilla
//!   web security guidelines' value) when the public URL is `https://`;
//!   without `includeSubDomains`, which would bind a library's other hosts.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

/// Templates with inline `<style>`/`<script>` blocks, whose contents are
/// static text (no template expressions) so the rendered bytes equal these.
const INLINE_SOURCES: &[&str] = &[
    include_str!("../templates/base.html"),
    include_str!("../templates/admin/base.html"),
    include_str!("../templates/admin/error.html"),
    include_str!("../templates/admin/ops_upload_script.html"),
];

/// The CSP hash sources (`'sha256-…'`) of every `<tag>…</tag>` block in `html`.
fn block_hashes(html: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    let mut out = Vec::new();
    let mut rest = html;
    while let Some(start) = rest.find(&open) {
        let body = &rest[start + open.len()..];
        let Some(end) = body.find(&close) else { break };
        let digest = Sha256::digest(&body.as_bytes()[..end]);
        out.push(format!(
            "'sha256-{}'",
            base64::engine::general_purpose::STANDARD.encode(digest)
        ));
        rest = &body[end + close.len()..];
    }
    out
}

/// The hash sources of the inline styles and scripts of the server's pages:
/// `(style hashes, script hashes)`.
pub fn inline_hashes() -> (Vec<String>, Vec<String>) {
    let mut styles = Vec::new();
    let mut scripts = Vec::new();
    for src in INLINE_SOURCES {
        styles.extend(block_hashes(src, "style"));
        scripts.extend(block_hashes(src, "script"));
    }
    styles.dedup();
    scripts.dedup();
    (styles, scripts)
}

/// The header values, built once at start-up.
#[derive(Debug, Clone)]
pub struct SecurityHeaders {
    csp: HeaderValue,
    hsts: Option<HeaderValue>,
}

impl SecurityHeaders {
    /// The headers for a server whose public base URL is `public_url`
    /// (its origin is allowed for images and media; `https://` adds HSTS).
    pub fn new(public_url: &str) -> Self {
        let (styles, scripts) = inline_hashes();
        let origin = public_origin(public_url);
        let media = match &origin {
            Some(o) => format!("'self' {o}"),
            None => "'self'".to_owned(),
        };
        let csp = format!(
            "default-src 'self'; script-src 'self' {}; style-src 'self' {}; \
             img-src {media} data:; media-src {media}; object-src 'none'; \
             base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            scripts.join(" "),
            styles.join(" "),
        );
        let hsts = public_url
            .starts_with("https://")
            .then(|| HeaderValue::from_static("max-age=63072000"));
        Self {
            csp: HeaderValue::from_str(&csp)
                .unwrap_or_else(|_| HeaderValue::from_static("frame-ancestors 'none'")),
            hsts,
        }
    }
}

/// `scheme://host[:port]` of a URL, when it has one of plain characters.
fn public_origin(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split(['/', '?', '#']).next()?;
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b".-:[]".contains(&b))
    };
    (plain(scheme) && plain(host)).then(|| format!("{scheme}://{host}"))
}

/// Adds the headers to a response (a header the handler set is kept).
pub async fn add(State(h): State<Arc<SecurityHeaders>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    let is_html = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|c| c.starts_with("text/html"));
    let hs = resp.headers_mut();
    let mut set = |name: HeaderName, value: HeaderValue| {
        if !hs.contains_key(&name) {
            hs.insert(name, value);
        }
    };
    set(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    set(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    set(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    if is_html {
        set(header::CONTENT_SECURITY_POLICY, h.csp.clone());
    }
    if let Some(hsts) = &h.hsts {
        set(header::STRICT_TRANSPORT_SECURITY, hsts.clone());
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::{block_hashes, inline_hashes, public_origin};

    #[test]
    fn hashes_cover_each_inline_block() {
        let h = block_hashes("<style>a{}</style><p><style>b{}</style>", "style");
        assert_eq!(h.len(), 2);
        assert_ne!(h[0], h[1]);
        // sha256("") in base64, the CSP spec's example form.
        assert_eq!(
            block_hashes("<script></script>", "script"),
            ["'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"]
        );
        let (styles, scripts) = inline_hashes();
        assert!(styles.len() >= 3, "{styles:?}");
        assert_eq!(scripts.len(), 1, "{scripts:?}");
    }

    #[test]
    fn origins_of_public_urls() {
        assert_eq!(
            public_origin("https://lib.example.id/x").as_deref(),
            Some("https://lib.example.id")
        );
        assert_eq!(
            public_origin("http://127.0.0.1:8080").as_deref(),
            Some("http://127.0.0.1:8080")
        );
        assert_eq!(public_origin("https://a b;"), None);
    }
}
