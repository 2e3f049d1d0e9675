//! The back office in a real browser: a staff user logs in through the form,
//! and every `/admin` page reachable from the dashboard is screenshotted and
//! audited with axe-core (zero serious or critical violations).
//!
//! Without Chromium and chromedriver the test is skipped, except under
//! `CI=true`, where it fails.

use std::collections::{HashSet, VecDeque};

use pustaka_backend::admin::Role;
use pustaka_backend::admin::accounts::create_user;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use pustaka_browser_tests::{Browser, Session};

const USER: &str = "pustakawan-uji";
const PASSWORD: &str = "kata-sandi-uji-yang-panjang";
/// Bounds the crawl, so that a page that links to ever-new URLs cannot run forever.
const MAX_PAGES: usize = 40;
/// Links the crawl never follows: they end the session or download a file.
const SKIP_IN_PATH: &[&str] = &["logout", "keluar", "download", "export", "unduh"];
const SKIP_EXTENSIONS: &[&str] = &[".pdf", ".csv", ".ics", ".png", ".svg", ".zip", ".mp4"];

fn crawlable(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let bare = lower.split('?').next().unwrap_or("");
    !SKIP_IN_PATH.iter().any(|w| lower.contains(w))
        && !SKIP_EXTENSIONS.iter().any(|e| bare.ends_with(e))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_logs_in_and_every_admin_page_passes_axe() {
    let Some(s) = Session::start("admin flow in a browser").await else {
        return;
    };
    if !s
        .server
        .require_page("/admin/login", "admin flow in a browser")
        .await
    {
        s.close().await;
        return;
    }
    create_user(&s.server.state.db, USER, PASSWORD, Role::Admin, None)
        .await
        .expect("staff user created");
    let login_url = s.server.url("/admin/login");
    let mut problems = s.visit_and_audit("/admin/login", "admin-login").await;

    // Anonymous visitors of the back office are sent to the login page.
    s.browser.goto(&s.server.url("/admin")).await;
    let path = s.browser.current_path().await;
    assert!(
        path.starts_with("/admin/login"),
        "anonymous /admin showed {path}"
    );

    // A wrong password stays on the login page (and its message is audited too).
    s.browser.submit_login(&login_url, USER, "salah").await;
    let path = s.browser.current_path().await;
    assert!(
        path.starts_with("/admin/login"),
        "a wrong password led to {path}"
    );
    s.browser.screenshot("admin-login-failed").await;
    problems.extend(s.browser.accessibility_problems("admin-login-failed").await);

    let landed = s.browser.login(&login_url, USER, PASSWORD).await;
    assert!(landed.starts_with("/admin"), "login landed on {landed}");
    s.browser.screenshot("admin-dashboard").await;
    problems.extend(s.browser.accessibility_problems("admin-dashboard").await);

    // Every admin page the dashboard leads to, breadth first.
    let mut queue: VecDeque<String> = s.browser.links_under("/admin").await.into();
    assert!(!queue.is_empty(), "the dashboard links to no admin page");
    let mut seen: HashSet<String> = HashSet::from([landed.clone()]);
    let mut visited = 0;
    while let Some(path) = queue.pop_front() {
        if visited >= MAX_PAGES || !crawlable(&path) || !seen.insert(path.clone()) {
            continue;
        }
        visited += 1;
        let name = path.trim_start_matches('/');
        problems.extend(s.visit_and_audit(&path, name).await);
        // A link in the back office to a page that is not there is a defect.
        let status = s.browser.status().await;
        if status != Some(200) {
            problems.push(format!("{path}: HTTP {status:?}, expected 200"));
        }
        let now = s.browser.current_path().await;
        assert!(
            !now.starts_with("/admin/login"),
            "{path} sent a logged-in admin back to the login page"
        );
        queue.extend(s.browser.links_under("/admin").await);
    }
    eprintln!("admin flow: audited {visited} page(s) besides login and dashboard");

    problems.extend(librarian_work(&s).await);

    s.close().await;
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[test]
fn the_crawl_skips_logout_and_downloads() {
    assert!(crawlable("/admin/titles?q=kancil"));
    assert!(!crawlable("/admin/logout"));
    assert!(!crawlable("/admin/markers/sheet.pdf?ids=1,2"));
    assert!(!crawlable("/admin/analytics/export"));
}

/// Types `text` into the field matching `css` (after clearing it).
async fn fill(b: &Browser, css: &str, text: &str) {
    let el = b
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css:?}: {e}"));
    el.clear()
        .await
        .unwrap_or_else(|e| panic!("clear {css:?}: {e}"));
    el.send_keys(text)
        .await
        .unwrap_or_else(|e| panic!("type into {css:?}: {e}"));
}

/// Chooses a file for the file input matching `css`.
async fn choose_file(b: &Browser, css: &str, file: &Path) {
    let el = b
        .client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no file input {css:?}: {e}"));
    // chromedriver wants a canonical path (no `..`).
    let file = std::fs::canonicalize(file).expect("the file exists");
    el.send_keys(&file.display().to_string())
        .await
        .unwrap_or_else(|e| panic!("choose {}: {e}", file.display()));
}

/// Clicks the element matching `css` and waits until the page changed (a new
/// document loaded: the old `<html>` went stale).
/// Opens the picker of media field `field` on an edit page (a dialog, with
/// the page's script), chooses the asset `sha` (empty: none) by its button,
/// and checks that the field now holds it.
async fn pick_in_dialog(b: &Browser, field: &str, sha: &str) {
    b.client()
        .find(Locator::Css(&format!(
            "fieldset[data-pick='{field}'] button[name='_pick']"
        )))
        .await
        .unwrap_or_else(|e| panic!("no picker button for {field}: {e}"))
        .click()
        .await
        .unwrap();
    let choice = format!("dialog.picker form:has(input[name='sha256'][value='{sha}']) button");
    b.client()
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(&choice))
        .await
        .unwrap_or_else(|e| panic!("the picker of {field} does not offer {sha:?}: {e}"))
        .click()
        .await
        .unwrap();
    let value = field_value(b, &format!("input[type=hidden][name='{field}']")).await;
    assert_eq!(value, sha, "the picker did not fill {field}");
}

