//! Markers in the back office: list (with scan counts and the public page of
//! each code), create for any target with a new code made here, edit the
//! label, placement note and printed size, activate or deactivate.
//!
//! Codes are also made in bulk ([`bulk`]): for a shelf and its featured
//! titles, for every stop of a tour, for the titles a search shows, for
//! every title of a catalogue import or for a call-number range; a target
//! that already has a code keeps it.
//!
//! Markers are physical labels, not visitor text, so changes apply at once
//! (no draft); each one is audited in the same transaction and empties the
//! overlay cache, so a deactivated code stops resolving immediately.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use askama::Template;
use axum::body::Bytes;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::{Lang, TargetKind};
use pustaka_markers::payload::MarkerCode;
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, confirm, i18n};
use crate::startup::AppState;

/// The marker routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/markers", Librarian, list)
        .post("/admin/markers", Librarian, create)
        .post("/admin/markers/bulk", Librarian, bulk)
        .get("/admin/markers/{code}", Librarian, edit)
        .post("/admin/markers/{code}", Librarian, save)
        .post("/admin/markers/{code}/active", Librarian, set_active)
        .get("/admin/markers/{code}/delete", Librarian, delete_confirm)
        .post("/admin/markers/{code}/delete", Librarian, delete)
}

/// Symbols of a generated code: 6 Crockford base-32 symbols = 30 random bits,
/// as long as the demo codes, short enough to type from a label.
pub const GENERATED_CODE_LEN: usize = 6;
/// Attempts at a free random code before giving up (a collision is a one in
/// a million event per attempt while the library has fewer than a thousand codes).
pub const CODE_ATTEMPTS: usize = 20;
/// Smallest printed side of a code, in millimetres (phones cannot read smaller).
pub const MIN_SIZE_MM: i64 = 10;
/// Largest printed side, in millimetres (an A3 poster).
pub const MAX_SIZE_MM: i64 = 500;
/// Printed side of a new code unless changed, in millimetres.
pub const DEFAULT_SIZE_MM: i64 = 50;
/// Longest label or placement note, in characters.
pub const MAX_LABEL_CHARS: usize = 200;

/// One marker as the list shows it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkerListRow {
    /// Canonical code.
    pub code: String,
    /// What it points at.
    #[sqlx(try_from = "String")]
    pub target_kind: TargetKind,
    /// Target row id.
    pub target_id: i64,
    /// The target's name (`None` when the target is gone).
    pub target_name: Option<String>,
    /// The target's back-office page.
    pub target_href: Option<String>,
    /// Librarian's label.
    pub label: String,
    /// Placement note.
    pub placement: Option<String>,
    /// Printed side in metres.
    pub size_m: f64,
    /// Whether it resolves.
    pub active: bool,
    /// Scans recorded.
    pub scans: i64,
    /// When it was last printed from the back office (UTC, RFC 3339).
    pub printed_at: Option<String>,
    /// The print layout the stored size comes from (`None`: typed by hand
    /// or the default); see [`super::print::visitor_layouts`].
    pub size_layout: Option<String>,
    /// When that print was made (UTC, RFC 3339).
    pub size_printed_at: Option<String>,
}

impl MarkerListRow {
    /// Printed side in whole millimetres.
    pub fn size_mm(&self) -> i64 {
        mm_from_m(self.size_m)
    }
}

/// Metres → whole millimetres.
pub fn mm_from_m(m: f64) -> i64 {
    // Sizes are 0.01–0.5 m: far inside i64, and rounding avoids 49.999… → 49.
    (m * 1000.0).round() as i64
}

const LIST_SQL: &str = "SELECT m.code, m.target_kind, m.target_id, m.label, m.placement, m.size_m, m.active, m.printed_at,
        m.size_layout, m.size_printed_at,
        (SELECT COUNT(*) FROM scan_events s WHERE s.code = m.code) AS scans,
        CASE m.target_kind
          WHEN 'title' THEN (SELECT title FROM titles WHERE id = m.target_id)
          WHEN 'shelf' THEN (SELECT name_id FROM shelves WHERE id = m.target_id)
          WHEN 'event' THEN (SELECT title_id FROM events WHERE id = m.target_id)
          WHEN 'tour_stop' THEN (SELECT t.name_id || ' · ' || s.position || ': ' || s.clue_id
                                   FROM tour_stops s JOIN tours t ON t.id = s.tour_id WHERE s.id = m.target_id)
        END AS target_name,
        CASE m.target_kind
          WHEN 'title' THEN '/admin/titles/' || m.target_id
          WHEN 'shelf' THEN '/admin/shelves/' || m.target_id
          WHEN 'event' THEN '/admin/events/' || m.target_id
          WHEN 'tour_stop' THEN (SELECT '/admin/tours/' || s.tour_id || '/stops/s' || s.id
                                   FROM tour_stops s WHERE s.id = m.target_id)
        END AS target_href
   FROM markers m";

/// A target choice for the new-marker select box.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TargetChoice {
    /// `kind:id`, e.g. `shelf:3`.
    pub value: String,
    /// What the librarian reads.
    pub label: String,
}

