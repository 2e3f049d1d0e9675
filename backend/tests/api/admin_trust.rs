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

/// A SLiMS-style CSV of two titles (valid ISBN-13s), with the synopses and
/// call number given.
fn catalogue_csv(syn_a: &str, syn_b: &str, call_b: &str) -> Vec<u8> {
    format!(
        "title,isbn_issn,call_number,authors,notes\n\
         Kancil dan Buaya,9789793062792,899.221 KAN k,Sutan Iskandar,{syn_a}\n\
         Laskar Pelangi,9780596009304,{call_b},Andrea Hirata,{syn_b}\n"
    )
    .into_bytes()
}

async fn import_csv(app: &TestApp, s: &StaffSession, csv: &[u8]) -> String {
    use crate::admin_ops::{multipart, post_multipart};
    let body = multipart(&[], Some(("katalog.csv", "text/csv", csv)));
    let r = post_multipart(app, s, "/admin/import", body).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

async fn synopsis_of(app: &TestApp, isbn: &str) -> (i64, Option<String>) {
    sqlx::query_as("SELECT id, synopsis_id FROM titles WHERE isbn13 = ?")
        .bind(isbn)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reimport_keeps_what_a_librarian_published_and_says_so() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    import_csv(
        &app,
        &s,
        &catalogue_csv("Sinopsis impor A1.", "Sinopsis impor B1.", "899.221 HIR l"),
    )
    .await;
    let (a, syn) = synopsis_of(&app, "9789793062792").await;
    assert_eq!(syn.as_deref(), Some("Sinopsis impor A1."));

    // A librarian writes and publishes A's synopsis.
    let mine = "Sinopsis tulisan pustakawan untuk Kancil.";
    let r = post(
        &app,
        &s,
        &format!("/admin/titles/{a}/publish"),
        &title_form(mine, ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The catalogue changes both records; the re-import keeps the librarian's
    // synopsis and updates the untouched imported one.
    let html = import_csv(
        &app,
        &s,
        &catalogue_csv("Sinopsis impor A2.", "Sinopsis impor B2.", "899.221 HIR la"),
    )
    .await;
    let (_, syn_a) = synopsis_of(&app, "9789793062792").await;
    assert_eq!(
        syn_a.as_deref(),
        Some(mine),
        "the re-import overwrote a librarian's synopsis"
    );
    let (b, syn_b) = synopsis_of(&app, "9780596009304").await;
    assert_eq!(
        syn_b.as_deref(),
        Some("Sinopsis impor B2."),
        "an imported synopsis was not updated"
    );
    let (_, live) = json(&app, &format!("/api/v1/titles/{a}")).await;
    assert_eq!(live["synopsis"].as_str(), Some(mine), "{live}");

    // The report says per title what changed and what was kept, and why.
    let doc = scraper::Html::parse_document(&html);
    let rows = scraper::Selector::parse("table[aria-labelledby=report-titles] tbody tr").unwrap();
    let text_of = |id: i64| {
        doc.select(&rows)
            .find(|r| r.inner_html().contains(&format!("/admin/titles/{id}\"")))
            .map(|r| r.text().collect::<String>())
            .unwrap_or_else(|| panic!("the report has no row for title {id}: {html}"))
    };
    let row_a = text_of(a);
    assert!(row_a.contains("Kancil dan Buaya"), "{row_a}");
    assert!(
        row_a.contains("Sinopsis (Bahasa Indonesia)")
            && row_a.contains("ditulis atau diterbitkan pustakawan"),
        "the report does not say the synopsis was kept and why: {row_a}"
    );
    let row_b = text_of(b);
    assert!(
        row_b.contains("Sinopsis (Bahasa Indonesia)") && row_b.contains("Nomor panggil"),
        "the report does not say what changed: {row_b}"
    );
    assert!(!row_b.contains("ditulis atau diterbitkan"), "{row_b}");

    // The same file again: B is unchanged and not listed; A's synopsis is
    // still the librarian's and the report still says it was kept.
    let html = import_csv(
        &app,
        &s,
        &catalogue_csv("Sinopsis impor A2.", "Sinopsis impor B2.", "899.221 HIR la"),
    )
    .await;
    assert!(
        !html.contains(&format!("/admin/titles/{b}\"")),
        "an unchanged title was reported"
    );
    assert!(html.contains(&format!("/admin/titles/{a}\"")));
    let (_, syn_a) = synopsis_of(&app, "9789793062792").await;
    assert_eq!(syn_a.as_deref(), Some(mine));
}
