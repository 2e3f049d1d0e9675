//! The harness's back-office helpers (`submit_login`, `login`, `links_under`)
//! against a stand-in login page, so they are known to work before the real
//! `/admin` pages land: the admin flow test then only has to point them there.

use axum::Form;
use axum::Router;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use pustaka_browser_tests::Browser;
use serde::Deserialize;

const USER: &str = "pustakawan";
const PASSWORD: &str = "rahasia-yang-panjang";

fn page(title: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"id\"><head><meta charset=\"utf-8\">\
         <title>{title}</title></head><body><main><h1>{title}</h1>{body}</main></body></html>"
    ))
}

fn login_form(error: &str) -> Html<String> {
    page(
        "Masuk",
        &format!(
            "{error}<form method=\"post\" action=\"/admin/login\">\
             <label for=\"u\">Nama pengguna</label> <input id=\"u\" name=\"username\" autocomplete=\"username\">\
             <label for=\"p\">Kata sandi</label> <input id=\"p\" name=\"password\" type=\"password\">\
             <button type=\"submit\">Masuk</button></form>"
        ),
    )
}

#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

async fn post_login(Form(c): Form<Credentials>) -> Response {
    if c.username == USER && c.password == PASSWORD {
        Redirect::to("/admin").into_response()
    } else {
        login_form("<p role=\"alert\">Nama pengguna atau kata sandi salah.</p>").into_response()
    }
}

async fn dashboard() -> Html<String> {
    page(
        "Dasbor",
        "<nav aria-label=\"Menu\"><a href=\"/admin/titles\">Judul</a> \
         <a href=\"/admin/events#minggu-ini\">Acara</a> <a href=\"/admin/titles\">Judul lagi</a> \
         <a href=\"/m/BK0001\">Halaman publik</a> <a href=\"https://example.org/admin/x\">Luar</a></nav>",
    )
}

async fn spawn_stand_in() -> String {
    let app = Router::new()
        .route(
            "/admin/login",
            get(|| async { login_form("") }).post(post_login),
        )
        .route("/admin", get(dashboard));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn login_helpers_drive_a_login_form() {
    let Some(browser) = Browser::start("login helpers").await else {
        return;
    };
    let base = spawn_stand_in().await;
    let login_url = format!("{base}/admin/login");

    browser.goto(&login_url).await;
    browser.screenshot("stand-in-login").await;
    browser.assert_accessible("stand-in login").await;

    // A wrong password stays on the form and says so.
    browser.submit_login(&login_url, USER, "salah").await;
    browser
        .client()
        .wait()
        .for_element(pustaka_browser_tests::fantoccini::Locator::Css(
            "[role=alert]",
        ))
        .await
        .expect("an error message");
    assert_eq!(browser.current_path().await, "/admin/login");
    assert!(browser.text("[role=alert]").await.contains("salah"));

    // The right one lands on the dashboard.
    let landed = browser.login(&login_url, USER, PASSWORD).await;
    assert_eq!(landed, "/admin");
    assert_eq!(browser.text("h1").await, "Dasbor");
    browser.screenshot("stand-in-dashboard").await;
    browser.assert_accessible("stand-in dashboard").await;

    // Same-origin links under the prefix, once each, without fragments.
    assert_eq!(
        browser.links_under("/admin/").await,
        ["/admin/titles", "/admin/events"]
    );
    browser.close().await;
}
