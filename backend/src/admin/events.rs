//! Events in the back office (volunteers may use it): list by date with times
//! in WIB, create (hidden until first published), edit as a draft (names,
//! descriptions, start and end as `datetime-local` inputs read as WIB, place,
//! audience, https registration link, poster image and promo video from the
//! media library), publish or discard.

use askama::Template;
use axum::response::Response;
use chrono::{NaiveDateTime, TimeZone};
use pustaka_api::{Lang, MediaKind, MediaRole, TargetKind};
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};

use super::attachments::{self, Attachment, MediaFields, Picked};
use super::drafts::{self, DraftKind, Draftable, EditFrame, EditView, Listed, Live, LiveOf};
use super::error::PageError;
use super::i18n;
use super::page::{Page, render};
use super::routes::Routes;
use super::text::{self, MAX_NAME_CHARS, MAX_PROSE_CHARS, null_if_empty};
use crate::startup::AppState;
use crate::wib;

/// The event routes (volunteers and up): list, create and the draft routes.
pub fn routes() -> Routes {
    drafts::listed_routes::<Events>()
}

/// The `datetime-local` value format (minutes; browsers send no seconds by default).
pub const LOCAL_FORMAT: &str = "%Y-%m-%dT%H:%M";
/// Past events the list shows (newest first); older ones stay in the database.
pub const PAST_LIMIT: i64 = 50;
/// An event's media fields (form field, label key, kind), chosen with the picker.
pub const MEDIA_FIELDS: MediaFields = &[
    ("poster", "event-poster", MediaKind::Image),
    ("promo", "event-promo", MediaKind::Video),
];

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

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    title_id: String,
    starts_at: String,
    ends_at: String,
    place: String,
    published: bool,
    has_draft: bool,
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
        .map(|r| EventListRow {
            when: crate::texts::human_when(lang, &r.starts_at, &r.ends_at),
            id: r.id,
            title_id: r.title_id,
            place: r.place,
            published: r.published,
            has_draft: r.has_draft,
        })
        .collect())
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

