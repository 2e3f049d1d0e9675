//! The text inside a library code, and how any scanned content is classified.
//!
//! A library code holds the URL `{base}/m/{code}`, `base` being the
//! server's public URL: `https://{host}` for most libraries, with a port
//! and a path prefix where the server sits behind one (e.g.
//! `https://perpus.example.id:8443/pustaka`). `code` is a
//! Crockford base-32 id (<https://www.crockford.com/base32.html>): digits and
//! upper-case letters without I, L, O and U; reading is case-insensitive and
//! maps `I`/`L` to `1` and `O` to `0`, so a code typed from a label still works.

use std::fmt;

use crate::MarkerError;
use crate::error::PayloadError;

/// The 32 symbols of Crockford base-32, in value order.
pub const CROCKFORD_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Shortest accepted code: 4 symbols = 20 bits, a million codes per library.
pub const MIN_CODE_LEN: usize = 4;
/// Longest accepted code: 13 symbols = 65 bits, enough for a national network.
pub const MAX_CODE_LEN: usize = 13;

/// The path prefix of library-code URLs.
pub const URL_PATH_PREFIX: &str = "/m/";

/// A validated marker code in canonical form (upper case, no ambiguous letters).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MarkerCode(String);

impl MarkerCode {
    /// Parses a code as printed or typed: case-insensitive, hyphens ignored,
    /// `I`/`L` read as `1` and `O` as `0`.
    ///
    /// # Errors
    /// [`MarkerError::Payload`] ([`PayloadError::Symbol`]) for a symbol outside
    /// the alphabet (e.g. `U`), ([`PayloadError::Length`]) for a length outside
    /// `MIN_CODE_LEN..=MAX_CODE_LEN`.
    pub fn parse(s: &str) -> Result<Self, MarkerError> {
        let mut out = String::with_capacity(s.len());
        for c in s.chars().filter(|&c| c != '-') {
            let c = match c.to_ascii_uppercase() {
                'I' | 'L' => '1',
                'O' => '0',
                c => c,
            };
            if !c.is_ascii() || !CROCKFORD_ALPHABET.contains(&(c as u8)) {
                return Err(PayloadError::Symbol { symbol: c }.into());
            }
            out.push(c);
        }
        if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&out.len()) {
            return Err(PayloadError::Length {
                len: out.len(),
                min: MIN_CODE_LEN,
                max: MAX_CODE_LEN,
            }
            .into());
        }
        Ok(Self(out))
    }

    /// The code for a number, `len` symbols long (most significant first, zero-padded).
    ///
    /// # Errors
    /// [`MarkerError::Payload`] when `len` is out of range
    /// ([`PayloadError::Length`]) or too short for `value`
    /// ([`PayloadError::TooLarge`]).
    pub fn from_u64(value: u64, len: usize) -> Result<Self, MarkerError> {
        if !(MIN_CODE_LEN..=MAX_CODE_LEN).contains(&len) {
            return Err(PayloadError::Length {
                len,
                min: MIN_CODE_LEN,
                max: MAX_CODE_LEN,
            }
            .into());
        }
        let mut buf = vec![b'0'; len];
        let mut v = value;
        for slot in buf.iter_mut().rev() {
            *slot = CROCKFORD_ALPHABET[(v & 31) as usize];
            v >>= 5;
        }
        if v != 0 {
            return Err(PayloadError::TooLarge { value, len }.into());
        }
        Ok(Self(String::from_utf8_lossy(&buf).into_owned()))
    }

    /// The canonical text, e.g. `"7K3M9Q"`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL to print in the QR code for a server at `https://{host}`:
    /// `https://{host}/m/{code}` (the same as [`Self::url_at`] with that base).
    pub fn url(&self, host: &str) -> String {
        self.url_at(&format!("https://{host}"))
    }

    /// The URL to print in the QR code for a server whose public URL is
    /// `base` (scheme, host, port and path prefix, e.g.
    /// `https://perpus.example.id:8443/pustaka`): `{base}/m/{code}`. A
    /// query, fragment or trailing slash of `base` is left out.
    pub fn url_at(&self, base: &str) -> String {
        let base = base
            .split(['?', '#'])
            .next()
            .unwrap_or(base)
            .trim_end_matches('/');
        format!("{base}{URL_PATH_PREFIX}{}", self.0)
    }
}

impl fmt::Display for MarkerCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// What a scanned code turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScannedContent {
    /// A code of one of our libraries: `https://{host}[:port][/prefix]/m/{code}`
    /// with a configured host.
    Library {
        /// The host as written in the code (lower-cased).
        host: String,
        /// The marker code.
        code: MarkerCode,
    },
    /// Any other URL: shown with its domain, never opened automatically.
    ForeignUrl {
        /// The full text of the code.
        url: String,
        /// The host part, lower-cased, for display ("Bukan kode perpustakaan: evil.example").
        domain: String,
    },
    /// Text that is not a URL.
    Text(String),
    /// Bytes that are not valid text.
    Binary(Vec<u8>),
}

