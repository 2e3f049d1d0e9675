//! Drafts: an edit made in the back office is stored as a JSON object in
//! `drafts` and changes nothing public; publishing applies it to the live row
//! (in one transaction with its audit record) and clears the marker-overlay
//! cache. Content created in the back office starts with `published = 0` and
//! becomes public at its first publication.
//!
//! Every draftable section (titles, shelves, events, tours) implements
//! [`Draftable`] — its fields, how to load the live row, check, apply — and
//! gets the same edit, save, publish and discard handlers from here; sections
//! that create items implement [`Listed`] for the list and create handlers.

use std::future::Future;

use axum::extract::{Form, Path, RawForm, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::Lang;
use serde::Serialize;
use serde::de::DeserializeOwned;
use sqlx::{SqliteConnection, SqlitePool};
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, confirm, i18n, text};
use crate::startup::AppState;

/// What a draft belongs to (the `drafts.target_kind` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::Type)]
#[sqlx(rename_all = "lowercase")]
pub enum DraftKind {
    /// A catalogue title (`titles`).
    Title,
    /// A shelf (`shelves`).
    Shelf,
    /// An event (`events`).
    Event,
    /// A reading tour with its stops (`tours`).
    Tour,
}

impl DraftKind {
    /// The stored name: `title`, `shelf`, `event` or `tour`.
    pub fn as_str(self) -> &'static str {
        match self {
            DraftKind::Title => "title",
            DraftKind::Shelf => "shelf",
            DraftKind::Event => "event",
            DraftKind::Tour => "tour",
        }
    }

    /// The section's list page, e.g. `/admin/titles` (also its [`page::NAV`] href).
    pub fn list_href(self) -> &'static str {
        match self {
            DraftKind::Title => "/admin/titles",
            DraftKind::Shelf => "/admin/shelves",
            DraftKind::Event => "/admin/events",
            DraftKind::Tour => "/admin/tours",
        }
    }

    /// The least role that may edit items of this kind: events and tours are
    /// open to volunteers, titles and shelves need a librarian.
    pub fn role(self) -> Role {
        match self {
            DraftKind::Title | DraftKind::Shelf => Role::Librarian,
            DraftKind::Event | DraftKind::Tour => Role::Volunteer,
        }
    }

    /// The edit page of item `id`, e.g. `/admin/titles/7`.
    pub fn edit_href(self, id: i64) -> String {
        format!("{}/{id}", self.list_href())
    }

    /// The `404` message for an unknown id, in both languages.
    fn not_found(self, id: i64) -> PageError {
        let id_word = match self {
            DraftKind::Title => "Judul",
            DraftKind::Shelf => "Rak",
            DraftKind::Event => "Acara",
            DraftKind::Tour => "Tur",
        };
        PageError::not_found(format!(
            "{id_word} #{id} tidak ada / No {} #{id}",
            self.as_str()
        ))
    }

    /// The table of the live items, e.g. `titles`.
    pub fn table(self) -> &'static str {
        self.list_href().trim_start_matches("/admin/")
    }

    /// The audit target of item `id`, e.g. `title:7`.
    fn target(self, id: i64) -> String {
        format!("{}:{id}", self.as_str())
    }
}

/// Who saved a pending draft last, and when (RFC 3339 UTC).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftMeta {
    /// Username.
    pub by: String,
    /// When.
    pub at: String,
}

#[derive(sqlx::FromRow)]
struct DraftRow {
    data: String,
    updated_by: String,
    updated_at: String,
}

