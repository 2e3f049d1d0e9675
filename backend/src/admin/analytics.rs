//! Analytics (`/admin/analytics`, `/admin/analytics.csv`): what the anonymous
//! scan events say — scans per day, per marker, the most scanned titles, and
//! tour completions — as server-rendered SVG charts (each `role="img"` with a
//! title and a description, and the same numbers in a table) and as CSV.
//!
//! Only `scan_events` is read: a code, a time and the kind of client. There is
//! no visitor identity, so nothing here can follow one person; that is by
//! design (no personal data is stored). Days are WIB calendar days.
//!
//! A "tour completion" is therefore defined from what exists: a scan of a
//! marker on the **last stop** of a tour (and a "start" a scan of one on the
//! first stop). The page says so.

use std::collections::HashMap;

use askama::Template;
use axum::Extension;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{Duration, NaiveDate};
use pustaka_api::Lang;
use serde::Deserialize;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::page::{Page, PageError, render};
use super::{Access, Role, RouteRule, Staff, i18n};
use crate::startup::AppState;

/// The analytics routes.
pub const ROUTES: &[RouteRule] = &[
    ("GET", "/admin/analytics", Access::Staff(Role::Librarian)),
    (
        "GET",
        "/admin/analytics.csv",
        Access::Staff(Role::Librarian),
    ),
];

/// The analytics router.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/analytics", get(show))
        .route("/admin/analytics.csv", get(csv_export))
}

/// Days shown unless asked otherwise.
pub const DEFAULT_DAYS: i64 = 30;
/// Longest window one may ask for.
pub const MAX_DAYS: i64 = 366;
/// Markers drawn in the per-marker chart (all are in its table).
pub const CHART_MARKERS: usize = 15;
/// Titles in the top list.
pub const TOP_TITLES: i64 = 10;

/// `?days=N` (1–[`MAX_DAYS`]).
#[derive(Debug, Default, Deserialize)]
pub struct WindowQuery {
    /// Number of WIB days up to and including today.
    #[serde(default)]
    pub days: Option<i64>,
}

/// A window of whole WIB days, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    /// First day.
    pub first: NaiveDate,
    /// Last day (today in WIB).
    pub last: NaiveDate,
}

impl Window {
    /// The `days` days up to today (WIB), clamped to 1..=[`MAX_DAYS`].
    pub fn ending_today(days: Option<i64>) -> Self {
        let days = days.unwrap_or(DEFAULT_DAYS).clamp(1, MAX_DAYS);
        let last = crate::wib::now_wib().date_naive();
        Self {
            first: last - Duration::days(days - 1),
            last,
        }
    }

    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.last - self.first).num_days() + 1
    }

    fn bounds(&self) -> (String, String) {
        (self.first.to_string(), self.last.to_string())
    }
}

/// The WIB day of a stored scan time, in SQL (stored times carry their offset).
const SCAN_DAY: &str = "date(e.scanned_at, '+7 hours')";

/// The name of a marker's target, in SQL (`m` is the marker).
const TARGET_NAME: &str = "CASE m.target_kind
      WHEN 'title' THEN (SELECT title FROM titles WHERE id = m.target_id)
      WHEN 'shelf' THEN (SELECT name_id FROM shelves WHERE id = m.target_id)
      WHEN 'event' THEN (SELECT title_id FROM events WHERE id = m.target_id)
      ELSE (SELECT t.name_id || ' · ' || s.position FROM tour_stops s
              JOIN tours t ON t.id = s.tour_id WHERE s.id = m.target_id)
    END";

/// Scans on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    /// WIB date.
    pub day: NaiveDate,
    /// Scans.
    pub scans: i64,
}

/// Scans of one marker.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct MarkerCount {
    /// Code.
    pub code: String,
    /// Librarian's label.
    pub label: String,
    /// Target kind.
    pub target_kind: String,
    /// Target name.
    pub target_name: Option<String>,
    /// Scans in the window.
    pub scans: i64,
}

