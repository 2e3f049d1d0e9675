//! Printing markers (`/admin/print`): choose markers (one by one, all active
//! ones, or all active ones of a kind) and a label layout, and get the A4 PDF
//! sheet from [`pustaka_markers::sheet::label_sheet_pdf`], each label with the
//! title and call number (or shelf range, event place and time, tour stop) of
//! its target; or one poster PDF per marker ([`pustaka_markers::sheet::poster_pdf`]).
//! Printing changes nothing, so it is not audited.

use askama::Template;
use axum::Extension;
use axum::Router;
use axum::extract::{Form, Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use pustaka_markers::payload::MarkerCode;
use pustaka_markers::sheet::{self, Label, SheetLayout};
use tower_sessions::Session;

use super::page::{self, Page, PageError, render};
use super::{Access, Role, RouteRule, Staff, i18n};
use crate::startup::AppState;

/// The print routes.
pub const ROUTES: &[RouteRule] = &[
    ("GET", "/admin/print", Access::Staff(Role::Librarian)),
    ("POST", "/admin/print", Access::Staff(Role::Librarian)),
    (
        "GET",
        "/admin/print/{code}/poster",
        Access::Staff(Role::Librarian),
    ),
];

/// The print router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/print", get(show).post(sheet_pdf))
        .route("/admin/print/{code}/poster", get(poster))
}

/// A label layout offered on the page: an id for the form and the grid on A4
/// (margins and gaps as [`SheetLayout::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LayoutChoice {
    /// Form value, e.g. `2x6`.
    pub id: &'static str,
    /// Labels across.
    pub columns: usize,
    /// Labels down.
    pub rows: usize,
}

/// The layouts, the markers crate's default first: 2 × 6 suits shelf edges,
/// 3 × 7 and 3 × 8 fit common A4 label stock and book spines, 2 × 4 gives
/// larger codes for display stands.
pub const LAYOUTS: [LayoutChoice; 4] = [
    LayoutChoice {
        id: "2x6",
        columns: 2,
        rows: 6,
    },
    LayoutChoice {
        id: "3x7",
        columns: 3,
        rows: 7,
    },
    LayoutChoice {
        id: "3x8",
        columns: 3,
        rows: 8,
    },
    LayoutChoice {
        id: "2x4",
        columns: 2,
        rows: 4,
    },
];

impl LayoutChoice {
    /// The sheet layout.
    pub fn layout(&self) -> SheetLayout {
        SheetLayout {
            columns: self.columns,
            rows: self.rows,
            ..SheetLayout::default()
        }
    }

    /// Its description for people, e.g. "12 label per halaman (2 × 6), 95 × 45 mm".
    pub fn text(&self, lang: pustaka_api::Lang) -> String {
        let (w, h) = self.layout().label_mm();
        i18n::text_with(
            lang,
            "ops-print-layout",
            &[
                ("count", (self.columns * self.rows).to_string()),
                ("cols", self.columns.to_string()),
                ("rows", self.rows.to_string()),
                ("w", format!("{w:.0}")),
                ("h", format!("{h:.0}")),
            ],
        )
    }
}

/// A marker as the print page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PrintRow {
    /// Canonical code.
    pub code: String,
    /// The librarian's label.
    pub label: String,
    /// `title` | `shelf` | `event` | `tour_stop`.
    pub target_kind: String,
    /// Whether it resolves.
    pub active: bool,
    /// Where it is stuck.
    pub placement: Option<String>,
    /// The target's name (title, shelf, event, tour and stop number).
    pub target_name: Option<String>,
    /// The second line: call number, class range and location, event place
    /// and time (WIB).
    pub detail: Option<String>,
}

impl PrintRow {
    /// The text key of the target's kind.
    pub fn kind_key(&self) -> &'static str {
        match self.target_kind.as_str() {
            "title" => "kind-title",
            "shelf" => "kind-shelf",
            "event" => "kind-event",
            _ => "kind-tour",
        }
    }

    /// The label to print (target name, falling back to the marker's label).
    pub fn to_label(&self) -> Option<Label> {
        Some(Label {
            code: MarkerCode::parse(&self.code).ok()?,
            title: self
                .target_name
                .clone()
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| self.label.clone()),
            call_number: self.detail.clone().unwrap_or_default(),
        })
    }
}

