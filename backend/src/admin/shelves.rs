//! Shelves in the back office: list, create (hidden until first published),
//! edit the visitor-facing fields as a draft (names, classification range,
//! location, introduction, featured titles in order), publish or discard.
//! Publishing rewrites `shelf_titles` in the same transaction as the shelf row.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::Lang;
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, drafts, i18n};
use crate::startup::AppState;

/// The shelf routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/shelves", Librarian, list)
        .post("/admin/shelves", Librarian, create)
        .get("/admin/shelves/{id}", Librarian, edit)
        .post("/admin/shelves/{id}", Librarian, save)
        .post("/admin/shelves/{id}/publish", Librarian, publish)
        .post("/admin/shelves/{id}/discard", Librarian, discard)
}

/// Longest name, classification range or location, in characters.
pub const MAX_SHORT_CHARS: usize = 200;
/// Longest introduction, in characters.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;
/// Most featured titles on one shelf (the app shows them as one row of covers).
pub const MAX_FEATURED: usize = 50;

/// One row of the shelves list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ShelfListRow {
    /// Row id.
    pub id: i64,
    /// Name in Bahasa Indonesia.
    pub name_id: String,
    /// Classification range.
    pub class_range: Option<String>,
    /// Location.
    pub location: Option<String>,
    /// Number of featured titles (live).
    pub featured: i64,
    /// Whether visitors see it.
    pub published: bool,
    /// Whether an unpublished draft exists.
    pub has_draft: bool,
}

#[derive(Template)]
#[template(path = "admin/shelves.html")]
struct ListPage {
    p: Page,
    rows: Vec<ShelfListRow>,
    new_name: String,
    errors: Vec<String>,
}

