//! Events in the back office (volunteers may use it): list by date with times
//! in WIB, create (hidden until first published), edit as a draft (names,
//! descriptions, start and end as `datetime-local` inputs read as WIB, place,
//! audience, https registration link, poster image and promo video from the
//! media library), publish or discard.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDateTime, TimeZone};
use pustaka_api::Lang;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::titles::{MediaChoice, media_choices};
use super::{audit, drafts, i18n};
use crate::startup::AppState;
use crate::wib;

/// The event routes; volunteers may use them.
pub fn routes() -> Routes {
    use Role::Volunteer;
    Routes::new()
        .get("/admin/events", Volunteer, list)
        .post("/admin/events", Volunteer, create)
        .get("/admin/events/{id}", Volunteer, edit)
        .post("/admin/events/{id}", Volunteer, save)
        .post("/admin/events/{id}/publish", Volunteer, publish)
        .post("/admin/events/{id}/discard", Volunteer, discard)
}

/// Longest name, place or audience, in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// The `datetime-local` value format (minutes; browsers send no seconds by default).
pub const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";
/// Past events the list shows (newest first); older ones stay in the database.
pub const PAST_LIMIT: i64 = 50;

/// One row of the events list.
#[derive(Debug, Clone)]
pub struct EventListRow {
    /// Row id.
    pub id: i64,
    /// Name in Bahasa Indonesia.
    pub title_id: String,
    /// "Sabtu, 5 Desember 2026, 09.00–10.30 WIB", in the page's language.
    pub when: String,
    /// Place.
    pub place: String,
    /// Whether visitors see it.
    pub published: bool,
    /// Whether an unpublished draft exists.
    pub has_draft: bool,
}

#[derive(Template)]
#[template(path = "admin/events.html")]
struct ListPage {
    p: Page,
    upcoming: Vec<EventListRow>,
    past: Vec<EventListRow>,
    new_title: String,
    errors: Vec<String>,
}

type ListRow = (i64, String, String, String, String, bool, bool);

/// Runs a list query bound to `now` and a row limit (`-1`: no limit, as SQLite reads it).
async fn rows(
    pool: &SqlitePool,
    lang: Lang,
    sql: &str,
    now: &str,
    limit: i64,
) -> sqlx::Result<Vec<EventListRow>> {
    let rows: Vec<ListRow> = sqlx::query_as(sql)
        .bind(now)
        .bind(limit)
        .fetch_all(pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, title_id, starts, ends, place, published, has_draft)| EventListRow {
                id,
                title_id,
                when: crate::web::human_when(lang, &starts, &ends),
                place,
                published,
                has_draft,
            },
        )
        .collect())
}