async fn click_and_wait(b: &Browser, css: &str) {
    let old = b
        .client()
        .find(Locator::Css("html"))
        .await
        .expect("a document");
    b.client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("nothing to click at {css:?}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        // A stale element errors: the next document is there.
        if old.tag_name().await.is_err() {
            let ready = b
                .client()
                .execute("return document.readyState", vec![])
                .await
                .ok();
            if ready.as_ref().and_then(|v| v.as_str()) == Some("complete") {
                return;
            }
        }
        assert!(
            Instant::now() < deadline,
            "no new page after clicking {css:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The current value of the form field matching `css`.
async fn field_value(b: &Browser, css: &str) -> String {
    b.client()
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|e| panic!("no field {css:?}: {e}"))
        .prop("value")
        .await
        .unwrap_or_else(|e| panic!("value of {css:?}: {e}"))
        .unwrap_or_default()
}

/// Whether leaving the page now would ask first: a `beforeunload` event sent
/// to the page is cancelled by its typing guard.
async fn leaving_asks(b: &Browser) -> bool {
    b.client()
        .execute(
            "var e = new Event('beforeunload', {cancelable: true}); \
             window.dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await
        .expect("the script runs")
        .as_bool()
        .unwrap_or(false)
}

/// The session cookie header of the browser, for downloads done over plain HTTP.
async fn cookie_header(b: &Browser) -> String {
    b.client()
        .get_all_cookies()
        .await
        .expect("cookies")
        .iter()
        .map(|c| format!("{}={}", c.name(), c.value()))
        .collect::<Vec<_>>()
        .join("; ")
}

/// The issue's librarian flow, each page screenshotted and audited: import a
/// catalogue file, edit a synopsis and publish it, upload a cover and a video
/// and attach them, create a marker, download its label sheet and scan it back,
/// resolve it through the public API, and see the scan counted on the
/// analytics page. Returns the accessibility problems found on the way.
async fn librarian_work(s: &Session) -> Vec<String> {
    let mut problems = Vec::new();
    let b = &s.browser;
    let db = &s.server.state.db;
    let Some(catalog) = pustaka_test_support::data_path("catalog/evergreen_bibs_fic.xml") else {
        return problems;
    };
    let (Some(cover), Some(video)) = (
        pustaka_test_support::data_path(
            "catalog/standardebooks/lewis-carroll_alices-adventures-in-wonderland.cover.jpg",
        ),
        pustaka_test_support::data_path("video/clip_02_caminandes.mp4"),
    ) else {
        return problems;
    };
    let mut step = |name: &str, found: Vec<String>| {
        eprintln!("admin flow: {name}");
        problems.extend(found);
    };

    // 1. Catalogue import through the upload form.
    let (before,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM titles")
        .fetch_one(db)
        .await
        .unwrap();
    b.goto(&s.server.url("/admin/import")).await;
    choose_file(b, "form input[type=file]", &catalog).await;
    click_and_wait(b, "form:has(input[type=file]) button[type=submit]").await;
    b.screenshot("flow-1-import-report").await;
    step(
        "import",
        b.accessibility_problems("flow-1-import-report").await,
    );
    let (after,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM titles")
        .fetch_one(db)
        .await
        .unwrap();
    assert!(
        after > before,
        "the import added no title ({before} → {after})"
    );
    let report = b.text("main").await;
    assert!(
        report.contains(&(after - before).to_string()),
        "the report does not show the {} imported titles: {report}",
        after - before
    );

    // 2. Edit the synopsis of an imported title: a saved draft stays private.
    let (id, title): (i64, String) =
        sqlx::query_as("SELECT id, title FROM titles ORDER BY id DESC LIMIT 1")
            .fetch_one(db)
            .await
            .unwrap();
    let draft = "Sinopsis uji dari peramban: seorang anak menemukan perpustakaan ajaib.";
    b.goto(&s.server.url(&format!("/admin/titles/{id}"))).await;
    fill(b, "#synopsis_id", draft).await;
    click_and_wait(b, "#edit-form > p > button[type=submit]:not([formaction])").await;
    b.screenshot("flow-2-title-draft").await;
    step(
        "title draft",
        b.accessibility_problems("flow-2-title-draft").await,
    );
    let api = |path: String| {
        let url = s.server.url(&path);
        async move {
            let r = reqwest::get(&url).await.expect("api answers");
            let status = r.status().as_u16();
            (
                status,
                r.json::<serde_json::Value>().await.unwrap_or_default(),
            )
        }
    };
    let (_, live) = api(format!("/api/v1/titles/{id}")).await;
    assert_ne!(live["synopsis"].as_str(), Some(draft), "a draft leaked");

    // 2b. Nothing typed is lost: type, switch the language → the text is
    // still there (saved as the draft first), the page now in English.
    let typed_en = "A test synopsis typed just before switching the language.";
    fill(b, "#synopsis_en", typed_en).await;
    assert!(
        leaving_asks(b).await,
        "leaving a page with unsaved typing does not ask"
    );
    click_and_wait(b, "header form[action='/admin/lang'] button").await;
    let lang = b
        .client()
        .execute("return document.documentElement.lang", vec![])
        .await
        .unwrap();
    assert_eq!(lang.as_str(), Some("en"), "the language did not switch");
    assert_eq!(
        field_value(b, "#synopsis_en").await,
        typed_en,
        "the text typed before the language switch is gone"
    );
    assert_eq!(field_value(b, "#synopsis_id").await, draft);
    assert!(
        !leaving_asks(b).await,
        "a saved page still asks before leaving"
    );
    b.screenshot("flow-2b-title-after-language-switch").await;
    step(
        "title after language switch",
        b.accessibility_problems("flow-2b-title-after-language-switch")
            .await,
    );
    click_and_wait(b, "header form[action='/admin/lang'] button").await;

    // 2c. Type a synopsis and press Publish right away: the published title
    // shows the typed text (one click: Publish).
    let synopsis = "Sinopsis yang langsung diterbitkan: si kancil belajar membaca.";
    fill(b, "#synopsis_id", synopsis).await;
    click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
    b.screenshot("flow-2c-title-published").await;
    step(
        "title published",
        b.accessibility_problems("flow-2c-title-published").await,
    );
    let (_, live) = api(format!("/api/v1/titles/{id}")).await;
    assert_eq!(
        live["synopsis"].as_str(),
        Some(synopsis),
        "Publish right after typing did not publish the typed synopsis"
    );

    // 2d. A catalogue re-import with another synopsis for this title keeps
    // the librarian's, and the report says so and why.
    let isbn: String = sqlx::query_scalar("SELECT isbn13 FROM titles WHERE id = ?")
        .bind(id)
        .fetch_one(db)
        .await
        .expect("the imported title has an ISBN-13");
    let dir = tempfile::tempdir().expect("a temp dir");
    let csv = dir.path().join("katalog-baru.csv");
    std::fs::write(
        &csv,
        format!("title,isbn_issn,notes\n\"{title}\",{isbn},Sinopsis lain dari katalog.\n"),
    )
    .expect("the CSV is written");
    b.goto(&s.server.url("/admin/import")).await;
    choose_file(b, "form input[type=file]", &csv).await;
    click_and_wait(b, "form:has(input[type=file]) button[type=submit]").await;
    b.screenshot("flow-2d-reimport-report").await;
    step(
        "re-import report",
        b.accessibility_problems("flow-2d-reimport-report").await,
    );
    let report = b.text("table[aria-labelledby=report-titles]").await;
    assert!(
        report.contains(&title) && report.contains("ditulis atau diterbitkan pustakawan"),
        "the re-import report does not say the synopsis was kept: {report}"
    );
    let (_, live) = api(format!("/api/v1/titles/{id}")).await;
    assert_eq!(
        live["synopsis"].as_str(),
        Some(synopsis),
        "the re-import overwrote the published synopsis"
    );

    // 3. Upload a cover and a video into the media library, attach both.
    for (file, kind, name) in [
        (&cover, "image", "flow-3-upload-cover"),
        (&video, "video", "flow-3-upload-video"),
    ] {
        b.goto(&s.server.url("/admin/media")).await;
        b.client()
            .find(Locator::Css(&format!(
                "#upload-kind option[value='{kind}']"
            )))
            .await
            .expect("the upload form offers the kind")
            .click()
            .await
            .unwrap();
        fill(b, "#upload-label", &format!("Uji {kind}")).await;
        choose_file(b, "form input[type=file]", file).await;
        click_and_wait(b, "form:has(input[type=file]) button[type=submit]").await;
        b.screenshot(name).await;
        step(name, b.accessibility_problems(name).await);
    }
    let newest = |kind: &'static str| async move {
        let (sha,): (String,) = sqlx::query_as(
            "SELECT sha256 FROM media_assets WHERE kind = ?
               AND sha256 NOT IN (SELECT sha256 FROM media_renditions)
             ORDER BY created_at DESC, rowid DESC LIMIT 1",
        )
        .bind(kind)
        .fetch_one(db)
        .await
        .unwrap_or_else(|e| panic!("no {kind} was stored: {e}"));
        sha
    };
    let (image_sha, video_sha) = (newest("image").await, newest("video").await);
    b.goto(&s.server.url(&format!("/admin/titles/{id}"))).await;
    pick_in_dialog(b, "cover", &image_sha).await;
    pick_in_dialog(b, "trailer", &video_sha).await;
    click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
    let (_, live) = api(format!("/api/v1/titles/{id}")).await;
    let media = live["media"].to_string();
    assert!(
        media.contains(&image_sha) && media.contains(&video_sha),
        "cover and trailer published: {media}"
    );

    // 4. A marker for the title.
    // The title is found by its ISBN-13 and chosen; no internal number typed.
    b.goto(&s.server.url(&format!("/admin/markers?find={isbn}")))
        .await;
    assert_eq!(
        b.client()
            .find(Locator::Css("#target option:checked"))
            .await
            .expect("the found title is chosen")
            .attr("value")
            .await
            .unwrap()
            .unwrap_or_default(),
        format!("title:{id}")
    );
    fill(b, "#label", "Rak uji, sampul belakang").await;
    fill(b, "#size_mm", "60").await;
    click_and_wait(
        b,
        "form[action='/admin/markers'][method=post] button[type=submit]",
    )
    .await;
    let path = b.current_path().await;
    let code = path
        .strip_prefix("/admin/markers/")
        .unwrap_or_else(|| panic!("creating a marker led to {path}"))
        .to_owned();
    b.screenshot("flow-4-marker").await;
    step("marker", b.accessibility_problems("flow-4-marker").await);

    // 4b. Codes for a shelf and its featured titles in one press; the print
    // page opens with exactly those ticked (new ones made, old ones reused).
    let (shelf, featured): (i64, i64) = sqlx::query_as(
        "SELECT shelf_id, COUNT(*) FROM shelf_titles GROUP BY shelf_id
          ORDER BY COUNT(*) DESC, shelf_id LIMIT 1",
    )
    .fetch_one(db)
    .await
    .expect("the demo has a shelf with featured titles");
    b.goto(&s.server.url(&format!("/admin/shelves/{shelf}")))
        .await;
    b.screenshot("flow-4b-shelf-page").await;
    click_and_wait(b, "form[action='/admin/markers/bulk'] button[type=submit]").await;
    let path = b.current_path().await;
    assert!(
        path.starts_with("/admin/print"),
        "shelf codes led to {path}"
    );
    let ticked = b
        .client()
        .find_all(Locator::Css("input[name=codes]:checked"))
        .await
        .expect("the checklist")
        .len();
    assert_eq!(
        ticked as i64,
        featured + 1,
        "the shelf and its titles ticked"
    );
    b.screenshot("flow-4b-shelf-codes-print").await;
    step(
        "shelf codes ready to print",
        b.accessibility_problems("flow-4b-shelf-codes-print").await,
    );

    // 5. Its label sheet as PDF, scanned back with the markers crate.
    let pdf = print_sheet(s, &code).await;
    let codes = scan_pdf(&pdf);
    assert!(
        codes.iter().any(|t| t.ends_with(&format!("/m/{code}"))),
        "the sheet's label for {code} did not scan back: {codes:?}"
    );

    // The title's public page (its code's fallback page) shows the synopsis
    // that was published right after typing.
    b.goto(&s.server.url(&format!("/m/{code}"))).await;
    let public = b.text("main").await;
    assert!(
        public.contains(synopsis),
        "the public page of {code} does not show the published synopsis: {public}"
    );

    // 6. Resolve it as the app does, report the scan, see it counted.
    let (status, overlay) = api(format!("/api/v1/markers/{code}")).await;
    assert_eq!(status, 200, "{overlay}");
    assert_eq!(overlay["title"].as_str(), Some(title.as_str()), "{overlay}");
    let scans = serde_json::json!({"scans": [{
        "code": code, "scanned_at": chrono::Utc::now().to_rfc3339(), "client": "web"
    }]});
    let r = reqwest::Client::new()
        .post(s.server.url("/api/v1/scans"))
        .json(&scans)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 202);
    b.goto(&s.server.url("/admin/analytics")).await;
    b.screenshot("flow-6-analytics").await;
    step(
        "analytics",
        b.accessibility_problems("flow-6-analytics").await,
    );
    let page = b.text("main").await;
    assert!(
        page.contains(&code),
        "the analytics page does not list {code}"
    );

    // 7. Delete the cover picture: refused while the title uses it (the
    // title named), then detached, confirmed on its own page, and gone.
    let ext: String = sqlx::query_scalar("SELECT ext FROM media_assets WHERE sha256 = ?")
        .bind(&image_sha)
        .fetch_one(db)
        .await
        .unwrap();
    let file = s.server.url(&format!("/media/{image_sha}.{ext}"));
    let served = |url: String| async move { reqwest::get(&url).await.unwrap().status().as_u16() };
    assert_eq!(served(file.clone()).await, 200);
    b.goto(&s.server.url(&format!("/admin/media/{image_sha}")))
        .await;
    click_and_wait(b, &format!("a[href='/admin/media/{image_sha}/delete']")).await;
    b.screenshot("flow-7-media-delete-refused").await;
    step(
        "media delete refused",
        b.accessibility_problems("flow-7-media-delete-refused")
            .await,
    );
    let refusal = b.text("main").await;
    assert!(
        refusal.contains(&title),
        "the refusal does not name the title that uses the picture: {refusal}"
    );
    b.goto(&s.server.url(&format!("/admin/titles/{id}"))).await;
    pick_in_dialog(b, "cover", "").await;
    click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
    b.goto(&s.server.url(&format!("/admin/media/{image_sha}")))
        .await;
    click_and_wait(b, &format!("a[href='/admin/media/{image_sha}/delete']")).await;
    b.screenshot("flow-7-media-delete-confirm").await;
    step(
        "media delete confirm",
        b.accessibility_problems("flow-7-media-delete-confirm")
            .await,
    );
    click_and_wait(b, "main form button.danger").await;
    let path = b.current_path().await;
    assert!(path.starts_with("/admin/media"), "deleting led to {path}");
    assert_eq!(served(file).await, 404, "a deleted picture is still served");
    b.screenshot("flow-7-media-deleted").await;
    problems
}

/// Downloads the label sheet PDF for one marker through the print form, with
/// the browser's session.
async fn print_sheet(s: &Session, code: &str) -> Vec<u8> {
    let b = &s.browser;
    b.goto(&s.server.url("/admin/print")).await;
    b.screenshot("flow-5-print").await;
    let csrf = b
        .client()
        .find(Locator::Css("input[name=_csrf]"))
        .await
        .expect("print form")
        .attr("value")
        .await
        .unwrap()
        .unwrap_or_default();
    let body = format!("_csrf={csrf}&codes={code}");
    let r = reqwest::Client::new()
        .post(s.server.url("/admin/print"))
        .header("cookie", cookie_header(b).await)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200, "printing {code}");
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert_eq!(ct, "application/pdf");
    r.bytes().await.unwrap().to_vec()
}

/// Renders a PDF with pdftoppm (300 dpi, grey) and returns every code text
/// the scanner reads on its pages.
fn scan_pdf(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sheet.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "300", "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Content, not speed, is checked here: a generous budget, every code on the page.
    let scanner = pustaka_markers::Scanner::new(pustaka_markers::ScannerConfig {
        stop_after_first_hit: false,
        time_budget: Duration::from_secs(60),
        ..pustaka_markers::ScannerConfig::default()
    });
    let mut texts = Vec::new();
    for entry in std::fs::read_dir(dir.path()).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "png") {
            let img = image::open(&path).unwrap().to_luma8();
            let (w, h) = (img.width() as usize, img.height() as usize);
            let luma = pustaka_markers::LumaImage::new(w, h, img.into_raw()).unwrap();
            let found = scanner.scan(&luma.view()).unwrap_or_default();
            texts.extend(found.into_iter().filter_map(|d| d.text));
        }
    }
    texts
}

