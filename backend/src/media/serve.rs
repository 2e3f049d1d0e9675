//! `GET`/`HEAD /media/{sha256}.{ext}`: immutable media with single-range
//! support (RFC 9110 §14): `bytes=a-b`, `bytes=a-`, suffix `bytes=-n` → 206;
//! unsatisfiable → 416 with `Content-Range: bytes */N`.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};

use pustaka_api::MediaName;

use crate::startup::AppState;

/// `Cache-Control` of media: the name is the content's hash, so it never changes.
pub const MEDIA_CACHE_CONTROL: &str = "public, max-age=31536000, immutable";

/// What a `Range` header asks of a file of a given length.
///
/// Ours rather than `headers::Range` (0.4): that one's `satisfiable_ranges`
/// drops a suffix longer than the file (RFC 9110 §14.1.2 says: the whole
/// file), does not clamp an end past the file, cannot tell an unsatisfiable
/// range (416) from a malformed one (ignored, 200), and reads `+1` as a number;
/// the tests below and `tests/api/media.rs` pin each of these cases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeRequest {
    /// No usable `Range` (absent, another unit, unparseable, or several
    /// ranges): send the whole file, as RFC 9110 allows.
    Full,
    /// Bytes `start..=end` (inclusive, clamped to the file).
    Partial {
        /// First byte offset.
        start: u64,
        /// Last byte offset (inclusive).
        end: u64,
    },
    /// A syntactically valid range that selects nothing of this file.
    Unsatisfiable,
}

/// Interprets a `Range` header value for a file of `len` bytes.
pub fn parse_range(value: Option<&str>, len: u64) -> RangeRequest {
    let Some(spec) = value.and_then(|v| v.trim().strip_prefix("bytes=")) else {
        return RangeRequest::Full;
    };
    if spec.contains(',') {
        return RangeRequest::Full;
    }
    let Some((a, b)) = spec.trim().split_once('-') else {
        return RangeRequest::Full;
    };
    let (a, b) = (a.trim(), b.trim());
    let num = |s: &str| -> Option<u64> {
        if s.is_empty() || !s.bytes().all(|c| c.is_ascii_digit()) {
            None
        } else {
            s.parse().ok()
        }
    };
    match (a.is_empty(), b.is_empty()) {
        // Suffix: the last n bytes.
        (true, false) => match num(b) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if len == 0 => RangeRequest::Unsatisfiable,
            Some(n) => RangeRequest::Partial {
                start: len.saturating_sub(n),
                end: len - 1,
            },
            None => RangeRequest::Full,
        },
        // Open-ended: from a to the end.
        (false, true) => match num(a) {
            Some(start) if start < len => RangeRequest::Partial {
                start,
                end: len - 1,
            },
            Some(_) => RangeRequest::Unsatisfiable,
            None => RangeRequest::Full,
        },
        (false, false) => match (num(a), num(b)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= len {
                    RangeRequest::Unsatisfiable
                } else {
                    RangeRequest::Partial {
                        start,
                        end: end.min(len - 1),
                    }
                }
            }
            // last < first is invalid syntax: ignore the header.
            _ => RangeRequest::Full,
        },
        (true, true) => RangeRequest::Full,
    }
}

/// The `Content-Security-Policy` of every stored blob: nothing may load and
/// the blob runs in a sandbox if a browser is ever led to open it as a page
/// (an uploaded SVG or HTML-looking file); embedding it in `<img>` or
/// `<video>` is not affected. What Content-Security-Policy Level 3 and the
/// OWASP secure-headers project advise for user-uploaded files.
pub const MEDIA_CSP: &str = "default-src 'none'; sandbox";

fn not_found() -> Response {
    (StatusCode::NOT_FOUND, "tidak ditemukan\n").into_response()
}

fn store_failed(e: &std::io::Error, name: &MediaName) -> Response {
    tracing::error!(error = %e, file = %name.file_name(), "media store failed");
    (StatusCode::INTERNAL_SERVER_ERROR, "media store error\n").into_response()
}