/// Classifies decoded content against the configured library hosts
/// (compared case-insensitively, without port). A library code is an
/// `https://` URL on one of them whose path ends in `/m/{code}` (after any
/// path prefix the server sits under); plain `http://` is never one, since
/// anyone on the network could change what it opens.
pub fn classify(text: Option<&str>, bytes: &[u8], library_hosts: &[&str]) -> ScannedContent {
    let Some(text) = text else {
        return ScannedContent::Binary(bytes.to_vec());
    };
    let trimmed = text.trim();
    let lower = trimmed.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"));
    let Some(rest) = rest else {
        return ScannedContent::Text(text.to_string());
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host).to_string();
    let path = &trimmed[trimmed.len() - (rest.len() - authority_end)..];
    let is_ours = library_hosts.iter().any(|h| h.eq_ignore_ascii_case(&host))
        && lower.starts_with("https://");
    if is_ours
        && let Some(code) = path
            .trim_end_matches('/')
            .rfind(URL_PATH_PREFIX)
            .map(|i| path[i + URL_PATH_PREFIX.len()..].trim_end_matches('/'))
            .and_then(|c| MarkerCode::parse(c).ok())
    {
        return ScannedContent::Library { host, code };
    }
    ScannedContent::ForeignUrl {
        url: text.to_string(),
        domain: host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOSTS: &[&str] = &["perpustakaan.metrokota.go.id"];

    #[test]
    fn parse_is_forgiving_but_canonical() {
        assert_eq!(MarkerCode::parse("7k3m-9q").unwrap().as_str(), "7K3M9Q");
        assert_eq!(MarkerCode::parse("oil0").unwrap().as_str(), "0110");
        assert!(MarkerCode::parse("ABCU").is_err());
        assert!(MarkerCode::parse("AB").is_err());
        assert!(MarkerCode::parse("ÄBCD").is_err());
    }

    #[test]
    fn numbers_round_trip() {
        let c = MarkerCode::from_u64(1234567, 6).unwrap();
        assert_eq!(c.as_str(), "015NM7");
        assert_eq!(MarkerCode::parse("015nm7").unwrap(), c);
        assert!(MarkerCode::from_u64(u64::MAX, 6).is_err());
    }

    #[test]
    fn codes_under_a_port_and_a_path_prefix_are_library_codes() {
        let code = MarkerCode::parse("7K3M9Q").unwrap();
        let base = "https://perpustakaan.metrokota.go.id:8443/pustaka/";
        let url = code.url_at(base);
        assert_eq!(
            url,
            "https://perpustakaan.metrokota.go.id:8443/pustaka/m/7K3M9Q"
        );
        assert_eq!(
            classify(Some(&url), url.as_bytes(), HOSTS),
            ScannedContent::Library {
                host: HOSTS[0].to_owned(),
                code: code.clone()
            }
        );
        // Codes printed before, without port or prefix, still read.
        let old = code.url(HOSTS[0]);
        assert_eq!(old, "https://perpustakaan.metrokota.go.id/m/7K3M9Q");
        assert_eq!(code.url_at("https://perpustakaan.metrokota.go.id"), old);
        assert!(matches!(
            classify(Some(&old), old.as_bytes(), HOSTS),
            ScannedContent::Library { .. }
        ));
        // The path must end in the code.
        let other = "https://perpustakaan.metrokota.go.id/m/7K3M9Q/edit";
        assert!(matches!(
            classify(Some(other), b"", HOSTS),
            ScannedContent::ForeignUrl { .. }
        ));
    }

    #[test]
    fn classify_sorts_library_foreign_text_binary() {
        let url = "https://Perpustakaan.MetroKota.go.id/m/7k3m9q";
        match classify(Some(url), url.as_bytes(), HOSTS) {
            ScannedContent::Library { code, .. } => assert_eq!(code.as_str(), "7K3M9Q"),
            other => panic!("{other:?}"),
        }
        let phish = "https://perpustakaan.metrokota.go.id.evil.example/m/7K3M9Q";
        assert!(matches!(
            classify(Some(phish), phish.as_bytes(), HOSTS),
            ScannedContent::ForeignUrl { domain, .. } if domain == "perpustakaan.metrokota.go.id.evil.example"
        ));
        let userinfo = "https://perpustakaan.metrokota.go.id@evil.example/m/7K3M9Q";
        assert!(matches!(
            classify(Some(userinfo), b"", HOSTS),
            ScannedContent::ForeignUrl { .. }
        ));
        let plain_http = "http://perpustakaan.metrokota.go.id/m/7K3M9Q";
        assert!(matches!(
            classify(Some(plain_http), b"", HOSTS),
            ScannedContent::ForeignUrl { .. }
        ));
        assert_eq!(
            classify(Some("halo"), b"halo", HOSTS),
            ScannedContent::Text("halo".into())
        );
        assert_eq!(
            classify(None, &[0xff], HOSTS),
            ScannedContent::Binary(vec![0xff])
        );
    }
}