/// A pending draft's fields, decoded, with who saved it when.
///
/// # Errors
/// Database errors; a draft that no longer decodes into `T` is treated as absent.
pub async fn load<T: DeserializeOwned>(
    pool: &SqlitePool,
    kind: DraftKind,
    id: i64,
) -> sqlx::Result<Option<(T, DraftMeta)>> {
    let row: Option<DraftRow> = sqlx::query_as(
        "SELECT data, updated_by, updated_at FROM drafts WHERE target_kind = ? AND target_id = ?",
    )
    .bind(kind)
    .bind(id)
    .fetch_optional(pool)
    .await?;
    Ok(row.and_then(|r| {
        let meta = DraftMeta {
            by: r.updated_by,
            at: r.updated_at,
        };
        serde_json::from_str(&r.data).ok().map(|d| (d, meta))
    }))
}

/// Stores (or replaces) the draft of one item, with an audit record.
///
/// # Errors
/// Database errors; nothing is written then.
pub async fn save<T: Serialize>(
    pool: &SqlitePool,
    staff: &Staff,
    kind: DraftKind,
    id: i64,
    data: &T,
) -> anyhow::Result<()> {
    let json = serde_json::to_string(data)?;
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO drafts (target_kind, target_id, data, updated_by, updated_at)
         VALUES (?, ?, ?, ?, strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))
         ON CONFLICT (target_kind, target_id) DO UPDATE SET
           data = excluded.data, updated_by = excluded.updated_by, updated_at = excluded.updated_at",
    )
    .bind(kind)
    .bind(id)
    .bind(&json)
    .bind(&staff.username)
    .execute(&mut *tx)
    .await?;
    let action = format!("{}.draft", kind.as_str());
    audit::record(&mut tx, Some(staff), &action, &kind.target(id), "").await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes the draft of one item inside the caller's transaction.
///
/// # Errors
/// Database errors.
pub async fn delete(conn: &mut SqliteConnection, kind: DraftKind, id: i64) -> sqlx::Result<bool> {
    let r = sqlx::query("DELETE FROM drafts WHERE target_kind = ? AND target_id = ?")
        .bind(kind)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(r.rows_affected() > 0)
}

/// One pending draft as the dashboard lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Pending {
    /// What the draft belongs to.
    pub target_kind: DraftKind,
    /// Row id of the item.
    pub target_id: i64,
    /// Who saved it last.
    pub updated_by: String,
    /// When, RFC 3339 UTC.
    pub updated_at: String,
}

impl Pending {
    /// The edit page of the item.
    pub fn href(&self) -> String {
        self.target_kind.edit_href(self.target_id)
    }
}

/// Every pending draft, newest first.
///
/// # Errors
/// Database errors.
pub async fn pending(pool: &SqlitePool) -> sqlx::Result<Vec<Pending>> {
    sqlx::query_as(
        "SELECT target_kind, target_id, updated_by, updated_at FROM drafts ORDER BY updated_at DESC",
    )
    .fetch_all(pool)
    .await
}

/// A live item: its id, whether visitors see it, its editable fields as a
/// draft would hold them, and what the section shows read-only beside them.
#[derive(Debug, Clone)]
pub struct Live<F, X = ()> {
    /// Row id.
    pub id: i64,
    /// Whether visitors see it.
    pub published: bool,
    /// The live values.
    pub fields: F,
    /// Read-only parts (a title's bibliographic fields); `()` for most sections.
    pub extra: X,
}

/// The live item type of section `S`.
pub type LiveOf<S> = Live<<S as Draftable>::Fields, <S as Draftable>::Extra>;

/// The part of an edit page every draftable section shares (the
/// `admin/draft_edit.html` frame reads it as `e`).
#[derive(Debug, Clone)]
pub struct EditFrame {
    /// Which section.
    pub kind: DraftKind,
    /// Row id of the item.
    pub id: i64,
    /// The item's live name, as the page's title and heading.
    pub heading: String,
    /// Whether visitors see the live item.
    pub published: bool,
    /// Whether it is archived (hidden, listed last; Publish brings it back).
    pub archived: bool,
    /// The pending draft's author and time, when there is one.
    pub draft: Option<DraftMeta>,
    /// Problems with the posted form or with the draft at publishing.
    pub errors: Vec<String>,
    /// The server's public URL (for the API link).
    pub public_url: String,
}