async fn list_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    new_title: String,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/events").await?;
    let now = wib::format_wib(wib::now_wib());
    let cols = "SELECT e.id, e.title_id, e.starts_at, e.ends_at, e.place, e.published,
                EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'event' AND d.target_id = e.id)
           FROM events e";
    // Stored times all carry +07:00, so they compare correctly as text.
    let upcoming = rows(
        &state.db,
        p.lang,
        &format!("{cols} WHERE e.ends_at >= ?1 ORDER BY e.starts_at, e.id LIMIT ?2"),
        &now,
        -1,
    )
    .await?;
    let past = rows(
        &state.db,
        p.lang,
        &format!("{cols} WHERE e.ends_at < ?1 ORDER BY e.starts_at DESC, e.id LIMIT ?2"),
        &now,
        PAST_LIMIT,
    )
    .await?;
    let failed = !errors.is_empty();
    let mut resp = render(&ListPage {
        p,
        upcoming,
        past,
        new_title,
        errors,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/events`: upcoming events by date, then the latest past ones,
/// and the form for a new one.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    list_page(&state, &session, &staff, String::new(), Vec::new()).await
}

/// Form of `POST /admin/events`.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    /// Name in Bahasa Indonesia.
    #[serde(default)]
    pub title_id: String,
}

/// `POST /admin/events`: creates a hidden event with a name (tomorrow 09.00–10.00
/// WIB until edited) and opens its edit page; a bad name re-shows the list (`422`).
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
    let name = f.title_id.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_SHORT_CHARS {
        let e = i18n::text_with(
            lang,
            "event-bad-title",
            &[("max", MAX_SHORT_CHARS.to_string())],
        );
        return list_page(&state, &session, &staff, f.title_id, vec![e]).await;
    }
    let tomorrow = wib::now_wib().date_naive() + Duration::days(1);
    let at = |h: u32| {
        tomorrow
            .and_hms_opt(h, 0, 0)
            .and_then(|t| wib::wib().from_local_datetime(&t).single())
            .map(wib::format_wib)
            .unwrap_or_default()
    };
    let mut tx = state.db.begin().await?;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO events (title_id, starts_at, ends_at, place, published)
         VALUES (?, ?, ?, '', 0) RETURNING id",
    )
    .bind(&name)
    .bind(at(9))
    .bind(at(10))
    .fetch_one(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "event.create",
        &format!("event:{id}"),
        &name,
    )
    .await?;
    tx.commit().await?;
    page::notice(&session, i18n::text(lang, "created-hidden")).await;
    Ok(Redirect::to(&format!("/admin/events/{id}")).into_response())
}

/// The editable fields of an event, as stored in a draft and as the form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventFields {
    /// Name in Bahasa Indonesia (required).
    #[serde(default)]
    pub title_id: String,
    /// Name in English.
    #[serde(default)]
    pub title_en: String,
    /// Description in Bahasa Indonesia.
    #[serde(default)]
    pub description_id: String,
    /// Description in English.
    #[serde(default)]
    pub description_en: String,
    /// Start in WIB as a `datetime-local` value, `YYYY-MM-DDTHH:MM`.
    #[serde(default)]
    pub starts: String,
    /// End in WIB as a `datetime-local` value, after the start.
    #[serde(default)]
    pub ends: String,
    /// Place (required).
    #[serde(default)]
    pub place: String,
    /// Who it is for, in Bahasa Indonesia.
    #[serde(default)]
    pub audience_id: String,
    /// Who it is for, in English.
    #[serde(default)]
    pub audience_en: String,
    /// Where to register (`https://...`), or empty.
    #[serde(default)]
    pub registration_url: String,
    /// SHA-256 of the poster image in the media library, or empty.
    #[serde(default)]
    pub poster: String,
    /// SHA-256 of the promo video in the media library, or empty.
    #[serde(default)]
    pub promo: String,
}

/// A live event.
#[derive(Debug, Clone)]
pub struct EventLive {
    /// Row id.
    pub id: i64,
    /// Whether visitors see it.
    pub published: bool,
    /// The live values.
    pub fields: EventFields,
}

/// A stored RFC 3339 time as a `datetime-local` value in WIB (empty when unreadable).
pub fn local_from_stored(s: &str) -> String {
    wib::parse_stored(s)
        .map(|t| {
            t.with_timezone(&wib::wib())
                .format(LOCAL_FORMAT)
                .to_string()
        })
        .unwrap_or_default()
}

/// A `datetime-local` value (minutes, optionally seconds) read as WIB, in the
/// stored form (RFC 3339 with `+07:00`); `None` when it is not a valid time.
pub fn stored_from_local(s: &str) -> Option<String> {
    let naive = NaiveDateTime::parse_from_str(s, LOCAL_FORMAT)
        .or_else(|_| NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    wib::wib()
        .from_local_datetime(&naive)
        .single()
        .map(wib::format_wib)
}

#[derive(sqlx::FromRow)]
struct LiveRow {
    id: i64,
    published: bool,
    title_id: String,
    title_en: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
    starts_at: String,
    ends_at: String,
    place: String,
    audience_id: Option<String>,
    audience_en: Option<String>,
    registration_url: Option<String>,
}

/// Loads an event's live state, `None` when there is no such id.
///
/// # Errors
/// Database errors.
pub async fn live(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<EventLive>> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT id, published, title_id, title_en, description_id, description_en, starts_at,
                ends_at, place, audience_id, audience_en, registration_url
           FROM events WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some(r) = row else { return Ok(None) };
    let media: Vec<(String, String)> = sqlx::query_as(
        "SELECT role, sha256 FROM content_media WHERE target_kind = 'event' AND target_id = ?",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let find = |role: &str| {
        media
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, s)| s.clone())
            .unwrap_or_default()
    };
    Ok(Some(EventLive {
        id: r.id,
        published: r.published,
        fields: EventFields {
            title_id: r.title_id,
            title_en: r.title_en.unwrap_or_default(),
            description_id: r.description_id.unwrap_or_default(),
            description_en: r.description_en.unwrap_or_default(),
            starts: local_from_stored(&r.starts_at),
            ends: local_from_stored(&r.ends_at),
            place: r.place,
            audience_id: r.audience_id.unwrap_or_default(),
            audience_en: r.audience_en.unwrap_or_default(),
            registration_url: r.registration_url.unwrap_or_default(),
            poster: find("poster"),
            promo: find("promo"),
        },
    }))
}

#[derive(Template)]
#[template(path = "admin/event_edit.html")]
struct EditPage {
    p: Page,
    e: EventLive,
    f: EventFields,
    when: String,
    draft: Option<(String, String)>,
    images: Vec<MediaChoice>,
    videos: Vec<MediaChoice>,
    errors: Vec<String>,
    public_url: String,
    /// Whether the staff member may open the media library (volunteers may not).
    can_media: bool,
}

async fn edit_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    e: EventLive,
    posted: Option<EventFields>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/events").await?;
    let stored = drafts::load::<EventFields>(&state.db, "event", e.id).await?;
    let draft = stored.as_ref().map(|(_, by, at)| (by.clone(), at.clone()));
    let f = posted
        .or_else(|| stored.map(|(d, _, _)| d))
        .unwrap_or_else(|| e.fields.clone());
    let when = match (stored_from_local(&f.starts), stored_from_local(&f.ends)) {
        (Some(s), Some(en)) => crate::web::human_when(p.lang, &s, &en),
        _ => String::new(),
    };
    let failed = !errors.is_empty();
    let mut resp = render(&EditPage {
        p,
        f,
        when,
        draft,
        images: media_choices(&state.db, "image").await?,
        videos: media_choices(&state.db, "video").await?,
        errors,
        public_url: state.public_url.to_string(),
        can_media: staff.role >= Role::Librarian,
        e,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn live_or_404(pool: &SqlitePool, id: i64) -> Result<EventLive, PageError> {
    live(pool, id)
        .await?
        .ok_or_else(|| PageError::not_found(format!("Acara #{id} tidak ada / No event #{id}")))
}

/// `GET /admin/events/{id}`: the edit form (the draft when there is one).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let e = live_or_404(&state.db, id).await?;
    edit_page(&state, &session, &staff, e, None, Vec::new()).await
}

fn clean(s: &str) -> String {
    s.trim().replace("\r\n", "\n")
}

/// Checks fields; returns the cleaned fields or the problems in `lang`.
///
/// # Errors
/// The list of problems.
pub async fn validate(
    pool: &SqlitePool,
    lang: Lang,
    f: &EventFields,
) -> Result<EventFields, Vec<String>> {
    let mut errors = Vec::new();
    let f = EventFields {
        title_id: clean(&f.title_id),
        title_en: clean(&f.title_en),
        description_id: clean(&f.description_id),
        description_en: clean(&f.description_en),
        starts: f.starts.trim().to_owned(),
        ends: f.ends.trim().to_owned(),
        place: clean(&f.place),
        audience_id: clean(&f.audience_id),
        audience_en: clean(&f.audience_en),
        registration_url: f.registration_url.trim().to_owned(),
        poster: f.poster.trim().to_owned(),
        promo: f.promo.trim().to_owned(),
    };
    let max = [("max", MAX_SHORT_CHARS.to_string())];
    if f.title_id.is_empty() {
        errors.push(i18n::text_with(lang, "event-bad-title", &max));
    }
    if f.place.is_empty() {
        errors.push(i18n::text(lang, "event-no-place"));
    }
    let too_long = [
        &f.title_id,
        &f.title_en,
        &f.place,
        &f.audience_id,
        &f.audience_en,
    ]
    .iter()
    .any(|s| s.chars().count() > MAX_SHORT_CHARS);
    if too_long {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    if f.description_id.chars().count() > MAX_DESCRIPTION_CHARS
        || f.description_en.chars().count() > MAX_DESCRIPTION_CHARS
    {
        errors.push(i18n::text_with(
            lang,
            "description-too-long",
            &[("max", MAX_DESCRIPTION_CHARS.to_string())],
        ));
    }
    match (stored_from_local(&f.starts), stored_from_local(&f.ends)) {
        (Some(s), Some(e)) => {
            // Same offset and format: text order is time order.
            if e <= s {
                errors.push(i18n::text(lang, "event-end-before-start"));
            }
        }
        _ => errors.push(i18n::text(lang, "event-bad-time")),
    }
    if !f.registration_url.is_empty()
        && (!f.registration_url.starts_with("https://")
            || crate::config::parse_public_url(&f.registration_url).is_err())
    {
        errors.push(i18n::text(lang, "event-bad-registration"));
    }
    for (sha, kind, key) in [
        (&f.poster, "image", "event-bad-poster"),
        (&f.promo, "video", "event-bad-promo"),
    ] {
        if sha.is_empty() {
            continue;
        }
        let found: Option<(i64,)> =
            sqlx::query_as("SELECT 1 FROM media_assets WHERE sha256 = ? AND kind = ?")
                .bind(sha)
                .bind(kind)
                .fetch_optional(pool)
                .await
                .unwrap_or(None);
        if found.is_none() {
            errors.push(i18n::text(lang, key));
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

/// `POST /admin/events/{id}`: saves the form as the event's draft (nothing
/// public changes), or re-shows it with the problems (`422`).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<EventFields>,
) -> Result<Response, PageError> {
    let e = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    match validate(&state.db, lang, &f).await {
        Ok(clean) => {
            drafts::save(&state.db, &staff, "event", id, &clean).await?;
            page::notice(&session, i18n::text(lang, "draft-saved")).await;
            Ok(Redirect::to(&format!("/admin/events/{id}")).into_response())
        }
        Err(errors) => edit_page(&state, &session, &staff, e, Some(f), errors).await,
    }
}

/// Applies checked fields to the live event row and its poster/promo, inside `tx`.
async fn apply(tx: &mut sqlx::SqliteConnection, id: i64, f: &EventFields) -> sqlx::Result<()> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    sqlx::query(
        "UPDATE events SET title_id = ?, title_en = ?, description_id = ?, description_en = ?,
                starts_at = ?, ends_at = ?, place = ?, audience_id = ?, audience_en = ?,
                registration_url = ?, published = 1
          WHERE id = ?",
    )
    .bind(&f.title_id)
    .bind(opt(&f.title_en))
    .bind(opt(&f.description_id))
    .bind(opt(&f.description_en))
    .bind(stored_from_local(&f.starts))
    .bind(stored_from_local(&f.ends))
    .bind(&f.place)
    .bind(opt(&f.audience_id))
    .bind(opt(&f.audience_en))
    .bind(opt(&f.registration_url))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    for (role, sha, alt_id, alt_en) in [
        (
            "poster",
            &f.poster,
            format!("Poster acara {}", f.title_id),
            format!("Poster: {}", pick_en(f)),
        ),
        (
            "promo",
            &f.promo,
            format!("Video promosi acara {}", f.title_id),
            format!("Promo video: {}", pick_en(f)),
        ),
    ] {
        sqlx::query(
            "DELETE FROM content_media WHERE target_kind = 'event' AND target_id = ? AND role = ?",
        )
        .bind(id)
        .bind(role)
        .execute(&mut *tx)
        .await?;
        if !sha.is_empty() {
            sqlx::query(
                "INSERT INTO content_media (target_kind, target_id, role, sha256, alt_id, alt_en)
                 VALUES ('event', ?, ?, ?, ?, ?)",
            )
            .bind(id)
            .bind(role)
            .bind(sha)
            .bind(alt_id)
            .bind(alt_en)
            .execute(&mut *tx)
            .await?;
        }
    }
    Ok(())
}

fn pick_en(f: &EventFields) -> &str {
    if f.title_en.is_empty() {
        &f.title_id
    } else {
        &f.title_en
    }
}

/// `POST /admin/events/{id}/publish`: applies the draft (if any) to the live
/// event and makes it public, with an audit record, in one transaction. Fields
/// that do not pass the checks (a new event never edited has no place yet)
/// are shown again with the problems (`422`) and nothing changes.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let e = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let draft = drafts::load::<EventFields>(&state.db, "event", id).await?;
    let fields = draft.map_or_else(|| e.fields.clone(), |(d, _, _)| d);
    let fields = match validate(&state.db, lang, &fields).await {
        Ok(f) => f,
        Err(errors) => return edit_page(&state, &session, &staff, e, None, errors).await,
    };
    let mut tx = state.db.begin().await?;
    apply(&mut tx, id, &fields).await?;
    drafts::delete(&mut tx, "event", id).await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "event.publish",
        &format!("event:{id}"),
        &fields.title_id,
    )
    .await?;
    tx.commit().await?;
    state.overlays.clear();
    page::notice(&session, i18n::text(lang, "published")).await;
    Ok(Redirect::to(&format!("/admin/events/{id}")).into_response())
}

/// `POST /admin/events/{id}/discard`: drops the draft; the live event stays.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn discard(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    live_or_404(&state.db, id).await?;
    drafts::discard_and_return(&state.db, &session, &staff, "event", id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_inputs_are_wib() {
        assert_eq!(
            stored_from_local("2026-12-05T09:00").as_deref(),
            Some("2026-12-05T09:00:00+07:00")
        );
        assert_eq!(
            local_from_stored("2026-12-05T02:00:00Z"),
            "2026-12-05T09:00"
        );
        assert_eq!(stored_from_local("5 Desember"), None);
    }
}
