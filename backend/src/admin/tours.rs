//! Reading tours in the back office (volunteers may use it): list, create
//! (hidden until first published), edit the tour and its ordered stops — clue,
//! narration, a question with choices and feedback, a badge with its image —
//! then publish or discard.
//!
//! The draft of a tour holds the whole tour, stops and choices included
//! ([`TourDraft`]); every stop edit (add, change, move, delete) changes only
//! the draft. Publishing replaces the live stops in one transaction, keeping
//! stop ids where it can (markers point at `tour_stops.id`): a stop that is
//! still in the draft is updated in place, a new one is inserted, and a removed
//! one is deleted only when no marker points at it — otherwise publishing is
//! refused with the marker codes named.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::{Lang, MediaKind, MediaRole, TargetKind};
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};
use tower_sessions::Session;

use super::attachments::{self, Attachment, MediaFields, Picked};
use super::drafts::{
    self, DraftKind, Draftable, EditFrame, EditView, Listed, Live, LiveOf, live_or_404, working,
};
use super::error::PageError;
use super::i18n;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::Staff;
use super::text::{self, MAX_PROSE_CHARS, MAX_TOUR_LINE_CHARS, null_if_empty};
use crate::startup::AppState;

/// The tour routes (volunteers and up): list, create, the draft routes, and
/// the stop routes, which change only the draft.
pub fn routes() -> Routes {
    let role = DraftKind::Tour.role();
    drafts::listed_routes::<Tours>()
        .get("/admin/tours/{id}/stops/new", role, new_stop)
        .post("/admin/tours/{id}/stops", role, add_stop)
        .get("/admin/tours/{id}/stops/{stop}", role, edit_stop)
        .post("/admin/tours/{id}/stops/{stop}", role, save_stop)
        .post("/admin/tours/{id}/stops/{stop}/up", role, move_up)
        .post("/admin/tours/{id}/stops/{stop}/down", role, move_down)
        .post("/admin/tours/{id}/stops/{stop}/delete", role, delete_stop)
}

/// A stop's media fields (form field, label key, kind), chosen with the picker.
pub const STOP_MEDIA_FIELDS: MediaFields = &[
    ("badge_image", "stop-badge-image", MediaKind::Image),
    ("narration_audio", "stop-narration-audio", MediaKind::Audio),
];
/// Answer choices a question may have (the stop form shows this many rows).
pub const MAX_CHOICES: usize = 4;
/// Stops a tour may have.
pub const MAX_STOPS: usize = 50;

/// One answer choice of a stop's question.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceDraft {
    /// Text in Bahasa Indonesia.
    pub text_id: String,
    /// Text in English.
    pub text_en: String,
    /// Whether it is a right answer.
    pub correct: bool,
    /// Said when picked, in Bahasa Indonesia.
    pub feedback_id: String,
    /// Said when picked, in English.
    pub feedback_en: String,
}

/// One stop of a tour in a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StopDraft {
    /// Key in the back office's URLs: `s{id}` for a live stop, `n{k}` for a new one.
    pub key: String,
    /// The live `tour_stops.id`, when the stop exists already.
    pub id: Option<i64>,
    /// Clue leading to this stop, in Bahasa Indonesia (required).
    pub clue_id: String,
    /// Clue in English.
    pub clue_en: String,
    /// What the app tells here, in Bahasa Indonesia.
    pub narration_id: String,
    /// Narration in English.
    pub narration_en: String,
    /// SHA-256 of the recorded narration (audio) in the media library, or
    /// empty. Absent from drafts saved before it existed.
    #[serde(default)]
    pub narration_audio: String,
    /// Question in Bahasa Indonesia; empty = no question.
    pub question_id: String,
    /// Question in English.
    pub question_en: String,
    /// Answer choices (none when there is no question).
    pub choices: Vec<ChoiceDraft>,
    /// Badge name in Bahasa Indonesia; empty = no badge.
    pub badge_name_id: String,
    /// Badge name in English.
    pub badge_name_en: String,
    /// SHA-256 of the badge image in the media library, or empty.
    pub badge_image: String,
}