impl EditFrame {
    /// The edit page (the form's action).
    pub fn href(&self) -> String {
        self.kind.edit_href(self.id)
    }

    /// The item as the app's API serves it, e.g. `{public_url}/api/v1/titles/7`.
    pub fn api_href(&self) -> String {
        let section = self.kind.list_href().trim_start_matches("/admin/");
        format!("{}/api/v1/{section}/{}", self.public_url, self.id)
    }

    /// The [`page::NAV`] text key of the section's list, e.g. `nav-titles`.
    pub fn nav_key(&self) -> String {
        format!(
            "nav-{}",
            self.kind.list_href().trim_start_matches("/admin/")
        )
    }
}

/// What an edit page is built from.
pub struct EditView<S: Draftable> {
    /// The page frame.
    pub p: Page,
    /// The shared part of the edit page.
    pub e: EditFrame,
    /// The live item.
    pub live: LiveOf<S>,
    /// The fields being edited: the draft when there is one, else the live ones.
    pub fields: S::Fields,
    /// The form as posted, when it is shown again with problems.
    pub posted: Option<S::Form>,
}

/// A back-office section whose items are edited as drafts and then published.
///
/// The section supplies its fields, SQL and template; [`routes`] gives it the
/// edit (`GET /admin/{section}/{id}`), save (`POST` there), publish and discard
/// handlers. Methods return `Send` futures so the generic handlers can serve them.
pub trait Draftable: Sized + Send + Sync + 'static {
    /// Which drafts belong to the section.
    const KIND: DraftKind;
    /// The editable fields, as a draft stores them.
    type Fields: Serialize + DeserializeOwned + Clone + Send + Sync + 'static;
    /// Read-only parts shown beside the fields (`()` when none).
    type Extra: Send + Sync + 'static;
    /// What the edit form posts.
    type Form: DeserializeOwned + Send + 'static;

    /// Loads the live item, `None` when there is no such id.
    fn load(
        pool: &SqlitePool,
        id: i64,
    ) -> impl Future<Output = sqlx::Result<Option<LiveOf<Self>>>> + Send;

    /// The item's name for the page heading.
    fn heading(live: &LiveOf<Self>) -> String;

    /// Cleans and checks a posted form into the draft's fields. `working` is
    /// the draft (or live fields) before this edit, for sections whose form
    /// posts only part of the draft.
    ///
    /// # Errors
    /// The problems, as texts in `lang`.
    fn validate(
        pool: &SqlitePool,
        lang: Lang,
        form: &Self::Form,
        working: Self::Fields,
    ) -> impl Future<Output = Result<Self::Fields, Vec<String>>> + Send;

    /// Checks fields again just before publishing (something they refer to
    /// may have gone since the draft was saved). The default accepts them.
    ///
    /// # Errors
    /// `Ok(Err(problems))` refuses publishing (`422`, nothing changes);
    /// `Err` is a database error.
    fn check_publish(
        pool: &SqlitePool,
        lang: Lang,
        live: &LiveOf<Self>,
        fields: Self::Fields,
    ) -> impl Future<Output = sqlx::Result<Result<Self::Fields, Vec<String>>>> + Send {
        let _ = (pool, lang, live);
        async move { Ok(Ok(fields)) }
    }

    /// Writes checked fields to the live rows and makes the item public,
    /// inside the caller's transaction.
    fn apply(
        tx: &mut SqliteConnection,
        live: &LiveOf<Self>,
        fields: &Self::Fields,
    ) -> impl Future<Output = sqlx::Result<()>> + Send;

    /// The `detail` of the `{kind}.publish` audit record.
    fn audit_detail(live: &LiveOf<Self>, fields: &Self::Fields) -> String;

    /// Renders the edit page (the generic code sets `422` when there are errors).
    fn render_edit(
        state: &AppState,
        view: EditView<Self>,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;
}

