//! Scan analytics from the anonymous `scan_events` (code, time, client kind —
//! nothing about the person): scans per day (WIB dates, last 30 days), per
//! marker, top titles and tour completions, as server-rendered SVG bar charts
//! with the same numbers in tables, and a CSV export.
//!
//! A *tour completion* is counted as a scan of the code at a tour's last stop:
//! the app reports scans, not finished tours, so this is the closest measure
//! the data holds (the page says so).

use askama::Template;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use pustaka_api::TargetKind;
use sqlx::SqlitePool;
use tower_sessions::Session;

use super::error::PageError;
use super::page::{Page, render};
use super::routes::Routes;
use super::staff::{Role, Staff};
use crate::startup::AppState;

/// The analytics routes; only librarians (and admins) may use them.
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new().get("/admin/analytics", Librarian, show).get(
        "/admin/analytics.csv",
        Librarian,
        csv_export,
    )
}

/// Days shown in the per-day chart.
pub const DAYS: i64 = 30;

/// One bar: its label and value.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Bar {
    /// What the bar stands for (a date, a code, a title).
    pub label: String,
    /// How many scans.
    pub count: i64,
}

/// Scans per WIB calendar day for the last [`DAYS`] days, oldest first, days
/// without scans included as zero.
///
/// # Errors
/// Database errors.
pub async fn per_day(pool: &SqlitePool) -> sqlx::Result<Vec<Bar>> {
    sqlx::query_as(
        "WITH RECURSIVE days(d) AS (
            SELECT date('now', '+7 hours', ?)
            UNION ALL SELECT date(d, '+1 day') FROM days WHERE d < date('now', '+7 hours'))
         SELECT d AS label, (SELECT COUNT(*) FROM scan_events s
                     WHERE date(s.scanned_at, '+7 hours') = d) AS count
           FROM days ORDER BY d",
    )
    .bind(format!("-{} days", DAYS - 1))
    .fetch_all(pool)
    .await
}

/// Scans per marker (all time and last [`DAYS`] days), most scanned first.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct MarkerCount {
    /// Canonical code.
    pub code: String,
    /// Librarian's label.
    pub label: String,
    /// What the marker points at.
    #[sqlx(try_from = "String")]
    pub target_kind: TargetKind,
    /// Scans ever.
    pub total: i64,
    /// Scans in the last [`DAYS`] days.
    pub recent: i64,
}

/// Every marker with its scan counts.
///
/// # Errors
/// Database errors.
pub async fn per_marker(pool: &SqlitePool) -> sqlx::Result<Vec<MarkerCount>> {
    sqlx::query_as(
        "SELECT m.code, m.label, m.target_kind,
                (SELECT COUNT(*) FROM scan_events s WHERE s.code = m.code) AS total,
                (SELECT COUNT(*) FROM scan_events s WHERE s.code = m.code
                   AND s.scanned_at >= strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?)) AS recent
           FROM markers m ORDER BY total DESC, m.code",
    )
    .bind(format!("-{DAYS} days"))
    .fetch_all(pool)
    .await
}

/// The ten titles whose codes were scanned most.
///
/// # Errors
/// Database errors.
pub async fn top_titles(pool: &SqlitePool) -> sqlx::Result<Vec<Bar>> {
    sqlx::query_as(
        "SELECT t.title AS label, COUNT(s.id) AS count
           FROM scan_events s JOIN markers m ON m.code = s.code
           JOIN titles t ON m.target_kind = 'title' AND t.id = m.target_id
          GROUP BY t.id ORDER BY count DESC, t.title LIMIT 10",
    )
    .fetch_all(pool)
    .await
}

/// Per tour: scans of the code at its last stop (see the module docs).
///
/// # Errors
/// Database errors.
pub async fn tour_completions(pool: &SqlitePool) -> sqlx::Result<Vec<Bar>> {
    sqlx::query_as(
        "SELECT t.name_id AS label,
                (SELECT COUNT(*) FROM scan_events s JOIN markers m ON m.code = s.code
                  WHERE m.target_kind = 'tour_stop'
                    AND m.target_id = (SELECT id FROM tour_stops
                                        WHERE tour_id = t.id ORDER BY position DESC LIMIT 1)) AS count
           FROM tours t ORDER BY t.id",
    )
    .fetch_all(pool)
    .await
}

/// A horizontal or vertical bar chart as inline SVG markup (escaped by askama
/// when its parts are rendered; the numbers are also in a table next to it).
#[derive(Debug, Clone)]
pub struct Chart {
    /// Accessible name (`<title>`).
    pub title: String,
    /// Accessible description (`<desc>`).
    pub desc: String,
    /// Width, SVG user units (px).
    pub width: u32,
    /// Height, SVG user units (px).
    pub height: u32,
    /// The bars, in order.
    pub bars: Vec<ChartBar>,
}

/// One bar of a [`Chart`]: its rectangle in SVG user units and what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChartBar {
    /// Left edge.
    pub x: u32,
    /// Top edge.
    pub y: u32,
    /// Width.
    pub width: u32,
    /// Height.
    pub height: u32,
    /// What the bar stands for.
    pub label: String,
    /// Its value.
    pub count: i64,
}

impl Chart {
    /// A vertical bar per item (dates), 600 × 200 px, tallest bar = the maximum.
    pub fn columns(title: String, desc: String, items: &[Bar]) -> Self {
        let (w, h) = (600u32, 200u32);
        let n = u32::try_from(items.len().max(1)).unwrap_or(1);
        let slot = w / n;
        let max = items.iter().map(|b| b.count).max().unwrap_or(0).max(1);
        let bars = items
            .iter()
            .zip(0u32..)
            .map(|(b, i)| {
                let bh = u32::try_from(b.count * i64::from(h - 20) / max).unwrap_or(0);
                ChartBar {
                    x: i * slot + 1,
                    y: h - bh,
                    width: slot.saturating_sub(2).max(1),
                    height: bh,
                    label: b.label.clone(),
                    count: b.count,
                }
            })
            .collect();
        Self {
            title,
            desc,
            width: w,
            height: h,
            bars,
        }
    }