/// The choices of one target kind (an `<optgroup>`).
#[derive(Debug, Clone)]
pub struct TargetGroup {
    /// Their kind.
    pub kind: TargetKind,
    /// The choices, in the order the select box shows them.
    pub choices: Vec<TargetChoice>,
}

/// Shelves, events and tour stops (titles are too many for a select box and
/// are given by id or ISBN-13).
async fn target_choices(pool: &SqlitePool) -> sqlx::Result<Vec<TargetGroup>> {
    let shelves = sqlx::query_as(
        "SELECT 'shelf:' || id AS value, name_id || COALESCE(' (' || class_range || ')', '') AS label
           FROM shelves ORDER BY name_id, id",
    )
    .fetch_all(pool)
    .await?;
    let events = sqlx::query_as(
        "SELECT 'event:' || id AS value, substr(starts_at, 1, 10) || ' · ' || title_id AS label
           FROM events ORDER BY starts_at DESC, id",
    )
    .fetch_all(pool)
    .await?;
    let stops = sqlx::query_as(
        "SELECT 'tour_stop:' || s.id AS value, t.name_id || ' · ' || s.position || ': ' || s.clue_id AS label
           FROM tour_stops s JOIN tours t ON t.id = s.tour_id ORDER BY t.name_id, t.id, s.position",
    )
    .fetch_all(pool)
    .await?;
    Ok(vec![
        TargetGroup {
            kind: TargetKind::Shelf,
            choices: shelves,
        },
        TargetGroup {
            kind: TargetKind::Event,
            choices: events,
        },
        TargetGroup {
            kind: TargetKind::TourStop,
            choices: stops,
        },
    ])
}

/// Most titles a name search offers in the new-code select box.
pub const FIND_LIMIT: i64 = 20;

/// Titles whose title, author, ISBN-13 or call number contains `find`, as
/// select-box choices (`title:ID`), at most [`FIND_LIMIT`], by title.
async fn find_titles(pool: &SqlitePool, find: &str) -> sqlx::Result<Vec<TargetChoice>> {
    let pattern = format!("%{}%", find.trim().replace(['%', '_'], ""));
    sqlx::query_as(
        "SELECT 'title:' || id AS value,
                title || COALESCE(' · ' || author, '') || COALESCE(' · ' || call_number, '') AS label
           FROM titles
          WHERE title LIKE ?1 OR author LIKE ?1 OR isbn13 LIKE ?1 OR call_number LIKE ?1
          ORDER BY title, id LIMIT ?2",
    )
    .bind(pattern)
    .bind(FIND_LIMIT)
    .fetch_all(pool)
    .await
}

/// Codes a list page shows at once.
pub const PAGE_SIZE: i64 = 50;

/// Which codes a list shows: the filters of the codes list and of the print
/// page, read from the address's query (so a filtered view can be
/// bookmarked). Values that do not parse are ignored, never an error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CodeFilter {
    /// Part of the code, the label or the target's name (`q`).
    pub q: String,
    /// Only codes pointing at this kind of target (`kind`).
    pub kind: Option<TargetKind>,
    /// Only the shelf's own code and those of its featured titles (`shelf`).
    pub shelf: Option<i64>,
    /// Only codes nobody has scanned yet (`never=1`).
    pub never_scanned: bool,
    /// Only deactivated codes (`inactive=1`).
    pub inactive: bool,
    /// Only codes never printed from the back office (`unprinted=1`).
    pub unprinted: bool,
    /// 1-based page of [`PAGE_SIZE`] codes (`page`).
    pub page: i64,
}

impl CodeFilter {
    /// Reads the filter from an urlencoded query; other fields are skipped.
    pub fn from_query(query: &str) -> Self {
        let mut f = Self {
            page: 1,
            ..Self::default()
        };
        for (k, v) in form_urlencoded::parse(query.as_bytes()) {
            let v = v.trim();
            match k.as_ref() {
                "q" => f.q = v.to_owned(),
                "kind" => f.kind = v.parse().ok(),
                "shelf" => f.shelf = v.parse().ok(),
                "never" => f.never_scanned = v == "1",
                "inactive" => f.inactive = v == "1",
                "unprinted" => f.unprinted = v == "1",
                "page" => f.page = v.parse().unwrap_or(1).max(1),
                _ => {}
            }
        }
        f
    }

    /// The filter as query pairs (without the page), for links and forms.
    pub fn pairs(&self) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        if !self.q.is_empty() {
            out.push(("q", self.q.clone()));
        }
        if let Some(k) = self.kind {
            out.push(("kind", k.as_str().to_owned()));
        }
        if let Some(s) = self.shelf {
            out.push(("shelf", s.to_string()));
        }
        if self.never_scanned {
            out.push(("never", "1".to_owned()));
        }
        if self.inactive {
            out.push(("inactive", "1".to_owned()));
        }
        if self.unprinted {
            out.push(("unprinted", "1".to_owned()));
        }
        out
    }

    /// `base?filter&page=N`.
    pub fn link(&self, base: &str, page: i64) -> String {
        let mut ser = form_urlencoded::Serializer::new(String::new());
        for (k, v) in self.pairs() {
            ser.append_pair(k, &v);
        }
        ser.append_pair("page", &page.to_string());
        format!("{base}?{}", ser.finish())
    }

    /// Whether any filter narrows the list.
    pub fn narrows(&self) -> bool {
        !self.pairs().is_empty()
    }
}

