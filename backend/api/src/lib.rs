//! Wire types shared by the Pustaka AR app and the content server.
//!
//! Everything that crosses HTTP between `pustaka-mobile` and `pustaka-backend`
//! is one of these types, serialised as JSON with `snake_case` fields. This
//! crate depends on serde alone so that the app, the server and the tests
//! agree on the shapes at compile time.
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// Declares a fieldless enum whose variants travel as fixed words. Each word is
/// written once, next to its variant, and gives serde's name, `as_str`,
/// `Display`, `FromStr`, `TryFrom<String>` and `ALL`, so the wire, the database columns and the
/// OpenAPI schema (feature `openapi`) read the same list.
macro_rules! wire_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $word:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $( $(#[$vmeta])* #[serde(rename = $word)] $variant, )+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The word on the wire and in the database.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $word, )+
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::ParseWireError;

            fn from_str(word: &str) -> Result<Self, Self::Err> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == word)
                    .ok_or_else(|| $crate::ParseWireError {
                        what: stringify!($name),
                        word: word.chars().take(40).collect(),
                    })
            }
        }

        /// As [`FromStr`](::std::str::FromStr); lets a database row decode the
        /// column straight into the enum (`#[sqlx(try_from = "String")]`).
        impl ::std::convert::TryFrom<String> for $name {
            type Error = $crate::ParseWireError;

            fn try_from(word: String) -> Result<Self, Self::Error> {
                word.parse()
            }
        }
    };
}

/// A word that is none of an enum's wire words (e.g. `"gif"` for a
/// [`MediaExt`], or a database column holding an unknown role).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseWireError {
    /// The enum's name, e.g. `MediaRole`.
    pub what: &'static str,
    /// The word that was read (at most 40 characters of it).
    pub word: String,
}

impl std::fmt::Display for ParseWireError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?} is not a {}", self.word, self.what)
    }
}

impl std::error::Error for ParseWireError {}

/// The API version prefix every JSON route lives under.
pub const API_PREFIX: &str = "/api/v1";

/// A language of visitor-facing text: Bahasa Indonesia first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// Bahasa Indonesia (BCP 47 `id`), the default.
    #[default]
    Id,
    /// English (BCP 47 `en`).
    En,
}

impl Lang {
    /// The BCP 47 tag, `"id"` or `"en"`.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::Id => "id",
            Lang::En => "en",
        }
    }

    /// The other of the two languages (Indonesian ↔ English): the fallback
    /// when content or a saved copy is missing in this one.
    pub fn other(self) -> Lang {
        match self {
            Lang::Id => Lang::En,
            Lang::En => Lang::Id,
        }
    }
}

wire_enum! {
    /// What a marker points at (also the `target_kind` column of markers).
    pub enum TargetKind {
        /// A book or other title in the catalogue.
        Title = "title",
        /// A shelf (a classification range in a place).
        Shelf = "shelf",
        /// An event with a date and a place.
        Event = "event",
        /// One stop of a guided reading tour.
        TourStop = "tour_stop",
    }
}

/// `GET /api/v1/markers/{code}`: what the app overlays on a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MarkerOverlay {
    /// The canonical marker code (Crockford base-32).
    pub code: String,
    /// What the marker points at.
    pub kind: TargetKind,
    /// The printed side length of the code in metres, needed for pose estimation.
    pub size_m: f64,
    /// The headline, in the requested language (falls back to Indonesian).
    pub title: String,
    /// A second line: author for a title, place for an event, location for a shelf.
    pub subtitle: Option<String>,
    /// Longer text: synopsis, event description or shelf introduction.
    pub body: Option<String>,
    /// The languages this content is available in.
    pub languages: Vec<Lang>,
    /// Media to show with the overlay (cover, trailer, poster, narration), each with
    /// its type, size and dimensions or duration. Empty when there is none.
    #[serde(default)]
    pub media: Vec<MediaRef>,
    /// Id of the target in its collection (`/titles/{id}`, `/shelves/{id}`,
    /// `/events/{id}`, or the tour stop's id), for follow-up requests.
    #[serde(default)]
    pub target_id: Option<i64>,
    /// The tour this stop belongs to, when `kind` is `tour_stop`.
    #[serde(default)]
    pub tour_id: Option<i64>,
    /// Absolute URL of the web fallback page of this code (`/m/{code}`), for sharing.
    #[serde(default)]
    pub web_url: Option<String>,
    /// Link to an e-book edition of the title (`kind` = `title` only), when the
    /// library has one; the app offers it as a "read the e-book" action.
    #[serde(default)]
    pub ebook_url: Option<String>,
    /// For a shelf (`kind` = `shelf`): the titles the librarians feature on
    /// it, in their order, at most [`FEATURED_ON_OVERLAY`]; empty otherwise.
    /// The card lists them with their call numbers, so a visitor can find them.
    #[serde(default)]
    pub featured: Vec<TitleSummary>,
    /// For an event (`kind` = `event`): whether it has ended. The subtitle
    /// then starts with "Acara sudah lewat" / "This event is over"; the app
    /// may also mark the card. `false` for every other kind.
    #[serde(default)]
    pub event_over: bool,
}