async fn list_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    new_name: String,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/shelves").await?;
    let rows = sqlx::query_as(
        "SELECT s.id, s.name_id, s.class_range, s.location, s.published,
                (SELECT COUNT(*) FROM shelf_titles st WHERE st.shelf_id = s.id) AS featured,
                EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'shelf' AND d.target_id = s.id) AS has_draft
           FROM shelves s ORDER BY s.class_range, s.name_id, s.id",
    )
    .fetch_all(&state.db)
    .await?;
    let failed = !errors.is_empty();
    let mut resp = render(&ListPage {
        p,
        rows,
        new_name,
        errors,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/shelves`: every shelf, and the form for a new one.
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

/// Form of `POST /admin/shelves`.
#[derive(Debug, Deserialize)]
pub struct CreateForm {
    /// Name in Bahasa Indonesia.
    #[serde(default)]
    pub name_id: String,
}

/// `POST /admin/shelves`: creates a hidden shelf with just a name and opens
/// its edit page; an empty or too long name re-shows the list (`422`).
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
    let name = f.name_id.trim().to_owned();
    if name.is_empty() || name.chars().count() > MAX_SHORT_CHARS {
        let e = i18n::text_with(
            lang,
            "shelf-bad-name",
            &[("max", MAX_SHORT_CHARS.to_string())],
        );
        return list_page(&state, &session, &staff, f.name_id, vec![e]).await;
    }
    let mut tx = state.db.begin().await?;
    let (id,): (i64,) =
        sqlx::query_as("INSERT INTO shelves (name_id, published) VALUES (?, 0) RETURNING id")
            .bind(&name)
            .fetch_one(&mut *tx)
            .await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "shelf.create",
        &format!("shelf:{id}"),
        &name,
    )
    .await?;
    tx.commit().await?;
    page::notice(&session, i18n::text(lang, "created-hidden")).await;
    Ok(Redirect::to(&format!("/admin/shelves/{id}")).into_response())
}

/// The editable fields of a shelf as stored in a draft.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShelfFields {
    /// Name in Bahasa Indonesia (required).
    #[serde(default)]
    pub name_id: String,
    /// Name in English.
    #[serde(default)]
    pub name_en: String,
    /// Classification range, e.g. `800-899`.
    #[serde(default)]
    pub class_range: String,
    /// Where it stands.
    #[serde(default)]
    pub location: String,
    /// Introduction in Bahasa Indonesia.
    #[serde(default)]
    pub description_id: String,
    /// Introduction in English.
    #[serde(default)]
    pub description_en: String,
    /// Featured title ids, in display order.
    #[serde(default)]
    pub featured: Vec<i64>,
}

/// The form as posted: like [`ShelfFields`] but the featured titles are a
/// text, one ISBN-13 or title id per line.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ShelfForm {
    /// Name in Bahasa Indonesia.
    #[serde(default)]
    pub name_id: String,
    /// Name in English.
    #[serde(default)]
    pub name_en: String,
    /// Classification range.
    #[serde(default)]
    pub class_range: String,
    /// Location.
    #[serde(default)]
    pub location: String,
    /// Introduction in Bahasa Indonesia.
    #[serde(default)]
    pub description_id: String,
    /// Introduction in English.
    #[serde(default)]
    pub description_en: String,
    /// One ISBN-13 or title id per line.
    #[serde(default)]
    pub featured: String,
}

/// A live shelf.
#[derive(Debug, Clone)]
pub struct ShelfLive {
    /// Row id.
    pub id: i64,
    /// Whether visitors see it.
    pub published: bool,
    /// The live values.
    pub fields: ShelfFields,
}

type LiveRow = (
    i64,
    bool,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Loads a shelf's live state, `None` when there is no such id.
///
/// # Errors
/// Database errors.
pub async fn live(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<ShelfLive>> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT id, published, name_id, name_en, class_range, location, description_id,
                description_en FROM shelves WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some((id, published, name_id, name_en, class_range, location, d_id, d_en)) = row else {
        return Ok(None);
    };
    let featured: Vec<(i64,)> =
        sqlx::query_as("SELECT title_id FROM shelf_titles WHERE shelf_id = ? ORDER BY position")
            .bind(id)
            .fetch_all(pool)
            .await?;
    Ok(Some(ShelfLive {
        id,
        published,
        fields: ShelfFields {
            name_id,
            name_en: name_en.unwrap_or_default(),
            class_range: class_range.unwrap_or_default(),
            location: location.unwrap_or_default(),
            description_id: d_id.unwrap_or_default(),
            description_en: d_en.unwrap_or_default(),
            featured: featured.into_iter().map(|(t,)| t).collect(),
        },
    }))
}

/// A featured title as the edit page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct FeaturedTitle {
    /// Title id.
    pub id: i64,
    /// ISBN-13, when known.
    pub isbn13: Option<String>,
    /// Title.
    pub title: String,
    /// Whether visitors see the title (an unpublished title is not shown on the shelf).
    pub published: bool,
}

async fn featured_titles(pool: &SqlitePool, ids: &[i64]) -> sqlx::Result<Vec<FeaturedTitle>> {
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        let t: Option<FeaturedTitle> =
            sqlx::query_as("SELECT id, isbn13, title, published FROM titles WHERE id = ?")
                .bind(id)
                .fetch_optional(pool)
                .await?;
        out.extend(t);
    }
    Ok(out)
}

/// The featured titles as the textarea shows them: ISBN-13 when known, else the id.
fn featured_text(titles: &[FeaturedTitle]) -> String {
    titles
        .iter()
        .map(|t| t.isbn13.clone().unwrap_or_else(|| t.id.to_string()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[derive(Template)]
#[template(path = "admin/shelf_edit.html")]
struct EditPage {
    p: Page,
    s: ShelfLive,
    f: ShelfForm,
    titles: Vec<FeaturedTitle>,
    draft: Option<(String, String)>,
    errors: Vec<String>,
    public_url: String,
}

async fn edit_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    s: ShelfLive,
    posted: Option<ShelfForm>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/shelves").await?;
    let stored = drafts::load::<ShelfFields>(&state.db, "shelf", s.id).await?;
    let draft = stored.as_ref().map(|(_, by, at)| (by.clone(), at.clone()));
    let current = stored.map_or_else(|| s.fields.clone(), |(d, _, _)| d);
    let titles = featured_titles(&state.db, &current.featured).await?;
    let f = posted.unwrap_or_else(|| ShelfForm {
        featured: featured_text(&titles),
        name_id: current.name_id,
        name_en: current.name_en,
        class_range: current.class_range,
        location: current.location,
        description_id: current.description_id,
        description_en: current.description_en,
    });
    let failed = !errors.is_empty();
    let mut resp = render(&EditPage {
        p,
        s,
        f,
        titles,
        draft,
        errors,
        public_url: state.public_url.to_string(),
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn live_or_404(pool: &SqlitePool, id: i64) -> Result<ShelfLive, PageError> {
    live(pool, id)
        .await?
        .ok_or_else(|| PageError::not_found(format!("Rak #{id} tidak ada / No shelf #{id}")))
}

/// `GET /admin/shelves/{id}`: the edit form (the draft when there is one).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = live_or_404(&state.db, id).await?;
    edit_page(&state, &session, &staff, s, None, Vec::new()).await
}

fn clean(s: &str) -> String {
    s.trim().replace("\r\n", "\n")
}

/// Checks the fields that do not need the database.
fn check_texts(lang: Lang, f: &ShelfFields, errors: &mut Vec<String>) {
    if f.name_id.is_empty() {
        errors.push(i18n::text_with(
            lang,
            "shelf-bad-name",
            &[("max", MAX_SHORT_CHARS.to_string())],
        ));
    }
    let too_long = [&f.name_id, &f.name_en, &f.class_range, &f.location]
        .iter()
        .any(|s| s.chars().count() > MAX_SHORT_CHARS);
    if too_long {
        errors.push(i18n::text_with(
            lang,
            "field-too-long",
            &[("max", MAX_SHORT_CHARS.to_string())],
        ));
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
}

/// Checks a posted form: cleans the texts and turns the featured lines into
/// title ids (ISBN-13 with or without hyphens, or a title id). A title listed
/// twice is kept once, at its first place.
///
/// # Errors
/// The problems, in `lang`.
pub async fn validate(
    pool: &SqlitePool,
    lang: Lang,
    f: &ShelfForm,
) -> Result<ShelfFields, Vec<String>> {
    let mut errors = Vec::new();
    let mut out = ShelfFields {
        name_id: clean(&f.name_id),
        name_en: clean(&f.name_en),
        class_range: clean(&f.class_range),
        location: clean(&f.location),
        description_id: clean(&f.description_id),
        description_en: clean(&f.description_en),
        featured: Vec::new(),
    };
    check_texts(lang, &out, &mut errors);
    for line in f.featured.lines().map(str::trim).filter(|l| !l.is_empty()) {
        let digits: String = line.chars().filter(|c| *c != '-' && *c != ' ').collect();
        let found: Option<(i64,)> = if digits.len() == 13 {
            sqlx::query_as("SELECT id FROM titles WHERE isbn13 = ?")
                .bind(&digits)
                .fetch_optional(pool)
                .await
                .unwrap_or(None)
        } else if let Ok(id) = digits.parse::<i64>() {
            sqlx::query_as("SELECT id FROM titles WHERE id = ?")
                .bind(id)
                .fetch_optional(pool)
                .await
                .unwrap_or(None)
        } else {
            None
        };
        match found {
            Some((id,)) if !out.featured.contains(&id) => out.featured.push(id),
            Some(_) => {}
            None => errors.push(i18n::text_with(
                lang,
                "shelf-unknown-title",
                &[("line", line.to_owned())],
            )),
        }
    }
    if out.featured.len() > MAX_FEATURED {
        errors.push(i18n::text_with(
            lang,
            "shelf-too-many",
            &[("max", MAX_FEATURED.to_string())],
        ));
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `POST /admin/shelves/{id}`: saves the form as the shelf's draft (nothing
/// public changes), or re-shows it with the problems (`422`).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<ShelfForm>,
) -> Result<Response, PageError> {
    let s = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    match validate(&state.db, lang, &f).await {
        Ok(clean) => {
            drafts::save(&state.db, &staff, "shelf", id, &clean).await?;
            page::notice(&session, i18n::text(lang, "draft-saved")).await;
            Ok(Redirect::to(&format!("/admin/shelves/{id}")).into_response())
        }
        Err(errors) => edit_page(&state, &session, &staff, s, Some(f), errors).await,
    }
}

/// Applies fields to the live shelf row and its featured titles, inside `tx`.
async fn apply(tx: &mut sqlx::SqliteConnection, id: i64, f: &ShelfFields) -> sqlx::Result<()> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    sqlx::query(
        "UPDATE shelves SET name_id = ?, name_en = ?, class_range = ?, location = ?,
                description_id = ?, description_en = ?, published = 1
          WHERE id = ?",
    )
    .bind(&f.name_id)
    .bind(opt(&f.name_en))
    .bind(opt(&f.class_range))
    .bind(opt(&f.location))
    .bind(opt(&f.description_id))
    .bind(opt(&f.description_en))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM shelf_titles WHERE shelf_id = ?")
        .bind(id)
        .execute(&mut *tx)
        .await?;
    for (pos, title) in f.featured.iter().enumerate() {
        sqlx::query("INSERT INTO shelf_titles (shelf_id, title_id, position) VALUES (?, ?, ?)")
            .bind(id)
            .bind(title)
            .bind(i64::try_from(pos).unwrap_or(i64::MAX) + 1)
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// `POST /admin/shelves/{id}/publish`: applies the draft (if any) to the live
/// shelf and makes it public, with an audit record, in one transaction. A
/// draft that no longer passes the checks (a featured title was deleted
/// meanwhile) is shown again with the problems (`422`) and nothing changes.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let s = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let draft = drafts::load::<ShelfFields>(&state.db, "shelf", id).await?;
    let fields = draft.map_or_else(|| s.fields.clone(), |(d, _, _)| d);
    let mut errors = Vec::new();
    check_texts(lang, &fields, &mut errors);
    let known = featured_titles(&state.db, &fields.featured).await?;
    if known.len() != fields.featured.len() {
        errors.push(i18n::text(lang, "shelf-title-gone"));
    }
    if !errors.is_empty() {
        return edit_page(&state, &session, &staff, s, None, errors).await;
    }
    let mut tx = state.db.begin().await?;
    apply(&mut tx, id, &fields).await?;
    drafts::delete(&mut tx, "shelf", id).await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "shelf.publish",
        &format!("shelf:{id}"),
        &fields.name_id,
    )
    .await?;
    tx.commit().await?;
    state.overlays.clear();
    page::notice(&session, i18n::text(lang, "published")).await;
    Ok(Redirect::to(&format!("/admin/shelves/{id}")).into_response())
}

/// `POST /admin/shelves/{id}/discard`: drops the draft; the live shelf stays.
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
    drafts::discard_and_return(&state.db, &session, &staff, "shelf", id).await
}
