//! The back office a librarian can trust, over real HTTP on a real SQLite
//! file: Publish sends what was typed, discarding asks first, a catalogue
//! re-import keeps what librarians wrote, and delete / unpublish / archive
//! leave nothing served that should be gone.

use reqwest::StatusCode;
use serde_json::Value;

use crate::admin::{PASSWORD, StaffSession, fields, first_id, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

async fn post(
    app: &TestApp,
    s: &StaffSession,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    send(app, "POST", path, Some(s), form, true).await
}

async fn get_page(app: &TestApp, s: &StaffSession, path: &str) -> (StatusCode, String) {
    let r = send(app, "GET", path, Some(s), &[], true).await;
    let status = r.status();
    (status, r.text().await.unwrap_or_default())
}

async fn json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app.get(path).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn title_form(synopsis_id: &str, ebook: &str) -> Vec<(String, String)> {
    fields(&[
        ("synopsis_id", synopsis_id),
        ("synopsis_en", ""),
        ("ebook_url", ebook),
        ("age_group", "children"),
        ("cover", ""),
        ("trailer", ""),
    ])
}

#[tokio::test]
async fn publish_sends_the_typed_text_and_a_problem_keeps_it() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let id = first_id(&app, "SELECT id FROM titles ORDER BY id LIMIT 1").await;
    let path = format!("/admin/titles/{id}");

    // The edit page's Publish button is part of the edit form.
    let (status, page) = get_page(&app, &s, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&format!("formaction=\"{path}/publish\"")),
        "Publish does not send the edit form"
    );
    assert!(
        page.contains("/admin/keep.js"),
        "the typing guard is not loaded"
    );

    // Typed, never saved, Publish pressed at once: the typed text is public.
    let typed = "Sinopsis yang diketik lalu langsung diterbitkan.";
    let r = post(&app, &s, &format!("{path}/publish"), &title_form(typed, "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, live) = json(&app, &format!("/api/v1/titles/{id}")).await;
    assert_eq!(live["synopsis"].as_str(), Some(typed), "{live}");
    assert_eq!(
        first_id(
            &app,
            &format!(
                "SELECT COUNT(*) FROM drafts WHERE target_kind = 'title' AND target_id = {id}"
            )
        )
        .await,
        0,
        "the draft stays after publishing"
    );

    // A problem in what was typed: nothing is published, the page shows the
    // typed text again with the problem.
    let second = "Teks kedua yang belum boleh terbit.";
    let r = post(
        &app,
        &s,
        &format!("{path}/publish"),
        &title_form(second, "bukan-tautan"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains(second),
        "the typed text is gone from the page"
    );
    assert!(
        body.contains("data-unsaved"),
        "the guard does not know the text is unsaved"
    );
    let (_, live) = json(&app, &format!("/api/v1/titles/{id}")).await;
    assert_eq!(live["synopsis"].as_str(), Some(typed), "{live}");

    // A bare publish (no fields) still publishes the saved draft.
    let draft = "Draf tersimpan yang diterbitkan dari tombol bawah.";
    let r = post(&app, &s, &path, &title_form(draft, "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, live) = json(&app, &format!("/api/v1/titles/{id}")).await;
    assert_eq!(live["synopsis"].as_str(), Some(draft), "{live}");
}

#[tokio::test]
async fn discarding_a_draft_asks_first() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let id = first_id(&app, "SELECT id FROM titles ORDER BY id LIMIT 1").await;
    let path = format!("/admin/titles/{id}");
    let draft = "Draf yang nanti dibuang.";
    let r = post(&app, &s, &path, &title_form(draft, "")).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The edit page links to a confirmation page; it changes nothing.
    let (_, page) = get_page(&app, &s, &path).await;
    assert!(
        page.contains(&format!("href=\"{path}/discard\"")),
        "no discard link"
    );
    let (status, confirm) = get_page(&app, &s, &format!("{path}/discard")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(confirm.contains("Buang draf"), "{confirm}");
    assert!(
        confirm.contains(&format!("action=\"{path}/discard\"")),
        "the confirmation has no button that discards"
    );
    let (_, page) = get_page(&app, &s, &path).await;
    assert!(
        page.contains(draft),
        "looking at the confirmation dropped the draft"
    );

    // Confirmed: the draft is gone, with an audit record.
    let r = post(&app, &s, &format!("{path}/discard"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, page) = get_page(&app, &s, &path).await;
    assert!(!page.contains(draft));
    let audited = first_id(
        &app,
        &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'title.discard' AND target = 'title:{id}'"),
    )
    .await;
    assert_eq!(audited, 1);
    // Without a draft the confirmation page leads back to the edit page.
    let r = send(&app, "GET", &format!("{path}/discard"), Some(&s), &[], true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_typing_guard_is_served_as_a_script() {
    let app = spawn_app(false).await;
    let r = app.get("/admin/keep.js").await;
    assert_eq!(r.status(), StatusCode::OK);
    let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(ct.starts_with("text/javascript"), "{ct}");
    let body = r.text().await.unwrap();
    assert!(
        body.contains("beforeunload"),
        "the guard does not ask before leaving"
    );
}
