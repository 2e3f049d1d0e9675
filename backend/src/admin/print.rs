//! Printing codes: choose markers and a label layout, get the A4 label sheet
//! as PDF (`pustaka_markers::sheet::label_sheet_pdf`), or one marker as an A4
//! poster (`poster_pdf`). Each label carries the code for
//! `https://{host}/m/{code}`, the target's title and call number, the
//! human-readable code and a one-line instruction in Bahasa Indonesia.

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use pustaka_api::TargetKind;
use pustaka_markers::payload::MarkerCode;
use pustaka_markers::sheet::{self, Label, SheetLayout};
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::markers::{self, CodeFilter};
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{audit, i18n};
use crate::startup::AppState;

/// The print routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/print", Librarian, page_get)
        .post("/admin/print", Librarian, sheet_post)
        .post("/admin/print/poster", Librarian, poster_post)
}

/// A label layout the librarian can pick: its form value, text key and grid.
pub const LAYOUTS: &[(&str, &str, usize, usize)] = &[
    ("shelf", "rp-layout-shelf", 2, 6),
    ("medium", "rp-layout-medium", 3, 8),
    ("spine", "rp-layout-spine", 4, 10),
];

/// The grid of a layout's form value (the default, shelf labels, otherwise).
pub fn layout(value: &str) -> SheetLayout {
    let (_, _, columns, rows) = LAYOUTS
        .iter()
        .find(|(v, ..)| *v == value)
        .copied()
        .unwrap_or(LAYOUTS[0]);
    SheetLayout {
        columns,
        rows,
        ..SheetLayout::default()
    }
}

/// One marker as the print page lists it, with the text of its label.
#[derive(Debug, Clone)]
pub struct Printable {
    /// Canonical code.
    pub code: String,
    /// What the marker points at.
    pub kind: TargetKind,
    /// Librarian's label.
    pub label: String,
    /// What the label says as title.
    pub title: String,
    /// Call number (titles) or classification range (shelves), may be empty.
    pub call_number: String,
    /// Whether it resolves.
    pub active: bool,
}

/// A marker and what its target says, as [`printables`] reads them.
#[derive(sqlx::FromRow)]
struct PrintableRow {
    code: String,
    #[sqlx(try_from = "String")]
    target_kind: TargetKind,
    label: String,
    active: bool,
    /// The target's name (`None` when the target is gone).
    target_title: Option<String>,
    /// Call number (titles) or classification range (shelves).
    call_number: Option<String>,
}

/// Every marker with the title and call number its label will carry.
///
/// # Errors
/// Database errors.
pub async fn printables(pool: &SqlitePool) -> sqlx::Result<Vec<Printable>> {
    let rows: Vec<PrintableRow> = sqlx::query_as(
        "SELECT m.code, m.target_kind, m.label, m.active,
                CASE m.target_kind
                  WHEN 'title' THEN (SELECT title FROM titles WHERE id = m.target_id)
                  WHEN 'shelf' THEN (SELECT name_id FROM shelves WHERE id = m.target_id)
                  WHEN 'event' THEN (SELECT title_id FROM events WHERE id = m.target_id)
                  ELSE (SELECT t.name_id || ' · ' || s.position FROM tour_stops s
                          JOIN tours t ON t.id = s.tour_id WHERE s.id = m.target_id)
                END AS target_title,
                CASE m.target_kind
                  WHEN 'title' THEN (SELECT call_number FROM titles WHERE id = m.target_id)
                  WHEN 'shelf' THEN (SELECT class_range FROM shelves WHERE id = m.target_id)
                  ELSE NULL
                END AS call_number
           FROM markers m ORDER BY m.code",
    )
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Printable {
            title: r.target_title.unwrap_or_else(|| r.label.clone()),
            code: r.code,
            kind: r.target_kind,
            label: r.label,
            call_number: r.call_number.unwrap_or_default(),
            active: r.active,
        })
        .collect())
}