/// A whole tour as its draft stores it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TourDraft {
    /// Name in Bahasa Indonesia (required).
    pub name_id: String,
    /// Name in English.
    pub name_en: String,
    /// Description in Bahasa Indonesia.
    pub description_id: String,
    /// Description in English.
    pub description_en: String,
    /// Whether the app offers the tour.
    pub active: bool,
    /// Stops in visiting order.
    pub stops: Vec<StopDraft>,
    /// The next number for a new stop's key.
    pub next_key: u32,
}

impl TourDraft {
    fn index_of(&self, key: &str) -> Option<usize> {
        self.stops.iter().position(|s| s.key == key)
    }
}

/// One row of the tours list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TourListRow {
    /// Row id.
    pub id: i64,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Live stop count.
    pub stops: i64,
    /// Whether the app offers it.
    pub active: bool,
    /// Whether visitors see it.
    pub published: bool,
    /// Whether an unpublished draft exists.
    pub has_draft: bool,
    /// Whether it is archived (listed last).
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "admin/tours.html")]
struct ListPage {
    p: Page,
    rows: Vec<TourListRow>,
    new_name: String,
    errors: Vec<String>,
}

#[derive(sqlx::FromRow)]
struct TourRow {
    id: i64,
    published: bool,
    name_id: String,
    name_en: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
    active: bool,
}

#[derive(sqlx::FromRow)]
struct StopRow {
    id: i64,
    clue_id: String,
    clue_en: Option<String>,
    narration_id: Option<String>,
    narration_en: Option<String>,
    question_id: Option<String>,
    question_en: Option<String>,
    badge_name_id: Option<String>,
    badge_name_en: Option<String>,
    badge_image: Option<String>,
    narration_audio: Option<String>,
}

/// The live stops of a tour, in order, as a draft holds them.
async fn live_stops(pool: &SqlitePool, tour_id: i64) -> sqlx::Result<Vec<StopDraft>> {
    let rows: Vec<StopRow> = sqlx::query_as(
        "SELECT s.id, s.clue_id, s.clue_en, s.narration_id, s.narration_en, s.question_id,
                s.question_en, s.badge_name_id, s.badge_name_en,
                (SELECT cm.sha256 FROM content_media cm WHERE cm.target_kind = 'tour_stop'
                    AND cm.target_id = s.id AND cm.role = 'badge') AS badge_image,
                (SELECT cm.sha256 FROM content_media cm WHERE cm.target_kind = 'tour_stop'
                    AND cm.target_id = s.id AND cm.role = 'narration') AS narration_audio
           FROM tour_stops s WHERE s.tour_id = ? ORDER BY s.position",
    )
    .bind(tour_id)
    .fetch_all(pool)
    .await?;
    let mut stops = Vec::with_capacity(rows.len());
    for s in rows {
        let choices = crate::db::content::stop_choices(pool, s.id).await?;
        stops.push(StopDraft {
            key: format!("s{}", s.id),
            id: Some(s.id),
            clue_id: s.clue_id,
            clue_en: s.clue_en.unwrap_or_default(),
            narration_id: s.narration_id.unwrap_or_default(),
            narration_en: s.narration_en.unwrap_or_default(),
            narration_audio: s.narration_audio.unwrap_or_default(),
            question_id: s.question_id.unwrap_or_default(),
            question_en: s.question_en.unwrap_or_default(),
            choices: choices
                .into_iter()
                .map(|c| ChoiceDraft {
                    text_id: c.text_id,
                    text_en: c.text_en.unwrap_or_default(),
                    correct: c.correct,
                    feedback_id: c.feedback_id.unwrap_or_default(),
                    feedback_en: c.feedback_en.unwrap_or_default(),
                })
                .collect(),
            badge_name_id: s.badge_name_id.unwrap_or_default(),
            badge_name_en: s.badge_name_en.unwrap_or_default(),
            badge_image: s.badge_image.unwrap_or_default(),
        });
    }
    Ok(stops)
}

#[derive(sqlx::FromRow)]
struct StopMarker {
    stop_id: i64,
    code: String,
}

/// Live stops of the tour that markers point at, by marker code.
async fn stop_markers(pool: &SqlitePool, tour_id: i64) -> sqlx::Result<Vec<StopMarker>> {
    sqlx::query_as(
        "SELECT m.target_id AS stop_id, m.code FROM markers m
           JOIN tour_stops s ON s.id = m.target_id
          WHERE m.target_kind = 'tour_stop' AND s.tour_id = ? ORDER BY m.code",
    )
    .bind(tour_id)
    .fetch_all(pool)
    .await
}

