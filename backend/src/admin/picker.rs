//! The media picker (`/admin/pick`): covers, posters, badges, trailers and
//! narration audio are chosen by their thumbnails (or by listening) with a
//! search box, or uploaded in place, never by a file name or number typed.
//!
//! It works as plain forms: a field's "Choose …" button on an edit page is a
//! submit button of the edit form (`_pick={field}`), so the typed text is
//! saved as the draft first ([`super::drafts::save_form`], the tour stop
//! forms), then the picker opens with `back` (the edit page) and `field`.
//! Choosing (or uploading) sets that one field of the draft and returns to
//! `back`, where the typed draft is waiting. With the back office's script
//! (`/admin/pick.js`) the same picker opens in a dialog on the edit page and
//! a choice only fills the field; nothing else changes.
//!
//! `back` is never used as a redirect unless it parses as one of the edit
//! pages that have media fields ([`Slot::parse`]).

use askama::Template;
use axum::extract::{Form, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use pustaka_api::{Lang, MediaKind};
use serde::Deserialize;
use tower_sessions::Session;

use super::attachments::{self, MediaChoice, Picked};
use super::drafts::{self, DraftKind};
use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::settings::{self, UploadKind};
use super::staff::{Role, Staff};
use super::uploads::{self, NotReceived, not_received};
use super::{events, i18n, media, titles, tours};
use crate::startup::AppState;

/// The form field an edit page's picker button sends (its value: the media field).
pub const PICK_FIELD: &str = "_pick";

/// The picker's routes: choosing is open to whoever may edit the item
/// (checked per item), uploading needs a librarian (as the media library).
pub fn routes() -> Routes {
    Routes::new()
        .get("/admin/pick", Role::Volunteer, page)
        .post("/admin/pick", Role::Volunteer, choose)
        .upload("/admin/pick/upload", Role::Librarian, upload)
}

/// The picker's dialog script (`GET /admin/pick.js`), described in its first
/// lines. Served from the binary, cached for an hour.
pub async fn pick_js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../static/admin/pick.js"),
    )
        .into_response()
}

/// The media field a posted edit form asks the picker for (its `_pick`
/// button), if any.
pub fn asked(body: &[u8]) -> Option<String> {
    form_urlencoded::parse(body)
        .find(|(k, _)| k == PICK_FIELD)
        .map(|(_, v)| v.into_owned())
        .filter(|v| !v.is_empty())
}

/// The picker's address for `field` of the edit page `back`.
pub fn href(back: &str, field: &str) -> String {
    format!(
        "/admin/pick?back={}&field={}",
        crate::web::url_encode(back),
        crate::web::url_encode(field)
    )
}

/// Which item a picked asset goes to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target {
    /// A title's draft.
    Title(i64),
    /// An event's draft.
    Event(i64),
    /// Stop `key` in a tour's draft.
    Stop(i64, String),
}

/// One media field of one item: where the picker returns to and what it offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    target: Target,
    field: &'static str,
    label_key: &'static str,
    kind: MediaKind,
}

impl Slot {
    /// The slot named by an edit page's path and a field, `None` when the
    /// path is no edit page with media fields or the field is not one of them.
    pub fn parse(back: &str, field: &str) -> Option<Self> {
        let parts: Vec<&str> = back.strip_prefix("/admin/")?.split('/').collect();
        let (target, fields) = match parts.as_slice() {
            ["titles", id] => (Target::Title(id.parse().ok()?), titles::MEDIA_FIELDS),
            ["events", id] => (Target::Event(id.parse().ok()?), events::MEDIA_FIELDS),
            ["tours", id, "stops", key]
                if !key.is_empty() && key.bytes().all(|b| b.is_ascii_alphanumeric()) =>
            {
                (
                    Target::Stop(id.parse().ok()?, (*key).to_owned()),
                    tours::STOP_MEDIA_FIELDS,
                )
            }
            _ => return None,
        };
        let &(field, label_key, kind) = fields.iter().find(|(f, _, _)| *f == field)?;
        Some(Self {
            target,
            field,
            label_key,
            kind,
        })
    }

    /// The edit page the picker returns to.
    pub fn back(&self) -> String {
        match &self.target {
            Target::Title(id) => DraftKind::Title.edit_href(*id),
            Target::Event(id) => DraftKind::Event.edit_href(*id),
            Target::Stop(id, key) => format!("/admin/tours/{id}/stops/{key}"),
        }
    }

    /// The least role that may edit the item.
    fn role(&self) -> Role {
        match self.target {
            Target::Title(_) => DraftKind::Title.role(),
            Target::Event(_) => DraftKind::Event.role(),
            Target::Stop(..) => DraftKind::Tour.role(),
        }
    }

