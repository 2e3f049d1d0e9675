//! Content queries: titles, shelves, events, tours and their media, read into
//! the `pustaka-api` wire types for one language.

use pustaka_api::{
    Badge, Choice, EventResponse, Lang, MediaRef, MediaRole, Question, ShelfResponse, TitleDetail,
    TitleSummary, TourResponse, TourStop, TourSummary,
};
use sqlx::SqlitePool;

/// How texts are rendered for one request: the language, and the absolute
/// base URL that media and calendar links start with.
#[derive(Debug, Clone)]
pub struct View<'a> {
    /// The visitor's language.
    pub lang: Lang,
    /// Public base URL without a trailing slash, e.g. `https://perpus.example.id`.
    pub base_url: &'a str,
}

impl View<'_> {
    /// The text in the view's language: English when asked for and present,
    /// else the Indonesian text.
    pub fn pick(&self, id: String, en: Option<String>) -> String {
        match (self.lang, en) {
            (Lang::En, Some(en)) if !en.trim().is_empty() => en,
            _ => id,
        }
    }

    /// Like [`View::pick`] for optional texts.
    /// When only one language has text, that text is shown for both (an
    /// English-only synopsis from an imported record beats showing nothing).
    pub fn pick_opt(&self, id: Option<String>, en: Option<String>) -> Option<String> {
        let id = id.filter(|s| !s.trim().is_empty());
        let en = en.filter(|s| !s.trim().is_empty());
        match self.lang {
            Lang::En => en.or(id),
            Lang::Id => id.or(en),
        }
    }

    /// Absolute URL of a stored media file.
    pub fn media_url(&self, sha256: &str, ext: &str) -> String {
        format!("{}/media/{sha256}.{ext}", self.base_url)
    }
}

/// `[Id]` or `[Id, En]` depending on whether any English text is present.
pub fn languages(has_en: bool) -> Vec<Lang> {
    if has_en {
        vec![Lang::Id, Lang::En]
    } else {
        vec![Lang::Id]
    }
}

fn has_text(s: &Option<String>) -> bool {
    s.as_deref().is_some_and(|s| !s.trim().is_empty())
}

/// One attached asset as [`media_for`] reads it.
#[derive(sqlx::FromRow)]
struct MediaRow {
    /// Stored role word (a role this server does not know skips the row).
    role: String,
    sha256: String,
    ext: String,
    mime: String,
    /// Stored kind word (an unknown kind skips the row).
    kind: String,
    size_bytes: i64,
    width: Option<i64>,
    height: Option<i64>,
    duration_ms: Option<i64>,
    alt_id: Option<String>,
    alt_en: Option<String>,
    /// `{sha256}.{ext}` of its thumbnail or poster frame, if any.
    preview: Option<String>,
}

/// Media attached to one piece of content, in a stable role order.
///
/// # Errors
/// Database errors.
pub async fn media_for(
    pool: &SqlitePool,
    view: &View<'_>,
    target_kind: &str,
    target_id: i64,
) -> sqlx::Result<Vec<MediaRef>> {
    let rows: Vec<MediaRow> = sqlx::query_as(
        "SELECT cm.role, a.sha256, a.ext, a.mime, a.kind, a.size_bytes, a.width, a.height,
                a.duration_ms, cm.alt_id, cm.alt_en,
                (SELECT r.sha256 || '.' || ra.ext FROM media_renditions r
                   JOIN media_assets ra ON ra.sha256 = r.sha256
                  WHERE r.source_sha256 = a.sha256 ORDER BY r.role LIMIT 1) AS preview
           FROM content_media cm JOIN media_assets a ON a.sha256 = cm.sha256
          WHERE cm.target_kind = ? AND cm.target_id = ?
          ORDER BY cm.role",
    )
    .bind(target_kind)
    .bind(target_id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let captions = if r.kind == "video" {
            crate::media::captions::tracks(pool, view.base_url, &r.sha256).await?
        } else {
            Vec::new()
        };
        let one = (|| {
            Some(MediaRef {
                // A row of a role or kind this server does not know is skipped.
                role: r.role.parse().ok()?,
                kind: r.kind.parse().ok()?,
                url: view.media_url(&r.sha256, &r.ext),
                mime: r.mime,
                size_bytes: u64::try_from(r.size_bytes).unwrap_or(0),
                width: r.width.and_then(|v| u32::try_from(v).ok()),
                height: r.height.and_then(|v| u32::try_from(v).ok()),
                duration_ms: r.duration_ms.and_then(|v| u64::try_from(v).ok()),
                preview_url: r.preview.map(|p| format!("{}/media/{p}", view.base_url)),
                alt: view.pick_opt(r.alt_id, r.alt_en),
                captions,
            })
        })();
        out.extend(one);
    }
    Ok(out)
}

