//! Library content on the wire: titles, shelves, events, tours, and
//! anonymous scan batches (media references are in [`crate::media`]).
//!
//! Every visitor-facing string is already resolved to the language asked for
//! with `?lang=` (falling back to Indonesian), and each response lists the
//! languages it has in `languages`. Times are RFC 3339 strings with the WIB
//! offset (`+07:00`).

use serde::{Deserialize, Serialize};

use crate::{Lang, MediaRef};

/// A title in lists (`GET /api/v1/titles`, a shelf's featured titles).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TitleSummary {
    /// Id for `GET /api/v1/titles/{id}`.
    pub id: i64,
    /// Title as displayed (MARC 245 $a $b).
    pub title: String,
    /// Main author, as catalogued (MARC 100).
    pub author: Option<String>,
    /// Shelf mark, e.g. `398.2 KAN s`.
    pub call_number: Option<String>,
    /// ISBN-13, digits only.
    pub isbn13: Option<String>,
    /// `children`, `teen` or `adult`, when known.
    pub age_group: Option<String>,
    /// The cover, when there is one.
    pub cover: Option<MediaRef>,
}

/// `GET /api/v1/titles/{id}`: one title with everything the app shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TitleDetail {
    /// Id of the title.
    pub id: i64,
    /// Title as displayed.
    pub title: String,
    /// Main author first, then added authors (MARC 100, 700).
    pub authors: Vec<String>,
    /// Shelf mark.
    pub call_number: Option<String>,
    /// ISBN-13, digits only.
    pub isbn13: Option<String>,
    /// Language of the book as a MARC/ISO 639-2 code, e.g. `ind`, `eng`.
    pub language: Option<String>,
    /// Synopsis in the requested language (falls back to Indonesian).
    pub synopsis: Option<String>,
    /// Subject headings (MARC 650).
    pub subjects: Vec<String>,
    /// `children`, `teen` or `adult`, when known.
    pub age_group: Option<String>,
    /// Publisher, as catalogued.
    pub publisher: Option<String>,
    /// Publication year, as catalogued (may be approximate, e.g. `c2003`).
    pub year: Option<String>,
    /// Link to an e-book edition, when the library has one.
    pub ebook_url: Option<String>,
    /// Cover, trailer and narration.
    pub media: Vec<MediaRef>,
    /// Languages the visitor texts are available in.
    pub languages: Vec<Lang>,
}

/// A page of a longer list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: u64,
    /// The page size asked for.
    pub limit: u32,
    /// How many items were skipped.
    pub offset: u32,
}

/// `GET /api/v1/shelves/{id}` (and the items of `GET /api/v1/shelves`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ShelfResponse {
    /// Id of the shelf.
    pub id: i64,
    /// Shelf name in the requested language.
    pub name: String,
    /// Classification range, e.g. `398` or `800-899`.
    pub class_range: Option<String>,
    /// Where it stands, e.g. `Lantai 1, Ruang Anak`.
    pub location: Option<String>,
    /// An introduction to the shelf in the requested language.
    pub description: Option<String>,
    /// Titles the librarians feature on this shelf, in their order.
    pub featured: Vec<TitleSummary>,
    /// Languages the visitor texts are available in.
    pub languages: Vec<Lang>,
}

/// `GET /api/v1/events/{id}` (and the items of `GET /api/v1/events`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EventResponse {
    /// Id of the event.
    pub id: i64,
    /// Event name in the requested language.
    pub title: String,
    /// Description in the requested language.
    pub description: Option<String>,
    /// Start, RFC 3339 with the WIB offset, e.g. `2026-12-05T09:00:00+07:00`.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub starts_at: String,
    /// End, RFC 3339 with the WIB offset.
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub ends_at: String,
    /// Where it takes place.
    pub place: String,
    /// Who it is for, e.g. `Anak 5–10 tahun`, in the requested language.
    pub audience: Option<String>,
    /// Where to register, when registration is needed.
    pub registration_url: Option<String>,
    /// Absolute URL of this event as an iCalendar file (add to calendar).
    pub calendar_url: String,
    /// Poster and promotional video.
    pub media: Vec<MediaRef>,
    /// Languages the visitor texts are available in.
    pub languages: Vec<Lang>,
    /// Whether the event has ended ("Acara sudah lewat" / "This event is over").
    #[serde(default)]
    pub over: bool,
}