/// One stop as the tour page lists it.
#[derive(Debug, Clone)]
pub struct StopLine {
    /// URL key.
    pub key: String,
    /// 1-based position.
    pub position: usize,
    /// Clue in Bahasa Indonesia.
    pub clue: String,
    /// Whether it has a question.
    pub has_question: bool,
    /// Badge name, or empty.
    pub badge: String,
    /// Marker codes pointing at it.
    pub markers: Vec<String>,
}

#[derive(Template)]
#[template(path = "admin/tour_edit.html")]
struct EditPage {
    p: Page,
    e: EditFrame,
    f: TourDraft,
    stops: Vec<StopLine>,
}

/// Form of `POST /admin/tours/{id}`: the tour's own fields.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct TourFields {
    /// Name in Bahasa Indonesia.
    #[serde(default)]
    pub name_id: String,
    /// Name in English.
    #[serde(default)]
    pub name_en: String,
    /// Description in Bahasa Indonesia.
    #[serde(default)]
    pub description_id: String,
    /// Description in English.
    #[serde(default)]
    pub description_en: String,
    /// `"1"` when the app offers the tour (a checkbox: absent means no).
    #[serde(default)]
    pub active: Option<String>,
}

/// Checks the tour's own fields of a draft.
fn check_tour(lang: Lang, t: &TourDraft, errors: &mut Vec<String>) {
    let max = [("max", MAX_TOUR_LINE_CHARS.to_string())];
    if t.name_id.is_empty() {
        errors.push(i18n::text_with(lang, "tour-bad-name", &max));
    }
    if text::any_too_long([&t.name_id, &t.name_en], MAX_TOUR_LINE_CHARS) {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    if text::any_too_long([&t.description_id, &t.description_en], MAX_PROSE_CHARS) {
        errors.push(i18n::text_with(
            lang,
            "description-too-long",
            &[("max", MAX_PROSE_CHARS.to_string())],
        ));
    }
}

/// The ids of a tour's stops that exist live.
fn stop_ids(t: &TourDraft) -> Vec<i64> {
    t.stops.iter().filter_map(|s| s.id).collect()
}

/// The tours section of the draft workflow.
pub struct Tours;

impl Draftable for Tours {
    const KIND: DraftKind = DraftKind::Tour;
    type Fields = TourDraft;
    type Extra = ();
    type Form = TourFields;

    async fn load(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<LiveOf<Self>>> {
        let row: Option<TourRow> = sqlx::query_as(
            "SELECT id, published, name_id, name_en, description_id, description_en, active
               FROM tours WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(Live {
            id: r.id,
            published: r.published,
            fields: TourDraft {
                name_id: r.name_id,
                name_en: r.name_en.unwrap_or_default(),
                description_id: r.description_id.unwrap_or_default(),
                description_en: r.description_en.unwrap_or_default(),
                active: r.active,
                stops: live_stops(pool, r.id).await?,
                next_key: 1,
            },
            extra: (),
        }))
    }

    fn heading(live: &LiveOf<Self>) -> String {
        live.fields.name_id.clone()
    }

    /// The tour's own fields go into the draft; its stops stay as they are there.
    async fn validate(
        _pool: &SqlitePool,
        lang: Lang,
        f: &TourFields,
        mut d: TourDraft,
    ) -> Result<TourDraft, Vec<String>> {
        d.name_id = text::clean(&f.name_id);
        d.name_en = text::clean(&f.name_en);
        d.description_id = text::clean(&f.description_id);
        d.description_en = text::clean(&f.description_en);
        d.active = f.active.is_some();
        let mut errors = Vec::new();
        check_tour(lang, &d, &mut errors);
        if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        }
    }

    /// Refuses tour fields that do not pass and removed stops that a marker
    /// still points at (naming the codes).
    async fn check_publish(
        pool: &SqlitePool,
        lang: Lang,
        live: &LiveOf<Self>,
        d: TourDraft,
    ) -> sqlx::Result<Result<TourDraft, Vec<String>>> {
        let mut errors = Vec::new();
        check_tour(lang, &d, &mut errors);
        let kept = stop_ids(&d);
        let blocking: Vec<String> = stop_markers(pool, live.id)
            .await?
            .into_iter()
            .filter(|m| !kept.contains(&m.stop_id))
            .map(|m| m.code)
            .collect();
        if !blocking.is_empty() {
            errors.push(i18n::text_with(
                lang,
                "tour-stop-has-marker",
                &[("codes", blocking.join(", "))],
            ));
        }
        Ok(if errors.is_empty() {
            Ok(d)
        } else {
            Err(errors)
        })
    }

    async fn apply(
        tx: &mut SqliteConnection,
        live: &LiveOf<Self>,
        d: &TourDraft,
    ) -> sqlx::Result<()> {
        apply_tour(tx, live.id, d, &stop_ids(&live.fields)).await
    }

    fn audit_detail(_live: &LiveOf<Self>, d: &TourDraft) -> String {
        format!("{} ({} stops)", d.name_id, d.stops.len())
    }

    async fn render_edit(state: &AppState, v: EditView<Self>) -> Result<Response, PageError> {
        let mut f = v.fields;
        if let Some(posted) = v.posted {
            f.name_id = posted.name_id;
            f.name_en = posted.name_en;
            f.description_id = posted.description_id;
            f.description_en = posted.description_en;
            f.active = posted.active.is_some();
        }
        let markers = stop_markers(&state.db, v.live.id).await?;
        let stops = (1..)
            .zip(&f.stops)
            .map(|(position, s)| StopLine {
                key: s.key.clone(),
                position,
                clue: s.clue_id.clone(),
                has_question: !s.question_id.is_empty(),
                badge: s.badge_name_id.clone(),
                markers: markers
                    .iter()
                    .filter(|m| Some(m.stop_id) == s.id)
                    .map(|m| m.code.clone())
                    .collect(),
            })
            .collect();
        Ok(render(&EditPage {
            p: v.p,
            e: v.e,
            f,
            stops,
        }))
    }
}

impl Listed for Tours {
    const NAME_FIELD: &'static str = "name_id";
    const BAD_NAME_KEY: &'static str = "tour-bad-name";
    const MAX_NAME_CHARS: usize = MAX_TOUR_LINE_CHARS;

    /// A new tour has no stops.
    async fn insert(tx: &mut SqliteConnection, name: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO tours (name_id, published) VALUES (?, 0) RETURNING id")
            .bind(name)
            .fetch_one(tx)
            .await
    }

    async fn render_list(
        state: &AppState,
        p: Page,
        new_name: String,
        errors: Vec<String>,
    ) -> Result<Response, PageError> {
        let rows = sqlx::query_as(
            "SELECT t.id, t.name_id, t.active, t.published, t.archived,
                    (SELECT COUNT(*) FROM tour_stops s WHERE s.tour_id = t.id) AS stops,
                    EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'tour' AND d.target_id = t.id) AS has_draft
               FROM tours t ORDER BY t.archived, t.name_id, t.id",
        )
        .fetch_all(&state.db)
        .await?;
        Ok(render(&ListPage {
            p,
            rows,
            new_name,
            errors,
        }))
    }
}

