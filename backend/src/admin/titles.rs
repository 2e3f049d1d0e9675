//! Titles in the back office: search, edit the visitor-facing fields (synopsis in
//! Bahasa Indonesia and English, cover, trailer, e-book link, age group) as a
//! draft, then publish. The bibliographic fields (245, 100, ISBN-13, call
//! number) come from the catalogue import and are shown read-only.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, drafts, i18n};
use crate::startup::AppState;

/// The title routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/titles", Librarian, list)
        .get("/admin/titles/{id}", Librarian, edit)
        .post("/admin/titles/{id}", Librarian, save)
        .post("/admin/titles/{id}/publish", Librarian, publish)
        .post("/admin/titles/{id}/discard", Librarian, discard)
}

/// Titles per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// Longest synopsis accepted, in characters.
pub const MAX_SYNOPSIS_CHARS: usize = 5000;
/// Age groups a title may have (stored values).
pub const AGE_GROUPS: [&str; 3] = ["children", "teen", "adult"];

/// One row of the titles list.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct TitleListRow {
    /// Row id.
    pub id: i64,
    /// MARC 245.
    pub title: String,
    /// MARC 100.
    pub author: Option<String>,
    /// Call number.
    pub call_number: Option<String>,
    /// Whether a synopsis in Bahasa Indonesia exists.
    pub has_id: bool,
    /// Whether a synopsis in English exists.
    pub has_en: bool,
    /// Whether visitors see it.
    pub published: bool,
    /// Whether an unpublished draft exists.
    pub has_draft: bool,
}

#[derive(Template)]
#[template(path = "admin/titles.html")]
struct ListPage {
    p: Page,
    q: String,
    missing: bool,
    rows: Vec<TitleListRow>,
    total: i64,
    page: i64,
    pages: i64,
}

impl ListPage {
    fn link(&self, page: i64) -> String {
        format!(
            "/admin/titles?q={}&page={page}{}",
            crate::web::url_encode(&self.q),
            if self.missing { "&missing=1" } else { "" }
        )
    }
}

/// Query of the titles list.
#[derive(Debug, Deserialize)]
pub struct ListQuery {
    /// Substring of the title, author, ISBN-13 or call number.
    #[serde(default)]
    pub q: String,
    /// Only titles without any synopsis.
    #[serde(default)]
    pub missing: Option<String>,
    /// 1-based page number.
    #[serde(default)]
    pub page: Option<i64>,
}

