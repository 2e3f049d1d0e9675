//! The back office over real HTTP: the route × role matrix over every admin
//! route, CSRF, login throttling, cookie flags, sessions shared by two server
//! processes on one database, drafts that stay private until published, and the
//! `create-admin` command.

use pustaka_backend::admin::{Access, Role, accounts, all_routes, page};
use pustaka_test_support::server::TestServer;
use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// `application/x-www-form-urlencoded` bodies (reqwest 0.13 builds have no `form`).
pub trait FormExt {
    /// Sets the body to the URL-encoded fields.
    fn form_urlencoded<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self;
}

impl FormExt for reqwest::RequestBuilder {
    fn form_urlencoded<T: serde::Serialize + ?Sized>(self, fields: &T) -> Self {
        self.header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(serde_urlencoded::to_string(fields).expect("form fields encode"))
    }
}

pub const PASSWORD: &str = "rahasia-perpustakaan-1";

/// A browser-like client without redirects or a cookie jar: the test holds the
/// session cookie itself so it can also send requests without it.
pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A logged-in staff session: its cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub cookie: String,
    pub csrf: String,
}

fn session_cookie(resp: &reqwest::Response) -> Option<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pustaka_staff="))
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
}

/// The `name=value` part of every cookie a response sets.
pub fn set_cookies(resp: &reqwest::Response) -> Vec<String> {
    resp.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok()?.split(';').next().map(str::to_owned))
        .collect()
}

