//! Shelves in the back office: list, create (hidden until first published),
//! edit the visitor-facing fields as a draft (names, classification range,
//! location, introduction, featured titles in order), publish or discard.
//! Publishing rewrites `shelf_titles` in the same transaction as the shelf row.

use askama::Template;
use axum::response::Response;
use pustaka_api::Lang;
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};

use super::drafts::{self, DraftKind, Draftable, EditFrame, EditView, Listed, Live, LiveOf};
use super::error::PageError;
use super::i18n;
use super::page::{Page, render};
use super::routes::Routes;
use super::text::{self, MAX_NAME_CHARS, MAX_PROSE_CHARS, null_if_empty};
use crate::startup::AppState;

/// The shelf routes (librarians and admins): list, create and the draft routes.
pub fn routes() -> Routes {
    drafts::listed_routes::<Shelves>()
}

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
    /// Whether it is archived (listed last).
    pub archived: bool,
}

#[derive(Template)]
#[template(path = "admin/shelves.html")]
struct ListPage {
    p: Page,
    rows: Vec<ShelfListRow>,
    new_name: String,
    errors: Vec<String>,
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

#[derive(sqlx::FromRow)]
struct ShelfRow {
    id: i64,
    published: bool,
    name_id: String,
    name_en: Option<String>,
    class_range: Option<String>,
    location: Option<String>,
    description_id: Option<String>,
    description_en: Option<String>,
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

/// The titles of `ids` that exist, in that order.
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
    e: EditFrame,
    f: ShelfForm,
    titles: Vec<FeaturedTitle>,
}

/// Checks the fields that do not need the database.
fn check_texts(lang: Lang, f: &ShelfFields, errors: &mut Vec<String>) {
    let max = [("max", MAX_NAME_CHARS.to_string())];
    if f.name_id.is_empty() {
        errors.push(i18n::text_with(lang, "shelf-bad-name", &max));
    }
    if text::any_too_long(
        [&f.name_id, &f.name_en, &f.class_range, &f.location],
        MAX_NAME_CHARS,
    ) {
        errors.push(i18n::text_with(lang, "field-too-long", &max));
    }
    if text::any_too_long([&f.description_id, &f.description_en], MAX_PROSE_CHARS) {
        errors.push(i18n::text_with(
            lang,
            "description-too-long",
            &[("max", MAX_PROSE_CHARS.to_string())],
        ));
    }
}

/// The title a featured line names: an ISBN-13 (with or without hyphens) or a title id.
async fn featured_id(pool: &SqlitePool, line: &str) -> Option<i64> {
    let digits: String = line.chars().filter(|c| *c != '-' && *c != ' ').collect();
    let query = if digits.len() == 13 {
        sqlx::query_scalar("SELECT id FROM titles WHERE isbn13 = ?").bind(digits)
    } else {
        let id = digits.parse::<i64>().ok()?;
        sqlx::query_scalar("SELECT id FROM titles WHERE id = ?").bind(id)
    };
    query.fetch_optional(pool).await.ok().flatten()
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
        name_id: text::clean(&f.name_id),
        name_en: text::clean(&f.name_en),
        class_range: text::clean(&f.class_range),
        location: text::clean(&f.location),
        description_id: text::clean(&f.description_id),
        description_en: text::clean(&f.description_en),
        featured: Vec::new(),
    };
    check_texts(lang, &out, &mut errors);
    for line in f.featured.lines().map(str::trim).filter(|l| !l.is_empty()) {
        match featured_id(pool, line).await {
            Some(id) if !out.featured.contains(&id) => out.featured.push(id),
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

/// The shelves section of the draft workflow.
pub struct Shelves;

impl Draftable for Shelves {
    const KIND: DraftKind = DraftKind::Shelf;
    type Fields = ShelfFields;
    type Extra = ();
    type Form = ShelfForm;

    async fn load(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<LiveOf<Self>>> {
        let row: Option<ShelfRow> = sqlx::query_as(
            "SELECT id, published, name_id, name_en, class_range, location, description_id,
                    description_en FROM shelves WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let featured: Vec<i64> = sqlx::query_scalar(
            "SELECT title_id FROM shelf_titles WHERE shelf_id = ? ORDER BY position",
        )
        .bind(r.id)
        .fetch_all(pool)
        .await?;
        Ok(Some(Live {
            id: r.id,
            published: r.published,
            fields: ShelfFields {
                name_id: r.name_id,
                name_en: r.name_en.unwrap_or_default(),
                class_range: r.class_range.unwrap_or_default(),
                location: r.location.unwrap_or_default(),
                description_id: r.description_id.unwrap_or_default(),
                description_en: r.description_en.unwrap_or_default(),
                featured,
            },
            extra: (),
        }))
    }

    fn heading(live: &LiveOf<Self>) -> String {
        live.fields.name_id.clone()
    }

    async fn validate(
        pool: &SqlitePool,
        lang: Lang,
        form: &ShelfForm,
        _working: ShelfFields,
    ) -> Result<ShelfFields, Vec<String>> {
        validate(pool, lang, form).await
    }

    /// Refuses a draft whose texts no longer pass or whose featured title was
    /// deleted since it was saved.
    async fn check_publish(
        pool: &SqlitePool,
        lang: Lang,
        _live: &LiveOf<Self>,
        fields: ShelfFields,
    ) -> sqlx::Result<Result<ShelfFields, Vec<String>>> {
        let mut errors = Vec::new();
        check_texts(lang, &fields, &mut errors);
        let known = featured_titles(pool, &fields.featured).await?;
        if known.len() != fields.featured.len() {
            errors.push(i18n::text(lang, "shelf-title-gone"));
        }
        Ok(if errors.is_empty() {
            Ok(fields)
        } else {
            Err(errors)
        })
    }

    /// Writes the shelf row and replaces its featured titles.
    async fn apply(
        tx: &mut SqliteConnection,
        live: &LiveOf<Self>,
        f: &ShelfFields,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE shelves SET name_id = ?, name_en = ?, class_range = ?, location = ?,
                    description_id = ?, description_en = ?, published = 1
              WHERE id = ?",
        )
        .bind(&f.name_id)
        .bind(null_if_empty(&f.name_en))
        .bind(null_if_empty(&f.class_range))
        .bind(null_if_empty(&f.location))
        .bind(null_if_empty(&f.description_id))
        .bind(null_if_empty(&f.description_en))
        .bind(live.id)
        .execute(&mut *tx)
        .await?;
        sqlx::query("DELETE FROM shelf_titles WHERE shelf_id = ?")
            .bind(live.id)
            .execute(&mut *tx)
            .await?;
        for (position, title) in (1_i64..).zip(&f.featured) {
            sqlx::query("INSERT INTO shelf_titles (shelf_id, title_id, position) VALUES (?, ?, ?)")
                .bind(live.id)
                .bind(title)
                .bind(position)
                .execute(&mut *tx)
                .await?;
        }
        Ok(())
    }

    fn audit_detail(_live: &LiveOf<Self>, fields: &ShelfFields) -> String {
        fields.name_id.clone()
    }

    async fn render_edit(state: &AppState, v: EditView<Self>) -> Result<Response, PageError> {
        let titles = featured_titles(&state.db, &v.fields.featured).await?;
        let current = v.fields;
        let f = v.posted.unwrap_or_else(|| ShelfForm {
            featured: featured_text(&titles),
            name_id: current.name_id,
            name_en: current.name_en,
            class_range: current.class_range,
            location: current.location,
            description_id: current.description_id,
            description_en: current.description_en,
        });
        Ok(render(&EditPage {
            p: v.p,
            e: v.e,
            f,
            titles,
        }))
    }
}

impl Listed for Shelves {
    const NAME_FIELD: &'static str = "name_id";
    const BAD_NAME_KEY: &'static str = "shelf-bad-name";
    const MAX_NAME_CHARS: usize = MAX_NAME_CHARS;

    async fn insert(tx: &mut SqliteConnection, name: &str) -> sqlx::Result<i64> {
        sqlx::query_scalar("INSERT INTO shelves (name_id, published) VALUES (?, 0) RETURNING id")
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
            "SELECT s.id, s.name_id, s.class_range, s.location, s.published, s.archived,
                    (SELECT COUNT(*) FROM shelf_titles st WHERE st.shelf_id = s.id) AS featured,
                    EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'shelf' AND d.target_id = s.id) AS has_draft
               FROM shelves s ORDER BY s.archived, s.class_range, s.name_id, s.id",
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
