//! The public web pages in a real browser: the web fallback `/m/{code}` for
//! each kind of target, its 404 page, and the home page when it is served.
//! Each page is loaded, screenshotted and audited with axe-core (zero serious
//! or critical violations). One browser session for the whole file.

use pustaka_browser_tests::{Session, split_violations};

/// A page with two violations axe rates critical and serious.
const BROKEN_PAGE: &str = "data:text/html;charset=utf-8,<!doctype html><title>x</title>\
    <main><img src=\"x.png\"></main>";

/// Pages that exist on every build: path, screenshot name, the HTTP status
/// the browser must get, and a text the page must show (so a blank or wrong
/// page cannot pass the audit).
const MARKER_PAGES: &[(&str, &str, u16, &str)] = &[
    ("/m/BK0001", "public-m-BK0001", 200, "Si Kancil"),
    ("/m/BK0001?lang=en", "public-m-BK0001-en", 200, "Synopsis"),
    ("/m/RK0001", "public-m-RK0001-shelf", 200, "Rak"),
    (
        "/m/EV0001",
        "public-m-EV0001-event",
        200,
        "Tambahkan ke kalender",
    ),
    (
        "/m/EV0002",
        "public-m-EV0002-event-over",
        200,
        "Acara sudah lewat",
    ),
    ("/m/TR0001", "public-m-TR0001-tour-stop", 200, "Tur membaca"),
    (
        "/m/NOSUCH1",
        "public-m-NOSUCH1-404",
        404,
        "Kode tidak ditemukan",
    ),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_pages_render_and_pass_axe() {
    let Some(s) = Session::start("public pages in a browser").await else {
        return;
    };
    // The audit itself can fail: a page with an image without `alt` and a
    // document without `lang` must be caught, or a clean result means nothing.
    s.browser.goto(BROKEN_PAGE).await;
    let (serious, _) = split_violations(s.browser.audit().await);
    let ids: Vec<&str> = serious.iter().map(|v| v.id.as_str()).collect();
    assert!(
        ids.contains(&"image-alt") && ids.contains(&"html-has-lang"),
        "axe missed known violations: {ids:?}"
    );

    // Dates that do not depend on today: the first demo event upcoming
    // (5 December 2037), the second over (12 December 2024).
    sqlx::query(
        "UPDATE events SET
            starts_at = replace(starts_at, '2026-12-', CASE WHEN starts_at LIKE '2026-12-05%' THEN '2037-12-' ELSE '2024-12-' END),
            ends_at = replace(ends_at, '2026-12-', CASE WHEN ends_at LIKE '2026-12-05%' THEN '2037-12-' ELSE '2024-12-' END)",
    )
    .execute(&s.server.state.db)
    .await
    .expect("demo events dated");
    s.server.state.rendered.clear();

    let mut problems = Vec::new();
    for &(path, name, status, expected) in MARKER_PAGES {
        problems.extend(s.visit_and_audit(path, name).await);
        let got = s.browser.status().await;
        if got != Some(status) {
            problems.push(format!("{path}: HTTP {got:?}, expected {status}"));
        }
        let body = s.browser.text("main").await;
        if !body.contains(expected) {
            problems.push(format!("{path}: main does not show {expected:?}:\n{body}"));
        }
        let h1 = s.browser.text("h1").await;
        if h1.trim().is_empty() {
            problems.push(format!("{path}: empty <h1>"));
        }
    }

    // The home page comes from another branch; audit it once it is served.
    if s.server.has_page("/", "home page audit").await {
        problems.extend(s.visit_and_audit("/?lang=en", "public-home-en").await);
        problems.extend(s.visit_and_audit("/", "public-home-id").await);
    }

    s.close().await;
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

/// A phone's `User-Agent` (Chrome on Android), for a browser that is a visitor
/// and not a headless crawler.
const PHONE: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visit_in_a_phone_browser_counts_as_a_web_scan() {
    let args = [format!("--user-agent={PHONE}")];
    let Some(browser) =
        pustaka_browser_tests::Browser::start_with_args("web visit counted", &args).await
    else {
        return;
    };
    let server = pustaka_browser_tests::TestServer::spawn(true).await;
    let visits = |code: &'static str| {
        let db = server.state.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(
                "SELECT COUNT(*) FROM scan_events WHERE code = ? AND client = 'web'",
            )
            .bind(code)
            .fetch_one(&db)
            .await
            .expect("count web scans")
        }
    };
    // A visitor opens a book's page, reloads it, switches to English: one visit.
    browser.goto(&server.url("/m/BK0001")).await;
    assert!(browser.text("h1").await.contains("Si Kancil"));
    browser.goto(&server.url("/m/BK0001")).await;
    browser.goto(&server.url("/m/BK0001?lang=en")).await;
    // Then follows the shelf's code: another code, another visit.
    browser.goto(&server.url("/m/RK0001")).await;
    let counted = (visits("BK0001").await, visits("RK0001").await);
    browser.close().await;
    assert_eq!(counted, (1, 1), "web visits (book, shelf)");
}