/// `WHERE` clause over [`LIST_SQL`]'s columns for binds `?1`–`?6` of
/// [`filtered`].
const FILTER_SQL: &str = "(?1 IS NULL OR code LIKE ?1 OR label LIKE ?1 OR target_name LIKE ?1)
    AND (?2 IS NULL OR target_kind = ?2)
    AND (?3 IS NULL OR (target_kind = 'shelf' AND target_id = ?3)
         OR (target_kind = 'title' AND target_id IN (SELECT title_id FROM shelf_titles WHERE shelf_id = ?3)))
    AND (?4 = 0 OR scans = 0)
    AND (?5 = 0 OR active = 0)
    AND (?6 = 0 OR printed_at IS NULL)";

/// The codes `f` selects, by code: one page of them (`Some(page size)`) or
/// all (`None`), and how many there are in all.
///
/// # Errors
/// Database errors.
pub async fn filtered(
    pool: &SqlitePool,
    f: &CodeFilter,
    page_size: Option<i64>,
) -> sqlx::Result<(Vec<MarkerListRow>, i64)> {
    let pattern = (!f.q.is_empty()).then(|| format!("%{}%", f.q.replace(['%', '_'], "")));
    let kind = f.kind.map(|k| k.as_str());
    let total: i64 = sqlx::query_scalar(&format!(
        "SELECT COUNT(*) FROM ({LIST_SQL}) WHERE {FILTER_SQL}"
    ))
    .bind(&pattern)
    .bind(kind)
    .bind(f.shelf)
    .bind(f.never_scanned)
    .bind(f.inactive)
    .bind(f.unprinted)
    .fetch_one(pool)
    .await?;
    let (limit, offset) = match page_size {
        Some(n) => (n, (f.page.max(1) - 1) * n),
        None => (-1, 0),
    };
    let rows = sqlx::query_as(&format!(
        "SELECT * FROM ({LIST_SQL}) WHERE {FILTER_SQL} ORDER BY code LIMIT ?7 OFFSET ?8"
    ))
    .bind(&pattern)
    .bind(kind)
    .bind(f.shelf)
    .bind(f.never_scanned)
    .bind(f.inactive)
    .bind(f.unprinted)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    Ok((rows, total))
}

/// The shelves a filter can pick, as `(id, name)`, by name.
///
/// # Errors
/// Database errors.
pub async fn shelf_options(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as("SELECT id, name_id FROM shelves ORDER BY name_id, id")
        .fetch_all(pool)
        .await
}

/// Form of `POST /admin/markers`.
#[derive(Debug, Clone, Deserialize)]
pub struct CreateForm {
    /// `kind:id` from the select box, or empty to use `title`.
    #[serde(default)]
    pub target: String,
    /// A title's ISBN-13 (when `target` is empty).
    #[serde(default)]
    pub title: String,
    /// Librarian's label (required).
    #[serde(default)]
    pub label: String,
    /// Where the code is stuck.
    #[serde(default)]
    pub placement: String,
    /// Printed side in millimetres.
    #[serde(default)]
    pub size_mm: String,
}