/// A draftable section whose list page creates items: hidden (`published =
/// 0`) with just a name until their first publication.
pub trait Listed: Draftable {
    /// The create form's name field, e.g. `name_id`.
    const NAME_FIELD: &'static str;
    /// The text key saying the name is empty or too long (takes `max`).
    const BAD_NAME_KEY: &'static str;
    /// The longest name, in characters.
    const MAX_NAME_CHARS: usize;

    /// Inserts a hidden item named `name` inside the caller's transaction; returns its id.
    fn insert(
        tx: &mut SqliteConnection,
        name: &str,
    ) -> impl Future<Output = sqlx::Result<i64>> + Send;

    /// Renders the list page with the create form (`new_name` as typed).
    fn render_list(
        state: &AppState,
        p: Page,
        new_name: String,
        errors: Vec<String>,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;
}

/// The edit, save, publish and discard routes of section `S`, for the role of its kind.
pub fn routes<S: Draftable>() -> Routes {
    let role = S::KIND.role();
    let base = S::KIND.list_href();
    Routes::new()
        .get(&format!("{base}/{{id}}"), role, edit::<S>)
        .post(&format!("{base}/{{id}}"), role, save_form::<S>)
        .post(&format!("{base}/{{id}}/publish"), role, publish::<S>)
        .get(
            &format!("{base}/{{id}}/discard"),
            role,
            discard_confirm::<S>,
        )
        .post(&format!("{base}/{{id}}/discard"), role, discard::<S>)
        .post(&format!("{base}/{{id}}/unpublish"), role, unpublish::<S>)
        .post(&format!("{base}/{{id}}/archive"), role, archive::<S>)
        .get(&format!("{base}/{{id}}/delete"), role, delete_confirm::<S>)
        .post(&format!("{base}/{{id}}/delete"), role, delete_item::<S>)
}

/// [`routes`] plus the list and create routes of a [`Listed`] section.
pub fn listed_routes<S: Listed>() -> Routes {
    let role = S::KIND.role();
    let base = S::KIND.list_href();
    Routes::new()
        .get(base, role, list::<S>)
        .post(base, role, create::<S>)
        .merge(routes::<S>())
}

/// `422` when there were problems.
fn with_status(mut resp: Response, failed: bool) -> Response {
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    resp
}

/// The live item, or the section's `404` page.
///
/// # Errors
/// Unknown id → `404`; database errors.
pub async fn live_or_404<S: Draftable>(pool: &SqlitePool, id: i64) -> Result<LiveOf<S>, PageError> {
    S::load(pool, id)
        .await?
        .ok_or_else(|| S::KIND.not_found(id))
}

/// The fields the back office edits: the draft when there is one (with who
/// saved it and when), else the live ones.
///
/// # Errors
/// Database errors.
pub async fn working<S: Draftable>(
    pool: &SqlitePool,
    live: &LiveOf<S>,
) -> sqlx::Result<(S::Fields, Option<DraftMeta>)> {
    Ok(match load::<S::Fields>(pool, S::KIND, live.id).await? {
        Some((d, meta)) => (d, Some(meta)),
        None => (live.fields.clone(), None),
    })
}

/// Renders the edit page of `live` (with the posted form and its problems, if any).
///
/// # Errors
/// Database or session failures.
pub async fn edit_page<S: Draftable>(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    live: LiveOf<S>,
    posted: Option<S::Form>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), S::KIND.list_href()).await?;
    let (fields, draft) = working::<S>(&state.db, &live).await?;
    let failed = !errors.is_empty();
    let archived: bool = sqlx::query_scalar(&format!(
        "SELECT archived FROM {} WHERE id = ?",
        S::KIND.table()
    ))
    .bind(live.id)
    .fetch_optional(&state.db)
    .await?
    .unwrap_or(false);
    let e = EditFrame {
        kind: S::KIND,
        id: live.id,
        heading: S::heading(&live),
        published: live.published,
        archived,
        draft,
        errors,
        public_url: state.public_url.to_string(),
    };
    let view = EditView {
        p,
        e,
        live,
        fields,
        posted,
    };
    Ok(with_status(S::render_edit(state, view).await?, failed))
}

