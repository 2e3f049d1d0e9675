//! The back office a librarian can trust, over real HTTP on a real SQLite
//! file: Publish sends what was typed, discarding asks first, a catalogue
//! re-import keeps what librarians wrote, and delete / unpublish / archive
//! leave nothing served that should be gone.

use reqwest::StatusCode;
use serde_json::Value;

use crate::admin::{PASSWORD, Sample, StaffSession, fields, first_id, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

/// Samples for the delete and unpublish routes (see `admin::sample`): each
/// delete acts on an item made for it (nothing uses it, so it may go), so the
/// other samples keep their items.
pub async fn sample(app: &TestApp, method: &str, pattern: &str, n: usize) -> Option<Sample> {
    let db = &app.state.db;
    let fresh = |sql: &'static str| async move {
        let id: i64 = sqlx::query_scalar(sql).fetch_one(db).await.unwrap();
        id
    };
    let path = match pattern {
        p if p.ends_with("/unpublish") || p.ends_with("/archive") => {
            let section = p.split('/').nth(2)?;
            let id = first_id(
                app,
                &format!("SELECT id FROM {section} ORDER BY id LIMIT 1"),
            )
            .await;
            p.replace("{id}", &id.to_string())
        }
        p if p.ends_with("/{id}/delete") => {
            let id = match p.split('/').nth(2)? {
                "titles" => fresh("INSERT INTO titles (title) VALUES ('Judul untuk dihapus') RETURNING id").await,
                "shelves" => fresh("INSERT INTO shelves (name_id) VALUES ('Rak untuk dihapus') RETURNING id").await,
                "events" => {
                    fresh("INSERT INTO events (title_id, starts_at, ends_at, place) VALUES ('Acara untuk dihapus', '', '', '') RETURNING id").await
                }
                "tours" => fresh("INSERT INTO tours (name_id) VALUES ('Tur untuk dihapus') RETURNING id").await,
                _ => return None,
            };
            p.replace("{id}", &id.to_string())
        }
        "/admin/markers/{code}/delete" => {
            let code = format!("ZD{n:04}");
            sqlx::query(
                "INSERT OR IGNORE INTO markers (code, target_kind, target_id, label, active)
                 VALUES (?, 'title', 1, 'Kode untuk dihapus', 0)",
            )
            .bind(&code)
            .execute(db)
            .await
            .unwrap();
            format!("/admin/markers/{code}/delete")
        }
        "/admin/media/{sha256}/delete" => {
            let sha = format!("{n:064x}");
            sqlx::query(
                "INSERT OR IGNORE INTO media_assets (sha256, ext, mime, kind, size_bytes)
                 VALUES (?, 'png', 'image/png', 'image', 1)",
            )
            .bind(&sha)
            .execute(db)
            .await
            .unwrap();
            format!("/admin/media/{sha}/delete")
        }
        _ => return None,
    };
    let _ = method;
    Some((path, Vec::new()))
}

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

async fn count(app: &TestApp, sql: &str) -> i64 {
    first_id(app, sql).await
}

