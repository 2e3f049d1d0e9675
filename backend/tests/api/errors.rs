//! The JSON error envelope: every API error is English with a stable machine
//! code whose HTTP status matches, whatever language the client asked for.

use pustaka_api::{ApiErrorBody, ErrorCode};

use crate::helpers::{TestApp, spawn_app};

/// Words that would betray an Indonesian message.
const INDONESIAN: [&str; 8] = [
    "tidak",
    "ditemukan",
    "harus",
    "paling",
    "terlalu",
    "kiriman",
    "lebih",
    "pakai",
];

async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    body: Option<&str>,
    lang: &str,
) -> reqwest::Response {
    let url = format!("{}{path}", app.base);
    let req = match method {
        "POST" => app
            .client
            .post(url)
            .header("content-type", "application/json")
            .body(body.unwrap_or("").to_owned()),
        "DELETE" => app.client.delete(url),
        _ => app.client.get(url),
    };
    req.header("Accept-Language", lang).send().await.unwrap()
}

#[tokio::test]
async fn api_errors_are_english_with_a_stable_code() {
    let app = spawn_app(true).await;
    let old = "2001-01-01T00:00:00Z";
    let bad_scan =
        r#"{"scans":[{"code":"U!","scanned_at":"2026-01-01T00:00:00Z","client":"web"}]}"#;
    let old_scan =
        format!(r#"{{"scans":[{{"code":"BK0001","scanned_at":"{old}","client":"web"}}]}}"#);
    let cases: Vec<(&str, String, Option<&str>, ErrorCode)> = vec![
        (
            "GET",
            "/api/v1/markers/ZZZZ99".into(),
            None,
            ErrorCode::MarkerNotFound,
        ),
        (
            "GET",
            "/api/v1/markers/U!".into(),
            None,
            ErrorCode::InvalidMarkerCode,
        ),
        (
            "GET",
            "/api/v1/markers/BK0001?lang=fr".into(),
            None,
            ErrorCode::InvalidQuery,
        ),
        (
            "GET",
            "/api/v1/titles/424242".into(),
            None,
            ErrorCode::TitleNotFound,
        ),
        (
            "GET",
            "/api/v1/titles/abc".into(),
            None,
            ErrorCode::InvalidPath,
        ),
        (
            "GET",
            "/api/v1/titles?limit=0".into(),
            None,
            ErrorCode::InvalidQuery,
        ),
        (
            "GET",
            "/api/v1/shelves/424242".into(),
            None,
            ErrorCode::ShelfNotFound,
        ),
        (
            "GET",
            "/api/v1/events/424242".into(),
            None,
            ErrorCode::EventNotFound,
        ),
        (
            "GET",
            "/api/v1/events?from=kemarin".into(),
            None,
            ErrorCode::InvalidDateRange,
        ),
        (
            "GET",
            "/api/v1/events?from=2026-12-10&to=2026-12-01".into(),
            None,
            ErrorCode::InvalidDateRange,
        ),
        (
            "GET",
            "/api/v1/tours/424242".into(),
            None,
            ErrorCode::TourNotFound,
        ),
        ("GET", "/api/v1/nope".into(), None, ErrorCode::RouteNotFound),
        (
            "DELETE",
            "/api/v1/markers/BK0001".into(),
            None,
            ErrorCode::MethodNotAllowed,
        ),
        (
            "GET",
            "/api/v1/scans".into(),
            None,
            ErrorCode::MethodNotAllowed,
        ),
        (
            "POST",
            "/api/v1/scans".into(),
            Some("{not json"),
            ErrorCode::InvalidJson,
        ),
        (
            "POST",
            "/api/v1/scans".into(),
            Some(bad_scan),
            ErrorCode::InvalidScan,
        ),
        (
            "POST",
            "/api/v1/scans".into(),
            Some(&old_scan),
            ErrorCode::InvalidScan,
        ),
        (
            "GET",
            "/events/424242.ics".into(),
            None,
            ErrorCode::EventNotFound,
        ),
    ];
    for (method, path, body, code) in &cases {
        let mut messages = Vec::new();
        for lang in ["id", "en"] {
            let resp = send(&app, method, path, *body, lang).await;
            let what = format!("{method} {path} ({lang})");
            assert_eq!(resp.status().as_u16(), code.http_status(), "{what}");
            assert!(
                resp.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with("application/json"),
                "{what}"
            );
            let err: ApiErrorBody = resp.json().await.unwrap();
            assert_eq!(err.error.code, *code, "{what}");
            let lower = err.error.message.to_lowercase();
            assert!(!lower.is_empty(), "{what}");
            assert!(
                !INDONESIAN.iter().any(|w| lower.contains(w)),
                "{what}: {}",
                err.error.message
            );
            messages.push(err.error.message);
        }
        assert_eq!(
            messages[0], messages[1],
            "{method} {path}: message depends on language"
        );
    }

    // RFC 9110 §15.5.6: a 405 says which methods are allowed.
    let resp = send(&app, "DELETE", "/api/v1/markers/BK0001", None, "en").await;
    assert_eq!(resp.status(), 405);
    let allow = resp
        .headers()
        .get("allow")
        .map(|v| v.to_str().unwrap().to_owned());
    assert!(
        allow.as_deref().is_some_and(|a| a.contains("GET")),
        "{allow:?}"
    );

    // Size limits and the rate limit.
    let huge = "[".repeat(100 * 1024);
    let resp = send(&app, "POST", "/api/v1/scans", Some(&huge), "id").await;
    assert_eq!(resp.status(), 413);
    let err: ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(err.error.code, ErrorCode::BodyTooLarge);
    let many = format!(
        r#"{{"scans":[{}]}}"#,
        vec![r#"{"code":"BK0001","scanned_at":"2026-01-01T00:00:00Z","client":"web"}"#; 501]
            .join(",")
    );
    let resp = send(&app, "POST", "/api/v1/scans", Some(&many), "id").await;
    assert_eq!(resp.status(), 413);
    let err: ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(err.error.code, ErrorCode::BatchTooLarge);
    let mut last = None;
    for _ in 0..=pustaka_backend::api::scans::RATE_LIMIT_PER_WINDOW {
        last = Some(send(&app, "POST", "/api/v1/scans", Some("{}"), "id").await);
    }
    let resp = last.unwrap();
    assert_eq!(resp.status(), 429);
    let err: ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(err.error.code, ErrorCode::TooManyRequests);
    assert!(!err.error.message.contains("terlalu"));
}