/// Saves `fields` as the draft of item `id`, leaves a notice and returns to its edit page.
///
/// # Errors
/// Database errors.
pub async fn save_and_return<T: Serialize>(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    kind: DraftKind,
    id: i64,
    fields: &T,
) -> Result<Response, PageError> {
    save(&state.db, staff, kind, id, fields).await?;
    let lang = page::lang_of(session).await;
    page::notice(session, i18n::text(lang, "draft-saved")).await;
    Ok(Redirect::to(&kind.edit_href(id)).into_response())
}

/// `GET /admin/{section}`: the list, and the form for a new item.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn list<S: Listed>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), S::KIND.list_href()).await?;
    S::render_list(&state, p, String::new(), Vec::new()).await
}

/// `POST /admin/{section}`: creates a hidden item with just a name (with a
/// `{kind}.create` audit record) and opens its edit page; an empty or too long
/// name re-shows the list (`422`).
///
/// # Errors
/// Database or session failures.
pub async fn create<S: Listed>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let typed = form
        .into_iter()
        .find(|(k, _)| k == S::NAME_FIELD)
        .map(|(_, v)| v)
        .unwrap_or_default();
    let name = text::clean(&typed);
    if name.is_empty() || name.chars().count() > S::MAX_NAME_CHARS {
        let max = [("max", S::MAX_NAME_CHARS.to_string())];
        let e = i18n::text_with(lang, S::BAD_NAME_KEY, &max);
        let p = Page::new(&session, Some(&staff), S::KIND.list_href()).await?;
        return Ok(with_status(
            S::render_list(&state, p, typed, vec![e]).await?,
            true,
        ));
    }
    let mut tx = state.db.begin().await?;
    let id = S::insert(&mut tx, &name).await?;
    let action = format!("{}.create", S::KIND.as_str());
    audit::record(&mut tx, Some(&staff), &action, &S::KIND.target(id), &name).await?;
    tx.commit().await?;
    page::notice(&session, i18n::text(lang, "created-hidden")).await;
    Ok(Redirect::to(&S::KIND.edit_href(id)).into_response())
}

/// `GET /admin/{section}/{id}`: the edit form (the draft when there is one).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn edit<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let live = live_or_404::<S>(&state.db, id).await?;
    edit_page::<S>(&state, &session, &staff, live, None, Vec::new()).await
}

/// `POST /admin/{section}/{id}`: saves the form as the item's draft (nothing
/// public changes), or re-shows it with the problems (`422`).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn save_form<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let form: S::Form = serde_urlencoded::from_bytes(&body).map_err(|_| {
        PageError::bad_request("Formulir tidak terbaca / The form could not be read")
    })?;
    let live = live_or_404::<S>(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let (working, _) = working::<S>(&state.db, &live).await?;
    match S::validate(&state.db, lang, &form, working).await {
        Ok(clean) => match super::picker::asked(&body) {
            // A picker button: the typing is kept as the draft, then the picker opens.
            Some(field) => {
                save(&state.db, &staff, S::KIND, id, &clean).await?;
                Ok(
                    Redirect::to(&super::picker::href(&S::KIND.edit_href(id), &field))
                        .into_response(),
                )
            }
            None => save_and_return(&state, &session, &staff, S::KIND, id, &clean).await,
        },
        Err(errors) => edit_page::<S>(&state, &session, &staff, live, Some(form), errors).await,
    }
}

/// The string field `field` of a draft's fields (e.g. a media hash), or
/// empty when there is no such string field.
pub fn field_text<T: Serialize>(fields: &T, field: &str) -> String {
    serde_json::to_value(fields)
        .ok()
        .and_then(|v| v.get(field).and_then(|x| x.as_str()).map(str::to_owned))
        .unwrap_or_default()
}