/// The value of the first hidden `_csrf` field in a page.
pub fn csrf_in(html: &str) -> String {
    let at = html
        .find("name=\"_csrf\" value=\"")
        .expect("page has a CSRF field");
    let rest = &html[at + "name=\"_csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_owned()
}

/// Logs in through the login form, as a browser does.
pub async fn login(base: &str, username: &str, password: &str) -> StaffSession {
    let c = client();
    let page = c.get(format!("{base}/admin/login")).send().await.unwrap();
    // The login form's token cookie (the page stores no session).
    let pre = set_cookies(&page).join("; ");
    let csrf = csrf_in(&page.text().await.unwrap());
    let resp = c
        .post(format!("{base}/admin/login"))
        .header(COOKIE, &pre)
        .form_urlencoded(&[
            ("_csrf", csrf.as_str()),
            ("username", username),
            ("password", password),
            ("next", "/admin"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::SEE_OTHER, "login of {username}");
    let cookie = session_cookie(&resp).expect("a session id after login");
    let dash = c
        .get(format!("{base}/admin"))
        .header(COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(dash.status(), StatusCode::OK);
    let csrf = csrf_in(&dash.text().await.unwrap());
    StaffSession { cookie, csrf }
}

/// Creates one account per role (`admin1`, `librarian1`, `volunteer1`).
pub async fn staff_accounts(app: &TestApp) {
    for role in Role::ALL {
        accounts::create_user(
            &app.state.db,
            &format!("{}1", role.as_str()),
            PASSWORD,
            role,
            None,
        )
        .await
        .unwrap();
    }
}

/// A concrete request for a route: path and form fields (without `_csrf`).
pub type Sample = (String, Vec<(String, String)>);

/// Form fields from string pairs.
pub fn fields(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// The first id of a table (the demo seed fills them).
pub async fn first_id(app: &TestApp, sql: &str) -> i64 {
    let (id,): (i64,) = sqlx::query_as(sql).fetch_one(&app.state.db).await.unwrap();
    id
}

/// Samples for the core routes; `n` makes names unique between calls.
async fn core_sample(app: &TestApp, method: &str, pattern: &str, n: usize) -> Option<Sample> {
    let title = first_id(app, "SELECT id FROM titles ORDER BY id LIMIT 1").await;
    let volunteer = first_id(
        app,
        "SELECT id FROM staff_users WHERE username = 'volunteer1'",
    )
    .await;
    let path = pattern
        .replace("/titles/{id}", &format!("/titles/{title}"))
        .replace("/staff/{id}", &format!("/staff/{volunteer}"));
    let body = match (method, pattern) {
        ("GET", "/admin" | "/admin/login" | "/admin/titles" | "/admin/titles/{id}")
        | ("GET", "/admin/titles/{id}/discard" | "/admin/keep.js")
        | ("GET", "/admin/staff" | "/admin/audit") => Vec::new(),
        ("POST", "/admin/login") => fields(&[("username", "admin1"), ("password", PASSWORD)]),
        ("POST", "/admin/lang") => fields(&[("to", "en"), ("back", "/admin")]),
        ("POST", "/admin/titles/{id}") => fields(&[
            ("synopsis_id", "Sinopsis uji."),
            ("synopsis_en", "A test synopsis."),
            ("ebook_url", ""),
            ("age_group", "children"),
            ("cover", ""),
            ("trailer", ""),
        ]),
        ("POST", "/admin/staff") => vec![
            ("username".into(), format!("baru{n}")),
            ("password".into(), PASSWORD.into()),
            ("role".into(), "volunteer".into()),
        ],
        ("POST", "/admin/staff/{id}") => fields(&[("role", "volunteer"), ("active", "1")]),
        ("POST", "/admin/titles/{id}/publish" | "/admin/titles/{id}/discard" | "/admin/logout")
        | ("POST", "/admin/staff/{id}/unblock") => Vec::new(),
        _ => return None,
    };
    Some((path, body))
}

/// A request for any admin route that a staff member with the right role can
/// send successfully. Each section of the back office adds its sampler here.
async fn sample(app: &TestApp, method: &str, pattern: &str, n: usize) -> Sample {
    if let Some(s) = crate::admin_trust::sample(app, method, pattern, n).await {
        return s;
    }
    if let Some(s) = core_sample(app, method, pattern, n).await {
        return s;
    }
    if let Some(s) = crate::admin_reports::sample(app, method, pattern, n).await {
        return s;
    }
    if let Some(s) = crate::admin_ops::sample(app, method, pattern, n).await {
        return s;
    }
    if let Some(s) = crate::admin_content::sample(app, method, pattern, n).await {
        return s;
    }
    panic!("add a sample request for the admin route {method} {pattern} to this test")
}

/// Sends a request as a browser would (GET with `Accept: text/html`, POST as a form).
pub async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    session: Option<&StaffSession>,
    form: &[(String, String)],
    with_csrf: bool,
) -> reqwest::Response {
    let c = client();
    let url = format!("{}{path}", app.base);
    let mut req = if method == "GET" {
        c.get(url).header(ACCEPT, "text/html")
    } else {
        let mut fields = form.to_vec();
        if with_csrf && let Some(s) = session {
            fields.push(("_csrf".into(), s.csrf.clone()));
        }
        c.post(url).form_urlencoded(&fields)
    };
    if let Some(s) = session {
        req = req.header(COOKIE, &s.cookie);
    }
    req.send().await.unwrap()
}

#[tokio::test]
async fn every_admin_route_checks_login_role_and_csrf() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let mut n = 0;
    let mut checked = 0;
    for role in Role::ALL {
        let s = login(&app.base, &format!("{}1", role.as_str()), PASSWORD).await;
        for rule in all_routes() {
            let (method, pattern, access) = (rule.method.as_str(), rule.path.as_str(), rule.access);
            if pattern == "/admin/logout" || pattern == "/admin/login" {
                continue;
            }
            n += 1;
            let (path, form) = sample(&app, method, pattern, n).await;
            let Access::Staff(needed) = access else {
                continue;
            };
            let resp = send(&app, method, &path, Some(&s), &form, true).await;
            let status = resp.status();
            if role >= needed {
                if method != "GET" {
                    // Without the token first: refused, nothing changes.
                    let no_token = send(&app, method, &path, Some(&s), &form, false).await;
                    assert_eq!(
                        no_token.status(),
                        StatusCode::FORBIDDEN,
                        "{method} {path} without CSRF token as {role:?}"
                    );
                }
                assert!(
                    status == StatusCode::OK || status == StatusCode::SEE_OTHER,
                    "{method} {path} as {role:?}: {status} {}",
                    resp.text().await.unwrap_or_default()
                );
            } else {
                assert_eq!(
                    status,
                    StatusCode::FORBIDDEN,
                    "{method} {path} as {role:?} needs {needed:?}"
                );
            }
            checked += 1;
        }
        // Logging out ends the session for good.
        let out = send(&app, "POST", "/admin/logout", Some(&s), &[], true).await;
        assert_eq!(out.status(), StatusCode::SEE_OTHER);
        let after = send(&app, "GET", "/admin", Some(&s), &[], true).await;
        assert_eq!(
            after.status(),
            StatusCode::SEE_OTHER,
            "session gone after logout"
        );
    }
    let staff_routes = all_routes()
        .iter()
        .filter(|r| r.access != Access::Public && r.path != "/admin/logout")
        .count();
    assert!(checked >= 3 * staff_routes, "checked {checked}");
    // Anonymous: page loads go to the login page, everything else gets 401.
    for rule in all_routes() {
        let (method, pattern) = (rule.method.as_str(), rule.path.as_str());
        if rule.access == Access::Public {
            continue;
        }
        let (path, form) = sample(&app, method, pattern, 0).await;
        let resp = send(&app, method, &path, None, &form, false).await;
        if method == "GET" {
            assert_eq!(resp.status(), StatusCode::SEE_OTHER, "anonymous {path}");
            let to = resp.headers()[LOCATION].to_str().unwrap().to_owned();
            assert!(to.starts_with("/admin/login?next="), "{to}");
        } else {
            assert_eq!(
                resp.status(),
                StatusCode::UNAUTHORIZED,
                "anonymous {method} {path}"
            );
        }
    }
    // Without Accept: text/html (a script), a GET is 401 too.
    let plain = client()
        .get(format!("{}/admin/titles", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_router_has_no_admin_route_outside_the_table() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "admin1", PASSWORD).await;
    // Every GET route of the table answers; an unknown path is a plain 404.
    let resp = send(&app, "GET", "/admin/nonexistent", Some(&s), &[], true).await;
    assert_eq!(resp.status(), StatusCode::NOT_FOUND);
    for rule in all_routes() {
        assert!(rule.path.starts_with("/admin"), "{}", rule.path);
        assert!(
            matches!(rule.method.as_str(), "GET" | "POST"),
            "{}",
            rule.method
        );
    }
}

/// The navigation is derived from the route list: for every role, the links
/// on the dashboard are exactly the [`page::NAV`] entries whose `GET` route
/// that role may use.
#[tokio::test]
async fn the_navigation_shows_exactly_the_sections_each_role_may_open() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let rules = all_routes();
    let links = scraper::Selector::parse("nav.main a").unwrap();
    for role in Role::ALL {
        let s = login(&app.base, &format!("{}1", role.as_str()), PASSWORD).await;
        let html = send(&app, "GET", "/admin", Some(&s), &[], true)
            .await
            .text()
            .await
            .unwrap();
        let shown: Vec<String> = scraper::Html::parse_document(&html)
            .select(&links)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        let may_open: Vec<&str> = page::NAV
            .iter()
            .map(|(href, _)| *href)
            .filter(|href| {
                let rule = rules
                    .iter()
                    .find(|r| r.method == reqwest::Method::GET && r.path == *href)
                    .unwrap_or_else(|| panic!("navigation link {href} has no GET route"));
                match rule.access {
                    Access::Public => true,
                    Access::Staff(needed) => role >= needed,
                }
            })
            .collect();
        assert_eq!(shown, may_open, "navigation of {role:?}");
        // And each link it shows opens.
        for href in &shown {
            let resp = send(&app, "GET", href, Some(&s), &[], true).await;
            assert_eq!(resp.status(), StatusCode::OK, "{href} as {role:?}");
        }
    }
}

#[tokio::test]
async fn login_failures_are_throttled_and_cookies_are_safe() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let c = client();
    let page = c
        .get(format!("{}/admin/login", app.base))
        .send()
        .await
        .unwrap();
    let set = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.starts_with("pustaka_login="), "{set}");
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Strict"), "{set}");
    assert!(set.contains("Path=/admin/login"), "{set}");
    assert!(!set.contains("Secure"), "plain http: no Secure flag: {set}");
    assert!(session_cookie(&page).is_none(), "no session before login");
    let cookie = set_cookies(&page).join("; ");
    let csrf = csrf_in(&page.text().await.unwrap());
    let attempt = |password: &'static str| {
        let c = c.clone();
        let (cookie, csrf, base) = (cookie.clone(), csrf.clone(), app.base.clone());
        async move {
            c.post(format!("{base}/admin/login"))
                .header(COOKIE, cookie)
                .form_urlencoded(&[
                    ("_csrf", csrf.as_str()),
                    ("username", "librarian1"),
                    ("password", password),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    for _ in 0..accounts::THROTTLE_MAX_FAILURES {
        let r = attempt("salah-sekali-kata-sandi").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert!(r.text().await.unwrap().contains("salah"));
    }
    // Now even the right password waits a backoff (seconds, not the window).
    let r = attempt(PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry: u64 = r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(
        (1..=accounts::BACKOFF_FIRST_SECS as u64 + 1).contains(&retry),
        "Retry-After in seconds, the first backoff: {retry}"
    );
    assert!(r.text().await.unwrap().contains("detik"));
    // Another account is not affected; the session cookie is safe.
    let ok = c
        .post(format!("{}/admin/login", app.base))
        .header(COOKIE, &cookie)
        .form_urlencoded(&[
            ("_csrf", csrf.as_str()),
            ("username", "admin1"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let set = ok
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with("pustaka_staff="))
        .expect("a session cookie at login")
        .to_owned();
    assert!(set.contains("HttpOnly"), "{set}");
    assert!(set.contains("SameSite=Lax"), "{set}");
    assert!(set.contains("Path=/admin"), "{set}");
    assert!(!set.contains("Secure"), "plain http: no Secure flag: {set}");
    // A login form without its CSRF token is refused.
    let r = c
        .post(format!("{}/admin/login", app.base))
        .header(COOKIE, &cookie)
        .form_urlencoded(&[("username", "admin1"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn sessions_live_in_the_database_so_a_second_server_accepts_them() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // A second server process on the same data dir (a replica) knows the session.
    let replica = TestServer::empty().data_dir(app.dir.path()).start().await;
    let base2 = replica.base_url();
    let resp = client()
        .get(format!("{base2}/admin/titles"))
        .header(COOKIE, &s.cookie)
        .header(ACCEPT, "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.text().await.unwrap().contains("librarian1"));
}

#[tokio::test]
async fn secure_cookie_when_served_over_https() {
    let app = spawn_app_with(false, |c| {
        c.public_url = Some("https://perpustakaan.example.id".into());
    })
    .await;
    let page = client()
        .get(format!("{}/admin/login", app.base))
        .send()
        .await
        .unwrap();
    let set = page.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(set.contains("Secure"), "{set}");
}

#[tokio::test]
async fn a_draft_stays_private_until_published_and_is_audited() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let (id, before): (i64, Option<String>) =
        sqlx::query_as("SELECT id, synopsis_id FROM titles ORDER BY id LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let api = |lang: &'static str| {
        let base = app.base.clone();
        async move {
            let v: serde_json::Value =
                reqwest::get(format!("{base}/api/v1/titles/{id}?lang={lang}"))
                    .await
                    .unwrap()
                    .json()
                    .await
                    .unwrap();
            v["synopsis"].as_str().map(str::to_owned)
        }
    };
    assert_eq!(api("id").await, before);
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let new_text = "Sinopsis baru yang ditulis pustakawan.";
    let form = vec![
        ("synopsis_id".to_owned(), new_text.to_owned()),
        ("synopsis_en".to_owned(), "A new synopsis.".to_owned()),
        ("ebook_url".to_owned(), String::new()),
        ("age_group".to_owned(), "children".to_owned()),
        ("cover".to_owned(), String::new()),
        ("trailer".to_owned(), String::new()),
    ];
    let path = format!("/admin/titles/{id}");
    let r = send(&app, "POST", &path, Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Saved as a draft: the public API still shows the old text.
    assert_eq!(api("id").await, before);
    let edit = send(&app, "GET", &path, Some(&s), &[], true).await;
    let html = edit.text().await.unwrap();
    assert!(html.contains(new_text), "the form shows the draft");
    // Bad input is refused with reasons and stores nothing.
    let mut bad = form.clone();
    bad[2].1 = "javascript:alert(1)".into();
    bad[4].1 = "0".repeat(64);
    let r = send(&app, "POST", &path, Some(&s), &bad, true).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("https://") && body.contains("pustaka media"),
        "{body}"
    );
    // Publish: now public, in both languages.
    let r = send(
        &app,
        "POST",
        &format!("{path}/publish"),
        Some(&s),
        &[],
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(api("id").await.as_deref(), Some(new_text));
    assert_eq!(api("en").await.as_deref(), Some("A new synopsis."));
    let (drafts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM drafts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(drafts, 0);
    let actions: Vec<(String, String, String)> =
        sqlx::query_as("SELECT username, action, target FROM audit_log ORDER BY id")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    let target = format!("title:{id}");
    for want in ["title.draft", "title.publish"] {
        assert!(
            actions
                .iter()
                .any(|(u, a, t)| u == "librarian1" && a == want && *t == target),
            "{want} missing from {actions:?}"
        );
    }
}

#[tokio::test]
async fn content_created_unpublished_is_not_public() {
    let app = spawn_app(true).await;
    let (id,): (i64,) = sqlx::query_as(
        "INSERT INTO titles (title, published) VALUES ('Buku Rahasia', 0) RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let r = app.get(&format!("/api/v1/titles/{id}")).await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let list: serde_json::Value = app
        .get("/api/v1/titles?q=Rahasia")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["total"], 0, "{list}");
}

#[test]
fn create_admin_reads_the_password_from_stdin_or_the_environment() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let dir = tempfile::tempdir().unwrap();
    let run = |name: &str, stdin: &str, env: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_pustaka-server"));
        cmd.args(["create-admin", "--username", name, "--data-dir"])
            .arg(dir.path())
            .env_remove("PUSTAKA_ADMIN_PASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(p) = env {
            cmd.env("PUSTAKA_ADMIN_PASSWORD", p);
        }
        let mut child = cmd.spawn().unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    };
    let ok = run("kepala", &format!("{PASSWORD}\n"), None);
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let ok = run("wakil", "", Some(PASSWORD));
    assert!(
        ok.status.success(),
        "{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    let short = run("pendek", "abc\n", None);
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 10"));
    let taken = run("kepala", &format!("{PASSWORD}\n"), None);
    assert!(!taken.status.success());
    assert!(String::from_utf8_lossy(&taken.stderr).contains("already taken"));
    // There is no password flag.
    let flag = Command::new(env!("CARGO_BIN_EXE_pustaka-server"))
        .args([
            "create-admin",
            "--username",
            "x",
            "--password",
            "y",
            "--data-dir",
        ])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(!flag.status.success());
}
