//! Printing codes: choose markers and a label layout, get the A4 label sheet
//! as PDF (`pustaka_markers::sheet::label_sheet_pdf`), or one marker as an A4
//! poster (`poster_pdf`). Each label carries the code for
//! `{public URL}/m/{code}` (scheme, host, port and path prefix of the
//! server's public URL), the target's title and call number, the
//! human-readable code and the instruction in Bahasa Indonesia. The page
//! warns first when phones would not reach that URL ([`reach_warnings`]).

use askama::Template;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::TryStreamExt;
use pustaka_api::{Lang, MediaExt, MediaName, MediaRole, TargetKind};
use pustaka_markers::payload::MarkerCode;
use pustaka_markers::sheet::{self, Label, Poster, SheetLayout};
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::markers::{self, CodeFilter};
use super::page::{self, Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use super::{attachments, audit, i18n};
use crate::startup::AppState;
use crate::texts;

/// The print routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/print", Librarian, page_get)
        .post("/admin/print", Librarian, sheet_post)
        .post("/admin/print/poster", Librarian, poster_post)
}

/// A label layout the librarian can pick: its form value, text key and grid.
/// Shelf labels go on shelf edges, book labels inside a cover or on its
/// front, spine labels on a spine.
pub const LAYOUTS: &[(&str, &str, usize, usize)] = &[
    ("shelf", "rp-layout-shelf", 2, 6),
    ("book", "rp-layout-book", 3, 8),
    ("spine", "rp-layout-spine", 4, 10),
];

/// The layout a form value names: one of [`LAYOUTS`], old names read as
/// today's (`medium`, the book label's name before, may be in bookmarks),
/// anything else as the default, shelf labels.
fn layout_entry(value: &str) -> (&'static str, &'static str, usize, usize) {
    let value = if value == "medium" { "book" } else { value };
    LAYOUTS
        .iter()
        .find(|(v, ..)| *v == value)
        .copied()
        .unwrap_or(LAYOUTS[0])
}