/// Sets the media field `field` (a string field of the section's draft, e.g.
/// `cover`) of item `id` to `sha256` (empty: none) in its working fields and
/// saves them as its draft, audited as `{kind}.draft`.
///
/// # Errors
/// Unknown id → 404 page; a field the draft does not have as a string → 400
/// page; database failures.
pub async fn set_media<S: Draftable>(
    pool: &SqlitePool,
    staff: &Staff,
    id: i64,
    field: &str,
    sha256: &str,
) -> Result<(), PageError> {
    let live = live_or_404::<S>(pool, id).await?;
    let (fields, _) = working::<S>(pool, &live).await?;
    let mut value = serde_json::to_value(&fields).map_err(PageError::internal)?;
    match value.get_mut(field) {
        Some(slot @ serde_json::Value::String(_)) => *slot = sha256.into(),
        _ => {
            return Err(PageError::bad_request(
                "Kolom tidak dikenal / Unknown field",
            ));
        }
    }
    let fields: S::Fields = serde_json::from_value(value).map_err(PageError::internal)?;
    save(pool, staff, S::KIND, id, &fields).await?;
    Ok(())
}

/// Whether a posted body carries form fields besides the CSRF token (the
/// edit form's Publish button sends them; a bare publish form does not).
fn posts_fields(body: &[u8]) -> bool {
    form_urlencoded::parse(body).any(|(k, _)| k != super::csrf::FIELD)
}

/// `POST /admin/{section}/{id}/publish`: publishes what the librarian sees.
/// When the edit form's fields come with it (its Publish button), they are
/// checked and saved as the draft first, so nothing typed is lost: problems
/// re-show the form as typed (`422`) and nothing is published. Then the draft
/// (if any) is applied to the live item and made public, with a
/// `{kind}.publish` audit record, in one transaction, and the rendered
/// overlays and pages are cleared. Fields that no longer pass
/// [`Draftable::check_publish`] are shown again with the problems (`422`) and
/// nothing changes.
///
/// # Errors
/// Unknown id → 404 page; a body that does not decode as the section's form →
/// 400 page; database or session failures.
pub async fn publish<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let live = live_or_404::<S>(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let (mut fields, _) = working::<S>(&state.db, &live).await?;
    if posts_fields(&body) {
        let form: S::Form = serde_urlencoded::from_bytes(&body).map_err(|_| {
            PageError::bad_request("Formulir tidak terbaca / The form could not be read")
        })?;
        match S::validate(&state.db, lang, &form, fields).await {
            Ok(clean) => {
                save(&state.db, &staff, S::KIND, id, &clean).await?;
                fields = clean;
            }
            Err(errors) => {
                return edit_page::<S>(&state, &session, &staff, live, Some(form), errors).await;
            }
        }
    }
    let fields = match S::check_publish(&state.db, lang, &live, fields).await? {
        Ok(f) => f,
        Err(errors) => return edit_page::<S>(&state, &session, &staff, live, None, errors).await,
    };
    let mut tx = state.db.begin().await?;
    S::apply(&mut tx, &live, &fields).await?;
    sqlx::query(&format!(
        "UPDATE {} SET archived = 0 WHERE id = ?",
        S::KIND.table()
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    delete(&mut tx, S::KIND, id).await?;
    let action = format!("{}.publish", S::KIND.as_str());
    let detail = S::audit_detail(&live, &fields);
    audit::record(&mut tx, Some(&staff), &action, &S::KIND.target(id), &detail).await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(&session, i18n::text(lang, "published")).await;
    Ok(Redirect::to(&S::KIND.edit_href(id)).into_response())
}

/// `GET /admin/{section}/{id}/discard`: asks before the draft is thrown away
/// (a page of its own, see [`confirm`]); without a draft, back to the edit page.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn discard_confirm<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let live = live_or_404::<S>(&state.db, id).await?;
    if load::<S::Fields>(&state.db, S::KIND, id).await?.is_none() {
        return Ok(Redirect::to(&S::KIND.edit_href(id)).into_response());
    }
    let p = Page::new(&session, Some(&staff), S::KIND.list_href()).await?;
    let name = [("name", S::heading(&live))];
    let href = S::KIND.edit_href(id);
    let c = confirm::Confirm {
        heading: i18n::text_with(p.lang, "discard-confirm-heading", &name),
        message: p.t("discard-confirm-message"),
        details: Vec::new(),
        action: format!("{href}/discard"),
        button: p.t("discard-confirm-button"),
        here: format!("{href}/discard"),
        cancel: href,
    };
    Ok(confirm::page(p, c))
}

/// `POST /admin/{section}/{id}/discard`: drops the draft (with a
/// `{kind}.discard` audit record when there was one, in one transaction),
/// leaves a notice and returns to the edit page. The live item stays.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn discard<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    live_or_404::<S>(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let mut tx = state.db.begin().await?;
    if delete(&mut tx, S::KIND, id).await? {
        let action = format!("{}.discard", S::KIND.as_str());
        audit::record(&mut tx, Some(&staff), &action, &S::KIND.target(id), "").await?;
    }
    tx.commit().await?;
    page::notice(&session, i18n::text(lang, "draft-discarded")).await;
    Ok(Redirect::to(&S::KIND.edit_href(id)).into_response())
}