#[derive(Template)]
#[template(path = "admin/print.html")]
struct PrintPage {
    p: Page,
    markers: Vec<Printable>,
    /// The codes ticked when the page opens (none unless asked for).
    ticked: Vec<String>,
    /// Whether only the named codes are listed (no filter was given).
    only_named: bool,
    /// Which codes are listed (the codes list's filters).
    filter: CodeFilter,
    shelves: Vec<(i64, String)>,
    kinds: &'static [TargetKind],
    layouts: Vec<(&'static str, String, String)>,
    error: Option<String>,
}

async fn show(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    view: View,
    error: Option<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/print").await?;
    let shown: Vec<String> = markers::filtered(&state.db, &view.filter, None)
        .await?
        .0
        .into_iter()
        .map(|m| m.code)
        .collect();
    // Codes named without a filter (from a bulk button or "print this
    // label") are listed alone, so a long list does not hide them.
    let only_named = !view.ticked.is_empty() && !view.filter.narrows() && !view.all;
    let markers: Vec<Printable> = printables(&state.db)
        .await?
        .into_iter()
        .filter(|m| {
            if only_named {
                view.ticked.contains(&m.code)
            } else {
                shown.contains(&m.code)
            }
        })
        .collect();
    let ticked = if view.all { shown } else { view.ticked };
    let layouts = LAYOUTS
        .iter()
        .map(|(v, key, ..)| {
            let (w, h) = layout(v).label_mm();
            (*v, p.t(key), format!("{w:.0} × {h:.0} mm"))
        })
        .collect();
    let failed = error.is_some();
    let mut resp = render(&PrintPage {
        p,
        markers,
        ticked,
        only_named,
        filter: view.filter,
        shelves: markers::shelf_options(&state.db).await?,
        kinds: TargetKind::ALL,
        layouts,
        error,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// What the print page shows: which codes are listed and which ticked.
#[derive(Debug, Clone, Default)]
pub struct View {
    /// The codes listed (all pages of the codes list's filter).
    pub filter: CodeFilter,
    /// Codes ticked by name (`codes`, repeatable).
    pub ticked: Vec<String>,
    /// Tick every listed code (`all=1`): "select all shown" without script.
    pub all: bool,
}

impl View {
    /// Reads the view from the page's query.
    pub fn from_query(query: &str) -> Self {
        let mut v = Self {
            filter: CodeFilter::from_query(query),
            ..Self::default()
        };
        for (k, val) in form_urlencoded::parse(query.as_bytes()) {
            match k.as_ref() {
                "codes" => v.ticked.push(val.into_owned()),
                "all" => v.all = val == "1",
                _ => {}
            }
        }
        v
    }
}

/// `GET /admin/print?{filter}&codes=…&all=1`: the codes the codes list's
/// filters select ([`CodeFilter`], every page), with a tick box each, and the
/// layouts. Nothing is ticked except the codes the query names (the bulk
/// code buttons send the codes they made or reused; without a filter only
/// those are listed), or all listed with `all=1`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn page_get(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    RawQuery(query): RawQuery,
) -> Result<Response, PageError> {
    let view = View::from_query(&query.unwrap_or_default());
    show(&state, &session, &staff, view, None).await
}

/// Records that `codes` were printed now (the "not printed yet" filter).
async fn mark_printed(conn: &mut sqlx::SqliteConnection, codes: &[String]) -> sqlx::Result<()> {
    for code in codes {
        sqlx::query(
            "UPDATE markers SET printed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now') WHERE code = ?",
        )
        .bind(code)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The host printed into codes: the public URL without scheme and path.
fn host_of(public_url: &str) -> String {
    let rest = public_url
        .split_once("://")
        .map_or(public_url, |(_, rest)| rest);
    rest.split('/').next().unwrap_or(rest).to_owned()
}

fn pdf_response(bytes: Vec<u8>, file: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// Labels for the chosen codes, in the order of the list (unknown codes skipped).
fn labels_for(all: &[Printable], codes: &[String]) -> Vec<Label> {
    all.iter()
        .filter(|m| codes.contains(&m.code))
        .filter_map(|m| {
            Some(Label {
                code: MarkerCode::parse(&m.code).ok()?,
                title: m.title.clone(),
                call_number: m.call_number.clone(),
            })
        })
        .collect()
}

/// `POST /admin/print` (form fields `codes`, repeated, and `layout`): the
/// label sheet PDF as a download; nothing chosen → the page with a message (`422`).
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn sheet_post(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    body: Bytes,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let mut codes = Vec::new();
    let mut layout_value = String::new();
    for (k, v) in form_urlencoded::parse(&body) {
        match k.as_ref() {
            "codes" => codes.push(v.into_owned()),
            "layout" => layout_value = v.into_owned(),
            _ => {}
        }
    }
    let labels = labels_for(&printables(&state.db).await?, &codes);
    let labels_codes: Vec<String> = labels.iter().map(|l| l.code.to_string()).collect();
    if labels.is_empty() {
        return show(
            &state,
            &session,
            &staff,
            View::default(),
            Some(i18n::text(lang, "rp-none-chosen")),
        )
        .await;
    }
    let layout = layout(&layout_value);
    let host = host_of(&state.public_url);
    let pdf =
        match tokio::task::spawn_blocking(move || sheet::label_sheet_pdf(&labels, &host, &layout))
            .await
            .map_err(PageError::internal)?
        {
            Ok(pdf) => pdf,
            Err(e) => {
                let msg = i18n::text_with(lang, "rp-failed", &[("why", e.to_string())]);
                let view = View {
                    ticked: codes,
                    ..View::default()
                };
                return show(&state, &session, &staff, view, Some(msg)).await;
            }
        };
    let mut conn = state.db.acquire().await?;
    let printed: Vec<String> = codes
        .iter()
        .filter(|c| labels_codes.contains(c))
        .cloned()
        .collect();
    mark_printed(&mut conn, &printed).await?;
    audit::record(
        &mut conn,
        Some(&staff),
        "print.sheet",
        "",
        &format!("{} label(s): {}", codes.len(), codes.join(" ")),
    )
    .await?;
    Ok(pdf_response(pdf, "label-kode.pdf"))
}

/// `POST /admin/print/poster` (form field `code`): one marker as an A4 poster PDF.
///
/// # Errors
/// Unknown code → 404 page; database or session failures.
pub async fn poster_post(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    body: Bytes,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let code = form_urlencoded::parse(&body)
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let mut labels = labels_for(&printables(&state.db).await?, std::slice::from_ref(&code));
    let Some(label) = labels.pop() else {
        return Err(PageError::not_found(i18n::text(lang, "rp-no-such-code")));
    };
    let host = host_of(&state.public_url);
    let pdf = tokio::task::spawn_blocking(move || sheet::poster_pdf(&label, &host))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    let mut conn = state.db.acquire().await?;
    mark_printed(&mut conn, std::slice::from_ref(&code)).await?;
    audit::record(
        &mut conn,
        Some(&staff),
        "print.poster",
        &format!("marker:{code}"),
        "",
    )
    .await?;
    Ok(pdf_response(pdf, &format!("poster-{code}.pdf")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_and_layouts() {
        assert_eq!(host_of("https://perpus.example.id"), "perpus.example.id");
        assert_eq!(host_of("http://127.0.0.1:8080"), "127.0.0.1:8080");
        for (v, ..) in LAYOUTS {
            let l = layout(v);
            assert!(l.code_box_mm() >= sheet::MIN_CODE_BOX_MM, "{v}");
        }
        assert_eq!(layout("nonsense"), SheetLayout::default());
    }
}