impl EventFields {
    /// The English name, or the Indonesian one when there is none (for alt texts).
    fn name_en(&self) -> &str {
        if self.title_en.is_empty() {
            &self.title_id
        } else {
            &self.title_en
        }
    }
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
struct EventRow {
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

#[derive(Template)]
#[template(path = "admin/event_edit.html")]
struct EditPage {
    p: Page,
    e: EditFrame,
    f: EventFields,
    when: String,
    /// Whether the live event has ended (the page says so).
    over: bool,
    /// Why phones may not reach a printed poster's code, in words.
    reach: Vec<String>,
    /// The poster and promo video fields.
    media: Vec<Picked>,
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
        title_id: text::clean(&f.title_id),
        title_en: text::clean(&f.title_en),
        description_id: text::clean(&f.description_id),
        description_en: text::clean(&f.description_en),
        starts: text::clean(&f.starts),
        ends: text::clean(&f.ends),
        place: text::clean(&f.place),
        audience_id: text::clean(&f.audience_id),
        audience_en: text::clean(&f.audience_en),
        registration_url: text::clean(&f.registration_url),
        poster: text::clean(&f.poster),
        promo: text::clean(&f.promo),
    };
    let max = [("max", MAX_NAME_CHARS.to_string())];
    if f.title_id.is_empty() {
        errors.push(i18n::text_with(lang, "event-bad-title", &max));
    }
    if f.place.is_empty() {
        errors.push(i18n::text(lang, "event-no-place"));
    }
    let short = [
        &f.title_id,
        &f.title_en,
        &f.place,
        &f.audience_id,
        &f.audience_en,
    ];
    if text::any_too_long(short, MAX_NAME_CHARS) {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    if text::any_too_long([&f.description_id, &f.description_en], MAX_PROSE_CHARS) {
        errors.push(i18n::text_with(
            lang,
            "description-too-long",
            &[("max", MAX_PROSE_CHARS.to_string())],
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
        (&f.poster, MediaKind::Image, "event-bad-poster"),
        (&f.promo, MediaKind::Video, "event-bad-promo"),
    ] {
        if !sha.is_empty() && !attachments::exists(pool, sha, kind).await {
            errors.push(i18n::text(lang, key));
        }
    }
    if errors.is_empty() {
        Ok(f)
    } else {
        Err(errors)
    }
}

/// The events section of the draft workflow.
pub struct Events;

impl Draftable for Events {
    const KIND: DraftKind = DraftKind::Event;
    type Fields = EventFields;
    type Extra = ();
    type Form = EventFields;

    async fn load(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<LiveOf<Self>>> {
        let row: Option<EventRow> = sqlx::query_as(
            "SELECT id, published, title_id, title_en, description_id, description_en, starts_at,
                    ends_at, place, audience_id, audience_en, registration_url
               FROM events WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let media = attachments::attached(pool, TargetKind::Event, r.id).await?;
        Ok(Some(Live {
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
                poster: media.get(MediaRole::Poster),
                promo: media.get(MediaRole::Promo),
            },
            extra: (),
        }))
    }

    fn heading(live: &LiveOf<Self>) -> String {
        live.fields.title_id.clone()
    }

    async fn validate(
        pool: &SqlitePool,
        lang: Lang,
        form: &EventFields,
        _working: EventFields,
    ) -> Result<EventFields, Vec<String>> {
        validate(pool, lang, form).await
    }

    /// The whole check again: a new event never edited has no place yet.
    async fn check_publish(
        pool: &SqlitePool,
        lang: Lang,
        _live: &LiveOf<Self>,
        fields: EventFields,
    ) -> sqlx::Result<Result<EventFields, Vec<String>>> {
        Ok(validate(pool, lang, &fields).await)
    }

    /// Writes the event row and its poster and promo video.
    async fn apply(
        tx: &mut SqliteConnection,
        live: &LiveOf<Self>,
        f: &EventFields,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE events SET title_id = ?, title_en = ?, description_id = ?, description_en = ?,
                    starts_at = ?, ends_at = ?, place = ?, audience_id = ?, audience_en = ?,
                    registration_url = ?, published = 1
              WHERE id = ?",
        )
        .bind(&f.title_id)
        .bind(null_if_empty(&f.title_en))
        .bind(null_if_empty(&f.description_id))
        .bind(null_if_empty(&f.description_en))
        .bind(stored_from_local(&f.starts))
        .bind(stored_from_local(&f.ends))
        .bind(&f.place)
        .bind(null_if_empty(&f.audience_id))
        .bind(null_if_empty(&f.audience_en))
        .bind(null_if_empty(&f.registration_url))
        .bind(live.id)
        .execute(&mut *tx)
        .await?;
        for a in [
            Attachment {
                role: MediaRole::Poster,
                sha256: &f.poster,
                alt_id: format!("Poster acara {}", f.title_id),
                alt_en: format!("Poster: {}", f.name_en()),
            },
            Attachment {
                role: MediaRole::Promo,
                sha256: &f.promo,
                alt_id: format!("Video promosi acara {}", f.title_id),
                alt_en: format!("Promo video: {}", f.name_en()),
            },
        ] {
            attachments::attach(tx, TargetKind::Event, live.id, &a).await?;
        }
        Ok(())
    }

    fn audit_detail(_live: &LiveOf<Self>, fields: &EventFields) -> String {
        fields.title_id.clone()
    }

    async fn render_edit(state: &AppState, v: EditView<Self>) -> Result<Response, PageError> {
        let f = v.posted.unwrap_or(v.fields);
        let over = v.live.published
            && stored_from_local(&v.live.fields.ends).is_some_and(|end| wib::is_over(&end));
        let when = match (stored_from_local(&f.starts), stored_from_local(&f.ends)) {
            (Some(s), Some(en)) => crate::texts::human_when(v.p.lang, &s, &en),
            _ => String::new(),
        };
        let reach = super::print::reach_warnings(&state.public_url)
            .into_iter()
            .map(|key| {
                super::i18n::text_with(v.p.lang, key, &[("url", state.public_url.to_string())])
            })
            .collect();
        let media =
            attachments::picked_all(&state.db, MEDIA_FIELDS, |k| drafts::field_text(&f, k)).await?;
        Ok(render(&EditPage {
            reach,
            media,
            p: v.p,
            e: v.e,
            f,
            when,
            over,
        }))
    }
}

impl Listed for Events {
    const NAME_FIELD: &'static str = "title_id";
    const BAD_NAME_KEY: &'static str = "event-bad-title";
    const MAX_NAME_CHARS: usize = MAX_NAME_CHARS;

    /// A new event runs tomorrow 09.00–10.00 WIB until edited, with no place yet.
    /// A new event has no date yet (empty start and end, never a guessed
    /// time): the form starts with empty date fields, and it cannot be
    /// published until both are filled in.
    async fn insert(tx: &mut SqliteConnection, name: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar(
            "INSERT INTO events (title_id, starts_at, ends_at, place, published)
             VALUES (?, '', '', '', 0) RETURNING id",
        )
        .bind(name)
        .fetch_one(tx)
        .await
    }

    /// Upcoming events by date, then the latest past ones.
    async fn render_list(
        state: &AppState,
        p: Page,
        new_title: String,
        errors: Vec<String>,
    ) -> Result<Response, PageError> {
        let now = wib::format_wib(wib::now_wib());
        let cols = "SELECT e.id, e.title_id, e.starts_at, e.ends_at, e.place, e.published,
                    EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'event' AND d.target_id = e.id) AS has_draft
               FROM events e";
        // Stored times all carry +07:00, so they compare correctly as text.
        let upcoming = rows(
            &state.db,
            p.lang,
            // Undated new events first, then by date.
            &format!(
                "{cols} WHERE e.ends_at >= ?1 OR e.ends_at = '' ORDER BY e.starts_at, e.id LIMIT ?2"
            ),
            &now,
            -1,
        )
        .await?;
        let past = rows(
            &state.db,
            p.lang,
            &format!("{cols} WHERE e.ends_at < ?1 AND e.ends_at <> '' ORDER BY e.starts_at DESC, e.id LIMIT ?2"),
            &now,
            PAST_LIMIT,
        )
        .await?;
        Ok(render(&ListPage {
            p,
            upcoming,
            past,
            new_title,
            errors,
        }))
    }
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