    /// The hash the item's draft (or live item) holds in this field now.
    async fn current(&self, state: &AppState) -> Result<String, PageError> {
        Ok(match &self.target {
            Target::Title(id) => {
                let live = drafts::live_or_404::<titles::Titles>(&state.db, *id).await?;
                let (f, _) = drafts::working::<titles::Titles>(&state.db, &live).await?;
                drafts::field_text(&f, self.field)
            }
            Target::Event(id) => {
                let live = drafts::live_or_404::<events::Events>(&state.db, *id).await?;
                let (f, _) = drafts::working::<events::Events>(&state.db, &live).await?;
                drafts::field_text(&f, self.field)
            }
            Target::Stop(id, key) => {
                tours::stop_media_value(&state.db, *id, key, self.field).await?
            }
        })
    }

    /// Puts `sha256` (empty: none) into the field of the item's draft.
    async fn set(&self, state: &AppState, staff: &Staff, sha256: &str) -> Result<(), PageError> {
        match &self.target {
            Target::Title(id) => {
                drafts::set_media::<titles::Titles>(&state.db, staff, *id, self.field, sha256).await
            }
            Target::Event(id) => {
                drafts::set_media::<events::Events>(&state.db, staff, *id, self.field, sha256).await
            }
            Target::Stop(id, key) => {
                tours::set_stop_media(&state.db, staff, *id, key, self.field, sha256).await
            }
        }
    }
}

/// The slot of a request, or a `404` page (a link that was tampered with, or
/// an item gone); `403` for a staff member who may not edit the item.
fn slot_or_404(staff: &Staff, back: &str, field: &str) -> Result<Slot, PageError> {
    let slot = Slot::parse(back, field)
        .ok_or_else(|| PageError::not_found("Kolom gambar tidak dikenal / Unknown media field"))?;
    if staff.role < slot.role() {
        return Err(PageError::forbidden(
            "Hanya pustakawan yang boleh / Librarians only",
        ));
    }
    Ok(slot)
}

#[derive(Template)]
#[template(path = "admin/pick.html")]
struct PickPage {
    p: Page,
    back: String,
    field: String,
    q: String,
    /// The field as the edit page shows it (label, kind, what is chosen now).
    m: Picked,
    choices: Vec<MediaChoice>,
    /// The file input's `accept` list.
    accept: &'static str,
    cap_mb: u64,
    errors: Vec<String>,
    label: String,
}

/// Query of the picker page.
#[derive(Debug, Deserialize)]
pub struct PickQuery {
    /// The edit page to return to.
    #[serde(default)]
    pub back: String,
    /// The media field, e.g. `cover`.
    #[serde(default)]
    pub field: String,
    /// Search text (part of the name).
    #[serde(default)]
    pub q: String,
}

/// What the upload form shows again after a refusal.
struct Refused {
    status: StatusCode,
    errors: Vec<String>,
    label: String,
}

async fn pick_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    slot: &Slot,
    q: &str,
    refused: Option<Refused>,
) -> Result<Response, PageError> {
    let section = match slot.target {
        Target::Title(_) => DraftKind::Title,
        Target::Event(_) => DraftKind::Event,
        Target::Stop(..) => DraftKind::Tour,
    };
    let p = Page::new(session, Some(staff), section.list_href()).await?;
    let current = slot.current(state).await?;
    let m = Picked::load(&state.db, slot.field, slot.label_key, slot.kind, &current).await?;
    let choices = attachments::media_choices(&state.db, slot.kind, q).await?;
    let caps = settings::upload_caps(state).await?;
    let (status, errors, label) = match refused {
        Some(r) => (Some(r.status), r.errors, r.label),
        None => (None, Vec::new(), String::new()),
    };
    let mut resp = render(&PickPage {
        p,
        back: slot.back(),
        field: slot.field.to_owned(),
        q: q.trim().to_owned(),
        accept: media::accept_of(slot.kind),
        cap_mb: caps.mb(UploadKind::Media(slot.kind)),
        m,
        choices,
        errors,
        label,
    });
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    Ok(resp)
}

/// `GET /admin/pick?back=&field=&q=`: the assets that fit the field, newest
/// first, as thumbnails (audio: a player) with a search box, "none", and
/// (for librarians) an upload form.
///
/// # Errors
/// An unknown field or item → 404 page; database or session failures.
pub async fn page(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Query(q): Query<PickQuery>,
) -> Result<Response, PageError> {
    let slot = slot_or_404(&staff, &q.back, &q.field)?;
    pick_page(&state, &session, &staff, &slot, &q.q, None).await
}

/// Form of `POST /admin/pick`.
#[derive(Debug, Deserialize)]
pub struct ChooseForm {
    /// The edit page to return to.
    #[serde(default)]
    pub back: String,
    /// The media field.
    #[serde(default)]
    pub field: String,
    /// The chosen asset's SHA-256, or empty for none.
    #[serde(default)]
    pub sha256: String,
}