/// Scans of one title's markers.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TitleCount {
    /// Title id.
    pub id: i64,
    /// Title.
    pub title: String,
    /// Call number.
    pub call_number: Option<String>,
    /// Scans in the window.
    pub scans: i64,
}

/// Starts and completions of one tour (see the module docs).
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct TourCount {
    /// Tour id.
    pub id: i64,
    /// Name (Bahasa Indonesia).
    pub name: String,
    /// Number of stops.
    pub stops: i64,
    /// Scans of first-stop markers.
    pub starts: i64,
    /// Scans of last-stop markers.
    pub completions: i64,
}

/// Everything the page shows.
#[derive(Debug, Clone)]
pub struct Stats {
    /// The window.
    pub window: Window,
    /// One entry per day of the window, zeros included.
    pub per_day: Vec<DayCount>,
    /// Every marker, most scanned first.
    pub per_marker: Vec<MarkerCount>,
    /// The most scanned titles.
    pub top_titles: Vec<TitleCount>,
    /// Every tour with stops.
    pub tours: Vec<TourCount>,
}

impl Stats {
    /// All scans in the window.
    pub fn total(&self) -> i64 {
        self.per_day.iter().map(|d| d.scans).sum()
    }
}

/// Reads the numbers for a window.
///
/// # Errors
/// Database errors.
pub async fn stats(pool: &SqlitePool, window: Window) -> sqlx::Result<Stats> {
    let (from, to) = window.bounds();
    let rows: Vec<(String, i64)> = sqlx::query_as(&format!(
        "SELECT {SCAN_DAY} AS day, COUNT(*) FROM scan_events e
          WHERE {SCAN_DAY} BETWEEN ?1 AND ?2 GROUP BY day"
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    let by_day: HashMap<String, i64> = rows.into_iter().collect();
    let per_day = (0..window.days())
        .map(|i| {
            let day = window.first + Duration::days(i);
            DayCount {
                day,
                scans: by_day.get(&day.to_string()).copied().unwrap_or(0),
            }
        })
        .collect();
    let per_marker = sqlx::query_as(&format!(
        "SELECT m.code, m.label, m.target_kind, {TARGET_NAME} AS target_name,
                COUNT(e.code) AS scans
           FROM markers m
           LEFT JOIN scan_events e ON e.code = m.code AND {SCAN_DAY} BETWEEN ?1 AND ?2
          GROUP BY m.code ORDER BY scans DESC, m.code"
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    let top_titles = sqlx::query_as(&format!(
        "SELECT t.id, t.title, t.call_number, COUNT(*) AS scans
           FROM scan_events e
           JOIN markers m ON m.code = e.code AND m.target_kind = 'title'
           JOIN titles t ON t.id = m.target_id
          WHERE {SCAN_DAY} BETWEEN ?1 AND ?2
          GROUP BY t.id ORDER BY scans DESC, t.title LIMIT ?3"
    ))
    .bind(&from)
    .bind(&to)
    .bind(TOP_TITLES)
    .fetch_all(pool)
    .await?;
    let stop_scans = |position: &str| {
        format!(
            "(SELECT COUNT(*) FROM scan_events e
               JOIN markers m ON m.code = e.code AND m.target_kind = 'tour_stop'
               JOIN tour_stops s ON s.id = m.target_id
              WHERE s.tour_id = t.id
                AND s.position = (SELECT {position}(position) FROM tour_stops WHERE tour_id = t.id)
                AND {SCAN_DAY} BETWEEN ?1 AND ?2)"
        )
    };
    let tours = sqlx::query_as(&format!(
        "SELECT t.id, t.name_id AS name,
                (SELECT COUNT(*) FROM tour_stops WHERE tour_id = t.id) AS stops,
                {} AS starts, {} AS completions
           FROM tours t
          WHERE EXISTS (SELECT 1 FROM tour_stops WHERE tour_id = t.id)
          ORDER BY t.name_id, t.id",
        stop_scans("MIN"),
        stop_scans("MAX"),
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    Ok(Stats {
        window,
        per_day,
        per_marker,
        top_titles,
        tours,
    })
}

/// One bar of a chart, in SVG user units (origin top left, y down).
#[derive(Debug, Clone)]
pub struct Bar {
    /// Left.
    pub x: f32,
    /// Top.
    pub y: f32,
    /// Width.
    pub w: f32,
    /// Height.
    pub h: f32,
    /// What the bar stands for (axis or row label).
    pub label: String,
    /// Its value.
    pub value: i64,
    /// Where the label text goes.
    pub label_x: f32,
    /// Where the label text goes.
    pub label_y: f32,
    /// Where the value text goes.
    pub value_x: f32,
    /// Where the value text goes.
    pub value_y: f32,
    /// Whether to draw the label (a day axis labels every few days only).
    pub show_label: bool,
}

/// A bar chart ready to draw: an accessible SVG (`role="img"` with a title
/// and a description) whose numbers the page also gives in a table.
#[derive(Debug, Clone)]
pub struct Chart {
    /// Element id prefix (title and desc ids derive from it).
    pub id: &'static str,
    /// Short title.
    pub title: String,
    /// A sentence with what the chart shows (total, highest).
    pub desc: String,
    /// Width of the `viewBox`.
    pub width: f32,
    /// Height of the `viewBox`.
    pub height: f32,
    /// The bars.
    pub bars: Vec<Bar>,
    /// Largest value (the axis top).
    pub max: i64,
    /// Left edge of the plot.
    pub plot_x: f32,
    /// Top of the plot.
    pub plot_y: f32,
    /// Plot width.
    pub plot_w: f32,
    /// Plot height.
    pub plot_h: f32,
    /// Bars go across (rows) rather than up (columns).
    pub horizontal: bool,
}

/// Width of every chart's viewBox (it scales to the page).
const CHART_W: f32 = 720.0;
/// Height of a row in a horizontal chart.
const ROW_H: f32 = 26.0;
/// Room for row labels at the left of a horizontal chart.
const ROW_LABEL_W: f32 = 280.0;
/// Characters of a row label before it is shortened with "…".
const ROW_LABEL_CHARS: usize = 38;

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

/// A column chart of scans per day.
pub fn day_chart(lang: Lang, per_day: &[DayCount]) -> Chart {
    let (plot_x, plot_y, plot_w, plot_h) = (44.0, 16.0, CHART_W - 54.0, 190.0);
    let max = per_day.iter().map(|d| d.scans).max().unwrap_or(0).max(1);
    let n = per_day.len().max(1);
    let slot = plot_w / n as f32;
    let every = n.div_ceil(10);
    let bars = per_day
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let h = plot_h * d.scans as f32 / max as f32;
            let x = plot_x + slot * i as f32 + slot * 0.15;
            Bar {
                x,
                y: plot_y + plot_h - h,
                w: slot * 0.7,
                h,
                label: d.day.format("%d/%m").to_string(),
                value: d.scans,
                label_x: x + slot * 0.35,
                label_y: plot_y + plot_h + 16.0,
                value_x: x + slot * 0.35,
                value_y: plot_y + plot_h - h - 3.0,
                show_label: i % every == 0 || i + 1 == n,
            }
        })
        .collect();
    let total: i64 = per_day.iter().map(|d| d.scans).sum();
    let busiest = per_day
        .iter()
        .max_by_key(|d| (d.scans, std::cmp::Reverse(d.day)));
    let desc = match busiest {
        Some(b) if b.scans > 0 => i18n::text_with(
            lang,
            "ops-stats-day-desc",
            &[
                ("total", total.to_string()),
                ("days", per_day.len().to_string()),
                ("max", b.scans.to_string()),
                ("day", b.day.to_string()),
            ],
        ),
        _ => i18n::text_with(
            lang,
            "ops-stats-none-desc",
            &[("days", per_day.len().to_string())],
        ),
    };
    Chart {
        id: "chart-days",
        title: i18n::text(lang, "ops-stats-per-day"),
        desc,
        width: CHART_W,
        height: plot_y + plot_h + 28.0,
        bars,
        max,
        plot_x,
        plot_y,
        plot_w,
        plot_h,
        horizontal: false,
    }
}

/// A row chart: one bar per `(label, value)`.
pub fn row_chart(lang: Lang, id: &'static str, title_key: &str, rows: &[(String, i64)]) -> Chart {
    let plot_x = ROW_LABEL_W;
    let plot_w = CHART_W - ROW_LABEL_W - 50.0;
    let max = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let bars = rows
        .iter()
        .enumerate()
        .map(|(i, (label, value))| {
            let y = 4.0 + ROW_H * i as f32;
            let w = plot_w * *value as f32 / max as f32;
            Bar {
                x: plot_x,
                y: y + 4.0,
                w,
                h: ROW_H - 8.0,
                label: shorten(label, ROW_LABEL_CHARS),
                value: *value,
                label_x: plot_x - 8.0,
                label_y: y + ROW_H / 2.0 + 5.0,
                value_x: plot_x + w + 6.0,
                value_y: y + ROW_H / 2.0 + 5.0,
                show_label: true,
            }
        })
        .collect();
    let total: i64 = rows.iter().map(|r| r.1).sum();
    let desc = match rows.iter().max_by_key(|r| r.1) {
        Some((label, v)) if *v > 0 => i18n::text_with(
            lang,
            "ops-stats-rows-desc",
            &[
                ("count", rows.len().to_string()),
                ("total", total.to_string()),
                ("top", label.clone()),
                ("max", v.to_string()),
            ],
        ),
        _ => i18n::text(lang, "ops-stats-rows-empty"),
    };
    Chart {
        id,
        title: i18n::text(lang, title_key),
        desc,
        width: CHART_W,
        height: 8.0 + ROW_H * rows.len().max(1) as f32,
        bars,
        max,
        plot_x,
        plot_y: 0.0,
        plot_w,
        plot_h: ROW_H * rows.len() as f32,
        horizontal: true,
    }
}

#[derive(Template)]
#[template(path = "admin/ops_analytics.html")]
struct AnalyticsPage {
    p: Page,
    s: Stats,
    day_chart: Chart,
    marker_chart: Chart,
    title_chart: Chart,
    tour_chart: Chart,
    days: i64,
    day_choices: [i64; 4],
}

/// `GET /admin/analytics?days=N`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    Extension(staff): Extension<Staff>,
    Query(q): Query<WindowQuery>,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin/analytics").await?;
    let window = Window::ending_today(q.days);
    let s = stats(&state.db, window).await?;
    let lang = p.lang;
    let marker_rows: Vec<(String, i64)> = s
        .per_marker
        .iter()
        .filter(|m| m.scans > 0)
        .take(CHART_MARKERS)
        .map(|m| (format!("{} · {}", m.code, m.label), m.scans))
        .collect();
    let title_rows: Vec<(String, i64)> = s
        .top_titles
        .iter()
        .map(|t| (t.title.clone(), t.scans))
        .collect();
    let tour_rows: Vec<(String, i64)> = s
        .tours
        .iter()
        .map(|t| (t.name.clone(), t.completions))
        .collect();
    Ok(render(&AnalyticsPage {
        p,
        days: window.days(),
        day_choices: [7, 30, 90, 365],
        day_chart: day_chart(lang, &s.per_day),
        marker_chart: row_chart(lang, "chart-markers", "ops-stats-per-marker", &marker_rows),
        title_chart: row_chart(lang, "chart-titles", "ops-stats-top-titles", &title_rows),
        tour_chart: row_chart(lang, "chart-tours", "ops-stats-tours", &tour_rows),
        s,
    }))
}

/// One row of the CSV export: scans of one marker on one WIB day.
#[derive(Debug, Clone, sqlx::FromRow)]
struct CsvRow {
    day: String,
    code: String,
    label: Option<String>,
    target_kind: Option<String>,
    target_id: Option<i64>,
    target_name: Option<String>,
    scans: i64,
}

/// A cell a spreadsheet would run as a formula gets a leading `'`
/// (CSV injection: labels and titles are typed by people).
fn csv_cell(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// The CSV export's header row.
pub const CSV_HEADER: [&str; 7] = [
    "date_wib",
    "marker_code",
    "marker_label",
    "target_kind",
    "target_id",
    "target_name",
    "scans",
];

/// Builds the CSV: one row per WIB day and marker with scans in the window.
///
/// # Errors
/// Database errors.
pub async fn csv_text(pool: &SqlitePool, window: Window) -> anyhow::Result<String> {
    let (from, to) = window.bounds();
    let rows: Vec<CsvRow> = sqlx::query_as(&format!(
        "SELECT {SCAN_DAY} AS day, e.code, m.label, m.target_kind, m.target_id,
                {TARGET_NAME} AS target_name, COUNT(*) AS scans
           FROM scan_events e LEFT JOIN markers m ON m.code = e.code
          WHERE {SCAN_DAY} BETWEEN ?1 AND ?2
          GROUP BY day, e.code ORDER BY day, e.code"
    ))
    .bind(&from)
    .bind(&to)
    .fetch_all(pool)
    .await?;
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(CSV_HEADER)?;
    for r in rows {
        w.write_record([
            r.day,
            r.code,
            csv_cell(r.label.as_deref().unwrap_or("")),
            r.target_kind.unwrap_or_default(),
            r.target_id.map(|i| i.to_string()).unwrap_or_default(),
            csv_cell(r.target_name.as_deref().unwrap_or("")),
            r.scans.to_string(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// `GET /admin/analytics.csv?days=N`: `text/csv`, as an attachment.
///
/// # Errors
/// Database failures, as an HTML error page.
pub async fn csv_export(
    State(state): State<AppState>,
    Query(q): Query<WindowQuery>,
) -> Result<Response, PageError> {
    let window = Window::ending_today(q.days);
    let body = csv_text(&state.db, window).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"pustaka-pindaian-{}-{}.csv\"",
                    window.first, window.last
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_whole_wib_days_and_clamped() {
        assert_eq!(Window::ending_today(None).days(), DEFAULT_DAYS);
        assert_eq!(Window::ending_today(Some(0)).days(), 1);
        assert_eq!(Window::ending_today(Some(10_000)).days(), MAX_DAYS);
    }

    #[test]
    fn formulas_are_defused_in_csv() {
        assert_eq!(csv_cell("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_cell("-1"), "'-1");
        assert_eq!(csv_cell("Laskar Pelangi"), "Laskar Pelangi");
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let day = |d: u32, scans| DayCount {
            day: NaiveDate::from_ymd_opt(2026, 11, d).unwrap(),
            scans,
        };
        let c = day_chart(Lang::En, &[day(1, 2), day(2, 4), day(3, 0)]);
        assert_eq!(c.max, 4);
        assert!((c.bars[1].h - c.plot_h).abs() < 0.01);
        assert!((c.bars[0].h - c.plot_h / 2.0).abs() < 0.01);
        assert_eq!(c.bars[2].h, 0.0);
        assert!(
            c.desc.contains('6') && c.desc.contains("2026-11-02"),
            "{}",
            c.desc
        );
        let r = row_chart(Lang::En, "x", "ops-stats-per-marker", &[("a".into(), 3)]);
        assert!((r.bars[0].w - r.plot_w).abs() < 0.01);
    }
}
