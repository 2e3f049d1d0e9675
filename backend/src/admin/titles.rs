//! Titles in the back office: search, edit the visitor-facing fields (synopsis in
//! Bahasa Indonesia and English, cover, trailer, e-book link, age group) as a
//! draft, then publish. The bibliographic fields (245, 100, ISBN-13, call
//! number) come from the catalogue import and are shown read-only.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use pustaka_api::{Lang, MediaKind, MediaRole, TargetKind};
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};
use tower_sessions::Session;

use super::attachments::{self, Attachment, MediaFields, Picked};
use super::drafts::{self, DraftKind, Draftable, EditFrame, EditView, Live, LiveOf};
use super::error::PageError;
use super::i18n;
use super::page::{Page, render};
use super::routes::Routes;
use super::staff::Staff;
use super::text::{self, MAX_PROSE_CHARS, null_if_empty};
use crate::catalog::provenance::{self, Field};
use crate::startup::AppState;

/// The title routes (librarians and admins): the list, then the draft routes.
/// Titles come from the catalogue import, so there is no create.
pub fn routes() -> Routes {
    Routes::new()
        .get(DraftKind::Title.list_href(), DraftKind::Title.role(), list)
        .merge(drafts::routes::<Titles>())
}

/// Titles per page of the list.
pub const PAGE_SIZE: i64 = 50;
/// A title's media fields (form field, label key, kind), chosen with the picker.
pub const MEDIA_FIELDS: MediaFields = &[
    ("cover", "title-cover", MediaKind::Image),
    ("trailer", "title-trailer", MediaKind::Video),
    ("narration", "title-narration", MediaKind::Audio),
];
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
    /// Most codes one bulk press makes (the whole search's button shows up to it).
    max_bulk: i64,
    q: String,
    missing: bool,
    rows: Vec<TitleListRow>,
    total: i64,
    page: i64,
    pages: i64,
}

impl ListPage {
    /// This page's own address (where the bulk code form comes back to).
    fn here(&self) -> String {
        self.link(self.page)
    }

    fn link(&self, page: i64) -> String {
        format!(
            "/admin/titles?q={}&page={page}{}",
            crate::web::url_encode(&self.q),
            if self.missing { "&missing=1" } else { "" }
        )
    }
}

/// `WHERE` clause of a titles search over binds `?1` (a [`search_pattern`]
/// or NULL) and `?2` (only titles without any synopsis).
const SEARCH_FILTER: &str = "(?1 IS NULL OR title LIKE ?1 OR author LIKE ?1 OR isbn13 LIKE ?1 OR call_number LIKE ?1)
        AND (?2 = 0 OR (COALESCE(TRIM(synopsis_id), '') = '' AND COALESCE(TRIM(synopsis_en), '') = ''))";

/// The LIKE pattern of a search text (`None`: no text, everything).
fn search_pattern(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| format!("%{}%", text.replace(['%', '_'], "")))
}

/// Every title a search of the titles list finds (all its pages), as
/// `(id, title)` in the list's order: the bulk code button's targets.
///
/// # Errors
/// Database errors.
pub async fn search_all(
    pool: &SqlitePool,
    text: &str,
    missing: bool,
) -> sqlx::Result<Vec<(i64, String)>> {
    sqlx::query_as(&format!(
        "SELECT id, title FROM titles WHERE {SEARCH_FILTER} ORDER BY title, id"
    ))
    .bind(search_pattern(text))
    .bind(missing)
    .fetch_all(pool)
    .await
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
    let pattern = search_pattern(&text);
    let missing = q.missing.is_some();
    let filter = SEARCH_FILTER;
    let total: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM titles WHERE {filter}"))
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
        max_bulk: super::markers::MAX_BULK_TARGETS as i64,
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
    /// SHA-256 of a recording of the title read aloud (audio), or empty.
    #[serde(default)]
    pub narration: String,
}

/// The read-only, bibliographic part of a title (from the catalogue import).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TitleInfo {
    /// MARC 245.
    pub title: String,
    /// MARC 100.
    pub author: Option<String>,
    /// ISBN-13.
    pub isbn13: Option<String>,
    /// Call number.
    pub call_number: Option<String>,
}

#[derive(sqlx::FromRow)]
struct TitleRow {
    id: i64,
    title: String,
    author: Option<String>,
    isbn13: Option<String>,
    call_number: Option<String>,
    published: bool,
    synopsis_id: Option<String>,
    synopsis_en: Option<String>,
    ebook_url: Option<String>,
    age_group: Option<String>,
}