/// `GET /admin/titles?q=&missing=1&page=N`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn list(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Query(q): Query<ListQuery>,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin/titles").await?;
    let text = q.q.trim().to_owned();
    let pattern = (!text.is_empty()).then(|| format!("%{}%", text.replace(['%', '_'], "")));
    let missing = q.missing.is_some();
    let filter = "(?1 IS NULL OR title LIKE ?1 OR author LIKE ?1 OR isbn13 LIKE ?1 OR call_number LIKE ?1)
        AND (?2 = 0 OR (COALESCE(TRIM(synopsis_id), '') = '' AND COALESCE(TRIM(synopsis_en), '') = ''))";
    let (total,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM titles WHERE {filter}"))
        .bind(&pattern)
        .bind(missing)
        .fetch_one(&state.db)
        .await?;
    let pages = ((total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let page = q.page.unwrap_or(1).clamp(1, pages);
    let rows = sqlx::query_as(&format!(
        "SELECT id, title, author, call_number,
                COALESCE(TRIM(synopsis_id), '') <> '' AS has_id,
                COALESCE(TRIM(synopsis_en), '') <> '' AS has_en,
                published,
                EXISTS (SELECT 1 FROM drafts d WHERE d.target_kind = 'title' AND d.target_id = titles.id) AS has_draft
           FROM titles WHERE {filter} ORDER BY title, id LIMIT ?3 OFFSET ?4"
    ))
    .bind(&pattern)
    .bind(missing)
    .bind(PAGE_SIZE)
    .bind((page - 1) * PAGE_SIZE)
    .fetch_all(&state.db)
    .await?;
    Ok(render(&ListPage {
        p,
        q: text,
        missing,
        rows,
        total,
        page,
        pages,
    }))
}

/// The editable fields of a title, as stored in a draft and as the form posts them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TitleFields {
    /// Synopsis in Bahasa Indonesia.
    #[serde(default)]
    pub synopsis_id: String,
    /// Synopsis in English.
    #[serde(default)]
    pub synopsis_en: String,
    /// Link to an e-book edition (`https://...`), or empty.
    #[serde(default)]
    pub ebook_url: String,
    /// `children` | `teen` | `adult` | empty.
    #[serde(default)]
    pub age_group: String,
    /// SHA-256 of the cover image in the media library, or empty.
    #[serde(default)]
    pub cover: String,
    /// SHA-256 of the trailer video in the media library, or empty.
    #[serde(default)]
    pub trailer: String,
}

/// The read-only part of a title and its live editable fields.
#[derive(Debug, Clone)]
pub struct TitleLive {
    /// Row id.
    pub id: i64,
    /// MARC 245.
    pub title: String,
    /// MARC 100.
    pub author: Option<String>,
    /// ISBN-13.
    pub isbn13: Option<String>,
    /// Call number.
    pub call_number: Option<String>,
    /// Whether visitors see it.
    pub published: bool,
    /// The live values.
    pub fields: TitleFields,
}

type LiveRow = (
    i64,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    bool,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// Loads a title's live state, `None` when there is no such id.
///
/// # Errors
/// Database errors.
pub async fn live(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<TitleLive>> {
    let row: Option<LiveRow> = sqlx::query_as(
        "SELECT id, title, author, isbn13, call_number, published, synopsis_id, synopsis_en,
                ebook_url, age_group FROM titles WHERE id = ?",
    )
    .bind(id)
    .fetch_optional(pool)
    .await?;
    let Some((id, title, author, isbn13, call_number, published, s_id, s_en, ebook, age)) = row
    else {
        return Ok(None);
    };
    let media: Vec<(String, String)> = sqlx::query_as(
        "SELECT role, sha256 FROM content_media WHERE target_kind = 'title' AND target_id = ?",
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
    Ok(Some(TitleLive {
        id,
        title,
        author,
        isbn13,
        call_number,
        published,
        fields: TitleFields {
            synopsis_id: s_id.unwrap_or_default(),
            synopsis_en: s_en.unwrap_or_default(),
            ebook_url: ebook.unwrap_or_default(),
            age_group: age.unwrap_or_default(),
            cover: find("cover"),
            trailer: find("trailer"),
        },
    }))
}

/// A media-library choice for a select box.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MediaChoice {
    /// SHA-256 hex.
    pub sha256: String,
    /// Display name (or the start of the hash).
    pub label: String,
}

/// Original media (not thumbnails or posters) of one kind, newest first.
///
/// # Errors
/// Database errors.
pub async fn media_choices(pool: &SqlitePool, kind: &str) -> sqlx::Result<Vec<MediaChoice>> {
    sqlx::query_as(
        "SELECT sha256, COALESCE(label, substr(sha256, 1, 12) || '.' || ext) AS label
           FROM media_assets
          WHERE kind = ? AND sha256 NOT IN (SELECT sha256 FROM media_renditions)
          ORDER BY created_at DESC, sha256",
    )
    .bind(kind)
    .fetch_all(pool)
    .await
}

#[derive(Template)]
#[template(path = "admin/title_edit.html")]
struct EditPage {
    p: Page,
    t: TitleLive,
    f: TitleFields,
    draft: Option<(String, String)>,
    images: Vec<MediaChoice>,
    videos: Vec<MediaChoice>,
    age_groups: [&'static str; 3],
    errors: Vec<String>,
    public_url: String,
}

async fn edit_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    t: TitleLive,
    posted: Option<TitleFields>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/titles").await?;
    let stored = drafts::load::<TitleFields>(&state.db, "title", t.id).await?;
    let draft = stored.as_ref().map(|(_, by, at)| (by.clone(), at.clone()));
    let f = posted
        .or_else(|| stored.map(|(d, _, _)| d))
        .unwrap_or_else(|| t.fields.clone());
    let failed = !errors.is_empty();
    let mut resp = render(&EditPage {
        p,
        f,
        draft,
        images: media_choices(&state.db, "image").await?,
        videos: media_choices(&state.db, "video").await?,
        age_groups: AGE_GROUPS,
        errors,
        public_url: state.public_url.to_string(),
        t,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

async fn live_or_404(pool: &SqlitePool, id: i64) -> Result<TitleLive, PageError> {
    live(pool, id)
        .await?
        .ok_or_else(|| PageError::not_found(format!("Judul #{id} tidak ada / No title #{id}")))
}

/// `GET /admin/titles/{id}`: the edit form (the draft when there is one).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn edit(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let t = live_or_404(&state.db, id).await?;
    edit_page(&state, &session, &staff, t, None, Vec::new()).await
}

/// Checks posted fields; returns the cleaned fields or the problems, as text
/// keys' translations in `lang`.
///
/// # Errors
/// The list of problems.
pub async fn validate(
    pool: &SqlitePool,
    lang: pustaka_api::Lang,
    mut f: TitleFields,
) -> Result<TitleFields, Vec<String>> {
    let mut errors = Vec::new();
    f.synopsis_id = f.synopsis_id.trim().replace("\r\n", "\n");
    f.synopsis_en = f.synopsis_en.trim().replace("\r\n", "\n");
    f.ebook_url = f.ebook_url.trim().to_owned();
    if f.synopsis_id.chars().count() > MAX_SYNOPSIS_CHARS
        || f.synopsis_en.chars().count() > MAX_SYNOPSIS_CHARS
    {
        errors.push(i18n::text_with(
            lang,
            "title-synopsis-too-long",
            &[("max", MAX_SYNOPSIS_CHARS.to_string())],
        ));
    }
    if !f.ebook_url.is_empty() && crate::config::parse_public_url(&f.ebook_url).is_err() {
        errors.push(i18n::text(lang, "title-bad-ebook"));
    }
    if !f.age_group.is_empty() && !AGE_GROUPS.contains(&f.age_group.as_str()) {
        errors.push(i18n::text(lang, "title-bad-age"));
    }
    for (sha, kind, key) in [
        (&f.cover, "image", "title-bad-cover"),
        (&f.trailer, "video", "title-bad-trailer"),
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

/// `POST /admin/titles/{id}`: saves the form as the title's draft (nothing
/// public changes), or re-shows it with the problems (`422`).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn save(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    Form(f): Form<TitleFields>,
) -> Result<Response, PageError> {
    let t = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    match validate(&state.db, lang, f.clone()).await {
        Ok(clean) => {
            drafts::save(&state.db, &staff, "title", id, &clean).await?;
            page::notice(&session, i18n::text(lang, "draft-saved")).await;
            Ok(Redirect::to(&format!("/admin/titles/{id}")).into_response())
        }
        Err(errors) => edit_page(&state, &session, &staff, t, Some(f), errors).await,
    }
}

/// Applies fields to the live title row and its cover/trailer, inside `tx`.
async fn apply(
    tx: &mut sqlx::SqliteConnection,
    t: &TitleLive,
    f: &TitleFields,
) -> sqlx::Result<()> {
    let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
    sqlx::query(
        "UPDATE titles SET synopsis_id = ?, synopsis_en = ?, ebook_url = ?, age_group = ?,
                published = 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
          WHERE id = ?",
    )
    .bind(opt(&f.synopsis_id))
    .bind(opt(&f.synopsis_en))
    .bind(opt(&f.ebook_url))
    .bind(opt(&f.age_group))
    .bind(t.id)
    .execute(&mut *tx)
    .await?;
    for (role, sha, alt_id, alt_en) in [
        (
            "cover",
            &f.cover,
            format!("Sampul buku {}", t.title),
            format!("Cover of {}", t.title),
        ),
        (
            "trailer",
            &f.trailer,
            format!("Video tentang buku {}", t.title),
            format!("Video about {}", t.title),
        ),
    ] {
        sqlx::query(
            "DELETE FROM content_media WHERE target_kind = 'title' AND target_id = ? AND role = ?",
        )
        .bind(t.id)
        .bind(role)
        .execute(&mut *tx)
        .await?;
        if !sha.is_empty() {
            sqlx::query(
                "INSERT INTO content_media (target_kind, target_id, role, sha256, alt_id, alt_en)
                 VALUES ('title', ?, ?, ?, ?, ?)",
            )
            .bind(t.id)
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

/// `POST /admin/titles/{id}/publish`: applies the draft (if any) to the live
/// title and makes it public, with an audit record, in one transaction.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn publish(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let t = live_or_404(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let draft = drafts::load::<TitleFields>(&state.db, "title", id).await?;
    let fields = draft.map_or_else(|| t.fields.clone(), |(d, _, _)| d);
    let mut tx = state.db.begin().await?;
    apply(&mut tx, &t, &fields).await?;
    drafts::delete(&mut tx, "title", id).await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "title.publish",
        &format!("title:{id}"),
        &t.title,
    )
    .await?;
    tx.commit().await?;
    state.overlays.clear();
    page::notice(&session, i18n::text(lang, "published")).await;
    Ok(Redirect::to(&format!("/admin/titles/{id}")).into_response())
}

/// `POST /admin/titles/{id}/discard`: drops the draft; the live title stays.
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
    drafts::discard_and_return(&state.db, &session, &staff, "title", id).await
}