/// Pictures instead of file names, as a librarian does it with the page's
/// script: a cover is chosen by its thumbnail in the picker dialog while the
/// typed synopsis stays; an event gets a poster uploaded in place from its
/// poster field. Every click is counted and printed (the issue's click
/// counts), and each new page and the dialog are audited with axe.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn librarian_picks_a_cover_and_uploads_a_caption() {
    let Some(s) = Session::start("media picker in a browser").await else {
        return;
    };
    let Some(photo) = pustaka_test_support::data_path(
        "catalog/standardebooks/lewis-carroll_alices-adventures-in-wonderland.cover.jpg",
    ) else {
        s.close().await;
        return;
    };
    create_user(&s.server.state.db, USER, PASSWORD, Role::Librarian, None)
        .await
        .expect("librarian created");
    let b = &s.browser;
    let db = &s.server.state.db;
    b.login(&s.server.url("/admin/login"), USER, PASSWORD).await;
    let mut problems = Vec::new();
    let api = |path: String| {
        let url = s.server.url(&path);
        async move {
            reqwest::get(&url)
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };

    // Set a cover from the library: dashboard → Titles → the title → "Choose
    // a picture" → its thumbnail → Publish.
    let mut clicks = 0;
    b.goto(&s.server.url("/admin")).await;
    click_and_wait(b, "nav.main a[href='/admin/titles']").await;
    clicks += 1;
    click_and_wait(b, "main table a[href^='/admin/titles/']").await;
    clicks += 1;
    let path = b.current_path().await;
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let typed = "Sinopsis yang diketik sebelum memilih sampul.";
    fill(b, "#synopsis_id", typed).await;
    b.client()
        .find(Locator::Css(
            "fieldset[data-pick='cover'] button[name='_pick']",
        ))
        .await
        .expect("a picker button for the cover")
        .click()
        .await
        .unwrap();
    clicks += 1;
    let first = "dialog.picker form:has(input[name='sha256']:not([value=''])) button";
    b.client()
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(first))
        .await
        .expect("the dialog shows the library's pictures");
    b.screenshot("picker-dialog").await;
    problems.extend(b.accessibility_problems("picker-dialog").await);
    let thumbs = b
        .client()
        .find_all(Locator::Css("dialog.picker img.thumb"))
        .await
        .unwrap()
        .len();
    assert!(thumbs >= 3, "the dialog shows {thumbs} thumbnails");
    let sha = b
        .client()
        .find(Locator::Css(
            "dialog.picker form:has(input[name='sha256']:not([value=''])) input[name='sha256']",
        ))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    b.client()
        .find(Locator::Css(first))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    clicks += 1;
    assert_eq!(
        field_value(b, "input[type=hidden][name='cover']").await,
        sha,
        "the choice did not fill the cover field"
    );
    assert_eq!(
        field_value(b, "#synopsis_id").await,
        typed,
        "the typing is gone"
    );
    b.screenshot("picker-chosen").await;
    problems.extend(b.accessibility_problems("picker-chosen").await);
    click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
    clicks += 1;
    let live = api(format!("/api/v1/titles/{id}")).await;
    assert_eq!(live["synopsis"].as_str(), Some(typed));
    assert!(live["media"].to_string().contains(&sha), "{live}");
    eprintln!("CLICKS set a cover (picture in the library): {clicks}");

    // An event with a poster picture, the photo uploaded in place: Events →
    // (name typed) Create → (date, place typed) "Choose a picture" → the file
    // → "Upload and choose" → Publish.
    let mut clicks = 0;
    click_and_wait(b, "nav.main a[href='/admin/events']").await;
    clicks += 1;
    fill(b, "#new-title", "Lomba Mewarnai").await;
    click_and_wait(b, "form:has(#new-title) button[type=submit]").await;
    clicks += 1;
    b.client()
        .execute(
            "document.getElementById('starts').value = '2037-01-10T09:00';
             document.getElementById('ends').value = '2037-01-10T11:00';",
            vec![],
        )
        .await
        .unwrap();
    fill(b, "#place", "Ruang Anak").await;
    b.client()
        .find(Locator::Css(
            "fieldset[data-pick='poster'] button[name='_pick']",
        ))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    clicks += 1;
    b.client()
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css("dialog.picker input[type=file]"))
        .await
        .expect("the dialog offers an upload");
    choose_file(b, "dialog.picker input[type=file]", &photo).await;
    // Choosing a file is a click on the file input and one in the system's dialog.
    clicks += 2;
    click_and_wait(b, "dialog.picker form[enctype] button[type=submit]").await;
    clicks += 1;
    let path = b.current_path().await;
    assert!(
        path.starts_with("/admin/events/"),
        "the upload led to {path}"
    );
    assert_eq!(
        field_value(b, "#place").await,
        "Ruang Anak",
        "the typing is gone"
    );
    let poster = field_value(b, "input[type=hidden][name='poster']").await;
    assert_eq!(poster.len(), 64, "no poster chosen after the upload");
    b.screenshot("picker-uploaded").await;
    problems.extend(b.accessibility_problems("picker-uploaded").await);
    click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
    clicks += 1;
    let event_id: i64 = b
        .current_path()
        .await
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let live = api(format!("/api/v1/events/{event_id}")).await;
    assert!(live["media"].to_string().contains(&poster), "{live}");
    let label: Option<String> =
        sqlx::query_scalar("SELECT label FROM media_assets WHERE sha256 = ?")
            .bind(&poster)
            .fetch_one(db)
            .await
            .unwrap();
    assert!(
        label.is_some_and(|l| l.contains("alices")),
        "the upload has no readable name"
    );
    eprintln!("CLICKS event with a poster picture (uploaded in place): {clicks}");

    // Captions for a trailer: a short clip is in the library (made here with
    // ffmpeg), chosen as the first demo title's trailer in the dialog; the
    // trailer field links to its captions, where a .vtt file is uploaded.
    if pustaka_backend::media::ingest::ffmpeg_available() {
        let dir = tempfile::tempdir().unwrap();
        let clip = dir.path().join("klip.mp4");
        let made = std::process::Command::new("ffmpeg")
            .args([
                "-v",
                "error",
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=320x240:rate=10:duration=3",
            ])
            .args(["-c:v", "libx264", "-pix_fmt", "yuv420p"])
            .arg(&clip)
            .status()
            .unwrap()
            .success();
        assert!(made, "ffmpeg made no clip");
        let video = pustaka_backend::media::ingest::ingest(
            db,
            s.server.state.store.clone(),
            std::fs::read(&clip).unwrap(),
            pustaka_api::MediaKind::Video,
        )
        .await
        .unwrap();
        let video_sha = video.name.sha256().to_owned();
        let title: i64 = sqlx::query_scalar(
            "SELECT target_id FROM markers WHERE code = ? AND target_kind = 'title'",
        )
        .bind(pustaka_backend::demo::TRAILER_CODE)
        .fetch_one(db)
        .await
        .unwrap();
        b.goto(&s.server.url(&format!("/admin/titles/{title}")))
            .await;
        pick_in_dialog(b, "trailer", &video_sha).await;
        click_and_wait(b, "#edit-form button[formaction$='/publish']").await;
        click_and_wait(
            b,
            &format!("fieldset[data-pick='trailer'] a[href='/admin/media/{video_sha}#captions']"),
        )
        .await;
        let vtt = dir.path().join("cuplikan.vtt");
        std::fs::write(
            &vtt,
            "WEBVTT\n\n00:00.000 --> 00:02.000\nHalo dari perpustakaan.\n",
        )
        .unwrap();
        choose_file(b, "#captions-file", &vtt).await;
        click_and_wait(b, "#captions-form button[type=submit]").await;
        b.screenshot("captions-uploaded").await;
        problems.extend(b.accessibility_problems("captions-uploaded").await);
        let tracks = b
            .client()
            .find_all(Locator::Css("video track[kind='captions'][srclang='id']"))
            .await
            .unwrap()
            .len();
        assert_eq!(tracks, 1, "the video's page shows no Indonesian captions");
        // The visitor's page: the <video> has the track and the browser loads it.
        b.goto(
            &s.server
                .url(&format!("/m/{}", pustaka_backend::demo::TRAILER_CODE)),
        )
        .await;
        let cues = pustaka_test_support::wait::poll_until_async(
            "the captions' cues to load",
            Duration::from_secs(30),
            || async {
                let n = b
                    .client()
                    .execute(
                        "var t = document.querySelector('video track');                          return t && t.track && t.track.cues ? t.track.cues.length : 0;",
                        vec![],
                    )
                    .await
                    .ok()?
                    .as_u64()?;
                (n > 0).then_some(n)
            },
        )
        .await;
        assert_eq!(cues, 1);
        b.screenshot("captions-visitor-page").await;
        problems.extend(b.accessibility_problems("captions-visitor-page").await);
    } else {
        eprintln!("captions step skipped: ffmpeg is missing");
    }

    // Without the script: the picker page itself (the plain-form path).
    let back = format!("/admin/titles/{id}");
    let picker = format!("/admin/pick?back={}&field=cover", back.replace('/', "%2F"));
    problems.extend(s.visit_and_audit(&picker, "picker-page").await);

    s.close().await;
    assert!(problems.is_empty(), "accessibility problems: {problems:#?}");
}