/// What a visitor's phone downloads for a title page whose cover is a big
/// photo: Chromium emulating a 360 CSS px wide phone at 2× density loads the
/// page, and the bytes of every picture it fetched are summed (Resource
/// Timing's `encodedBodySize`). The photo is a real 2.5 MB phone photo from
/// the shared test data; the server stores it at most 2048 px wide.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_downloads_a_cover_sized_for_it() {
    /// The most picture bytes a phone may download for the page.
    const MAX_PICTURE_BYTES: u64 = 200_000;
    let Some(photo) = pustaka_test_support::data_path("scenes/llabres_one_shelf_example.jpg")
    else {
        return;
    };
    let Some(s) = Session::start("picture sizes on a phone").await else {
        return;
    };
    let state = &s.server.state;
    let cover = pustaka_backend::media::ingest::ingest(
        &state.db,
        state.store.clone(),
        std::fs::read(&photo).unwrap(),
        pustaka_api::MediaKind::Image,
    )
    .await
    .unwrap();
    let code = pustaka_backend::demo::TRAILER_CODE;
    sqlx::query(
        "UPDATE content_media SET sha256 = ? WHERE role = 'cover' AND target_kind = 'title'
            AND target_id = (SELECT target_id FROM markers WHERE code = ?)",
    )
    .bind(cover.name.sha256())
    .bind(code)
    .execute(&state.db)
    .await
    .unwrap();
    state.rendered.clear();
    let b = &s.browser;
    b.cdp(
        "Emulation.setDeviceMetricsOverride",
        serde_json::json!({"width": 360, "height": 740, "deviceScaleFactor": 2, "mobile": true}),
    )
    .await
    .expect("phone emulation");
    b.goto(&s.server.url(&format!("/m/{code}"))).await;
    let srcset = b
        .client()
        .execute(
            "return document.querySelector('main img').getAttribute('srcset') || ''",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        srcset.as_str().is_some_and(|v| v.contains("640w")),
        "no srcset: {srcset}"
    );
    let bytes = pustaka_test_support::wait::poll_until_async(
        "the cover to finish loading",
        std::time::Duration::from_secs(30),
        || async {
            let v = b
                .client()
                .execute(
                    "var img = document.querySelector('main img');
                     if (!img.complete) return null;
                     return performance.getEntriesByType('resource')
                       .filter(function (e) { return e.initiatorType === 'img'; })
                       .reduce(function (n, e) { return n + e.encodedBodySize; }, 0);",
                    vec![],
                )
                .await
                .ok()?;
            v.as_u64()
        },
    )
    .await;
    b.screenshot("phone-cover").await;
    eprintln!(
        "BYTES picture bytes for a 360 px phone at 2x: {bytes} (the stored photo: {} bytes, {} px wide)",
        cover.size_bytes,
        cover.width.unwrap_or(0)
    );
    s.close().await;
    assert!(bytes > 0, "no picture was downloaded");
    assert!(
        bytes < MAX_PICTURE_BYTES && bytes * 4 < cover.size_bytes,
        "a phone downloads {bytes} bytes of pictures (stored photo {} bytes)",
        cover.size_bytes
    );
}