/// Checks posted fields; returns the cleaned fields or the problems, as text
/// keys' translations in `lang`.
///
/// # Errors
/// The list of problems.
pub async fn validate(
    pool: &SqlitePool,
    lang: Lang,
    f: &TitleFields,
) -> Result<TitleFields, Vec<String>> {
    let mut errors = Vec::new();
    let f = TitleFields {
        synopsis_id: text::clean(&f.synopsis_id),
        synopsis_en: text::clean(&f.synopsis_en),
        ebook_url: text::clean(&f.ebook_url),
        ..f.clone()
    };
    if text::any_too_long([&f.synopsis_id, &f.synopsis_en], MAX_PROSE_CHARS) {
        errors.push(i18n::text_with(
            lang,
            "title-synopsis-too-long",
            &[("max", MAX_PROSE_CHARS.to_string())],
        ));
    }
    if !f.ebook_url.is_empty() && crate::config::parse_public_url(&f.ebook_url).is_err() {
        errors.push(i18n::text(lang, "title-bad-ebook"));
    }
    if !f.age_group.is_empty() && !AGE_GROUPS.contains(&f.age_group.as_str()) {
        errors.push(i18n::text(lang, "title-bad-age"));
    }
    for (sha, kind, key) in [
        (&f.cover, MediaKind::Image, "title-bad-cover"),
        (&f.trailer, MediaKind::Video, "title-bad-trailer"),
        (&f.narration, MediaKind::Audio, "title-bad-narration"),
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

#[derive(Template)]
#[template(path = "admin/title_edit.html")]
struct EditPage {
    p: Page,
    e: EditFrame,
    t: TitleInfo,
    f: TitleFields,
    /// The cover and trailer fields.
    media: Vec<Picked>,
    age_groups: [&'static str; 3],
}

/// The titles section of the draft workflow.
pub struct Titles;

impl Draftable for Titles {
    const KIND: DraftKind = DraftKind::Title;
    type Fields = TitleFields;
    type Extra = TitleInfo;
    type Form = TitleFields;

    async fn load(pool: &SqlitePool, id: i64) -> sqlx::Result<Option<LiveOf<Self>>> {
        let row: Option<TitleRow> = sqlx::query_as(
            "SELECT id, title, author, isbn13, call_number, published, synopsis_id, synopsis_en,
                    ebook_url, age_group FROM titles WHERE id = ?",
        )
        .bind(id)
        .fetch_optional(pool)
        .await?;
        let Some(r) = row else { return Ok(None) };
        let media = attachments::attached(pool, TargetKind::Title, r.id).await?;
        Ok(Some(Live {
            id: r.id,
            published: r.published,
            fields: TitleFields {
                synopsis_id: r.synopsis_id.unwrap_or_default(),
                synopsis_en: r.synopsis_en.unwrap_or_default(),
                ebook_url: r.ebook_url.unwrap_or_default(),
                age_group: r.age_group.unwrap_or_default(),
                cover: media.get(MediaRole::Cover),
                trailer: media.get(MediaRole::Trailer),
                narration: media.get(MediaRole::Narration),
            },
            extra: TitleInfo {
                title: r.title,
                author: r.author,
                isbn13: r.isbn13,
                call_number: r.call_number,
            },
        }))
    }

    fn heading(live: &LiveOf<Self>) -> String {
        live.extra.title.clone()
    }

    async fn validate(
        pool: &SqlitePool,
        lang: Lang,
        form: &TitleFields,
        _working: TitleFields,
    ) -> Result<TitleFields, Vec<String>> {
        validate(pool, lang, form).await
    }

    /// Writes the title row and its cover and trailer (alt texts name the title).
    async fn apply(
        tx: &mut SqliteConnection,
        live: &LiveOf<Self>,
        f: &TitleFields,
    ) -> sqlx::Result<()> {
        sqlx::query(
            "UPDATE titles SET synopsis_id = ?, synopsis_en = ?, ebook_url = ?, age_group = ?,
                    published = 1, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
              WHERE id = ?",
        )
        .bind(null_if_empty(&f.synopsis_id))
        .bind(null_if_empty(&f.synopsis_en))
        .bind(null_if_empty(&f.ebook_url))
        .bind(null_if_empty(&f.age_group))
        .bind(live.id)
        .execute(&mut *tx)
        .await?;
        // What the librarian changed is theirs: a re-import keeps it.
        let old = &live.fields;
        let changed: Vec<(Field, &str)> = [
            (Field::SynopsisId, &old.synopsis_id, &f.synopsis_id),
            (Field::SynopsisEn, &old.synopsis_en, &f.synopsis_en),
            (Field::AgeGroup, &old.age_group, &f.age_group),
            (Field::EbookUrl, &old.ebook_url, &f.ebook_url),
            (Field::Cover, &old.cover, &f.cover),
        ]
        .into_iter()
        .filter(|(_, was, now)| was != now)
        .map(|(field, _, now)| (field, now.as_str()))
        .collect();
        provenance::mark_staff(tx, live.id, &changed).await?;
        let title = &live.extra.title;
        for a in [
            Attachment {
                role: MediaRole::Cover,
                sha256: &f.cover,
                alt_id: format!("Sampul buku {title}"),
                alt_en: format!("Cover of {title}"),
            },
            Attachment {
                role: MediaRole::Trailer,
                sha256: &f.trailer,
                alt_id: format!("Video tentang buku {title}"),
                alt_en: format!("Video about {title}"),
            },
            Attachment {
                role: MediaRole::Narration,
                sha256: &f.narration,
                alt_id: format!("Buku {title} dibacakan"),
                alt_en: format!("{title}, read aloud"),
            },
        ] {
            attachments::attach(tx, TargetKind::Title, live.id, &a).await?;
        }
        Ok(())
    }

    fn audit_detail(live: &LiveOf<Self>, _fields: &TitleFields) -> String {
        live.extra.title.clone()
    }

    async fn render_edit(state: &AppState, v: EditView<Self>) -> Result<Response, PageError> {
        let f = v.posted.unwrap_or(v.fields);
        let media =
            attachments::picked_all(&state.db, MEDIA_FIELDS, |k| drafts::field_text(&f, k)).await?;
        Ok(render(&EditPage {
            media,
            age_groups: AGE_GROUPS,
            f,
            t: v.live.extra,
            p: v.p,
            e: v.e,
        }))
    }
}