#[derive(Template)]
#[template(path = "admin/tour_stop.html")]
struct StopPage {
    p: Page,
    tour_id: i64,
    tour_name: String,
    /// `None` for a new stop.
    key: Option<String>,
    position: usize,
    s: StopDraft,
    /// Exactly [`MAX_CHOICES`] rows (blank ones to fill in).
    choices: Vec<ChoiceDraft>,
    /// The badge picture field.
    badge: Picked,
    /// The recorded narration field.
    narration: Picked,
    errors: Vec<String>,
}

/// Renders the form of stop `key` (`None`: a new stop at the end) of draft `d`
/// showing `s`, with `422` when there are problems.
#[expect(clippy::too_many_arguments, reason = "one call per stop form outcome")]
async fn stop_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    tour_id: i64,
    d: TourDraft,
    key: Option<String>,
    s: StopDraft,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), DraftKind::Tour.list_href()).await?;
    let position = key
        .as_deref()
        .and_then(|k| d.index_of(k))
        .map_or(d.stops.len() + 1, |i| i + 1);
    let mut choices = s.choices.clone();
    choices.resize(MAX_CHOICES.max(choices.len()), ChoiceDraft::default());
    let failed = !errors.is_empty();
    let mut media =
        attachments::picked_all(&state.db, STOP_MEDIA_FIELDS, |k| stop_field(&s, k)).await?;
    let narration = media
        .pop()
        .ok_or_else(|| PageError::internal("no narration field"))?;
    let badge = media
        .pop()
        .ok_or_else(|| PageError::internal("no badge field"))?;
    let mut resp = render(&StopPage {
        p,
        tour_id,
        tour_name: d.name_id,
        key,
        position,
        s,
        choices,
        badge,
        narration,
        errors,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// The hash stop `s` holds in media field `field` (one of [`STOP_MEDIA_FIELDS`]).
fn stop_field(s: &StopDraft, field: &str) -> String {
    match field {
        "badge_image" => s.badge_image.clone(),
        "narration_audio" => s.narration_audio.clone(),
        _ => String::new(),
    }
}

/// The hash stop `key` of tour `id`'s working draft holds in media field `field`.
///
/// # Errors
/// Unknown tour or stop → 404 page; database errors.
pub async fn stop_media_value(
    pool: &SqlitePool,
    id: i64,
    key: &str,
    field: &str,
) -> Result<String, PageError> {
    let (d, i) = stop_or_404(pool, id, key).await?;
    Ok(stop_field(&d.stops[i], field))
}

/// Sets media field `field` (one of [`STOP_MEDIA_FIELDS`]) of stop `key` in
/// tour `id`'s draft to `sha256` (empty: none) and saves the draft.
///
/// # Errors
/// Unknown tour or stop → 404 page; another field → 400 page; database errors.
pub async fn set_stop_media(
    pool: &SqlitePool,
    staff: &Staff,
    id: i64,
    key: &str,
    field: &str,
    sha256: &str,
) -> Result<(), PageError> {
    let (mut d, i) = stop_or_404(pool, id, key).await?;
    let s = &mut d.stops[i];
    match field {
        "badge_image" => s.badge_image = sha256.to_owned(),
        "narration_audio" => s.narration_audio = sha256.to_owned(),
        _ => {
            return Err(PageError::bad_request(
                "Kolom tidak dikenal / Unknown field",
            ));
        }
    }
    drafts::save(pool, staff, DraftKind::Tour, id, &d).await?;
    Ok(())
}

/// Saves draft `d` of tour `id` after a stop form was sent: back to the tour,
/// or, when the form's picker button was pressed, to the picker for that
/// field of stop `key` (the typing is in the draft now).
async fn save_stop_form(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    id: i64,
    d: &TourDraft,
    key: &str,
    form: &[(String, String)],
) -> Result<Response, PageError> {
    let pick = form
        .iter()
        .find(|(k, v)| k == super::picker::PICK_FIELD && !v.is_empty());
    match pick {
        Some((_, field)) => {
            drafts::save(&state.db, staff, DraftKind::Tour, id, d).await?;
            let back = format!("/admin/tours/{id}/stops/{key}");
            Ok(Redirect::to(&super::picker::href(&back, field)).into_response())
        }
        None => drafts::save_and_return(state, session, staff, DraftKind::Tour, id, d).await,
    }
}

/// The tour's working draft and the place of stop `key` in it, or a `404`.
async fn stop_or_404(
    pool: &SqlitePool,
    id: i64,
    key: &str,
) -> Result<(TourDraft, usize), PageError> {
    let live = live_or_404::<Tours>(pool, id).await?;
    let (d, _) = working::<Tours>(pool, &live).await?;
    let i = d.index_of(key).ok_or_else(|| {
        PageError::not_found(format!("Perhentian {key} tidak ada / No stop {key}"))
    })?;
    Ok((d, i))
}

/// `GET /admin/tours/{id}/stops/new`: the form for a new stop at the end.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn new_stop(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let live = live_or_404::<Tours>(&state.db, id).await?;
    let (d, _) = working::<Tours>(&state.db, &live).await?;
    let blank = StopDraft::default();
    stop_page(&state, &session, &staff, id, d, None, blank, Vec::new()).await
}

/// `POST /admin/tours/{id}/stops`: adds a stop at the end of the draft, or
/// re-shows the form (`422`).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn add_stop(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let live = live_or_404::<Tours>(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let (mut d, _) = working::<Tours>(&state.db, &live).await?;
    let (mut s, mut errors) = read_stop(&state.db, lang, &form).await;
    if d.stops.len() >= MAX_STOPS {
        errors.push(i18n::text_with(
            lang,
            "tour-too-many-stops",
            &[("max", MAX_STOPS.to_string())],
        ));
    }
    if !errors.is_empty() {
        return stop_page(&state, &session, &staff, id, d, None, s, errors).await;
    }
    d.next_key = d.next_key.max(1);
    s.key = format!("n{}", d.next_key);
    d.next_key += 1;
    let key = s.key.clone();
    d.stops.push(s);
    save_stop_form(&state, &session, &staff, id, &d, &key, &form).await
}

