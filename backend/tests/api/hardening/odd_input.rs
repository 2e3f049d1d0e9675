//! Odd input from anyone: a login link with control characters, formula
//! cells in CSV exports, an oversized search text.

use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION};

use crate::admin::{FormExt, PASSWORD, client, login, send, staff_accounts};
use crate::helpers::spawn_app;

#[tokio::test]
async fn a_login_link_with_control_characters_lands_on_the_dashboard() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let c = client();
    let page = c
        .get(format!("{}/admin/login?next=%2Fadmin%01%0D%0Ax", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let cookies: Vec<String> = page
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect();
    let csrf = crate::admin::csrf_in(&page.text().await.unwrap());
    let resp = c
        .post(format!("{}/admin/login", app.base))
        .header(COOKIE, cookies.join("; "))
        .form_urlencoded(&[
            ("_csrf", csrf.as_str()),
            ("username", "librarian1"),
            ("password", PASSWORD),
            ("next", "/admin/titles\u{1}\tx"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER);
    assert_eq!(resp.headers()[LOCATION], "/admin");
}

#[tokio::test]
async fn csv_export_cells_never_start_a_formula() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    sqlx::query("UPDATE markers SET label = ? WHERE code = 'BK0001'")
        .bind("=HYPERLINK(\"http://evil.example\",\"x\")")
        .execute(&app.state.db)
        .await
        .unwrap();
    sqlx::query("UPDATE markers SET label = ? WHERE code = 'RK0001'")
        .bind("@SUM(1)")
        .execute(&app.state.db)
        .await
        .unwrap();
    let now = chrono::Utc::now().to_rfc3339();
    let scans: Vec<serde_json::Value> = ["BK0001", "RK0001"]
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
    let csv = send(&app, "GET", "/admin/analytics.csv", Some(&s), &[], true).await;
    let body = csv.text().await.unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(body.as_bytes());
    let mut labels = Vec::new();
    for rec in reader.records() {
        let rec = rec.unwrap();
        for cell in rec.iter() {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                "formula cell {cell:?} in {body}"
            );
        }
        labels.push(rec[2].to_owned());
    }
    assert!(
        labels.contains(&"'=HYPERLINK(\"http://evil.example\",\"x\")".to_owned()),
        "{labels:?}"
    );
    assert!(labels.contains(&"'@SUM(1)".to_owned()), "{labels:?}");
}

#[tokio::test]
async fn an_oversized_search_text_is_a_400() {
    let app = spawn_app(true).await;
    let long = "a".repeat(60_000);
    let r = app.get(&format!("/api/v1/titles?q={long}")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "invalid_query", "{body}");
    let ok = app
        .get(&format!("/api/v1/titles?q={}", "a".repeat(200)))
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
}