#[derive(sqlx::FromRow)]
struct TitleRow {
    id: i64,
    isbn13: Option<String>,
    title: String,
    author: Option<String>,
    call_number: Option<String>,
    synopsis_id: Option<String>,
    synopsis_en: Option<String>,
    age_group: Option<String>,
    contributors: String,
    language: Option<String>,
    subjects: String,
    publisher: Option<String>,
    pub_year: Option<String>,
    ebook_url: Option<String>,
}

const TITLE_COLUMNS: &str = "id, isbn13, title, author, call_number, synopsis_id, synopsis_en, \
     age_group, contributors, language, subjects, publisher, pub_year, ebook_url";

fn json_list(s: &str) -> Vec<String> {
    serde_json::from_str(s).unwrap_or_default()
}

async fn summary_from_row(
    pool: &SqlitePool,
    view: &View<'_>,
    t: TitleRow,
) -> sqlx::Result<TitleSummary> {
    let cover = media_for(pool, view, "title", t.id)
        .await?
        .into_iter()
        .find(|m| m.role == MediaRole::Cover);
    Ok(TitleSummary {
        id: t.id,
        title: t.title,
        author: t.author,
        call_number: t.call_number,
        isbn13: t.isbn13,
        age_group: t.age_group,
        cover,
    })
}

/// One title in full, or `None` when there is no such id.
///
/// # Errors
/// Database errors.
pub async fn title_detail(
    pool: &SqlitePool,
    view: &View<'_>,
    id: i64,
) -> sqlx::Result<Option<TitleDetail>> {
    let row: Option<TitleRow> = sqlx::query_as(&format!(
        "SELECT {TITLE_COLUMNS} FROM titles WHERE id = ? AND published = 1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(t) = row else { return Ok(None) };
    let media = media_for(pool, view, "title", t.id).await?;
    let mut authors: Vec<String> = t.author.into_iter().collect();
    authors.extend(json_list(&t.contributors));
    Ok(Some(TitleDetail {
        id: t.id,
        title: t.title,
        authors,
        call_number: t.call_number,
        isbn13: t.isbn13,
        language: t.language,
        languages: languages(has_text(&t.synopsis_en)),
        synopsis: view.pick_opt(t.synopsis_id, t.synopsis_en),
        subjects: json_list(&t.subjects),
        age_group: t.age_group,
        publisher: t.publisher,
        year: t.pub_year,
        ebook_url: t.ebook_url,
        media,
    }))
}

/// A page of titles ordered by title, optionally filtered by a case-insensitive
/// substring `q` of the title, author or ISBN. Returns the page and the total.
///
/// # Errors
/// Database errors.
pub async fn list_titles(
    pool: &SqlitePool,
    view: &View<'_>,
    q: Option<&str>,
    limit: u32,
    offset: u32,
) -> sqlx::Result<(Vec<TitleSummary>, u64)> {
    let pattern = q.map(|q| format!("%{}%", q.replace(['%', '_'], "")));
    let filter =
        "published = 1 AND (?1 IS NULL OR title LIKE ?1 OR author LIKE ?1 OR isbn13 LIKE ?1)";
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM titles WHERE {filter}"))
        .bind(&pattern)
        .fetch_one(pool)
        .await?;
    let rows: Vec<TitleRow> = sqlx::query_as(&format!(
        "SELECT {TITLE_COLUMNS} FROM titles WHERE {filter} ORDER BY title, id LIMIT ?2 OFFSET ?3"
    ))
    .bind(&pattern)
    .bind(limit)
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let mut items = Vec::with_capacity(rows.len());
    for t in rows {
        items.push(summary_from_row(pool, view, t).await?);
    }
    Ok((items, u64::try_from(total).unwrap_or(0)))
}

#[derive(sqlx::FromRow)]
struct ShelfRow {
    id: i64,
    name_id: String,
    name_en: Option<String>,
    class_range: Option<String>,
    location: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
}

async fn shelf_from_row(
    pool: &SqlitePool,
    view: &View<'_>,
    r: ShelfRow,
) -> sqlx::Result<ShelfResponse> {
    let rows: Vec<TitleRow> = sqlx::query_as(&format!(
        "SELECT {} FROM titles t JOIN shelf_titles st ON st.title_id = t.id
          WHERE st.shelf_id = ? AND t.published = 1 ORDER BY st.position",
        TITLE_COLUMNS
            .split(", ")
            .map(|c| format!("t.{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .bind(r.id)
    .fetch_all(pool)
    .await?;
    let mut featured = Vec::with_capacity(rows.len());
    for t in rows {
        featured.push(summary_from_row(pool, view, t).await?);
    }
    Ok(ShelfResponse {
        id: r.id,
        languages: languages(has_text(&r.name_en)),
        name: view.pick(r.name_id, r.name_en),
        class_range: r.class_range,
        location: r.location,
        description: view.pick_opt(r.description_id, r.description_en),
        featured,
    })
}

const SHELF_COLUMNS: &str =
    "id, name_id, name_en, class_range, location, description_id, description_en";

/// One shelf with its featured titles.
///
/// # Errors
/// Database errors.
pub async fn shelf(
    pool: &SqlitePool,
    view: &View<'_>,
    id: i64,
) -> sqlx::Result<Option<ShelfResponse>> {
    let row: Option<ShelfRow> = sqlx::query_as(&format!(
        "SELECT {SHELF_COLUMNS} FROM shelves WHERE id = ? AND published = 1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(r) => Ok(Some(shelf_from_row(pool, view, r).await?)),
        None => Ok(None),
    }
}

/// Every shelf, ordered by classification range.
///
/// # Errors
/// Database errors.
pub async fn list_shelves(pool: &SqlitePool, view: &View<'_>) -> sqlx::Result<Vec<ShelfResponse>> {
    let rows: Vec<ShelfRow> = sqlx::query_as(&format!(
        "SELECT {SHELF_COLUMNS} FROM shelves WHERE published = 1 ORDER BY class_range, id"
    ))
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(shelf_from_row(pool, view, r).await?);
    }
    Ok(out)
}

/// An event row as stored (times are RFC 3339 with the WIB offset).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EventRow {
    /// Id.
    pub id: i64,
    /// Name in Bahasa Indonesia.
    pub title_id: String,
    /// Name in English.
    pub title_en: Option<String>,
    /// Description in Bahasa Indonesia.
    pub description_id: Option<String>,
    /// Description in English.
    pub description_en: Option<String>,
    /// Start, RFC 3339 `+07:00`.
    pub starts_at: String,
    /// End, RFC 3339 `+07:00`.
    pub ends_at: String,
    /// Place.
    pub place: String,
    /// Audience in Bahasa Indonesia.
    pub audience_id: Option<String>,
    /// Audience in English.
    pub audience_en: Option<String>,
    /// Registration link.
    pub registration_url: Option<String>,
}

const EVENT_COLUMNS: &str = "id, title_id, title_en, description_id, description_en, starts_at, \
     ends_at, place, audience_id, audience_en, registration_url";

/// One published event row by id (unpublished events are not public).
///
/// # Errors
/// Database errors.
pub async fn event_row(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE id = ? AND published = 1"
    ))
    .bind(id)
    .fetch_optional(pool)
    .await
}

/// Events that end at or after `from` and start before `to` (both RFC 3339
/// strings comparable as text because every stored time has the same `+07:00`
/// offset), ordered by start.
///
/// # Errors
/// Database errors.
pub async fn event_rows_between(
    pool: &SqlitePool,
    from: &str,
    to: &str,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE published = 1 AND ends_at >= ? AND starts_at < ?
          ORDER BY starts_at, id"
    ))
    .bind(from)
    .bind(to)
    .fetch_all(pool)
    .await
}

/// The code of each event's web page: `(event id, code)` for every active
/// marker of an event, ordered by code (an event with several codes: the
/// first is its page).
///
/// # Errors
/// Database errors.
pub async fn event_page_codes(pool: &SqlitePool) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(
        "SELECT target_id, code FROM markers
          WHERE target_kind = 'event' AND active = 1 ORDER BY code",
    )
    .fetch_all(pool)
    .await
}