/// `GET /admin/tours/{id}/stops/{stop}`: the form of one stop.
///
/// # Errors
/// Unknown tour or stop → 404 page; database or session failures.
pub async fn edit_stop(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    let (d, i) = stop_or_404(&state.db, id, &key).await?;
    let s = d.stops[i].clone();
    stop_page(&state, &session, &staff, id, d, Some(key), s, Vec::new()).await
}

/// `POST /admin/tours/{id}/stops/{stop}`: changes one stop in the draft, or
/// re-shows the form (`422`).
///
/// # Errors
/// Unknown tour or stop → 404 page; database or session failures.
pub async fn save_stop(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (mut d, i) = stop_or_404(&state.db, id, &key).await?;
    let lang = page::lang_of(&session).await;
    let (mut s, errors) = read_stop(&state.db, lang, &form).await;
    if !errors.is_empty() {
        return stop_page(&state, &session, &staff, id, d, Some(key), s, errors).await;
    }
    s.key = d.stops[i].key.clone();
    s.id = d.stops[i].id;
    d.stops[i] = s;
    save_stop_form(&state, &session, &staff, id, &d, &key, &form).await
}

/// What a stop-list button does to the draft.
#[derive(Debug, Clone, Copy)]
enum StopChange {
    Up,
    Down,
    Delete,
}