const PRINT_SELECT: &str = "SELECT m.code, m.label, m.target_kind, m.active, m.placement,
    CASE m.target_kind
      WHEN 'title' THEN (SELECT title FROM titles WHERE id = m.target_id)
      WHEN 'shelf' THEN (SELECT name_id FROM shelves WHERE id = m.target_id)
      WHEN 'event' THEN (SELECT title_id FROM events WHERE id = m.target_id)
      ELSE (SELECT t.name_id || ' · ' || s.position FROM tour_stops s
              JOIN tours t ON t.id = s.tour_id WHERE s.id = m.target_id)
    END AS target_name,
    CASE m.target_kind
      WHEN 'title' THEN (SELECT call_number FROM titles WHERE id = m.target_id)
      WHEN 'shelf' THEN (SELECT TRIM(COALESCE(class_range, '') || ' ' || COALESCE(location, ''))
                           FROM shelves WHERE id = m.target_id)
      WHEN 'event' THEN (SELECT place || ' · ' || replace(substr(starts_at, 1, 16), 'T', ' ') || ' WIB'
                           FROM events WHERE id = m.target_id)
      ELSE NULL
    END AS detail
  FROM markers m";

/// Every marker, by kind then code.
async fn all_markers(pool: &sqlx::SqlitePool) -> sqlx::Result<Vec<PrintRow>> {
    sqlx::query_as(&format!("{PRINT_SELECT} ORDER BY m.target_kind, m.code"))
        .fetch_all(pool)
        .await
}

/// The marker kinds a whole group can be printed by.
pub const KINDS: [&str; 4] = ["title", "shelf", "event", "tour_stop"];

#[derive(Template)]
#[template(path = "admin/ops_print.html")]
struct PrintPage {
    p: Page,
    rows: Vec<PrintRow>,
    layouts: [LayoutChoice; 4],
    kinds: [&'static str; 4],
    chosen: Vec<String>,
    layout: String,
    scope: String,
    errors: Vec<String>,
}

impl PrintPage {
    fn is_chosen(&self, code: &str) -> bool {
        self.chosen.iter().any(|c| c == code)
    }
}

async fn print_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    choice: &SheetChoice,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/print").await?;
    let failed = !errors.is_empty();
    let mut resp = render(&PrintPage {
        p,
        rows: all_markers(&state.db).await?,
        layouts: LAYOUTS,
        kinds: KINDS,
        chosen: choice.codes.clone(),
        layout: choice.layout.clone(),
        scope: choice.scope.clone(),
        errors,
    });
    if failed {
        *resp.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
    }
    Ok(resp)
}

/// `GET /admin/print`: the marker list with checkboxes, scope and layout.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Extension(staff): Extension<Staff>,
) -> Result<Response, PageError> {
    let choice = SheetChoice {
        codes: Vec::new(),
        layout: LAYOUTS[0].id.to_owned(),
        scope: "selected".to_owned(),
    };
    print_page(&state, &session, &staff, &choice, Vec::new()).await
}

/// What the print form posted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SheetChoice {
    /// Codes ticked (`code`, repeated).
    pub codes: Vec<String>,
    /// A [`LAYOUTS`] id.
    pub layout: String,
    /// `selected`, `all`, or `kind:{title|shelf|event|tour_stop}`.
    pub scope: String,
}

impl SheetChoice {
    /// Reads the posted pairs (a repeated `code` field cannot go through a struct).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Self {
            codes: pairs
                .iter()
                .filter(|(k, _)| k == "code")
                .map(|(_, v)| v.clone())
                .collect(),
            layout: get("layout"),
            scope: get("scope"),
        }
    }

    /// The markers it means, in list order: the ticked ones (active or not),
    /// or every active marker (of one kind).
    pub fn pick<'a>(&self, rows: &'a [PrintRow]) -> Vec<&'a PrintRow> {
        match self.scope.as_str() {
            "all" => rows.iter().filter(|r| r.active).collect(),
            s if s.starts_with("kind:") => {
                let kind = &s["kind:".len()..];
                rows.iter()
                    .filter(|r| r.active && r.target_kind == kind)
                    .collect()
            }
            _ => rows
                .iter()
                .filter(|r| self.codes.contains(&r.code))
                .collect(),
        }
    }
}

/// The public host as printed in codes (`https://{host}/m/{code}`).
fn host(state: &AppState) -> String {
    let url = state.public_url.as_ref();
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
        .trim_end_matches('/')
        .to_owned()
}