/// Every event, ordered by start (for the calendar feed).
///
/// # Errors
/// Database errors.
pub async fn all_event_rows(pool: &SqlitePool) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM events WHERE published = 1 ORDER BY starts_at, id"
    ))
    .fetch_all(pool)
    .await
}

/// The wire form of an event row.
///
/// # Errors
/// Database errors.
pub async fn event_response(
    pool: &SqlitePool,
    view: &View<'_>,
    e: EventRow,
) -> sqlx::Result<EventResponse> {
    let media = media_for(pool, view, "event", e.id).await?;
    Ok(EventResponse {
        over: crate::wib::is_over(&e.ends_at),
        id: e.id,
        languages: languages(has_text(&e.title_en)),
        title: view.pick(e.title_id, e.title_en),
        description: view.pick_opt(e.description_id, e.description_en),
        starts_at: e.starts_at,
        ends_at: e.ends_at,
        place: e.place,
        audience: view.pick_opt(e.audience_id, e.audience_en),
        registration_url: e.registration_url,
        calendar_url: format!("{}/events/{}.ics", view.base_url, e.id),
        media,
    })
}

/// A tour's name and description; in the list also its stop count.
#[derive(sqlx::FromRow)]
struct TourHeadRow {
    id: i64,
    name_id: String,
    name_en: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
    /// Stops (read by [`list_tours`] only).
    #[sqlx(default)]
    stop_count: i64,
}