fn location(r: &reqwest::Response) -> String {
    r.headers()["location"].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_shelf_is_unpublished_then_deleted_once_no_code_points_at_it() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let r = post(
        &app,
        &s,
        "/admin/shelves",
        &fields(&[("name_id", "Rak Sementara")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = location(&r);
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let form = fields(&[
        ("name_id", "Rak Sementara"),
        ("name_en", "Temporary Shelf"),
        ("class_range", "500-599"),
        ("location", "Lantai 2"),
        ("description_id", "Rak untuk pameran."),
        ("description_en", ""),
        ("featured", ""),
    ]);
    let r = post(&app, &s, &format!("{path}/publish"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::OK
    );

    // Unpublish: hidden at once, content kept, audited.
    let r = post(&app, &s, &format!("{path}/unpublish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM shelves WHERE id = {id}")
        )
        .await,
        1
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'shelf.unpublish' AND target = 'shelf:{id}'")
        )
        .await,
        1
    );

    // A code points at it: deleting is refused, naming the code.
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[
            ("target", &format!("shelf:{id}")),
            ("label", "Rak pameran"),
            ("size_mm", "60"),
        ]),
    )
    .await;
    let code = location(&r).rsplit('/').next().unwrap().to_owned();
    let (status, page) = get_page(&app, &s, &format!("{path}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&code) && page.contains("Rak pameran"),
        "{page}"
    );
    assert!(
        !page.contains(&format!("action=\"{path}/delete\"")),
        "a refused delete offers its button"
    );
    let r = post(&app, &s, &format!("{path}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM shelves WHERE id = {id}")
        )
        .await,
        1
    );

    // The code itself: active → refused naming what it opens; deactivated → deleted.
    let mpath = format!("/admin/markers/{code}");
    let (status, page) = get_page(&app, &s, &format!("{mpath}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("Rak Sementara"),
        "the refusal does not say what the code opens: {page}"
    );
    assert!(
        !page.contains(&format!("action=\"{mpath}/delete\"")),
        "a refused delete offers its button"
    );
    let r = post(&app, &s, &format!("{mpath}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = post(
        &app,
        &s,
        &format!("{mpath}/active"),
        &fields(&[("active", "0")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, page) = get_page(&app, &s, &format!("{mpath}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("action=\"{mpath}/delete\"")));
    let r = post(&app, &s, &format!("{mpath}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM markers WHERE code = '{code}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'marker.delete' AND target = 'marker:{code}'")
        )
        .await,
        1
    );

    // Now the shelf: a confirmation page first, then gone, audited.
    let (status, page) = get_page(&app, &s, &format!("{path}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("Hapus «Rak Sementara»?"), "{page}");
    let r = post(&app, &s, &format!("{path}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/admin/shelves");
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM shelves WHERE id = {id}")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'shelf.delete' AND target = 'shelf:{id}'")
        )
        .await,
        1
    );
    let (status, _) = get_page(&app, &s, &path).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_deleted_tour_takes_its_stops_along() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "volunteer1", PASSWORD).await;
    let r = post(
        &app,
        &s,
        "/admin/tours",
        &fields(&[("name_id", "Tur Singkat")]),
    )
    .await;
    let path = location(&r);
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let r = post(
        &app,
        &s,
        &format!("{path}/stops"),
        &fields(&[("clue_id", "Cari rak biru")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM tour_stops WHERE tour_id = {id}")
        )
        .await,
        1
    );
    let r = post(&app, &s, &format!("{path}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM tour_stops WHERE tour_id = {id}")
        )
        .await,
        0
    );
    assert_eq!(
        json(&app, &format!("/api/v1/tours/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_picture_in_use_is_refused_and_a_deleted_one_stops_being_served_at_once() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // A demo cover used by exactly one title.
    let (sha, ext, title): (String, String, i64) = sqlx::query_as(
        "SELECT c.sha256, a.ext, c.target_id FROM content_media c JOIN media_assets a ON a.sha256 = c.sha256
          WHERE c.target_kind = 'title' AND c.role = 'cover'
            AND (SELECT COUNT(*) FROM content_media x WHERE x.sha256 = c.sha256) = 1
          ORDER BY c.target_id LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let file = format!("/media/{sha}.{ext}");
    // Served (and so in the hot cache) before the delete.
    assert_eq!(app.get(&file).await.status(), StatusCode::OK);
    let renditions: Vec<(String, String)> = sqlx::query_as(
        "SELECT p.sha256, p.ext FROM media_renditions r JOIN media_assets p ON p.sha256 = r.sha256
          WHERE r.source_sha256 = ?",
    )
    .bind(&sha)
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    let title_name: String = sqlx::query_scalar("SELECT title FROM titles WHERE id = ?")
        .bind(title)
        .fetch_one(&app.state.db)
        .await
        .unwrap();

    // Still attached: refused, the title named, nothing gone.
    let mpath = format!("/admin/media/{sha}");
    let (status, page) = get_page(&app, &s, &format!("{mpath}/delete")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains(&title_name),
        "the refusal does not name the title: {page}"
    );
    assert!(
        !page.contains(&format!("action=\"{mpath}/delete\"")),
        "a refused delete offers its button"
    );
    let r = post(&app, &s, &format!("{mpath}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(app.get(&file).await.status(), StatusCode::OK);

    // Detached in a draft only: the draft still names it, so still refused.
    let tpath = format!("/admin/titles/{title}");
    let (_, live) = json(&app, &format!("/api/v1/titles/{title}")).await;
    let synopsis = live["synopsis"].as_str().unwrap_or("").to_owned();
    let mut form = title_form(&synopsis, "");
    form.retain(|(k, _)| k != "cover");
    form.push(("cover".into(), sha.clone()));
    let r = post(&app, &s, &tpath, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Publishing without the cover detaches it everywhere.
    let r = post(
        &app,
        &s,
        &format!("{tpath}/publish"),
        &title_form(&synopsis, ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let (status, page) = get_page(&app, &s, &format!("{mpath}/delete")).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let r = post(&app, &s, &format!("{mpath}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get(&file).await.status(),
        StatusCode::NOT_FOUND,
        "a deleted file is still served"
    );
    for (r, e) in &renditions {
        assert_eq!(
            app.get(&format!("/media/{r}.{e}")).await.status(),
            StatusCode::NOT_FOUND,
            "a deleted file's thumbnail is still served"
        );
    }
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM media_assets WHERE sha256 = '{sha}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'media.delete' AND target = 'media:{sha}'")
        )
        .await,
        1
    );
}

fn event_form(starts: &str, ends: &str) -> Vec<(String, String)> {
    fields(&[
        ("title_id", "Dongeng Kemarin"),
        ("title_en", ""),
        ("description_id", "Mendongeng."),
        ("description_en", ""),
        ("starts", starts),
        ("ends", ends),
        ("place", "Ruang Anak"),
        ("audience_id", ""),
        ("audience_en", ""),
        ("registration_url", ""),
        ("poster", ""),
        ("promo", ""),
    ])
}

#[tokio::test]
async fn a_past_event_says_so_and_leaves_the_calendar_feed() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "volunteer1", PASSWORD).await;
    // A new event starts with empty date fields and cannot be published so.
    let r = post(
        &app,
        &s,
        "/admin/events",
        &fields(&[("title_id", "Dongeng Kemarin")]),
    )
    .await;
    let path = location(&r);
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    let (_, page) = get_page(&app, &s, &path).await;
    let doc = scraper::Html::parse_document(&page);
    for name in ["starts", "ends"] {
        let sel = scraper::Selector::parse(&format!("input[name={name}]")).unwrap();
        let input = doc
            .select(&sel)
            .next()
            .unwrap_or_else(|| panic!("no {name} field"));
        assert_eq!(
            input.value().attr("value").unwrap_or(""),
            "",
            "a guessed {name} time"
        );
    }
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);

    // Published with times in the past: marked over everywhere.
    let r = post(
        &app,
        &s,
        &format!("{path}/publish"),
        &event_form("2024-01-06T09:00", "2024-01-06T10:00"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, ev) = json(&app, &format!("/api/v1/events/{id}")).await;
    assert_eq!(ev["over"], Value::Bool(true), "{ev}");
    let lib = login(&app.base, "librarian1", PASSWORD).await;
    let r = post(
        &app,
        &lib,
        "/admin/markers",
        &fields(&[
            ("target", &format!("event:{id}")),
            ("label", "Poster"),
            ("size_mm", "60"),
        ]),
    )
    .await;
    let code = location(&r).rsplit('/').next().unwrap().to_owned();
    let (_, overlay) = json(&app, &format!("/api/v1/markers/{code}")).await;
    assert_eq!(overlay["event_over"], Value::Bool(true), "{overlay}");
    assert!(
        overlay["subtitle"]
            .as_str()
            .unwrap_or("")
            .starts_with("Acara sudah lewat"),
        "{overlay}"
    );
    let (_, overlay_en) = json(&app, &format!("/api/v1/markers/{code}?lang=en")).await;
    assert!(
        overlay_en["subtitle"]
            .as_str()
            .unwrap_or("")
            .starts_with("This event is over"),
        "{overlay_en}"
    );
    let page = app.get(&format!("/m/{code}")).await.text().await.unwrap();
    assert!(
        page.contains("Acara sudah lewat"),
        "the event page does not say it is over"
    );
    let feed = app.get("/events.ics").await.text().await.unwrap();
    assert!(
        !feed.contains("Dongeng Kemarin"),
        "a past event is still in the feed"
    );
    let (_, admin_page) = get_page(&app, &s, &path).await;
    assert!(
        admin_page.contains("Acara sudah lewat"),
        "the back office does not mark the event as over"
    );

    // An upcoming one is in the feed and not over.
    let r = post(
        &app,
        &s,
        "/admin/events",
        &fields(&[("title_id", "Dongeng Besok")]),
    )
    .await;
    let next = location(&r);
    let mut form = event_form("2099-01-06T09:00", "2099-01-06T10:00");
    form[0].1 = "Dongeng Besok".into();
    let r = post(&app, &s, &format!("{next}/publish"), &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let next_id: i64 = next.rsplit('/').next().unwrap().parse().unwrap();
    let (_, ev) = json(&app, &format!("/api/v1/events/{next_id}")).await;
    assert_eq!(ev["over"], Value::Bool(false), "{ev}");
    let feed = app.get("/events.ics").await.text().await.unwrap();
    assert!(
        feed.contains("Dongeng Besok"),
        "an upcoming event is missing from the feed"
    );
}

#[tokio::test]
async fn an_archived_shelf_is_hidden_listed_last_and_comes_back_on_publish() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let id = first_id(
        &app,
        "SELECT id FROM shelves WHERE published = 1 ORDER BY id LIMIT 1",
    )
    .await;
    let name: String = sqlx::query_scalar("SELECT name_id FROM shelves WHERE id = ?")
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let path = format!("/admin/shelves/{id}");
    let r = post(&app, &s, &format!("{path}/archive"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, page) = get_page(&app, &s, &path).await;
    assert!(
        page.contains("Diarsipkan"),
        "the edit page does not say it is archived"
    );
    let (_, list) = get_page(&app, &s, "/admin/shelves").await;
    let doc = scraper::Html::parse_document(&list);
    let rows = scraper::Selector::parse("main table tbody tr").unwrap();
    let last = doc
        .select(&rows)
        .next_back()
        .map(|r| r.text().collect::<String>())
        .unwrap_or_default();
    assert!(
        last.contains(&name) && last.contains("Diarsipkan"),
        "the archived shelf is not listed last: {last}"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM audit_log WHERE action = 'shelf.archive' AND target = 'shelf:{id}'")
        )
        .await,
        1
    );
    // Publish brings it back.
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT archived FROM shelves WHERE id = {id}")
        )
        .await,
        0
    );
}