async fn change_stop(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    id: i64,
    key: &str,
    change: StopChange,
) -> Result<Response, PageError> {
    let (mut d, i) = stop_or_404(&state.db, id, key).await?;
    match change {
        StopChange::Up if i > 0 => d.stops.swap(i, i - 1),
        StopChange::Down if i + 1 < d.stops.len() => d.stops.swap(i, i + 1),
        StopChange::Delete => {
            d.stops.remove(i);
        }
        // Already first or last: nothing to do.
        StopChange::Up | StopChange::Down => {
            return Ok(Redirect::to(&DraftKind::Tour.edit_href(id)).into_response());
        }
    }
    drafts::save_and_return(state, session, staff, DraftKind::Tour, id, &d).await
}

/// `POST /admin/tours/{id}/stops/{stop}/up`: moves a stop one place earlier in the draft.
///
/// # Errors
/// Unknown tour or stop → 404 page; database or session failures.
pub async fn move_up(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    change_stop(&state, &session, &staff, id, &key, StopChange::Up).await
}

/// `POST /admin/tours/{id}/stops/{stop}/down`: moves a stop one place later in the draft.
///
/// # Errors
/// Unknown tour or stop → 404 page; database or session failures.
pub async fn move_down(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    change_stop(&state, &session, &staff, id, &key, StopChange::Down).await
}

/// `POST /admin/tours/{id}/stops/{stop}/delete`: removes a stop from the draft
/// (a live stop goes at publication, if no marker points at it).
///
/// # Errors
/// Unknown tour or stop → 404 page; database or session failures.
pub async fn delete_stop(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path((id, key)): Path<(i64, String)>,
) -> Result<Response, PageError> {
    change_stop(&state, &session, &staff, id, &key, StopChange::Delete).await
}