/// The notice after a choice, in `lang`.
fn chosen_notice(lang: Lang, sha256: &str) -> String {
    i18n::text(
        lang,
        if sha256.is_empty() {
            "pick-cleared"
        } else {
            "pick-chosen"
        },
    )
}

/// `POST /admin/pick`: puts the chosen asset (or none) into the field of the
/// item's draft and returns to its edit page. An asset that is not in the
/// library as the field's kind → `422`, the picker again.
///
/// # Errors
/// An unknown field or item → 404 page; database or session failures.
pub async fn choose(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    Form(f): Form<ChooseForm>,
) -> Result<Response, PageError> {
    let slot = slot_or_404(&staff, &f.back, &f.field)?;
    let lang = page::lang_of(&session).await;
    let sha = f.sha256.trim();
    if !sha.is_empty() && !attachments::exists(&state.db, sha, slot.kind).await {
        let refused = Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: vec![i18n::text(lang, "pick-gone")],
            label: String::new(),
        };
        return pick_page(&state, &session, &staff, &slot, "", Some(refused)).await;
    }
    slot.set(&state, &staff, sha).await?;
    page::notice(&session, chosen_notice(lang, sha)).await;
    Ok(Redirect::to(&slot.back()).into_response())
}

/// `POST /admin/pick/upload` (multipart: `_csrf` first: `back`, `field`, `label`,
/// then `file`): stores the file in the library as the media library's
/// upload does ([`media::store_received`]), puts it into the field and
/// returns to the edit page. Refusals show the picker again with the reason
/// (`413`, `415`, `422`).
///
/// # Errors
/// An unknown field or item → 404 page; database or session failures.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    req: Request,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let caps = settings::upload_caps(&state).await?;
    let cap_for = |fields: &[(String, String)]| {
        let get = |name: &str| {
            fields
                .iter()
                .find(|(k, _)| k == name)
                .map_or("", |(_, v)| v.as_str())
        };
        Slot::parse(get("back"), get("field")).map_or(caps.largest_media_bytes(), |s| {
            caps.bytes(UploadKind::Media(s.kind))
        })
    };
    let received = match uploads::receive(&state, req, "file", &[], cap_for).await {
        Ok(r) => r,
        // Which field it was for is in the unread body: the library instead.
        Err(e) => {
            return match not_received(lang, e, "ops-media-file") {
                NotReceived::Back(text) => {
                    page::notice(&session, text).await;
                    Ok(Redirect::to("/admin/media").into_response())
                }
                NotReceived::Refused(status, message) => Err(PageError { status, message }),
            };
        }
    };
    let slot = slot_or_404(
        &staff,
        received.field("back").unwrap_or_default(),
        received.field("field").unwrap_or_default(),
    )?;
    let label_text = received.field("label").unwrap_or_default().to_owned();
    let Some(file) = received.file else {
        let refused = Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            errors: vec![i18n::text(lang, "ops-upload-no-file")],
            label: label_text,
        };
        return pick_page(&state, &session, &staff, &slot, "", Some(refused)).await;
    };
    let stored = media::store_received(&state, &staff, lang, &file, slot.kind, &label_text).await?;
    drop(file);
    match stored {
        Ok(sha) => {
            slot.set(&state, &staff, &sha).await?;
            page::notice(&session, i18n::text(lang, "pick-uploaded")).await;
            Ok(Redirect::to(&slot.back()).into_response())
        }
        Err((status, text)) => {
            let refused = Refused {
                status,
                errors: vec![text],
                label: label_text,
            };
            pick_page(&state, &session, &staff, &slot, "", Some(refused)).await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_edit_pages_with_media_fields_are_slots() {
        let s = Slot::parse("/admin/titles/7", "cover").map(|s| (s.back(), s.kind));
        assert_eq!(s, Some(("/admin/titles/7".to_owned(), MediaKind::Image)));
        let s = Slot::parse("/admin/tours/3/stops/n2", "narration_audio").map(|s| s.kind);
        assert_eq!(s, Some(MediaKind::Audio));
        assert_eq!(Slot::parse("/admin/titles/7", "synopsis_id"), None);
        assert_eq!(Slot::parse("/admin/titles/x", "cover"), None);
        assert_eq!(
            Slot::parse("https://evil.example/admin/titles/7", "cover"),
            None
        );
        assert_eq!(Slot::parse("/admin/tours/3/stops/a.b", "badge_image"), None);
        assert_eq!(Slot::parse("/admin/media/7", "cover"), None);
        assert_eq!(
            asked(b"_csrf=x&_pick=cover&synopsis_id=a").as_deref(),
            Some("cover")
        );
        assert_eq!(asked(b"_csrf=x&synopsis_id=a"), None);
    }
}