/// Most featured titles a shelf's overlay carries (the card shows the first
/// three, the detail panel all of them; `GET /api/v1/shelves/{id}` has the rest).
pub const FEATURED_ON_OVERLAY: usize = 8;

/// `GET /healthz`: the server is up and its database answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// Always `"ok"` when the response is 200.
    pub status: String,
    /// The server's version (Cargo package version).
    pub version: String,
}

/// The one error envelope of every JSON route (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The error inside [`ApiErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiError {
    /// A stable machine-readable code (a `snake_case` string on the wire, e.g.
    /// `"marker_not_found"`). Clients localise by this code, never by `message`.
    pub code: ErrorCode,
    /// A short English explanation for developers and logs (not localised).
    pub message: String,
}

/// Stable machine-readable error codes of the JSON API. On the wire each is its
/// `snake_case` name; a code is never renamed or reused for another meaning,
/// and a client that meets a code it does not know reads it as
/// [`ErrorCode::Unknown`] (then falls back on the HTTP status).
///
/// The generic codes (`bad_request`, `not_found`, `payload_too_large`,
/// `too_many_requests`, `internal`) are used where no specific code applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// 400: the request is malformed in a way no specific code describes.
    BadRequest,
    /// 400: a marker code that is not a valid code (Crockford base-32, length).
    InvalidMarkerCode,
    /// 400: a path segment of the wrong type, e.g. `/titles/abc`.
    InvalidPath,
    /// 400: a query parameter that cannot be read, e.g. `?lang=fr` or `?limit=0`.
    InvalidQuery,
    /// 400: `from`/`to` of `/events` unreadable, or `to` not after `from`.
    InvalidDateRange,
    /// 400: the body is not the JSON the route expects.
    InvalidJson,
    /// 400: a scan of a batch has a malformed code or an out-of-window time
    /// (the message names the scan); nothing of the batch was stored.
    InvalidScan,
    /// 404: nothing at this URL.
    NotFound,
    /// 404: no such route under `/api/v1`.
    RouteNotFound,
    /// 404: the marker code is unknown or deactivated.
    MarkerNotFound,
    /// 404: no title with this id.
    TitleNotFound,
    /// 404: no shelf with this id.
    ShelfNotFound,
    /// 404: no event with this id.
    EventNotFound,
    /// 404: no (active) tour with this id.
    TourNotFound,
    /// 405: the route exists but not for this HTTP method.
    MethodNotAllowed,
    /// 413: the request is too large (generic).
    PayloadTooLarge,
    /// 413: the request body is over the route's byte limit.
    BodyTooLarge,
    /// 413: more scans in one batch than [`MAX_SCANS_PER_BATCH`].
    BatchTooLarge,
    /// 429: too many requests from this client; retry later.
    TooManyRequests,
    /// 500: a server fault; details are logged on the server, never sent.
    Internal,
    /// A code this version of the wire types does not know (a newer server).
    #[serde(other)]
    Unknown,
}

impl ErrorCode {
    /// The HTTP status that goes with the code (500 for [`ErrorCode::Unknown`]).
    pub fn http_status(self) -> u16 {
        use ErrorCode::*;
        match self {
            BadRequest | InvalidMarkerCode | InvalidPath | InvalidQuery | InvalidDateRange
            | InvalidJson | InvalidScan => 400,
            NotFound | RouteNotFound | MarkerNotFound | TitleNotFound | ShelfNotFound
            | EventNotFound | TourNotFound => 404,
            MethodNotAllowed => 405,
            PayloadTooLarge | BodyTooLarge | BatchTooLarge => 413,
            TooManyRequests => 429,
            Internal | Unknown => 500,
        }
    }