/// Reads the posted stop form (choice rows are `choice{N}_text_id`,
/// `choice{N}_text_en`, `choice{N}_correct`, `choice{N}_feedback_id`,
/// `choice{N}_feedback_en` for N = 1..=[`MAX_CHOICES`]) and checks it.
/// Returns the stop as typed (for re-showing) and the problems.
pub async fn read_stop(
    pool: &SqlitePool,
    lang: Lang,
    form: &[(String, String)],
) -> (StopDraft, Vec<String>) {
    let get = |k: &str| {
        form.iter()
            .find(|(name, _)| name == k)
            .map(|(_, v)| text::clean(v))
            .unwrap_or_default()
    };
    let mut choices = Vec::new();
    let mut errors = Vec::new();
    for n in 1..=MAX_CHOICES {
        let c = ChoiceDraft {
            text_id: get(&format!("choice{n}_text_id")),
            text_en: get(&format!("choice{n}_text_en")),
            correct: !get(&format!("choice{n}_correct")).is_empty(),
            feedback_id: get(&format!("choice{n}_feedback_id")),
            feedback_en: get(&format!("choice{n}_feedback_en")),
        };
        if c.text_id.is_empty() {
            if !c.text_en.is_empty() || !c.feedback_id.is_empty() || !c.feedback_en.is_empty() {
                errors.push(i18n::text_with(
                    lang,
                    "stop-choice-no-text",
                    &[("n", n.to_string())],
                ));
            }
            continue;
        }
        choices.push(c);
    }
    let s = StopDraft {
        key: String::new(),
        id: None,
        clue_id: get("clue_id"),
        clue_en: get("clue_en"),
        narration_id: get("narration_id"),
        narration_en: get("narration_en"),
        narration_audio: get("narration_audio"),
        question_id: get("question_id"),
        question_en: get("question_en"),
        choices,
        badge_name_id: get("badge_name_id"),
        badge_name_en: get("badge_name_en"),
        badge_image: get("badge_image"),
    };
    let max = [("max", MAX_TOUR_LINE_CHARS.to_string())];
    if s.clue_id.is_empty() {
        errors.push(i18n::text(lang, "stop-no-clue"));
    }
    let short = [
        &s.clue_id,
        &s.clue_en,
        &s.question_id,
        &s.question_en,
        &s.badge_name_id,
        &s.badge_name_en,
    ]
    .into_iter()
    .chain(s.choices.iter().flat_map(|c| [&c.text_id, &c.text_en]));
    if text::any_too_long(short, MAX_TOUR_LINE_CHARS) {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    let long = [&s.narration_id, &s.narration_en].into_iter().chain(
        s.choices
            .iter()
            .flat_map(|c| [&c.feedback_id, &c.feedback_en]),
    );
    if text::any_too_long(long, MAX_PROSE_CHARS) {
        errors.push(i18n::text_with(
            lang,
            "description-too-long",
            &[("max", MAX_PROSE_CHARS.to_string())],
        ));
    }
    if s.question_id.is_empty() {
        if !s.choices.is_empty() {
            errors.push(i18n::text(lang, "stop-choices-without-question"));
        }
        if !s.question_en.is_empty() {
            errors.push(i18n::text(lang, "stop-question-needs-id"));
        }
    } else if s.choices.len() < 2 {
        errors.push(i18n::text(lang, "stop-too-few-choices"));
    } else if !s.choices.iter().any(|c| c.correct) {
        errors.push(i18n::text(lang, "stop-no-correct"));
    }
    if s.badge_name_id.is_empty() && (!s.badge_image.is_empty() || !s.badge_name_en.is_empty()) {
        errors.push(i18n::text(lang, "stop-badge-no-name"));
    }
    if !s.badge_image.is_empty()
        && !attachments::exists(pool, &s.badge_image, MediaKind::Image).await
    {
        errors.push(i18n::text(lang, "stop-bad-badge-image"));
    }
    if !s.narration_audio.is_empty()
        && !attachments::exists(pool, &s.narration_audio, MediaKind::Audio).await
    {
        errors.push(i18n::text(lang, "stop-bad-narration-audio"));
    }
    (s, errors)
}

/// Writes one stop's row, choices and badge inside `tx`; returns its id.
async fn apply_stop(
    tx: &mut SqliteConnection,
    tour_id: i64,
    position: i64,
    s: &StopDraft,
    live_ids: &[i64],
) -> sqlx::Result<i64> {
    let q = !s.question_id.is_empty();
    let existing = s.id.filter(|id| live_ids.contains(id));
    let stop_id = if let Some(id) = existing {
        sqlx::query(
            "UPDATE tour_stops SET position = ?, clue_id = ?, clue_en = ?, narration_id = ?,
                    narration_en = ?, question_id = ?, question_en = ?, badge_name_id = ?,
                    badge_name_en = ?
              WHERE id = ?",
        )
        .bind(position)
        .bind(&s.clue_id)
        .bind(null_if_empty(&s.clue_en))
        .bind(null_if_empty(&s.narration_id))
        .bind(null_if_empty(&s.narration_en))
        .bind(null_if_empty(&s.question_id))
        .bind(if q {
            null_if_empty(&s.question_en)
        } else {
            None
        })
        .bind(null_if_empty(&s.badge_name_id))
        .bind(null_if_empty(&s.badge_name_en))
        .bind(id)
        .execute(&mut *tx)
        .await?;
        id
    } else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO tour_stops (tour_id, position, clue_id, clue_en, narration_id,
                    narration_en, question_id, question_en, badge_name_id, badge_name_en)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(tour_id)
        .bind(position)
        .bind(&s.clue_id)
        .bind(null_if_empty(&s.clue_en))
        .bind(null_if_empty(&s.narration_id))
        .bind(null_if_empty(&s.narration_en))
        .bind(null_if_empty(&s.question_id))
        .bind(if q {
            null_if_empty(&s.question_en)
        } else {
            None
        })
        .bind(null_if_empty(&s.badge_name_id))
        .bind(null_if_empty(&s.badge_name_en))
        .fetch_one(&mut *tx)
        .await?;
        id
    };
    sqlx::query("DELETE FROM tour_stop_choices WHERE stop_id = ?")
        .bind(stop_id)
        .execute(&mut *tx)
        .await?;
    if q {
        for (position, c) in (1_i64..).zip(&s.choices) {
            sqlx::query(
                "INSERT INTO tour_stop_choices (stop_id, position, text_id, text_en, correct,
                        feedback_id, feedback_en) VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(stop_id)
            .bind(position)
            .bind(&c.text_id)
            .bind(null_if_empty(&c.text_en))
            .bind(c.correct)
            .bind(null_if_empty(&c.feedback_id))
            .bind(null_if_empty(&c.feedback_en))
            .execute(&mut *tx)
            .await?;
        }
    }
    // A badge image without a badge name is not shown.
    let image = if s.badge_name_id.is_empty() {
        ""
    } else {
        &s.badge_image
    };
    let alt_en = if s.badge_name_en.is_empty() {
        &s.badge_name_id
    } else {
        &s.badge_name_en
    };
    let badge = Attachment {
        role: MediaRole::Badge,
        sha256: image,
        alt_id: format!("Lencana {}", s.badge_name_id),
        alt_en: format!("Badge: {alt_en}"),
    };
    attachments::attach(tx, TargetKind::TourStop, stop_id, &badge).await?;
    let narration = Attachment {
        role: MediaRole::Narration,
        sha256: &s.narration_audio,
        alt_id: format!("Narasi perhentian {position}"),
        alt_en: format!("Narration of stop {position}"),
    };
    attachments::attach(tx, TargetKind::TourStop, stop_id, &narration).await?;
    Ok(stop_id)
}

