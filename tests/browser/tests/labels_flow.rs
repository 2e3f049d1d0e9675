//! Codes and labels for real shelves, as a librarian does it in a real
//! browser: labels for a tour's stops, an event's A4 poster from its page,
//! codes for a call-number range, the size a code was printed at, and the
//! print page's warning when phones cannot reach the server. Every page on
//! the way is screenshotted and audited with axe-core, and the clicks of
//! each job are counted (printed as `clicks:` lines).
//!
//! Without Chromium and chromedriver the test is skipped, except under
//! `CI=true`, where it fails.

use std::time::Duration;

use fantoccini::Locator;
use pustaka_backend::admin::Role;
use pustaka_backend::admin::accounts::create_user;
use pustaka_browser_tests::{Browser, Session};

const USER: &str = "pustakawan-label";
const PASSWORD: &str = "kata-sandi-label-yang-panjang";

/// Counts a librarian's clicks while doing one job.
struct Clicks<'a> {
    b: &'a Browser,
    job: &'static str,
    n: usize,
}

impl<'a> Clicks<'a> {
    fn new(b: &'a Browser, job: &'static str) -> Self {
        Self { b, job, n: 0 }
    }

    /// A click that opens another page.
    async fn open(&mut self, css: &str) {
        self.n += 1;
        self.b.click_to_page(css).await;
    }

    /// A click that stays on the page (a radio button, a select option).
    async fn here(&mut self, css: &str) {
        self.n += 1;
        self.b
            .client()
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("nothing to click at {css:?}: {e}"))
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css:?}: {e}"));
    }

    /// A click into a field, then typing.
    async fn type_into(&mut self, css: &str, text: &str) {
        self.n += 1;
        self.b.type_into(css, text).await;
    }

    /// The last click of the job: it sends `button`'s form, which downloads
    /// a PDF; the test sends the same form itself in the browser's session.
    async fn download(&mut self, s: &Session, button: &str) -> Vec<u8> {
        self.n += 1;
        let form = self.b.form_of(button).await;
        let action: String = self
            .b
            .client()
            .execute(
                "const b = document.querySelector(arguments[0]);
                 return b.getAttribute('formaction') || b.form.getAttribute('action');",
                vec![serde_json::Value::String(button.to_owned())],
            )
            .await
            .expect("the form's action")
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form.iter())
            .finish();
        let r = reqwest::Client::new()
            .post(s.server.url(&action))
            .header("cookie", self.b.cookie_header().await)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{} {action}", self.job);
        assert_eq!(r.headers()["content-type"], "application/pdf");
        eprintln!("clicks: {}: {}", self.job, self.n);
        r.bytes().await.unwrap().to_vec()
    }
}

