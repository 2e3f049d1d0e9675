//! The back office in a real browser: a staff user logs in through the form,
//! and every `/admin` page reachable from the dashboard is screenshotted and
//! audited with axe-core (zero serious or critical violations).
//!
//! Gated by the `admin` feature until the back office's Rust API
//! (`admin::accounts::create_user`) is on main. Without `/admin/login` the
//! test is skipped, except under `CI=true`, where it fails.
#![cfg(feature = "admin")]

use std::collections::{HashSet, VecDeque};

use pustaka_backend::admin::Role;
use pustaka_backend::admin::accounts::create_user;
use pustaka_browser_tests::Session;

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

    // TODO(issue 6, when the pages land): import a file from
    // ../shared/data/catalog, edit a synopsis and publish, upload a cover and a
    // video, create a marker, download its PDF sheet and scan it back with
    // pustaka_markers, resolve it through /api/v1 and see the scan on the
    // analytics page. Drive forms with `s.browser.client().form(..)`, then
    // `s.visit_and_audit(..)` each result page.

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