/// Applies a whole tour draft to the live rows inside `tx`.
async fn apply_tour(
    tx: &mut SqliteConnection,
    id: i64,
    d: &TourDraft,
    live_ids: &[i64],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE tours SET name_id = ?, name_en = ?, description_id = ?, description_en = ?,
                active = ?, published = 1 WHERE id = ?",
    )
    .bind(&d.name_id)
    .bind(null_if_empty(&d.name_en))
    .bind(null_if_empty(&d.description_id))
    .bind(null_if_empty(&d.description_en))
    .bind(d.active)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let kept: Vec<i64> = d.stops.iter().filter_map(|s| s.id).collect();
    for gone in live_ids.iter().filter(|i| !kept.contains(i)) {
        sqlx::query("DELETE FROM content_media WHERE target_kind = 'tour_stop' AND target_id = ?")
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tour_stop_choices WHERE stop_id = ?")
            .bind(gone)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM tour_stops WHERE id = ?")
            .bind(gone)
            .execute(&mut *tx)
            .await?;
    }
    // Positions are unique per tour: park the kept stops out of the way first.
    sqlx::query("UPDATE tour_stops SET position = -id WHERE tour_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (position, s) in (1_i64..).zip(&d.stops) {
        apply_stop(tx, id, position, s, live_ids).await?;
    }
    Ok(())
}
