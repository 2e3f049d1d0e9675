//! Print (label sheet and poster PDFs, scanned back) and analytics (charts,
//! tables, CSV) in the back office.

use std::time::Duration;

use pustaka_markers::{LumaImage, Scanner, ScannerConfig};
use reqwest::StatusCode;

use crate::admin::{PASSWORD, Sample, fields, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

/// Samples for the print and analytics routes.
pub async fn sample(_app: &TestApp, method: &str, pattern: &str, _n: usize) -> Option<Sample> {
    let body = match (method, pattern) {
        ("GET", "/admin/print" | "/admin/analytics" | "/admin/analytics.csv") => Vec::new(),
        ("POST", "/admin/print") => fields(&[("codes", "BK0001"), ("layout", "shelf")]),
        ("POST", "/admin/print/poster") => fields(&[("code", "EV0001")]),
        _ => return None,
    };
    Some((pattern.to_owned(), body))
}

/// Every code text on the pages of a PDF (pdftoppm at 200 dpi), or `None`
/// when pdftoppm is missing outside CI.
pub fn scan_pdf(pdf: &[u8]) -> Option<Vec<String>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = match std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
    {
        Ok(out) => out,
        Err(e) if !pustaka_test_support::in_ci() => {
            eprintln!("skipping the scan-back check: pdftoppm (poppler-utils) missing: {e}");
            return None;
        }
        Err(e) => panic!("pdftoppm (poppler-utils) is needed under CI: {e}"),
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let scanner = Scanner::new(ScannerConfig {
        stop_after_first_hit: false,
        time_budget: Duration::from_secs(60),
        ..ScannerConfig::default()
    });
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let img = image::open(&path).unwrap().to_luma8();
            let (w, h) = (img.width() as usize, img.height() as usize);
            let luma = LumaImage::new(w, h, img.into_raw()).unwrap();
            let found = scanner.scan(&luma.view()).unwrap();
            texts.extend(found.into_iter().filter_map(|d| d.text));
        }
    }
    Some(texts)
}

#[tokio::test]
async fn the_label_sheet_and_poster_scan_back() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let page = send(&app, "GET", "/admin/print", Some(&s), &[], true).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("BK0002"));
    let chosen = ["BK0001", "BK0002", "RK0001", "EV0001", "TR0001"];
    let mut form: Vec<(String, String)> = chosen
        .iter()
        .map(|c| ("codes".to_owned(), (*c).to_owned()))
        .collect();
    form.push(("layout".into(), "medium".into()));
    let r = send(&app, "POST", "/admin/print", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    if let Some(texts) = scan_pdf(&pdf) {
        for c in chosen {
            assert!(
                texts.iter().any(|t| t.ends_with(&format!("/m/{c}"))),
                "{c} not read back from the sheet: {texts:?}"
            );
        }
        assert_eq!(texts.len(), chosen.len(), "{texts:?}");
    }
    let r = send(
        &app,
        "POST",
        "/admin/print/poster",
        Some(&s),
        &fields(&[("code", "EV0001")]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let poster = r.bytes().await.unwrap();
    if let Some(texts) = scan_pdf(&poster) {
        assert!(texts.iter().any(|t| t.ends_with("/m/EV0001")), "{texts:?}");
    }
    // Nothing chosen: the page again with a message, no PDF.
    let r = send(
        &app,
        "POST",
        "/admin/print",
        Some(&s),
        &fields(&[("layout", "shelf")]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Pilih paling sedikit satu kode")
    );
}

#[tokio::test]
async fn analytics_count_reported_scans_and_export_csv() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let now = chrono::Utc::now().to_rfc3339();
    let scans: Vec<serde_json::Value> = ["BK0001", "BK0001", "BK0001", "RK0001"]
        .iter()
        .map(|c| serde_json::json!({"code": c, "scanned_at": now, "client": "android"}))
        .collect();
    let r = app
        .client
        .post(format!("{}/api/v1/scans", app.base))
        .json(&serde_json::json!({ "scans": scans }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let page = send(&app, "GET", "/admin/analytics", Some(&s), &[], true).await;
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("tr").unwrap();
    let cells = scraper::Selector::parse("td").unwrap();
    let row_of = |code: &str| {
        doc.select(&rows)
            .map(|r| {
                r.select(&cells)
                    .map(|c| c.text().collect::<String>())
                    .collect::<Vec<_>>()
            })
            .find(|c| c.first().map(String::as_str) == Some(code))
            .unwrap_or_else(|| panic!("no row for {code}"))
    };
    let bk = row_of("BK0001");
    assert_eq!(bk[bk.len() - 1], "3", "{bk:?}");
    assert_eq!(row_of("RK0001").last().map(String::as_str), Some("1"));
    let svg = scraper::Selector::parse("svg[role=img] title").unwrap();
    assert!(
        doc.select(&svg).count() >= 2,
        "charts with accessible names"
    );
    assert!(html.contains("(4)"), "4 scans in the last 30 days");
    let csv = send(&app, "GET", "/admin/analytics.csv", Some(&s), &[], true).await;
    assert_eq!(csv.status(), StatusCode::OK);
    assert!(
        csv.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let body = csv.text().await.unwrap();
    let mut lines = body.lines();
    assert_eq!(lines.next(), Some("date_wib,code,label,target_kind,scans"));
    let bk_line = body.lines().find(|l| l.contains(",BK0001,")).unwrap();
    assert!(bk_line.ends_with(",title,3"), "{bk_line}");
}