    /// The wire name, e.g. `"marker_not_found"` (`"unknown"` for [`ErrorCode::Unknown`]).
    pub fn as_str(self) -> &'static str {
        use ErrorCode::*;
        match self {
            BadRequest => "bad_request",
            InvalidMarkerCode => "invalid_marker_code",
            InvalidPath => "invalid_path",
            InvalidQuery => "invalid_query",
            InvalidDateRange => "invalid_date_range",
            InvalidJson => "invalid_json",
            InvalidScan => "invalid_scan",
            NotFound => "not_found",
            RouteNotFound => "route_not_found",
            MarkerNotFound => "marker_not_found",
            TitleNotFound => "title_not_found",
            ShelfNotFound => "shelf_not_found",
            EventNotFound => "event_not_found",
            TourNotFound => "tour_not_found",
            MethodNotAllowed => "method_not_allowed",
            PayloadTooLarge => "payload_too_large",
            BodyTooLarge => "body_too_large",
            BatchTooLarge => "batch_too_large",
            TooManyRequests => "too_many_requests",
            Internal => "internal",
            Unknown => "unknown",
        }
    }

    /// Every code except [`ErrorCode::Unknown`] (for documentation and tests).
    pub const ALL: [ErrorCode; 20] = {
        use ErrorCode::*;
        [
            BadRequest,
            InvalidMarkerCode,
            InvalidPath,
            InvalidQuery,
            InvalidDateRange,
            InvalidJson,
            InvalidScan,
            NotFound,
            RouteNotFound,
            MarkerNotFound,
            TitleNotFound,
            ShelfNotFound,
            EventNotFound,
            TourNotFound,
            MethodNotAllowed,
            PayloadTooLarge,
            BodyTooLarge,
            BatchTooLarge,
            TooManyRequests,
            Internal,
        ]
    };
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

mod content;
mod media;
pub use content::*;
pub use media::*;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlay_json_shape_is_stable() {
        let o = MarkerOverlay {
            code: "7K3M9Q".into(),
            kind: TargetKind::TourStop,
            size_m: 0.05,
            title: "Si Kancil".into(),
            subtitle: None,
            body: None,
            languages: vec![Lang::Id, Lang::En],
            media: vec![],
            target_id: Some(3),
            tour_id: None,
            web_url: None,
            ebook_url: None,
            featured: vec![],
            event_over: false,
        };
        let json = serde_json::to_string(&o).unwrap();
        assert!(json.contains("\"kind\":\"tour_stop\""), "{json}");
        assert!(json.contains("\"languages\":[\"id\",\"en\"]"), "{json}");
        let back: MarkerOverlay = serde_json::from_str(&json).unwrap();
        assert_eq!(back, o);
    }
}

#[cfg(test)]
mod compat_tests {
    use super::*;

    /// Error codes are `snake_case` strings on the wire, `as_str` agrees with
    /// serde, and a code from a newer server reads as `Unknown`.
    #[test]
    fn error_codes_are_stable_strings() {
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
            assert!((400..600).contains(&code.http_status()));
        }
        let body: ApiErrorBody =
            serde_json::from_str(r#"{"error":{"code":"brand_new","message":"x"}}"#).unwrap();
        assert_eq!(body.error.code, ErrorCode::Unknown);
        let old: ApiErrorBody =
            serde_json::from_str(r#"{"error":{"code":"not_found","message":"x"}}"#).unwrap();
        assert_eq!(old.error.code, ErrorCode::NotFound);
    }

    /// A server without the optional overlay fields must still parse (older servers).
    #[test]
    fn overlay_without_new_fields_parses() {
        let json = r#"{"code":"BK0001","kind":"title","size_m":0.05,"title":"T",
            "subtitle":null,"body":null,"languages":["id"]}"#;
        let o: MarkerOverlay = serde_json::from_str(json).unwrap();
        assert!(o.media.is_empty());
        assert_eq!(o.target_id, None);
    }
}