impl Default for CreateForm {
    fn default() -> Self {
        Self {
            target: String::new(),
            title: String::new(),
            label: String::new(),
            placement: String::new(),
            size_mm: DEFAULT_SIZE_MM.to_string(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/markers.html")]
struct ListPage {
    p: Page,
    rows: Vec<MarkerListRow>,
    filter: CodeFilter,
    shelves: Vec<(i64, String)>,
    kinds: &'static [TargetKind],
    total: i64,
    pages: i64,
    groups: Vec<TargetGroup>,
    /// The title search of the new-code form and what it found.
    find: String,
    found: Vec<TargetChoice>,
    f: CreateForm,
    errors: Vec<String>,
    public_url: String,
    min_mm: i64,
    max_mm: i64,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    mut filter: CodeFilter,
    find: String,
    mut f: CreateForm,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/markers").await?;
    let mut found = if find.trim().is_empty() {
        Vec::new()
    } else {
        find_titles(&state.db, &find).await?
    };
    // A re-shown form keeps the title it had chosen among the choices.
    if let Some(id) = f.target.strip_prefix("title:")
        && !found.iter().any(|c| c.value == f.target)
    {
        found.extend(
            sqlx::query_as::<_, TargetChoice>(
                "SELECT 'title:' || id AS value, title AS label FROM titles WHERE id = ?",
            )
            .bind(id)
            .fetch_optional(&state.db)
            .await?,
        );
    }
    // A fresh search picks its first match and offers its name as the label:
    // one click ("Buat kode") makes the code.
    if let Some(first) = found.first().filter(|_| f.target.is_empty()) {
        f.target = first.value.clone();
        if f.label.is_empty() {
            f.label = first
                .label
                .split(" · ")
                .next()
                .unwrap_or_default()
                .to_owned();
        }
    }
    let (mut rows, total) = filtered(&state.db, &filter, Some(PAGE_SIZE)).await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    if filter.page > pages {
        filter.page = pages;
        rows = filtered(&state.db, &filter, Some(PAGE_SIZE)).await?.0;
    }
    let failed = !errors.is_empty();
    let mut resp = render(&ListPage {
        p,
        rows,
        filter,
        shelves: shelf_options(&state.db).await?,
        kinds: TargetKind::ALL,
        total,
        pages,
        groups: target_choices(&state.db).await?,
        find,
        found,
        f,
        errors,
        public_url: state.public_url.to_string(),
        min_mm: MIN_SIZE_MM,
        max_mm: MAX_SIZE_MM,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/markers?q=&kind=&shelf=&never=1&inactive=1&page=N&find=`: the
/// codes [`CodeFilter`] selects, [`PAGE_SIZE`] a page, and the form for a new
/// one; with `find`, the titles matching it are offered as targets, the
/// first chosen.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let query = query.unwrap_or_default();
    let find = form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == "find")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    list_page(
        &state,
        &session,
        &staff,
        CodeFilter::from_query(&query),
        find,
        CreateForm::default(),
        Vec::new(),
    )
    .await
}

/// A marker's label, placement note and printed size, checked and cleaned.
#[derive(Debug, Clone, PartialEq)]
struct Details {
    label: String,
    placement: Option<String>,
    /// Printed side in metres.
    size_m: f64,
}

/// Checks label, placement and size; returns them cleaned (size in metres).
fn check_details(
    lang: Lang,
    label: &str,
    placement: &str,
    size_mm: &str,
    errors: &mut Vec<String>,
) -> Details {
    let label = label.trim().to_owned();
    let placement = placement.trim().to_owned();
    let max = [("max", MAX_LABEL_CHARS.to_string())];
    if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
        errors.push(i18n::text_with(lang, "marker-bad-label", &max));
    }
    if placement.chars().count() > MAX_LABEL_CHARS {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    let mm = size_mm
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|mm| (MIN_SIZE_MM..=MAX_SIZE_MM).contains(mm));
    if mm.is_none() {
        errors.push(i18n::text_with(
            lang,
            "marker-bad-size",
            &[
                ("min", MIN_SIZE_MM.to_string()),
                ("max", MAX_SIZE_MM.to_string()),
            ],
        ));
    }
    // Whole millimetres → metres; exact enough for pose estimation.
    let size_m = mm.unwrap_or(DEFAULT_SIZE_MM) as f64 / 1000.0;
    Details {
        label,
        placement: (!placement.is_empty()).then_some(placement),
        size_m,
    }
}

/// An existing row a new marker may point at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Target {
    kind: TargetKind,
    id: i64,
}

/// Finds the posted target: the kind and id of an existing row.
async fn find_target(pool: &SqlitePool, f: &CreateForm) -> sqlx::Result<Option<Target>> {
    if f.target.is_empty() {
        let t = f.title.trim();
        let digits: String = t.chars().filter(|c| *c != '-' && *c != ' ').collect();
        // Only the ISBN-13 printed on the book; titles are otherwise chosen
        // from a name search, never by their internal number.
        let found: Option<i64> = if digits.len() == 13 {
            sqlx::query_scalar("SELECT id FROM titles WHERE isbn13 = ?")
                .bind(&digits)
                .fetch_optional(pool)
                .await?
        } else {
            None
        };
        return Ok(found.map(|id| Target {
            kind: TargetKind::Title,
            id,
        }));
    }
    let Some((kind, id)) = f.target.split_once(':') else {
        return Ok(None);
    };
    let (Ok(kind), Ok(id)) = (kind.parse::<TargetKind>(), id.parse::<i64>()) else {
        return Ok(None);
    };
    let table = match kind {
        TargetKind::Title => "titles",
        TargetKind::Shelf => "shelves",
        TargetKind::Event => "events",
        TargetKind::TourStop => "tour_stops",
    };
    let found: Option<i64> = sqlx::query_scalar(&format!("SELECT id FROM {table} WHERE id = ?"))
        .bind(id)
        .fetch_optional(pool)
        .await?;
    Ok(found.map(|id| Target { kind, id }))
}

/// A random code that no marker uses yet.
async fn new_code(conn: &mut sqlx::SqliteConnection) -> anyhow::Result<MarkerCode> {
    for _ in 0..CODE_ATTEMPTS {
        let bits = OsRng.next_u64() & ((1 << (5 * GENERATED_CODE_LEN)) - 1);
        let code = MarkerCode::from_u64(bits, GENERATED_CODE_LEN)?;
        let taken: Option<i64> = sqlx::query_scalar("SELECT 1 FROM markers WHERE code = ?")
            .bind(code.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if taken.is_none() {
            return Ok(code);
        }
    }
    anyhow::bail!("no free marker code after {CODE_ATTEMPTS} attempts")
}

/// `POST /admin/markers`: creates an active marker with a new code for the
/// chosen target and opens its page; problems re-show the list (`422`).
///
/// # Errors
/// Database or session failures.
pub async fn create(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Form(f): Form<CreateForm>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let mut errors = Vec::new();
    let target = find_target(&state.db, &f).await?;
    if target.is_none() {
        errors.push(i18n::text(lang, "marker-bad-target"));
    }
    let d = check_details(lang, &f.label, &f.placement, &f.size_mm, &mut errors);
    let Some(Target { kind, id }) = target.filter(|_| errors.is_empty()) else {
        return list_page(
            &state,
            &session,
            &staff,
            CodeFilter::default(),
            String::new(),
            f,
            errors,
        )
        .await;
    };
    let mut tx = state.db.begin().await?;
    let code = new_code(&mut tx).await?;
    sqlx::query(
        "INSERT INTO markers (code, target_kind, target_id, label, size_m, placement, active)
         VALUES (?, ?, ?, ?, ?, ?, 1)",
    )
    .bind(code.as_str())
    .bind(kind.as_str())
    .bind(id)
    .bind(&d.label)
    .bind(d.size_m)
    .bind(&d.placement)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "marker.create",
        &format!("marker:{code}"),
        &format!("{kind}:{id} · {}", d.label),
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(
        &session,
        i18n::text_with(lang, "marker-created", &[("code", code.to_string())]),
    )
    .await;
    Ok(Redirect::to(&format!("/admin/markers/{code}")).into_response())
}

/// Form of `POST /admin/markers/{code}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditForm {
    /// Librarian's label.
    #[serde(default)]
    pub label: String,
    /// Placement note.
    #[serde(default)]
    pub placement: String,
    /// Printed side in millimetres.
    #[serde(default)]
    pub size_mm: String,
    /// `"1"` when the code resolves (a checkbox: absent means no).
    #[serde(default)]
    pub active: Option<String>,
}

#[derive(Template)]
#[template(path = "admin/marker_edit.html")]
struct EditPage {
    p: Page,
    m: MarkerListRow,
    /// Which size is stored and where it came from, in words.
    size_note: String,
    f: EditForm,
    errors: Vec<String>,
    public_url: String,
    min_mm: i64,
    max_mm: i64,
}

/// "36,4 mm, from the book label printed on 8 December 2026, 10.05 WIB", or
/// that the size was typed in, in `lang` (decimal comma in Indonesian).
pub fn size_note(lang: Lang, m: &MarkerListRow) -> String {
    let mm = format!("{:.1}", m.size_m * 1000.0);
    let mm = if lang == Lang::Id {
        mm.replace('.', ",")
    } else {
        mm
    };
    match (&m.size_layout, &m.size_printed_at) {
        (Some(layout), Some(at)) => i18n::text_with(
            lang,
            "marker-size-from-print",
            &[
                ("mm", mm),
                ("layout", i18n::text(lang, &format!("size-layout-{layout}"))),
                ("when", crate::texts::human_instant(lang, at)),
            ],
        ),
        _ => i18n::text_with(lang, "marker-size-typed", &[("mm", mm)]),
    }
}

async fn marker_or_404(pool: &SqlitePool, code: &str) -> Result<MarkerListRow, PageError> {
    let missing = || PageError::not_found(format!("Kode {code} tidak ada / No code {code}"));
    let code = MarkerCode::parse(code).map_err(|_| missing())?;
    sqlx::query_as(&format!("{LIST_SQL} WHERE m.code = ?"))
        .bind(code.as_str())
        .fetch_optional(pool)
        .await?
        .ok_or_else(missing)
}

async fn edit_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    m: MarkerListRow,
    posted: Option<EditForm>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/markers").await?;
    let f = posted.unwrap_or_else(|| EditForm {
        label: m.label.clone(),
        placement: m.placement.clone().unwrap_or_default(),
        size_mm: m.size_mm().to_string(),
        active: m.active.then(|| "1".to_owned()),
    });
    let failed = !errors.is_empty();
    let size_note = size_note(p.lang, &m);
    let mut resp = render(&EditPage {
        p,
        size_note,
        m,
        f,
        errors,
        public_url: state.public_url.to_string(),
        min_mm: MIN_SIZE_MM,
        max_mm: MAX_SIZE_MM,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/markers/{code}`: one marker's details form.
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let m = marker_or_404(&state.db, &code).await?;
    edit_page(&state, &session, &staff, m, None, Vec::new()).await
}

/// `POST /admin/markers/{code}`: changes label, placement, size and whether it
/// is active, at once and audited; problems re-show the form (`422`).
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<EditForm>,
) -> Result<Response, PageError> {
    let m = marker_or_404(&state.db, &code).await?;
    let lang = page::lang_of(&session).await;
    let mut errors = Vec::new();
    let Details {
        label,
        placement,
        size_m,
    } = check_details(lang, &f.label, &f.placement, &f.size_mm, &mut errors);
    if !errors.is_empty() {
        return edit_page(&state, &session, &staff, m, Some(f), errors).await;
    }
    let active = f.active.is_some();
    // The form shows whole millimetres: an unchanged number keeps the exact
    // printed size and where it came from; a new one is the librarian's.
    let typed = mm_from_m(size_m) != m.size_mm();
    let size_m = if typed { size_m } else { m.size_m };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "UPDATE markers SET label = ?, placement = ?, size_m = ?, active = ?,
                size_layout = CASE WHEN ? THEN NULL ELSE size_layout END,
                size_printed_at = CASE WHEN ? THEN NULL ELSE size_printed_at END
          WHERE code = ?",
    )
    .bind(&label)
    .bind(&placement)
    .bind(size_m)
    .bind(active)
    .bind(typed)
    .bind(typed)
    .bind(&m.code)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "marker.update",
        &format!("marker:{}", m.code),
        &format!(
            "{label} · {} mm · {}",
            mm_from_m(size_m),
            if active { "active" } else { "inactive" }
        ),
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(&session, i18n::text(lang, "marker-saved")).await;
    Ok(Redirect::to(&format!("/admin/markers/{}", m.code)).into_response())
}

/// Form of `POST /admin/markers/{code}/active`.
#[derive(Debug, Clone, Deserialize)]
pub struct ActiveForm {
    /// `"1"` to activate, anything else to deactivate.
    #[serde(default)]
    pub active: String,
    /// Where to go back to (a path under `/admin`).
    #[serde(default)]
    pub back: String,
}

/// `POST /admin/markers/{code}/active`: activates or deactivates a code at
/// once (a deactivated code resolves as not found), audited.
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn set_active(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(code): Path<String>,
    Form(f): Form<ActiveForm>,
) -> Result<Response, PageError> {
    let m = marker_or_404(&state.db, &code).await?;
    let lang = page::lang_of(&session).await;
    let active = f.active == "1";
    let mut tx = state.db.begin().await?;
    sqlx::query("UPDATE markers SET active = ? WHERE code = ?")
        .bind(active)
        .bind(&m.code)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        if active {
            "marker.activate"
        } else {
            "marker.deactivate"
        },
        &format!("marker:{}", m.code),
        &m.label,
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    let key = if active {
        "marker-activated"
    } else {
        "marker-deactivated"
    };
    page::notice(
        &session,
        i18n::text_with(lang, key, &[("code", m.code.clone())]),
    )
    .await;
    let back = if f.back.is_empty() {
        "/admin/markers"
    } else {
        page::safe_back(&f.back)
    };
    Ok(Redirect::to(back).into_response())
}

/// Why a code cannot be deleted now, in `lang`: an active code is in use (it
/// is stuck up in the library and opens its target), so it must be
/// deactivated first. `None` when it may go.
fn delete_refusal(lang: Lang, m: &MarkerListRow) -> Option<String> {
    m.active.then(|| {
        let target = m
            .target_name
            .clone()
            .unwrap_or_else(|| format!("#{}", m.target_id));
        i18n::text_with(
            lang,
            "marker-delete-refused-active",
            &[("code", m.code.clone()), ("target", target)],
        )
    })
}

/// `GET /admin/markers/{code}/delete`: the confirmation step; for an active
/// code, the refusal saying what it opens instead of a button.
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn delete_confirm(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let m = marker_or_404(&state.db, &code).await?;
    let p = Page::new(&session, Some(&staff), "/admin/markers").await?;
    let href = format!("/admin/markers/{}", m.code);
    let heading = i18n::text_with(p.lang, "marker-delete-heading", &[("code", m.code.clone())]);
    let refusal = delete_refusal(p.lang, &m);
    let refused = refusal.is_some();
    let details = if refused {
        Vec::new()
    } else {
        vec![i18n::text_with(
            p.lang,
            "marker-delete-scans-stay",
            &[("scans", m.scans.to_string())],
        )]
    };
    let message = refusal.unwrap_or_else(|| p.t("marker-delete-message"));
    let c = confirm::Confirm::delete(&p, href, heading, message, details, refused);
    Ok(confirm::page(p, c))
}

/// `POST /admin/markers/{code}/delete`: deletes a deactivated code (its scans
/// stay counted in the analytics), audited as `marker.delete`, and clears the
/// rendered pages. An active code is refused (`409`, nothing changes).
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn delete(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let m = marker_or_404(&state.db, &code).await?;
    let lang = page::lang_of(&session).await;
    if let Some(why) = delete_refusal(lang, &m) {
        let mut resp = edit_page(&state, &session, &staff, m, None, vec![why]).await?;
        *resp.status_mut() = StatusCode::CONFLICT;
        return Ok(resp);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query("DELETE FROM markers WHERE code = ?")
        .bind(&m.code)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "marker.delete",
        &format!("marker:{}", m.code),
        &m.label,
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(
        &session,
        i18n::text_with(lang, "marker-deleted", &[("code", m.code.clone())]),
    )
    .await;
    Ok(Redirect::to("/admin/markers").into_response())
}

/// Most targets one bulk request may name (a shelf with its titles, a tour,
/// or one page of a title search is far below this).
pub const MAX_BULK_TARGETS: usize = 500;

/// What `POST /admin/markers/bulk` was asked for: row ids from hidden fields
/// of the shelf, tour and titles pages, the file name of an import report,
/// or a call-number range typed as it is on the spines (the librarian
/// presses a button and types no internal number).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkRequest {
    /// Shelves: the shelf itself and each of its featured titles.
    pub shelves: Vec<i64>,
    /// Tours: every published stop.
    pub tours: Vec<i64>,
    /// Titles, each on its own.
    pub titles: Vec<i64>,
    /// Events, each on its own (the event page's poster button).
    pub events: Vec<i64>,
    /// A titles search, every page of it: its text and whether only titles
    /// without a synopsis (the titles list's `q` and `missing`).
    pub search: Option<(String, bool)>,
    /// Catalogue imports, by the titles' `source` (`marc:FILE`, `csv:FILE`):
    /// every title that file brought or last updated.
    pub imports: Vec<String>,
    /// A call-number range, first and last (each compared without case;
    /// the last also takes every call number it starts, so `899` ends after
    /// `899.221 PRA b`); `None` when no bound was typed.
    pub call_range: Option<(String, String)>,
    /// Where a request with nothing to do goes back to (a path under `/admin`).
    pub back: String,
}

impl BulkRequest {
    /// Reads the urlencoded form (fields `shelf`, `tour`, `title`, `event`
    /// and `import`, each repeatable, `call_from` and `call_to`, `search_q`
    /// and `search_missing`, and `back`);
    /// `None` when an id is not a whole number. A range with one bound
    /// empty uses the other for both.
    pub fn parse(body: &[u8]) -> Option<Self> {
        let mut r = Self::default();
        let (mut from, mut to) = (String::new(), String::new());
        let (mut search, mut missing) = (None, false);
        for (k, v) in form_urlencoded::parse(body) {
            let list = match k.as_ref() {
                "shelf" => &mut r.shelves,
                "tour" => &mut r.tours,
                "title" => &mut r.titles,
                "event" => &mut r.events,
                "import" => {
                    r.imports.push(v.into_owned());
                    continue;
                }
                "search_q" => {
                    search = Some(v.into_owned());
                    continue;
                }
                "search_missing" => {
                    missing = v == "1";
                    continue;
                }
                "call_from" => {
                    from = v.trim().to_owned();
                    continue;
                }
                "call_to" => {
                    to = v.trim().to_owned();
                    continue;
                }
                "back" => {
                    r.back = v.into_owned();
                    continue;
                }
                _ => continue,
            };
            list.push(v.trim().parse().ok()?);
        }
        r.search = search.map(|q| (q, missing));
        r.call_range = match (from.is_empty(), to.is_empty()) {
            (true, true) => None,
            (false, true) => Some((from.clone(), from)),
            (true, false) => Some((to.clone(), to)),
            (false, false) => Some((from, to)),
        };
        Some(r)
    }
}

/// One target a bulk request asks a code for, with the label a new code gets.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct BulkTarget {
    #[sqlx(try_from = "String")]
    kind: TargetKind,
    id: i64,
    label: String,
}

/// The targets of `r`, in order (shelf before its titles, stops by
/// position), each once. `Ok(None)` when a named shelf or tour does not exist.
async fn bulk_targets(pool: &SqlitePool, r: &BulkRequest) -> sqlx::Result<Option<Vec<BulkTarget>>> {
    let mut out: Vec<BulkTarget> = Vec::new();
    for &shelf in &r.shelves {
        let Some(me) = sqlx::query_as::<_, BulkTarget>(
            "SELECT 'shelf' AS kind, id, name_id AS label FROM shelves WHERE id = ?",
        )
        .bind(shelf)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        out.push(me);
        out.extend(
            sqlx::query_as::<_, BulkTarget>(
                "SELECT 'title' AS kind, t.id, t.title AS label
                   FROM shelf_titles st JOIN titles t ON t.id = st.title_id
                  WHERE st.shelf_id = ? ORDER BY st.position",
            )
            .bind(shelf)
            .fetch_all(pool)
            .await?,
        );
    }
    for &tour in &r.tours {
        let known: Option<i64> = sqlx::query_scalar("SELECT id FROM tours WHERE id = ?")
            .bind(tour)
            .fetch_optional(pool)
            .await?;
        if known.is_none() {
            return Ok(None);
        }
        out.extend(
            sqlx::query_as::<_, BulkTarget>(
                "SELECT 'tour_stop' AS kind, s.id, t.name_id || ' · ' || s.position AS label
                   FROM tour_stops s JOIN tours t ON t.id = s.tour_id
                  WHERE s.tour_id = ? ORDER BY s.position",
            )
            .bind(tour)
            .fetch_all(pool)
            .await?,
        );
    }
    for &title in &r.titles {
        // Unknown titles (deleted since the page was shown) are skipped.
        out.extend(
            sqlx::query_as::<_, BulkTarget>(
                "SELECT 'title' AS kind, id, title AS label FROM titles WHERE id = ?",
            )
            .bind(title)
            .fetch_optional(pool)
            .await?,
        );
    }
    for &event in &r.events {
        let Some(me) = sqlx::query_as::<_, BulkTarget>(
            "SELECT 'event' AS kind, id, title_id AS label FROM events WHERE id = ?",
        )
        .bind(event)
        .fetch_optional(pool)
        .await?
        else {
            return Ok(None);
        };
        out.push(me);
    }
    for source in &r.imports {
        out.extend(
            sqlx::query_as::<_, BulkTarget>(
                "SELECT 'title' AS kind, id, title AS label FROM titles
                  WHERE source = ? AND archived = 0 ORDER BY call_number, title, id",
            )
            .bind(source)
            .fetch_all(pool)
            .await?,
        );
    }
    if let Some((text, missing)) = &r.search {
        out.extend(
            super::titles::search_all(pool, text, *missing)
                .await?
                .into_iter()
                .map(|(id, label)| BulkTarget {
                    kind: TargetKind::Title,
                    id,
                    label,
                }),
        );
    }
    if let Some((from, to)) = &r.call_range {
        // `%` and `_` would be wildcards in LIKE; call numbers have neither.
        let to_prefix = format!("{}%", to.replace(['%', '_'], ""));
        out.extend(
            sqlx::query_as::<_, BulkTarget>(
                "SELECT 'title' AS kind, id, title AS label FROM titles
                  WHERE archived = 0 AND call_number IS NOT NULL
                    AND call_number >= ?1 COLLATE NOCASE
                    AND (call_number <= ?2 COLLATE NOCASE OR call_number LIKE ?3)
                  ORDER BY call_number COLLATE NOCASE, title, id",
            )
            .bind(from)
            .bind(to)
            .bind(to_prefix)
            .fetch_all(pool)
            .await?,
        );
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|t| seen.insert((t.kind, t.id)));
    Ok(Some(out))
}

/// What a bulk request did: the codes of its targets in order, and how many
/// of them were made now.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    /// One code per target, in the targets' order.
    pub codes: Vec<String>,
    /// How many of `codes` were created by this request.
    pub created: usize,
}

/// Gives every target a code in one transaction: a target that already has
/// one keeps it (an active one first), the others get a new active code at
/// the default size labelled with the target's name; each new code is
/// audited as `marker.create`.
async fn ensure_codes(
    state: &AppState,
    staff: &Staff,
    targets: &[BulkTarget],
) -> anyhow::Result<BulkOutcome> {
    let mut out = BulkOutcome::default();
    let mut tx = state.db.begin().await?;
    for t in targets {
        let existing: Option<String> = sqlx::query_scalar(
            "SELECT code FROM markers WHERE target_kind = ? AND target_id = ?
              ORDER BY active DESC, code LIMIT 1",
        )
        .bind(t.kind.as_str())
        .bind(t.id)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(code) = existing {
            out.codes.push(code);
            continue;
        }
        let code = new_code(&mut tx).await?;
        let label: String = t.label.trim().chars().take(MAX_LABEL_CHARS).collect();
        sqlx::query(
            "INSERT INTO markers (code, target_kind, target_id, label, size_m, active)
             VALUES (?, ?, ?, ?, ?, 1)",
        )
        .bind(code.as_str())
        .bind(t.kind.as_str())
        .bind(t.id)
        .bind(&label)
        .bind(DEFAULT_SIZE_MM as f64 / 1000.0)
        .execute(&mut *tx)
        .await?;
        audit::record(
            &mut tx,
            Some(staff),
            "marker.create",
            &format!("marker:{code}"),
            &format!("{}:{} · {label}", t.kind, t.id),
        )
        .await?;
        out.codes.push(code.to_string());
        out.created += 1;
    }
    tx.commit().await?;
    Ok(out)
}

/// The codes of every target of `r`, made where missing (in one
/// transaction, audited) and reused otherwise, in the targets' order;
/// clears the rendered pages when one was made. `Ok(None)` when a named
/// shelf, tour or event does not exist.
///
/// # Errors
/// More than [`MAX_BULK_TARGETS`] targets → 400 page; database failures.
pub async fn ensure_for(
    state: &AppState,
    staff: &Staff,
    lang: Lang,
    r: &BulkRequest,
) -> Result<Option<BulkOutcome>, PageError> {
    let Some(targets) = bulk_targets(&state.db, r).await? else {
        return Ok(None);
    };
    if targets.len() > MAX_BULK_TARGETS {
        return Err(PageError::bad_request(i18n::text_with(
            lang,
            "marker-bulk-too-many",
            &[("max", MAX_BULK_TARGETS.to_string())],
        )));
    }
    let done = ensure_codes(state, staff, &targets)
        .await
        .map_err(PageError::internal)?;
    if done.created > 0 {
        state.rendered.clear();
    }
    Ok(Some(done))
}

/// `POST /admin/markers/bulk` (see [`BulkRequest`]): makes the missing codes
/// of a shelf and its featured titles, a tour's stops or a list of titles,
/// reuses the existing ones, says "N new, M already had one" and opens the
/// print page with exactly these codes ticked. Nothing to do → back where it
/// came from with a message.
///
/// # Errors
/// A malformed id or too many targets → 400 page; an unknown shelf or tour →
/// 404 page; database or session failures.
pub async fn bulk(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    body: Bytes,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let r = BulkRequest::parse(&body)
        .ok_or_else(|| PageError::bad_request(i18n::text(lang, "marker-bulk-bad")))?;
    let back = if r.back.is_empty() {
        "/admin/markers"
    } else {
        page::safe_back(&r.back)
    };
    let done = ensure_for(&state, &staff, lang, &r)
        .await?
        .ok_or_else(|| PageError::not_found(i18n::text(lang, "marker-bulk-bad")))?;
    if done.codes.is_empty() {
        page::notice(&session, i18n::text(lang, "marker-bulk-nothing")).await;
        return Ok(Redirect::to(back).into_response());
    }
    page::notice(
        &session,
        i18n::text_with(
            lang,
            "marker-bulk-done",
            &[
                ("created", done.created.to_string()),
                ("reused", (done.codes.len() - done.created).to_string()),
            ],
        ),
    )
    .await;
    let query: String = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(done.codes.iter().map(|c| ("codes", c.as_str())))
        .finish();
    Ok(Redirect::to(&format!("/admin/print?{query}")).into_response())
}
