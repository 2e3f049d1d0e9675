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

/// The `Retry-After` of a 429, seconds.
fn retry_after(r: &reqwest::Response) -> u64 {
    r.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
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
    // A stranger guesses the librarian's password until slowed down.
    let stranger = client_from(2);
    for _ in 0..accounts::THROTTLE_MAX_FAILURES {
        let r = attempt(&app, &stranger, "", "librarian1", "tebak-tebakan-saja").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&app, &stranger, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The librarian's own browser is not slowed at all.
    let r = attempt(&app, &desk, &device, "librarian1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "the trusted device gets in"
    );
    // Each login hands the browser a fresh token (the old one is spent).
    let device = device_cookie(&r);
    // The stranger's own address now waits a backoff: seconds, not the window.
    let r = attempt(&app, &stranger, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait = retry_after(&r);
    assert!(
        (1..=accounts::BACKOFF_FIRST_SECS as u64 + 1).contains(&wait),
        "the first backoff, not a lockout: {wait} s"
    );
    assert!(r.text().await.unwrap().contains("detik"), "says seconds");
    // A device cookie of another account or a made-up one does not help there.
    let fake = format!("pustaka_device={}", "ab".repeat(32));
    let r = attempt(&app, &stranger, &fake, "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The librarian's new browser at another address is checked at once:
    // strangers keeping the backoff busy cannot keep it out.
    let elsewhere = client_from(3);
    let r = attempt(&app, &elsewhere, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "a clean address gets in");
    // After the wait even the stranger's address is checked again.
    tokio::time::sleep(std::time::Duration::from_secs(wait)).await;
    let r = attempt(&app, &stranger, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "in after {wait} s");
    // One address guessing many names is stopped by its address...
    let sprayer = client_from(4);
    for i in 0..accounts::THROTTLE_MAX_FAILURES_PER_ADDRESS {
        let r = attempt(&app, &sprayer, "", &format!("nama{i}"), "tebak-tebakan").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&app, &sprayer, "", "admin1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(retry_after(&r) > 60, "the address waits out the window");
    // ...but a librarian's trusted browser behind the same address (the
    // library's one public address) still gets in.
    let r = attempt(&app, &sprayer, &device, "librarian1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "trusted device, shared address"
    );
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
async fn backoff_doubles_to_its_cap_and_a_trusted_device_has_its_own_limit() {
    for (failures, wait) in [
        (0, 0),
        (4, 0),
        (5, 2),
        (6, 4),
        (7, 8),
        (9, 32),
        (10, 60),
        (99, 60),
    ] {
        assert_eq!(accounts::name_backoff_secs(failures), wait, "{failures}");
    }
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let desk = client_from(1);
    let first = attempt(&app, &desk, "", "librarian1", PASSWORD).await;
    let device = device_cookie(&first);
    // The trusted browser's own typos count for it alone.
    for _ in 0..accounts::THROTTLE_MAX_FAILURES {
        let r = attempt(&app, &desk, &device, "librarian1", "salah-ketik-lagi").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = attempt(&app, &desk, &device, "librarian1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "a stolen cookie gets 5 guesses"
    );
    // They did not slow the name down for other browsers.
    let r = attempt(&app, &client_from(6), "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_admin_unblocks_a_librarian_from_the_staff_page() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    // A stranger behind the library's one public address guesses until
    // that address is refused; the librarian at the desk, on a new browser
    // behind the same address, is refused with it.
    let shared = client_from(2);
    for _ in 0..accounts::THROTTLE_MAX_FAILURES_PER_ADDRESS {
        attempt(&app, &shared, "", "librarian1", "tebak-tebakan-saja").await;
    }
    let r = attempt(&app, &shared, "", "librarian1", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    // The admin sees the failures and clears them.
    let admin = crate::admin::login(&app.base, "admin1", PASSWORD).await;
    let page = crate::admin::send(&app, "GET", "/admin/staff", Some(&admin), &[], true).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("kali gagal masuk"), "the count is shown");
    let id: i64 = sqlx::query_scalar("SELECT id FROM staff_users WHERE username = 'librarian1'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let unblock = format!("/admin/staff/{id}/unblock");
    assert!(html.contains(&unblock), "an unblock button");
    let r = crate::admin::send(&app, "POST", &unblock, Some(&admin), &[], true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = attempt(&app, &client_from(3), "", "librarian1", PASSWORD).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "in at once after the unblock"
    );
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'staff.unblock'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(audited, 1);
    // Only an admin may unblock.
    let volunteer = crate::admin::login(&app.base, "volunteer1", PASSWORD).await;
    let r = crate::admin::send(&app, "POST", &unblock, Some(&volunteer), &[], true).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

/// Fires `n` login attempts at `name` at once, from `from(i)`; returns
/// (checked: 401, refused: 429).
async fn burst(app: &TestApp, n: u8, from: impl Fn(u8) -> u8, name: &str) -> (usize, usize) {
    let tries = (0..n).map(|i| {
        let c = client_from(from(i));
        async move {
            attempt(app, &c, "", name, "salah-salah-salah")
                .await
                .status()
        }
    });
    let statuses = futures_util::future::join_all(tries).await;
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    assert_eq!(
        count(StatusCode::UNAUTHORIZED) + count(StatusCode::TOO_MANY_REQUESTS),
        usize::from(n),
        "{statuses:?}"
    );
    (
        count(StatusCode::UNAUTHORIZED),
        count(StatusCode::TOO_MANY_REQUESTS),
    )
}

#[tokio::test]
async fn concurrent_attempts_cannot_pass_the_limit() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    // One address, a burst at one name: the name's limit, then its backoff.
    assert_eq!(
        burst(&app, 12, |_| 20, "admin1").await,
        (accounts::THROTTLE_MAX_FAILURES as usize, 12 - 5)
    );
    // Many clean addresses: checked until the name's hard cap, never past it.
    for i in 0..accounts::NAME_MAX_FAILURES - 6 {
        sqlx::query(
            "INSERT INTO login_failures (username, address, failed_at) VALUES ('librarian1', ?, ?)",
        )
        .bind(format!("10.0.{}.{}", i / 200, i % 200))
        .bind(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true))
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    assert_eq!(
        burst(&app, 12, |i| 40 + i, "librarian1").await,
        (6, 12 - 6),
        "exactly up to the cap of {}",
        accounts::NAME_MAX_FAILURES
    );
}

#[tokio::test]
async fn the_hashing_line_keeps_a_slot_for_staff_and_refuses_a_long_queue() {
    use accounts::{HashLane, HashingLine};
    let line = std::sync::Arc::new(HashingLine::new(1, 2));
    let held = line.enter(HashLane::Open).await.expect("the free slot");
    // Two strangers wait; a third is told "busy" at once.
    let waiters: Vec<_> = (0..2)
        .map(|_| {
            let line = line.clone();
            tokio::spawn(async move { line.enter(HashLane::Open).await.is_some() })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    assert!(
        line.enter(HashLane::Open).await.is_none(),
        "a full queue refuses"
    );
    // Staff do not wait behind them.
    let staff = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        line.enter(HashLane::Staff),
    )
    .await;
    assert!(matches!(staff, Ok(Some(_))), "the staff lane is free");
    drop(held);
    for w in waiters {
        assert!(w.await.unwrap(), "the waiters get their turn");
    }
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