fn pdf_response(bytes: Vec<u8>, file_name: &str) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        bytes,
    )
        .into_response()
}

/// `POST /admin/print`: the PDF sheet of the chosen markers (`application/pdf`,
/// as an attachment), or the form again with the problem (`422`).
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn sheet_pdf(
    State(state): State<AppState>,
    session: Session,
    Extension(staff): Extension<Staff>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let choice = SheetChoice::from_pairs(&pairs);
    let Some(layout) = LAYOUTS.iter().find(|l| l.id == choice.layout).copied() else {
        let errors = vec![i18n::text(lang, "ops-print-choose-layout")];
        return print_page(&state, &session, &staff, &choice, errors).await;
    };
    let rows = all_markers(&state.db).await?;
    let labels: Vec<Label> = choice
        .pick(&rows)
        .into_iter()
        .filter_map(PrintRow::to_label)
        .collect();
    if labels.is_empty() {
        let errors = vec![i18n::text(lang, "ops-print-nothing-chosen")];
        return print_page(&state, &session, &staff, &choice, errors).await;
    }
    let host = host(&state);
    let count = labels.len();
    let pdf = tokio::task::spawn_blocking(move || {
        sheet::label_sheet_pdf(&labels, &host, &layout.layout())
    })
    .await
    .map_err(PageError::internal)?
    .map_err(PageError::internal)?;
    tracing::info!(
        print.labels = count,
        print.layout = layout.id,
        "label sheet made"
    );
    Ok(pdf_response(
        pdf,
        &format!("label-pustaka-{}-{count}.pdf", layout.id),
    ))
}

/// `GET /admin/print/{code}/poster`: one A4 poster for a marker (PDF attachment).
///
/// # Errors
/// Unknown marker → 404 page; database failures.
pub async fn poster(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> Result<Response, PageError> {
    let missing = || PageError::not_found(format!("Kode {code} tidak ada / No marker {code}"));
    let canonical = MarkerCode::parse(&code).map_err(|_| missing())?;
    let row: PrintRow = sqlx::query_as(&format!("{PRINT_SELECT} WHERE m.code = ?"))
        .bind(canonical.as_str())
        .fetch_optional(&state.db)
        .await?
        .ok_or_else(missing)?;
    let label = row.to_label().ok_or_else(missing)?;
    let host = host(&state);
    let pdf = tokio::task::spawn_blocking(move || sheet::poster_pdf(&label, &host))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    Ok(pdf_response(pdf, &format!("poster-{}.pdf", row.code)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_offered_layout_makes_a_sheet() {
        let labels = vec![Label {
            code: MarkerCode::parse("BK0001").unwrap(),
            title: "Laskar Pelangi".into(),
            call_number: "899.221 HIR l".into(),
        }];
        for l in LAYOUTS {
            let pdf = sheet::label_sheet_pdf(&labels, "perpustakaan.example.id", &l.layout());
            assert!(pdf.is_ok_and(|b| b.starts_with(b"%PDF")), "{}", l.id);
        }
    }

    #[test]
    fn the_form_picks_ticked_all_or_by_kind() {
        let row = |code: &str, kind: &str, active: bool| PrintRow {
            code: code.into(),
            label: code.into(),
            target_kind: kind.into(),
            active,
            placement: None,
            target_name: None,
            detail: None,
        };
        let rows = vec![
            row("BK0001", "title", true),
            row("BK0002", "title", false),
            row("EV0001", "event", true),
        ];
        let pairs = |v: &[(&str, &str)]| {
            v.iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect::<Vec<_>>()
        };
        let codes = |c: &SheetChoice| {
            c.pick(&rows)
                .iter()
                .map(|r| r.code.clone())
                .collect::<Vec<_>>()
        };
        let ticked = SheetChoice::from_pairs(&pairs(&[
            ("scope", "selected"),
            ("code", "EV0001"),
            ("code", "BK0002"),
        ]));
        assert_eq!(codes(&ticked), ["BK0002", "EV0001"]);
        let all = SheetChoice::from_pairs(&pairs(&[("scope", "all")]));
        assert_eq!(codes(&all), ["BK0001", "EV0001"]);
        let titles = SheetChoice::from_pairs(&pairs(&[("scope", "kind:title")]));
        assert_eq!(codes(&titles), ["BK0001"]);
    }
}
