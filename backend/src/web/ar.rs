//! The AR web app under `/ar/`: the bundle that `cargo xtask web` builds,
//! served from the folder given by `serve --web-app DIR`; without that flag,
//! a page (Indonesian or English) saying the web app is not installed here,
//! with links to the web pages, which work on any phone.
//!
//! How the bundle's files are served:
//! - `/ar/` is the bundle's `index.html`; `/ar` redirects there (relative
//!   URLs in the page need the trailing slash), keeping the query
//!   (`?code=CODE&lang=en`).
//! - A precompressed sibling (`FILE.br`, `FILE.gz`) is sent instead of
//!   `FILE` when the request's `Accept-Encoding` allows it, with
//!   `Content-Encoding` set; every answer carries `Vary: Accept-Encoding`.
//! - Types come from the file extension (`.wasm` → `application/wasm`, which
//!   `WebAssembly.instantiateStreaming` insists on; `.webmanifest` →
//!   `application/manifest+json`).
//! - Caching ([`cache_control_for`]): a file whose name carries a content
//!   hash (a dot-separated part of 8 to 64 hex digits before the extension,
//!   e.g. `app.3f9c2a1be0d44c17.wasm`) never changes, so it is cached for a
//!   year as immutable; everything else (`index.html`, the service worker,
//!   the manifest, icons) is `no-cache`: the browser revalidates it with
//!   `If-Modified-Since` on each visit, so a new bundle is picked up at once.
//! - The service worker ([`SERVICE_WORKER_FILES`], at any depth) is sent with
//!   `Service-Worker-Allowed: /ar/`, so its scope can cover the whole app
//!   even when it lives in a sub-folder.

use std::path::Path;

use askama::Template;
use axum::Router;
use axum::extract::{Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use pustaka_markers::payload::MarkerCode;
use serde::Deserialize;
use tower::ServiceBuilder;
use tower_http::services::ServeDir;

use pustaka_i18n::Texts;

use super::{TEXTS, html, page_lang};
use crate::startup::AppState;

/// Where the web app lives on the server.
pub const AR_PREFIX: &str = "/ar/";

/// `Cache-Control` of files whose names carry a content hash.
pub const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// `Cache-Control` of everything else: revalidate on every use.
pub const CACHE_REVALIDATE: &str = "no-cache";

/// File names of the service worker, wherever it sits in the bundle.
pub const SERVICE_WORKER_FILES: &[&str] = &["sw.js", "service-worker.js"];

/// The shortest and longest run of hex digits that counts as a content hash
/// in a file name: 8 (32 bits: ample against an accidental clash within one
/// bundle) to 64 (a whole SHA-256).
const HASH_HEX_DIGITS: std::ops::RangeInclusive<usize> = 8..=64;

/// The `/ar` routes: the bundle in `web_app` when given, else the
/// not-installed page.
pub fn router(web_app: Option<&Path>) -> Router<AppState> {
    let router = Router::new().route("/ar", get(add_trailing_slash));
    match web_app {
        Some(dir) => {
            let files = ServeDir::new(dir)
                .precompressed_br()
                .precompressed_gzip()
                .append_index_html_on_directories(true);
            router.nest_service(
                AR_PREFIX,
                ServiceBuilder::new()
                    .layer(axum::middleware::from_fn(bundle_headers))
                    .service(files),
            )
        }
        None => router
            .route(AR_PREFIX, get(not_installed_page))
            .route("/ar/{*rest}", get(not_installed_page)),
    }
}

/// Whether `file_name` carries a content hash: a dot-separated part between
/// the stem and the extension made of `HASH_HEX_DIGITS` hex digits
/// (`scan-worker.0123abcd.js`, `app.3f9c2a1be0d44c17.wasm`; not `sw.js`).
pub fn has_content_hash(file_name: &str) -> bool {
    let parts: Vec<&str> = file_name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1]
            .iter()
            .any(|p| HASH_HEX_DIGITS.contains(&p.len()) && p.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// The `Cache-Control` for a path inside the bundle (`/`, `/index.html`,
/// `/app.3f9c2a1b.wasm`): [`CACHE_IMMUTABLE`] for hashed names,
/// [`CACHE_REVALIDATE`] for the rest.
pub fn cache_control_for(path: &str) -> &'static str {
    let file = path.rsplit('/').next().unwrap_or("");
    if has_content_hash(file) {
        CACHE_IMMUTABLE
    } else {
        CACHE_REVALIDATE
    }
}

/// Sets the caching headers of a bundle file, `Service-Worker-Allowed` on
/// the service worker, `Vary: Accept-Encoding` (a precompressed sibling may
/// have been chosen), and puts the `/ar` prefix back on `ServeDir`'s
/// directory redirects (it sees paths with the prefix stripped).
async fn bundle_headers(request: Request, next: Next) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let status = response.status();
    let headers = response.headers_mut();
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Encoding"));
    if status.is_redirection() {
        if let Some(location) = headers.get(header::LOCATION).and_then(|l| l.to_str().ok())
            && location.starts_with('/')
            && let Ok(fixed) = HeaderValue::from_str(&format!("/ar{location}"))
        {
            headers.insert(header::LOCATION, fixed);
        }
        return response;
    }
    let cache = if status.is_success() || status == StatusCode::NOT_MODIFIED {
        cache_control_for(&path)
    } else {
        CACHE_REVALIDATE
    };
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(APP_CSP),
    );
    let file = path.rsplit('/').next().unwrap_or("");
    if SERVICE_WORKER_FILES.contains(&file) {
        headers.insert(
            "service-worker-allowed",
            HeaderValue::from_static(AR_PREFIX),
        );
    }
    response
}