/// A code (marker) that still points at an item or one of its tour stops.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct CodeUse {
    /// The code, e.g. `BK0001`.
    pub code: String,
    /// What the librarians call it.
    pub label: String,
}

/// The codes that point at item `id` of `kind` (for a tour: at its stops).
///
/// # Errors
/// Database errors.
pub async fn codes_using(
    pool: &SqlitePool,
    kind: DraftKind,
    id: i64,
) -> sqlx::Result<Vec<CodeUse>> {
    sqlx::query_as(
        "SELECT code, label FROM markers
          WHERE (target_kind = ?1 AND target_id = ?2)
             OR (?1 = 'tour' AND target_kind = 'tour_stop'
                 AND target_id IN (SELECT id FROM tour_stops WHERE tour_id = ?2))
          ORDER BY code",
    )
    .bind(kind)
    .bind(id)
    .fetch_all(pool)
    .await
}

/// The refusal naming the codes that still use an item, in `lang`.
fn codes_refusal(lang: Lang, codes: &[CodeUse]) -> String {
    let list = codes
        .iter()
        .map(|c| format!("{} ({})", c.code, c.label))
        .collect::<Vec<_>>()
        .join(", ");
    i18n::text_with(lang, "delete-refused-codes", &[("codes", list)])
}

/// `POST /admin/{section}/{id}/archive`: hides the item from visitors and
/// lists it last in the back office (content, draft and codes stay; Publish
/// brings it back), with a `{kind}.archive` audit record, and clears the
/// rendered pages.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn archive<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    hide::<S>(&state, &session, &staff, id, Hiding::Archive).await
}

/// `POST /admin/{section}/{id}/unpublish`: hides the item from visitors (its
/// content, draft and codes stay; Publish shows it again), with a
/// `{kind}.unpublish` audit record, and clears the rendered pages.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn unpublish<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    hide::<S>(&state, &session, &staff, id, Hiding::Unpublish).await
}

/// The two ways of taking an item away from visitors without deleting it.
#[derive(Clone, Copy)]
enum Hiding {
    /// Unpublished and listed last in the back office.
    Archive,
    /// Unpublished only.
    Unpublish,
}

impl Hiding {
    /// The `UPDATE ... SET` list, the audit action's suffix and the notice key.
    fn parts(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Self::Archive => ("published = 0, archived = 1", "archive", "archived"),
            Self::Unpublish => ("published = 0", "unpublish", "unpublished"),
        }
    }
}