/// The grid of a layout's form value (the default, shelf labels, otherwise).
pub fn layout(value: &str) -> SheetLayout {
    let (_, _, columns, rows) = layout_entry(value);
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
    /// The target's row id.
    pub target_id: i64,
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
    target_id: i64,
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
        "SELECT m.code, m.target_kind, m.target_id, m.label, m.active,
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
            target_id: r.target_id,
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
    /// Why phones may not reach the printed codes, in words (shown first).
    warnings: Vec<String>,
    /// The address printed into the codes, e.g. `https://perpus.example.id/m/`.
    print_base: String,
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
    let warnings = reach_warnings(&state.public_url)
        .into_iter()
        .map(|key| i18n::text_with(p.lang, key, &[("url", state.public_url.to_string())]))
        .collect();
    let mut resp = render(&PrintPage {
        warnings,
        print_base: format!(
            "{}{}",
            state.public_url.trim_end_matches('/'),
            pustaka_markers::payload::URL_PATH_PREFIX
        ),
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

/// The form value of the A4 poster among the layouts a size can come from.
pub const POSTER: &str = "poster";

/// The layouts at which visitors meet a code of `kind`: a print at one of
/// them sets the size stored with the code (what the app's pose and
/// distance use), and a print at another layout (a test poster of a book's
/// code, say) sets it only while the code has never been printed at one of
/// them. Titles: book and spine labels; shelves: shelf labels; events: the
/// poster; tour stops: whatever was printed last (a stop may be a label or
/// a poster).
pub fn visitor_layouts(kind: TargetKind) -> &'static [&'static str] {
    match kind {
        TargetKind::Title => &["book", "spine"],
        TargetKind::Shelf => &["shelf"],
        TargetKind::Event => &[POSTER],
        TargetKind::TourStop => &["shelf", "book", "spine", POSTER],
    }
}

/// One printed code: its code, kind and the printed side of its symbol, mm.
#[derive(Debug, Clone)]
struct Printed {
    code: String,
    kind: TargetKind,
    side_mm: f32,
}

/// Records that `printed` codes were printed now at `layout` (the "not
/// printed yet" filter), and stores each one's printed size where
/// [`visitor_layouts`] says the print is the one visitors meet.
async fn mark_printed(
    conn: &mut sqlx::SqliteConnection,
    printed: &[Printed],
    layout: &str,
) -> sqlx::Result<()> {
    for p in printed {
        let homes = visitor_layouts(p.kind);
        let list = format!(",{},", homes.join(","));
        sqlx::query(
            "UPDATE markers SET printed_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now'),
                    size_m = CASE WHEN ?1 OR size_layout IS NULL OR instr(?2, ',' || size_layout || ',') = 0
                                  THEN ?3 ELSE size_m END,
                    size_printed_at = CASE WHEN ?1 OR size_layout IS NULL OR instr(?2, ',' || size_layout || ',') = 0
                                  THEN strftime('%Y-%m-%dT%H:%M:%SZ', 'now') ELSE size_printed_at END,
                    size_layout = CASE WHEN ?1 OR size_layout IS NULL OR instr(?2, ',' || size_layout || ',') = 0
                                  THEN ?4 ELSE size_layout END
              WHERE code = ?5",
        )
        .bind(homes.contains(&layout))
        .bind(&list)
        .bind(f64::from(p.side_mm) / 1000.0)
        .bind(layout)
        .bind(&p.code)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Why phones may not reach codes printed for the server's public URL, as
/// text keys: plain `http://` (the app opens only `https://` codes, and
/// anyone on the network could change what a plain one opens), a loopback
/// address (only the server's own computer reaches it), a private-network
/// address (only phones on the library's own network reach it). Empty when
/// the URL is a public `https://` one.
pub fn reach_warnings(public_url: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let Ok(url) = url::Url::parse(public_url) else {
        return vec!["rp-warn-loopback"];
    };
    if url.scheme() != "https" {
        out.push("rp-warn-http");
    }
    match url.host() {
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            if d == "localhost" || d.ends_with(".localhost") {
                out.push("rp-warn-loopback");
            } else if !d.contains('.') || d.ends_with(".local") || d.ends_with(".lan") {
                out.push("rp-warn-lan");
            }
        }
        Some(url::Host::Ipv4(ip)) => {
            if ip.is_loopback() || ip.is_unspecified() {
                out.push("rp-warn-loopback");
            } else if ip.is_private() || ip.is_link_local() {
                out.push("rp-warn-lan");
            }
        }
        Some(url::Host::Ipv6(ip)) => {
            if ip.is_loopback() || ip.is_unspecified() {
                out.push("rp-warn-loopback");
            } else if ip.is_unique_local() || ip.is_unicast_link_local() {
                out.push("rp-warn-lan");
            }
        }
        None => out.push("rp-warn-loopback"),
    }
    out
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

/// The printed side of each label's symbol, by `side_of` its URL; a label
/// whose URL does not fit a code is left out (its PDF fails anyway).
fn printed_sizes(
    all: &[Printable],
    labels: &[Label],
    side_of: impl Fn(&str) -> Result<f32, pustaka_markers::MarkerError>,
    base_url: &str,
) -> Vec<Printed> {
    labels
        .iter()
        .filter_map(|l| {
            let kind = all.iter().find(|m| m.code == l.code.as_str())?.kind;
            let side_mm = side_of(&l.code.url_at(base_url)).ok()?;
            Some(Printed {
                code: l.code.to_string(),
                kind,
                side_mm,
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
    let all = printables(&state.db).await?;
    let labels = labels_for(&all, &codes);
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
    let base = state.public_url.to_string();
    let printed = printed_sizes(&all, &labels, |url| layout.symbol_side_mm(url), &base);
    let pdf =
        match tokio::task::spawn_blocking(move || sheet::label_sheet_pdf(&labels, &base, &layout))
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
    mark_printed(&mut conn, &printed, layout_entry(&layout_value).0).await?;
    // The overlay carries the printed size.
    state.rendered.clear();
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

/// The poster of a code. An event's shows its name, its date and time in
/// WIB and its place (in Bahasa Indonesia, the language of the library's
/// walls) and its poster picture when one is attached and readable; any
/// other code's shows its label's title and call number.
///
/// # Errors
/// Database errors.
async fn poster_for(state: &AppState, m: &Printable, label: &Label) -> sqlx::Result<Poster> {
    let mut poster = Poster::from(label);
    if m.kind != TargetKind::Event {
        return Ok(poster);
    }
    let event: Option<(String, String, String)> =
        sqlx::query_as("SELECT starts_at, ends_at, place FROM events WHERE id = ?")
            .bind(m.target_id)
            .fetch_optional(&state.db)
            .await?;
    if let Some((starts, ends, place)) = event {
        poster.details = vec![texts::human_when(Lang::Id, &starts, &ends), place];
    }
    let sha = attachments::attached(&state.db, TargetKind::Event, m.target_id)
        .await?
        .get(MediaRole::Poster);
    if !sha.is_empty() {
        poster.picture = read_picture(state, &sha).await?;
    }
    Ok(poster)
}

/// The stored image `sha256`, decoded; `None` (the poster goes without)
/// when it is not an image or cannot be read, which is logged.
///
/// # Errors
/// Database errors.
async fn read_picture(state: &AppState, sha256: &str) -> sqlx::Result<Option<image::RgbImage>> {
    let ext: Option<String> =
        sqlx::query_scalar("SELECT ext FROM media_assets WHERE sha256 = ? AND kind = 'image'")
            .bind(sha256)
            .fetch_optional(&state.db)
            .await?;
    let Some(name) = ext
        .and_then(|e| e.parse::<MediaExt>().ok())
        .and_then(|e| MediaName::new(sha256, e).ok())
    else {
        return Ok(None);
    };
    let read = async {
        let size = state.store.size(&name).await?.unwrap_or(0);
        let chunks: Vec<Bytes> = state
            .store
            .read_range(&name, 0..size)
            .await?
            .try_collect()
            .await?;
        std::io::Result::Ok(chunks.concat())
    };
    let bytes = match read.await {
        Ok(b) => b,
        Err(e) => {
            tracing::warn!(sha256, error = %e, "poster picture unreadable, printed without it");
            return Ok(None);
        }
    };
    Ok(
        tokio::task::spawn_blocking(move || image::load_from_memory(&bytes))
            .await
            .ok()
            .and_then(Result::ok)
            .map(|img| img.to_rgb8()),
    )
}

/// `POST /admin/print/poster` (form field `code`, or `event` from an
/// event's page, which gives the event a code when it has none): one
/// marker as an A4 poster PDF (`poster_for`).
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
    let field = |name: &str| {
        form_urlencoded::parse(&body)
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let mut code = field("code");
    // From an event's page: its code, made now when it has none.
    if code.is_empty()
        && let Ok(event) = field("event").parse::<i64>()
    {
        let r = markers::BulkRequest {
            events: vec![event],
            ..markers::BulkRequest::default()
        };
        code = markers::ensure_for(&state, &staff, lang, &r)
            .await?
            .and_then(|done| done.codes.into_iter().next())
            .ok_or_else(|| PageError::not_found(i18n::text(lang, "rp-no-such-code")))?;
    }
    let all = printables(&state.db).await?;
    let mut labels = labels_for(&all, std::slice::from_ref(&code));
    let Some(label) = labels.pop() else {
        return Err(PageError::not_found(i18n::text(lang, "rp-no-such-code")));
    };
    let base = state.public_url.to_string();
    let printed = printed_sizes(
        &all,
        std::slice::from_ref(&label),
        sheet::poster_symbol_side_mm,
        &base,
    );
    let poster = match all.iter().find(|m| m.code == label.code.as_str()) {
        Some(m) => poster_for(&state, m, &label).await?,
        None => Poster::from(&label),
    };
    let pdf = tokio::task::spawn_blocking(move || sheet::poster_pdf(&poster, &base))
        .await
        .map_err(PageError::internal)?
        .map_err(PageError::internal)?;
    let mut conn = state.db.acquire().await?;
    mark_printed(&mut conn, &printed, POSTER).await?;
    state.rendered.clear();
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
    fn phones_reach_only_public_https() {
        assert!(reach_warnings("https://perpus.example.id").is_empty());
        assert!(reach_warnings("https://perpus.example.id:8443/pustaka").is_empty());
        assert_eq!(
            reach_warnings("http://127.0.0.1:8080"),
            ["rp-warn-http", "rp-warn-loopback"]
        );
        assert_eq!(reach_warnings("https://localhost"), ["rp-warn-loopback"]);
        assert_eq!(reach_warnings("https://[::1]:8443"), ["rp-warn-loopback"]);
        assert_eq!(reach_warnings("https://192.168.1.20"), ["rp-warn-lan"]);
        assert_eq!(reach_warnings("https://10.0.0.5/pustaka"), ["rp-warn-lan"]);
        assert_eq!(reach_warnings("https://perpus.local"), ["rp-warn-lan"]);
        assert_eq!(reach_warnings("http://perpus.example.id"), ["rp-warn-http"]);
    }

    #[test]
    fn layouts() {
        for (v, ..) in LAYOUTS {
            let l = layout(v);
            assert!(l.code_box_mm() >= sheet::MIN_CODE_BOX_MM, "{v}");
        }
        assert_eq!(layout("nonsense"), SheetLayout::default());
    }
}