/// Serves one stored blob (GET and HEAD). Names that are not
/// `{sha256}.{ext}` are 404 without asking the store.
#[tracing::instrument(skip(state, headers))]
pub async fn get_media(
    State(state): State<AppState>,
    method: Method,
    Path(file): Path<String>,
    headers: HeaderMap,
) -> Response {
    let Ok(name) = file.parse::<MediaName>() else {
        return not_found();
    };
    let len = match state.store.size(&name).await {
        Ok(Some(len)) => len,
        Ok(None) => return not_found(),
        Err(e) => return store_failed(&e, &name),
    };
    let etag = format!("\"{}\"", name.sha256());
    // RFC 9110 §13.1.5: a Range with an `If-Range` that does not name this
    // very representation (a strong match of our ETag; we send no
    // Last-Modified, so a date never matches) is answered in full.
    let if_range_holds = headers
        .get(header::IF_RANGE)
        .is_none_or(|v| v.to_str().is_ok_and(|v| v.trim() == etag));
    let range = if if_range_holds {
        parse_range(
            headers.get(header::RANGE).and_then(|v| v.to_str().ok()),
            len,
        )
    } else {
        RangeRequest::Full
    };
    let mut resp_headers = HeaderMap::new();
    let hv = |s: String| HeaderValue::from_str(&s).unwrap_or(HeaderValue::from_static(""));
    resp_headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    resp_headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(MEDIA_CACHE_CONTROL),
    );
    resp_headers.insert(header::ETAG, hv(etag.clone()));
    resp_headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(MEDIA_CSP),
    );
    resp_headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(name.ext().mime()),
    );
    if crate::api::if_none_match_hits(&headers, &etag) {
        return (StatusCode::NOT_MODIFIED, resp_headers).into_response();
    }
    let (status, start, count) = match range {
        RangeRequest::Full => (StatusCode::OK, 0, len),
        RangeRequest::Partial { start, end } => {
            resp_headers.insert(
                header::CONTENT_RANGE,
                hv(format!("bytes {start}-{end}/{len}")),
            );
            (StatusCode::PARTIAL_CONTENT, start, end - start + 1)
        }
        RangeRequest::Unsatisfiable => {
            resp_headers.insert(header::CONTENT_RANGE, hv(format!("bytes */{len}")));
            resp_headers.remove(header::CONTENT_TYPE);
            return (StatusCode::RANGE_NOT_SATISFIABLE, resp_headers).into_response();
        }
    };
    resp_headers.insert(header::CONTENT_LENGTH, hv(count.to_string()));
    // HEAD (and an empty blob) needs no bytes from the store.
    if method == Method::HEAD || count == 0 {
        return (status, resp_headers).into_response();
    }
    let body = match state.store.read_range(&name, start..start + count).await {
        Ok(stream) => Body::from_stream(stream),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return not_found(),
        Err(e) => return store_failed(&e, &name),
    };
    (status, resp_headers, body).into_response()
}

#[cfg(test)]
mod tests {
    use super::RangeRequest::*;
    use super::*;

    #[test]
    fn ranges_follow_rfc_9110() {
        let p = |s: &str| parse_range(Some(s), 100);
        assert_eq!(p("bytes=0-0"), Partial { start: 0, end: 0 });
        assert_eq!(p("bytes=10-"), Partial { start: 10, end: 99 });
        assert_eq!(p("bytes=-10"), Partial { start: 90, end: 99 });
        assert_eq!(p("bytes=-1000"), Partial { start: 0, end: 99 });
        assert_eq!(p("bytes=50-1000"), Partial { start: 50, end: 99 });
        assert_eq!(p("bytes=100-"), Unsatisfiable);
        assert_eq!(p("bytes=100-200"), Unsatisfiable);
        assert_eq!(p("bytes=-0"), Unsatisfiable);
        assert_eq!(p("bytes=5-1"), Full);
        assert_eq!(p("bytes=0-1,5-6"), Full);
        assert_eq!(p("items=0-1"), Full);
        assert_eq!(p("bytes=x-1"), Full);
        assert_eq!(p("bytes=+1-2"), Full);
        assert_eq!(parse_range(None, 100), Full);
        assert_eq!(parse_range(Some("bytes=0-"), 0), Unsatisfiable);
        assert_eq!(parse_range(Some("bytes=-5"), 0), Unsatisfiable);
    }
}