/// Every code text on the pages of a PDF (pdftoppm at 200 dpi).
fn scan_pdf(pdf: &[u8]) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftoppm")
        .args(["-r", "200", "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
        .expect("pdftoppm (poppler-utils) runs");
    assert!(out.status.success());
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

/// The text of a PDF (pdftotext), words joined by single spaces.
fn pdf_words(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_librarian_prints_tour_labels_an_event_poster_and_a_call_number_range() {
    let Some(s) = Session::start("labels flow in a browser").await else {
        return;
    };
    let b = &s.browser;
    let db = &s.server.state.db;
    create_user(db, USER, PASSWORD, Role::Librarian, None)
        .await
        .expect("librarian created");
    b.login(&s.server.url("/admin/login"), USER, PASSWORD).await;
    let mut problems = Vec::new();

    // 1. Labels for a tour's stops: from the tour's page, one press makes
    // the codes and opens the print page with them ticked; the warning
    // that phones cannot reach this test server (plain http on loopback)
    // comes first; book labels are chosen and printed.
    let (tour, stops): (i64, i64) = sqlx::query_as(
        "SELECT tour_id, COUNT(*) FROM tour_stops GROUP BY tour_id ORDER BY tour_id LIMIT 1",
    )
    .fetch_one(db)
    .await
    .expect("the demo has a tour");
    b.goto(&s.server.url(&format!("/admin/tours/{tour}"))).await;
    let mut job = Clicks::new(b, "labels for a tour's stops (from the tour's page)");
    job.open("form[action='/admin/markers/bulk'] button[type=submit]")
        .await;
    assert!(b.current_path().await.starts_with("/admin/print"));
    let ticked = b
        .client()
        .find_all(Locator::Css("input[name=codes]:checked"))
        .await
        .unwrap()
        .len();
    assert_eq!(ticked as i64, stops, "every stop's code ticked");
    let warning = b.text("#reach-warning").await;
    assert!(
        warning.contains("ponsel pengunjung tidak akan sampai"),
        "{warning}"
    );
    b.screenshot("labels-1-print-tour").await;
    problems.extend(b.accessibility_problems("labels-1-print-tour").await);
    job.here("input[name=layout][value=book]").await;
    let pdf = job
        .download(
            &s,
            "form[method=post][action='/admin/print'] button[type=submit]:not([formaction])",
        )
        .await;
    let read = scan_pdf(&pdf);
    assert_eq!(read.len() as i64, stops, "{read:?}");
    // The size stored is the book label's, and the code's page says so.
    let code: String = sqlx::query_scalar(
        "SELECT m.code FROM markers m JOIN tour_stops s ON m.target_kind = 'tour_stop'
            AND m.target_id = s.id WHERE s.tour_id = ? ORDER BY s.position LIMIT 1",
    )
    .bind(tour)
    .fetch_one(db)
    .await
    .unwrap();
    b.goto(&s.server.url(&format!("/admin/markers/{code}")))
        .await;
    let stored = b.text("#size-stored").await;
    assert!(stored.contains("dari cetakan label buku pada"), "{stored}");
    b.screenshot("labels-1-code-size").await;
    problems.extend(b.accessibility_problems("labels-1-code-size").await);

    // 2. An event's A4 poster, the way it was done before (a code made on
    // the codes list, then printed from its page) and now (one press on the
    // event's page).
    let event: i64 = sqlx::query_scalar(
        "SELECT target_id FROM markers WHERE target_kind = 'event' AND code = 'EV0001'",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let (title, place): (String, String) =
        sqlx::query_as("SELECT title_id, place FROM events WHERE id = ?")
            .bind(event)
            .fetch_one(db)
            .await
            .unwrap();
    sqlx::query("DELETE FROM markers WHERE target_kind = 'event' AND target_id = ?")
        .bind(event)
        .execute(db)
        .await
        .unwrap();
    b.goto(&s.server.url(&format!("/admin/events/{event}")))
        .await;
    let mut before = Clicks::new(
        b,
        "an event's poster, the old way (codes list, code page, print page)",
    );
    before.open("nav.main a[href='/admin/markers']").await;
    before.here("#target").await;
    before
        .here(&format!("#target option[value='event:{event}']"))
        .await;
    before.type_into("#label", "Poster acara").await;
    before
        .open("form[action='/admin/markers'][method=post] button[type=submit]")
        .await;
    before
        .open("main a.button[href^='/admin/print?codes=']")
        .await;
    let old_way = before
        .download(&s, "button[formaction='/admin/print/poster']")
        .await;
    assert_eq!(scan_pdf(&old_way).len(), 1);
    sqlx::query("DELETE FROM markers WHERE target_kind = 'event' AND target_id = ?")
        .bind(event)
        .execute(db)
        .await
        .unwrap();
    b.goto(&s.server.url(&format!("/admin/events/{event}")))
        .await;
    b.screenshot("labels-2-event-page").await;
    problems.extend(b.accessibility_problems("labels-2-event-page").await);
    let mut now = Clicks::new(b, "an event's poster (from the event's page)");
    let pdf = now
        .download(&s, "form[action='/admin/print/poster'] button[type=submit]")
        .await;
    let code: String = sqlx::query_scalar(
        "SELECT code FROM markers WHERE target_kind = 'event' AND target_id = ?",
    )
    .bind(event)
    .fetch_one(db)
    .await
    .expect("the poster button made the event's code");
    assert_eq!(scan_pdf(&pdf), [s.server.url(&format!("/m/{code}"))]);
    let words = pdf_words(&pdf);
    for want in [
        title.as_str(),
        place.as_str(),
        "WIB",
        "Pindai dengan kamera ponsel",
    ] {
        assert!(words.contains(want), "{want:?} not on the poster: {words}");
    }

    // 3. Codes for a call-number range typed as on the spines.
    b.goto(&s.server.url("/admin/markers")).await;
    b.screenshot("labels-3-codes-list").await;
    problems.extend(b.accessibility_problems("labels-3-codes-list").await);
    let mut range = Clicks::new(b, "codes for a call-number range (from the codes list)");
    // The demo's folk tales are 398.2.
    range.type_into("#call_from", "398").await;
    range.type_into("#call_to", "398.2").await;
    range
        .open("form[aria-labelledby=range-heading] button[type=submit]")
        .await;
    let path = b.current_path().await;
    assert!(
        path.starts_with("/admin/print"),
        "{path}: {}",
        b.text("main").await
    );
    let in_range: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM titles WHERE archived = 0 AND call_number >= '398'
            AND (call_number <= '398.2' OR call_number LIKE '398.2%')",
    )
    .fetch_one(db)
    .await
    .unwrap();
    let ticked = b
        .client()
        .find_all(Locator::Css("input[name=codes]:checked"))
        .await
        .unwrap()
        .len();
    assert!(in_range > 0);
    assert_eq!(ticked as i64, in_range);
    eprintln!("clicks: {}: {}", range.job, range.n);

    s.close().await;
    assert!(
        problems.is_empty(),
        "{} problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_librarian_builds_a_three_stop_tour_with_labels() {
    let Some(s) = Session::start("three-stop tour with labels in a browser").await else {
        return;
    };
    let b = &s.browser;
    let db = &s.server.state.db;
    create_user(db, USER, PASSWORD, Role::Librarian, None)
        .await
        .expect("librarian created");
    b.login(&s.server.url("/admin/login"), USER, PASSWORD).await;
    let mut job = Clicks::new(b, "a three-stop tour with labels (from the dashboard)");
    job.open("nav.main a[href='/admin/tours']").await;
    job.type_into("#new-name", "Jelajah Rak Sains").await;
    job.open("form[action='/admin/tours'] button[type=submit]")
        .await;
    let tour_page = b.current_path().await;
    assert!(tour_page.starts_with("/admin/tours/"), "{tour_page}");
    for clue in [
        "Cari rak buku tentang bintang.",
        "Temukan buku tentang gunung api.",
        "Di mana buku tentang laut?",
    ] {
        job.open("a.button[href$='/stops/new']").await;
        job.type_into("#clue_id", clue).await;
        job.open("main form[method=post] button[type=submit]:not([aria-hidden]):not([name=_pick])")
            .await;
        assert_eq!(b.current_path().await, tour_page);
    }
    job.open("form[action$='/publish'] button[type=submit]")
        .await;
    b.goto(&s.server.url(&tour_page)).await;
    job.open("form[action='/admin/markers/bulk'] button[type=submit]")
        .await;
    assert!(b.current_path().await.starts_with("/admin/print"));
    b.screenshot("labels-4-tour-print").await;
    let problems = b.accessibility_problems("labels-4-tour-print").await;
    job.here("input[name=layout][value=book]").await;
    let pdf = job
        .download(
            &s,
            "form[method=post][action='/admin/print'] button[type=submit]:not([formaction])",
        )
        .await;
    let read = scan_pdf(&pdf);
    assert_eq!(read.len(), 3, "{read:?}");
    s.close().await;
    assert!(problems.is_empty(), "{problems:?}");
}
