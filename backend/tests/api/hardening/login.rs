//! Logins: strangers cannot lock out the librarian, concurrent attempts
//! cannot pass the limit, a view of the login page stores nothing.

use std::net::IpAddr;

use pustaka_backend::admin::accounts;
use reqwest::StatusCode;
use reqwest::header::COOKIE;

use crate::admin::{FormExt, PASSWORD, client, set_cookies, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

/// A client that sends from one loopback address and keeps no cookies.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(IpAddr::from([127, 0, 0, last]))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One login attempt through the form from `c`, with `extra` cookies
/// (`name=value; ...`) besides the form's own.
async fn attempt(
    app: &TestApp,
    c: &reqwest::Client,
    extra: &str,
    user: &str,
    password: &str,
) -> reqwest::Response {
    let page = c
        .get(format!("{}/admin/login", app.base))
        .send()
        .await
        .unwrap();
    let mut cookies = set_cookies(&page);
    if !extra.is_empty() {
        cookies.push(extra.to_owned());
    }
    let csrf = crate::admin::csrf_in(&page.text().await.unwrap());
    c.post(format!("{}/admin/login", app.base))
        .header(COOKIE, cookies.join("; "))
        .form_urlencoded(&[
            ("_csrf", csrf.as_str()),
            ("username", user),
            ("password", password),
        ])
        .send()
        .await
        .unwrap()
}

fn device_cookie(resp: &reqwest::Response) -> String {
    set_cookies(resp)
        .into_iter()
        .find(|c| c.starts_with("pustaka_device="))
        .expect("a trusted-device cookie at login")
}

#[tokio::test]
async fn strangers_cannot_lock_out_the_librarian() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    // The librarian's own browser has logged in before.
    let desk = client_from(1);
    let first = attempt(&app, &desk, "", "librarian1", PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let device = device_cookie(&first);
    // A stranger guesses the librarian's password until refused.
    let stranger = client_from(2);
    for _ in 0..accounts::THROTTLE_MAX_FAILURES {
        let r = attempt(&app, &stranger, "", "librarian1", "tebak-tebakan-saja").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&app, &stranger, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // A new browser elsewhere waits too, but the librarian's own gets in.
    let r = attempt(&app, &client_from(3), "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = attempt(&app, &desk, &device, "librarian1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the trusted device gets in"
    );
    // A device cookie of another account or a made-up one does not help.
    let fake = format!("pustaka_device={}", "ab".repeat(32));
    let r = attempt(&app, &client_from(3), &fake, "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // One address guessing many names is stopped by its address.
    let sprayer = client_from(4);
    for i in 0..accounts::THROTTLE_MAX_FAILURES_PER_ADDRESS {
        let r = attempt(&app, &sprayer, "", &format!("nama{i}"), "tebak-tebakan").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&app, &sprayer, "", "admin1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // Names that cannot exist are not stored; stored names are short.
    let r = attempt(&app, &client_from(5), "", &"x".repeat(5000), "salah-sekali").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let longest: i64 = sqlx::query_scalar("SELECT MAX(length(username)) FROM login_failures")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(longest <= 32, "{longest}");
}

#[tokio::test]
async fn concurrent_attempts_cannot_pass_the_limit() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let tries = (0..12u8).map(|i| {
        let app = &app;
        async move {
            attempt(app, &client_from(20 + i), "", "admin1", "salah-salah-salah")
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (checked, refused),
        (accounts::THROTTLE_MAX_FAILURES as usize, 12 - 5),
        "{statuses:?}"
    );
}

#[tokio::test]
async fn a_view_of_the_login_page_stores_no_session() {
    let app = spawn_app(false).await;
    for _ in 0..20 {
        let r = client()
            .get(format!("{}/admin/login", app.base))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert!(
            !set_cookies(&r)
                .iter()
                .any(|c| c.starts_with("pustaka_staff=")),
            "no session cookie"
        );
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0);
}