/// One answer choice of a tour stop's question, as stored (both languages).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ChoiceRow {
    /// The choice in Indonesian.
    pub text_id: String,
    /// The choice in English, if written.
    pub text_en: Option<String>,
    /// Whether this is the right answer.
    pub correct: bool,
    /// What a child reads after picking it, Indonesian.
    pub feedback_id: Option<String>,
    /// The same in English, if written.
    pub feedback_en: Option<String>,
}

/// The answer choices of a tour stop's question, in their order (the public
/// API and the back office's editor read the same rows).
///
/// # Errors
/// Database errors.
pub async fn stop_choices(pool: &SqlitePool, stop_id: i64) -> sqlx::Result<Vec<ChoiceRow>> {
    sqlx::query_as(
        "SELECT text_id, text_en, correct, feedback_id, feedback_en
           FROM tour_stop_choices WHERE stop_id = ? ORDER BY position",
    )
    .bind(stop_id)
    .fetch_all(pool)
    .await
}

/// Active tours with their stop counts.
///
/// # Errors
/// Database errors.
pub async fn list_tours(pool: &SqlitePool, view: &View<'_>) -> sqlx::Result<Vec<TourSummary>> {
    let rows: Vec<TourHeadRow> = sqlx::query_as(
        "SELECT t.id, t.name_id, t.name_en, t.description_id, t.description_en,
                    (SELECT COUNT(*) FROM tour_stops s WHERE s.tour_id = t.id) AS stop_count
               FROM tours t WHERE t.active = 1 AND t.published = 1 ORDER BY t.id",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|t| TourSummary {
            id: t.id,
            name: view.pick(t.name_id, t.name_en),
            description: view.pick_opt(t.description_id, t.description_en),
            stop_count: u32::try_from(t.stop_count).unwrap_or(0),
        })
        .collect())
}

#[derive(sqlx::FromRow)]
struct StopRow {
    id: i64,
    position: i64,
    clue_id: String,
    clue_en: Option<String>,
    narration_id: Option<String>,
    narration_en: Option<String>,
    question_id: Option<String>,
    question_en: Option<String>,
    badge_name_id: Option<String>,
    badge_name_en: Option<String>,
    marker_code: Option<String>,
}

/// One active tour with all its stops, choices, badges and media.
///
/// # Errors
/// Database errors.
pub async fn tour(
    pool: &SqlitePool,
    view: &View<'_>,
    id: i64,
) -> sqlx::Result<Option<TourResponse>> {
    let row: Option<TourHeadRow> = sqlx::query_as(
        "SELECT id, name_id, name_en, description_id, description_en
               FROM tours WHERE id = ? AND active = 1 AND published = 1",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(head) = row else {
        return Ok(None);
    };
    let stops: Vec<StopRow> = sqlx::query_as(
        "SELECT s.id, s.position, s.clue_id, s.clue_en, s.narration_id, s.narration_en,
                s.question_id, s.question_en, s.badge_name_id, s.badge_name_en,
                (SELECT m.code FROM markers m WHERE m.target_kind = 'tour_stop'
                    AND m.target_id = s.id AND m.active = 1 ORDER BY m.code LIMIT 1) AS marker_code
           FROM tour_stops s WHERE s.tour_id = ? ORDER BY s.position",
    )
    .bind(head.id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(stops.len());
    for s in stops {
        let media = media_for(pool, view, "tour_stop", s.id).await?;
        let question = match s.question_id {
            Some(q_id) => {
                let choices = stop_choices(pool, s.id).await?;
                Some(Question {
                    prompt: view.pick(q_id, s.question_en),
                    choices: choices
                        .into_iter()
                        .map(|c| Choice {
                            text: view.pick(c.text_id, c.text_en),
                            correct: c.correct,
                            feedback: view.pick_opt(c.feedback_id, c.feedback_en),
                        })
                        .collect(),
                })
            }
            None => None,
        };
        let badge = s.badge_name_id.map(|b_id| Badge {
            name: view.pick(b_id, s.badge_name_en),
            image: media.iter().find(|m| m.role == MediaRole::Badge).cloned(),
        });
        out.push(TourStop {
            id: s.id,
            position: u32::try_from(s.position).unwrap_or(0),
            marker_code: s.marker_code,
            clue: view.pick(s.clue_id, s.clue_en),
            narration: view.pick_opt(s.narration_id, s.narration_en),
            narration_audio: media
                .iter()
                .find(|m| m.role == MediaRole::Narration)
                .cloned(),
            question,
            badge,
        });
    }
    Ok(Some(TourResponse {
        id: head.id,
        languages: languages(has_text(&head.name_en)),
        name: view.pick(head.name_id, head.name_en),
        description: view.pick_opt(head.description_id, head.description_en),
        stops: out,
    }))
}