/// A tour in `GET /api/v1/tours`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TourSummary {
    /// Id for `GET /api/v1/tours/{id}`.
    pub id: i64,
    /// Tour name in the requested language.
    pub name: String,
    /// Short description in the requested language.
    pub description: Option<String>,
    /// Number of stops.
    pub stop_count: u32,
}

/// `GET /api/v1/tours/{id}`: a tour with all its stops, so the app can
/// prefetch it for offline use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TourResponse {
    /// Id of the tour.
    pub id: i64,
    /// Tour name in the requested language.
    pub name: String,
    /// Description in the requested language.
    pub description: Option<String>,
    /// The stops in visiting order.
    pub stops: Vec<TourStop>,
    /// Languages the visitor texts are available in.
    pub languages: Vec<Lang>,
}

/// One stop of a tour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TourStop {
    /// Id of the stop (a marker's `target_id` when its kind is `tour_stop`).
    pub id: i64,
    /// 1-based position in the tour.
    pub position: u32,
    /// The code of the marker placed at this stop, when one is placed.
    pub marker_code: Option<String>,
    /// The clue that leads the visitor to this stop.
    pub clue: String,
    /// What the app tells (or reads aloud) at the stop.
    pub narration: Option<String>,
    /// Recorded narration, when there is one.
    pub narration_audio: Option<MediaRef>,
    /// A question to answer at the stop.
    pub question: Option<Question>,
    /// The badge earned at this stop.
    pub badge: Option<Badge>,
}

/// A multiple-choice question at a tour stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// The question text.
    pub prompt: String,
    /// The choices in display order.
    pub choices: Vec<Choice>,
}

/// One answer choice.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Choice {
    /// The choice text.
    pub text: String,
    /// Whether this choice is right.
    pub correct: bool,
    /// What to say when the visitor picks it.
    pub feedback: Option<String>,
}

/// A badge a visitor earns at a tour stop.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Badge {
    /// Badge name in the requested language.
    pub name: String,
    /// The badge picture, when there is one.
    pub image: Option<MediaRef>,
}

wire_enum! {
    /// The kind of client that scanned a code.
    pub enum ClientKind {
        /// The Android app.
        Android = "android",
        /// The iOS app.
        Ios = "ios",
        /// The desktop build of the app.
        Desktop = "desktop",
        /// The web fallback page.
        Web = "web",
    }
}

/// One anonymous scan: which code, when, from what kind of client. No device
/// id, no location, nothing personal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanEvent {
    /// The marker code as scanned.
    pub code: String,
    /// When it was scanned, RFC 3339 (any offset).
    #[cfg_attr(feature = "openapi", schema(format = DateTime))]
    pub scanned_at: String,
    /// The client kind.
    pub client: ClientKind,
}

/// `POST /api/v1/scans` body: a batch of scans the app collected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanBatch {
    /// The scans, at most [`MAX_SCANS_PER_BATCH`].
    // utoipa takes literals only: a server test checks 500 against MAX_SCANS_PER_BATCH.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub scans: Vec<ScanEvent>,
}

/// The most scans one `POST /api/v1/scans` may carry.
pub const MAX_SCANS_PER_BATCH: usize = 500;

/// `202 Accepted` answer to a scan batch: `accepted + rejected` is the
/// number of scans sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScanAccepted {
    /// How many scans were stored (their code is a marker of this library).
    pub accepted: u32,
    /// How many well-formed scans were dropped because their code is not a
    /// marker of this library (e.g. a code of another library, or one that was
    /// deleted). The client should not resend them. `0` from older servers.
    #[serde(default)]
    pub rejected: u32,
}