/// The Content-Security-Policy of the bundle's files, set here so the
/// server-wide one for HTML pages ([`crate::headers`]) does not apply: the
/// app compiles WebAssembly (`'wasm-unsafe-eval'`, CSP Level 3), starts its
/// scan worker from its own origin, shows camera frames and saved media as
/// `blob:` URLs, and its UI library sets element styles. No inline script,
/// no framing, no plugins, as on the other pages.
pub const APP_CSP: &str = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; \
     worker-src 'self'; connect-src 'self'; img-src 'self' data: blob:; \
     media-src 'self' blob:; style-src 'self' 'unsafe-inline'; object-src 'none'; \
     base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

/// `GET /ar`: to `/ar/`, keeping the query.
async fn add_trailing_slash(uri: Uri) -> Redirect {
    match uri.query() {
        Some(q) => Redirect::permanent(&format!("{AR_PREFIX}?{q}")),
        None => Redirect::permanent(AR_PREFIX),
    }
}

#[derive(Template)]
#[template(path = "ar_missing.html")]
struct NotInstalledPage {
    lang: &'static str,
    t: Texts,
    home_url: String,
    other_lang: &'static str,
    other_lang_url: String,
    /// The code the visitor came from (`?code=`), when it is a valid one.
    code: Option<String>,
    code_url: Option<String>,
}

/// Query string of `/ar/`.
#[derive(Debug, Deserialize)]
pub struct ArQueryParams {
    /// `id` or `en`; overrides `Accept-Language`.
    pub lang: Option<String>,
    /// The code whose page sent the visitor here.
    pub code: Option<String>,
}

/// `GET /ar/…` without `--web-app`: the not-installed page, 404, in the
/// visitor's language, linking to the code's own page when `?code=` names a
/// valid code, and to the landing page.
async fn not_installed_page(
    State(state): State<AppState>,
    Query(p): Query<ArQueryParams>,
    headers: HeaderMap,
) -> Response {
    let lang = page_lang(p.lang.as_deref(), &headers);
    let base = &*state.public_url;
    let code = p
        .code
        .as_deref()
        .and_then(|c| MarkerCode::parse(c).ok())
        .map(|c| c.as_str().to_owned());
    let other = lang.other();
    let other_query = match &code {
        Some(c) => format!("?code={c}&lang={}", other.tag()),
        None => format!("?lang={}", other.tag()),
    };
    let page = NotInstalledPage {
        lang: lang.tag(),
        t: TEXTS.in_lang(lang),
        home_url: format!("{base}/?lang={}", lang.tag()),
        other_lang: other.tag(),
        other_lang_url: format!("{base}{AR_PREFIX}{other_query}"),
        code_url: code
            .as_ref()
            .map(|c| format!("{base}/m/{c}?lang={}", lang.tag())),
        code,
    };
    match page.render() {
        Ok(body) => {
            let mut response = html(StatusCode::NOT_FOUND, body, lang);
            response.headers_mut().insert(
                header::CACHE_CONTROL,
                HeaderValue::from_static(CACHE_REVALIDATE),
            );
            response
        }
        Err(e) => {
            tracing::error!(error = %e, "ar_missing template failed");
            (StatusCode::NOT_FOUND, TEXTS.text(lang, "ar-heading")).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashed_names_are_recognised() {
        for hashed in [
            "scan-worker.0123abcd.js",
            "app.3f9c2a1be0d44c17.wasm",
            "app.3F9C2A1B.wasm",
            "scanner-simd.cbf29ce484222325.wasm",
            "style.0123abcd.min.css",
        ] {
            assert!(has_content_hash(hashed), "{hashed}");
        }
        for plain in [
            "index.html",
            "sw.js",
            "manifest.webmanifest",
            "0123abcd.js",
            "app.0123abc.js",
            "app.beefcafe",
            "app.notahash1.js",
            "",
        ] {
            assert!(!has_content_hash(plain), "{plain}");
        }
    }

    #[test]
    fn only_hashed_files_are_immutable() {
        assert_eq!(cache_control_for("/app.0123abcd.wasm"), CACHE_IMMUTABLE);
        assert_eq!(
            cache_control_for("/assets/app.0123abcd.wasm"),
            CACHE_IMMUTABLE
        );
        for path in ["/", "/index.html", "/sw.js", "/manifest.webmanifest"] {
            assert_eq!(cache_control_for(path), CACHE_REVALIDATE, "{path}");
        }
    }
}