    /// A horizontal bar per item (names), 600 px wide, 24 px per bar.
    pub fn rows(title: String, desc: String, items: &[Bar]) -> Self {
        let w = 600u32;
        let max = items.iter().map(|b| b.count).max().unwrap_or(0).max(1);
        let bars = items
            .iter()
            .zip(0u32..)
            .map(|(b, i)| {
                let bw = u32::try_from(b.count * i64::from(w - 60) / max).unwrap_or(0);
                ChartBar {
                    x: 0,
                    y: i * 24,
                    width: bw,
                    height: 20,
                    label: b.label.clone(),
                    count: b.count,
                }
            })
            .collect();
        let height = 24 * u32::try_from(items.len().max(1)).unwrap_or(1);
        Self {
            title,
            desc,
            width: w,
            height,
            bars,
        }
    }
}

#[derive(Template)]
#[template(path = "admin/analytics.html")]
struct AnalyticsPage {
    p: Page,
    days: Vec<Bar>,
    days_chart: Chart,
    total_30d: i64,
    markers: Vec<MarkerCount>,
    titles: Vec<Bar>,
    titles_chart: Chart,
    tours: Vec<Bar>,
}

/// `GET /admin/analytics`.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    let p = Page::new(&session, Some(&staff), "/admin/analytics").await?;
    let days = per_day(&state.db).await?;
    let total_30d = days.iter().map(|b| b.count).sum();
    let days_chart = Chart::columns(p.t("rp-per-day"), p.t("rp-per-day-desc"), &days);
    let titles = top_titles(&state.db).await?;
    let titles_chart = Chart::rows(p.t("rp-top-titles"), p.t("rp-top-titles-desc"), &titles);
    Ok(render(&AnalyticsPage {
        p,
        days,
        days_chart,
        total_30d,
        markers: per_marker(&state.db).await?,
        titles,
        titles_chart,
        tours: tour_completions(&state.db).await?,
    }))
}

/// First characters that make a spreadsheet read a cell as a formula (OWASP
/// "CSV injection": `=`, `+`, `-`, `@`, tab, carriage return).
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// One CSV field, quoted when it holds a comma, quote or line break (RFC 4180).
/// A text that a spreadsheet would run as a formula gets a leading `'` (the
/// OWASP advice), so an exported label can never execute on a librarian's PC.
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(FORMULA_STARTS) {
        format!("'{s}")
    } else {
        s.to_owned()
    };
    if s.contains([',', '"', '\n', '\r', '\t']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// One line of the CSV export: scans of one code on one WIB day. The label
/// and kind are empty for a code no marker has (any more).
#[derive(sqlx::FromRow)]
struct CsvRow {
    d: String,
    code: String,
    label: String,
    target_kind: String,
    scans: i64,
}

/// `GET /admin/analytics.csv`: scans per WIB day and marker, all time:
/// `date_wib,code,label,target_kind,scans`.
///
/// # Errors
/// Database errors, as an HTML error page.
pub async fn csv_export(State(state): State<AppState>) -> Result<Response, PageError> {
    let rows: Vec<CsvRow> = sqlx::query_as(
        "SELECT date(s.scanned_at, '+7 hours') AS d, s.code,
                COALESCE(m.label, '') AS label, COALESCE(m.target_kind, '') AS target_kind,
                COUNT(*) AS scans
           FROM scan_events s LEFT JOIN markers m ON m.code = s.code
          GROUP BY d, s.code ORDER BY d, s.code",
    )
    .fetch_all(&state.db)
    .await?;
    let mut out = String::from("date_wib,code,label,target_kind,scans\r\n");
    for r in rows {
        out.push_str(&format!(
            "{},{},{},{},{}\r\n",
            csv_field(&r.d),
            csv_field(&r.code),
            csv_field(&r.label),
            csv_field(&r.target_kind),
            r.scans
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"pindaian.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_only_when_needed() {
        assert_eq!(csv_field("Rak 3"), "Rak 3");
        assert_eq!(csv_field("Rak 3, kiri"), "\"Rak 3, kiri\"");
        assert_eq!(csv_field("a\"b"), "\"a\"\"b\"");
        assert_eq!(csv_field("=1+2"), "'=1+2");
        assert_eq!(csv_field("-5"), "'-5");
        assert_eq!(csv_field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_field("+x"), "'+x");
        assert_eq!(csv_field("\tx"), "\"'\tx\"");
        assert_eq!(csv_field("\r=x"), "\"'\r=x\"");
        assert_eq!(csv_field("=A1,\"b\""), "\"'=A1,\"\"b\"\"\"");
    }

    #[test]
    fn bars_scale_to_the_largest() {
        let items = vec![
            Bar {
                label: "a".into(),
                count: 10,
            },
            Bar {
                label: "b".into(),
                count: 5,
            },
            Bar {
                label: "c".into(),
                count: 0,
            },
        ];
        let c = Chart::columns("t".into(), "d".into(), &items);
        assert_eq!(c.bars[0].height, 180);
        assert_eq!(c.bars[1].height, 90);
        assert_eq!(c.bars[2].height, 0);
        let r = Chart::rows("t".into(), "d".into(), &items);
        assert_eq!(r.bars[0].width, 540);
        assert_eq!(r.height, 72);
    }
}