/// Hides item `id` as `how` says, audited as `{kind}.{archive|unpublish}` in
/// the same transaction; clears the rendered pages and returns to its page.
async fn hide<S: Draftable>(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    id: i64,
    how: Hiding,
) -> Result<Response, PageError> {
    let (set, suffix, notice) = how.parts();
    let live = live_or_404::<S>(&state.db, id).await?;
    let lang = page::lang_of(session).await;
    let mut tx = state.db.begin().await?;
    sqlx::query(&format!(
        "UPDATE {} SET {set} WHERE id = ?",
        S::KIND.table()
    ))
    .bind(id)
    .execute(&mut *tx)
    .await?;
    let action = format!("{}.{suffix}", S::KIND.as_str());
    let name = S::heading(&live);
    audit::record(&mut tx, Some(staff), &action, &S::KIND.target(id), &name).await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(session, i18n::text(lang, notice)).await;
    Ok(Redirect::to(&S::KIND.edit_href(id)).into_response())
}

/// `GET /admin/{section}/{id}/delete`: the confirmation step, saying what goes
/// with the item; while codes still point at it, the refusal naming them
/// instead of a button (still `200`: the page itself is there).
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn delete_confirm<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let live = live_or_404::<S>(&state.db, id).await?;
    let p = Page::new(&session, Some(&staff), S::KIND.list_href()).await?;
    let name = [("name", S::heading(&live))];
    let href = S::KIND.edit_href(id);
    let codes = codes_using(&state.db, S::KIND, id).await?;
    let heading = i18n::text_with(p.lang, "delete-heading", &name);
    let c = if codes.is_empty() {
        let details = vec![p.t(&format!("delete-goes-{}", S::KIND.as_str()))];
        confirm::Confirm::delete(&p, href, heading, p.t("delete-message"), details, false)
    } else {
        let message = codes_refusal(p.lang, &codes);
        confirm::Confirm::delete(&p, href, heading, message, Vec::new(), true)
    };
    Ok(confirm::page(p, c))
}

/// `POST /admin/{section}/{id}/delete`: deletes the item with its draft and
/// attached media links (the media stay in the library; a tour's stops go
/// with it), with a `{kind}.delete` audit record, in one transaction, then
/// clears the rendered pages. Refused (`409`, nothing changes) while codes
/// point at it.
///
/// # Errors
/// Unknown id → 404 page; database or session failures.
pub async fn delete_item<S: Draftable>(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let live = live_or_404::<S>(&state.db, id).await?;
    let lang = page::lang_of(&session).await;
    let codes = codes_using(&state.db, S::KIND, id).await?;
    if !codes.is_empty() {
        let errors = vec![codes_refusal(lang, &codes)];
        let resp = edit_page::<S>(&state, &session, &staff, live, None, errors).await?;
        let mut resp = resp;
        *resp.status_mut() = StatusCode::CONFLICT;
        return Ok(resp);
    }
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "DELETE FROM content_media
          WHERE (target_kind = ?1 AND target_id = ?2)
             OR (?1 = 'tour' AND target_kind = 'tour_stop'
                 AND target_id IN (SELECT id FROM tour_stops WHERE tour_id = ?2))",
    )
    .bind(S::KIND)
    .bind(id)
    .execute(&mut *tx)
    .await?;
    delete(&mut tx, S::KIND, id).await?;
    sqlx::query(&format!("DELETE FROM {} WHERE id = ?", S::KIND.table()))
        .bind(id)
        .execute(&mut *tx)
        .await?;
    let action = format!("{}.delete", S::KIND.as_str());
    let name = S::heading(&live);
    audit::record(&mut tx, Some(&staff), &action, &S::KIND.target(id), &name).await?;
    tx.commit().await?;
    state.rendered.clear();
    page::notice(
        &session,
        i18n::text_with(lang, "deleted", &[("name", name)]),
    )
    .await;
    Ok(Redirect::to(S::KIND.list_href()).into_response())
}
