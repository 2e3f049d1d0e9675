//! Wire types shared by the Pustaka AR app and the content server.
//!
//! Everything that crosses HTTP between `pustaka-mobile` and `pustaka-backend`
//! is one of these types, serialised as JSON with `snake_case` fields. This
//! crate depends on serde alone so that the app, the server and the tests
//! agree on the shapes at compile time.
#![deny(missing_docs)]

use serde::{Deserialize, Serialize};

/// The API version prefix every JSON route lives under.
pub const API_PREFIX: &str = "/api/v1";

/// A language of visitor-facing text: Bahasa Indonesia first, English second.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
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
}

/// What a marker points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// A book or other title in the catalogue.
    Title,
    /// A shelf (a classification range in a place).
    Shelf,
    /// An event with a date and a place.
    Event,
    /// One stop of a guided reading tour.
    TourStop,
}

/// `GET /api/v1/markers/{code}`: what the app overlays on a code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
}

/// `GET /healthz`: the server is up and its database answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Health {
    /// Always `"ok"` when the response is 200.
    pub status: String,
    /// The server's version (Cargo package version).
    pub version: String,
}

/// The one error envelope of every JSON route (4xx and 5xx).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiErrorBody {
    /// The error.
    pub error: ApiError,
}

/// The error inside [`ApiErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable machine-readable code, e.g. `"not_found"`, `"bad_request"`.
    pub code: String,
    /// A message safe to show a visitor.
    pub message: String,
}

mod content;
pub use content::*;

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
