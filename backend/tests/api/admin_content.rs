//! The content sections of the back office over real HTTP: shelves, events,
//! tours and markers. Each flow goes create → draft → public unchanged →
//! publish → public changed; bad input answers `422` and stores nothing;
//! markers apply at once.

use pustaka_backend::admin::drafts::{self, Draftable};
use pustaka_backend::admin::tours::Tours;
use reqwest::StatusCode;
use reqwest::header::LOCATION;
use serde_json::Value;

use crate::admin::{PASSWORD, Sample, StaffSession, fields, first_id, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

/// Samples for the routes of the content sections (see `admin::sample`).
pub async fn sample(app: &TestApp, method: &str, pattern: &str, n: usize) -> Option<Sample> {
    let section = pattern.split('/').nth(2)?;
    if !matches!(section, "shelves" | "events" | "tours" | "markers") {
        return None;
    }
    let mut path = pattern.to_owned();
    if path.contains("/shelves/{id}") {
        let id = first_id(app, "SELECT id FROM shelves ORDER BY id LIMIT 1").await;
        path = path.replace("{id}", &id.to_string());
    }
    if path.contains("/events/{id}") {
        let id = first_id(app, "SELECT id FROM events ORDER BY id LIMIT 1").await;
        path = path.replace("{id}", &id.to_string());
    }
    if path.contains("/tours/{id}") {
        let id = first_id(app, "SELECT id FROM tours ORDER BY id LIMIT 1").await;
        path = path.replace("{id}", &id.to_string());
        if path.contains("{stop}") {
            let live = Tours::load(&app.state.db, id).await.unwrap().unwrap();
            let (draft, _) = drafts::working::<Tours>(&app.state.db, &live)
                .await
                .unwrap();
            // Delete only stops added by this test (live stops carry markers);
            // the anonymous pass, refused anyway, may find none left.
            let stop = if pattern.ends_with("/delete") {
                draft
                    .stops
                    .iter()
                    .rev()
                    .find(|s| s.key.starts_with('n'))
                    .or_else(|| draft.stops.last())
            } else {
                draft.stops.last()
            };
            path = path.replace("{stop}", &stop.expect("a stop to act on").key);
        }
    }
    path = path.replace("{code}", "BK0001");
    let shelf = first_id(app, "SELECT id FROM shelves ORDER BY id LIMIT 1").await;
    let body = match (method, pattern) {
        ("GET", _) => Vec::new(),
        ("POST", p) if p.ends_with("/publish") || p.ends_with("/discard") => Vec::new(),
        ("POST", p) if p.ends_with("/up") || p.ends_with("/down") || p.ends_with("/delete") => {
            Vec::new()
        }
        ("POST", "/admin/shelves") => vec![("name_id".into(), format!("Rak uji {n}"))],
        ("POST", "/admin/shelves/{id}") => fields(&[
            ("name_id", "Rak Dongeng Nusantara"),
            ("name_en", "Folk Tales of the Archipelago"),
            ("class_range", "398.2"),
            ("location", "Lantai 1"),
            ("description_id", "Cerita rakyat."),
            ("description_en", "Folk tales."),
            ("featured", "9786020000011"),
        ]),
        ("POST", "/admin/events") => vec![("title_id".into(), format!("Acara uji {n}"))],
        ("POST", "/admin/events/{id}") => event_form("Dongeng Sabtu", "2030-01-05T09:00"),
        ("POST", "/admin/tours") => vec![("name_id".into(), format!("Tur uji {n}"))],
        ("POST", "/admin/tours/{id}") => fields(&[
            ("name_id", "Jejak Dongeng"),
            ("name_en", "Folk Tale Trail"),
            ("description_id", ""),
            ("description_en", ""),
            ("active", "1"),
        ]),
        ("POST", "/admin/tours/{id}/stops" | "/admin/tours/{id}/stops/{stop}") => {
            vec![("clue_id".into(), format!("Cari rak biru {n}"))]
        }
        ("POST", "/admin/markers") => vec![
            ("target".into(), format!("shelf:{shelf}")),
            ("label".into(), format!("Label uji {n}")),
            ("size_mm".into(), "50".into()),
        ],
        ("POST", "/admin/markers/{code}") => fields(&[
            ("label", "Sampul belakang"),
            ("placement", "sampul belakang"),
            ("size_mm", "50"),
            ("active", "1"),
        ]),
        ("POST", "/admin/markers/{code}/active") => fields(&[("active", "1")]),
        ("POST", "/admin/markers/bulk") => vec![("shelf".into(), shelf.to_string())],
        _ => return None,
    };
    Some((path, body))
}

fn event_form(title: &str, starts: &str) -> Vec<(String, String)> {
    fields(&[
        ("title_id", title),
        ("title_en", "Saturday Stories"),
        ("description_id", "Mendongeng untuk anak."),
        ("description_en", "Storytelling for children."),
        ("starts", starts),
        ("ends", "2030-01-05T10:30"),
        ("place", "Ruang Anak"),
        ("audience_id", "Anak 5–9 tahun"),
        ("audience_en", "Children aged 5–9"),
        ("registration_url", "https://daftar.example.id/dongeng"),
        ("poster", ""),
        ("promo", ""),
    ])
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

/// The id at the end of a redirect to `/admin/{section}/{id}`.
fn id_from(r: &reqwest::Response) -> i64 {
    location(r).rsplit('/').next().unwrap().parse().unwrap()
}

async fn json(app: &TestApp, path: &str) -> (StatusCode, Value) {
    let r = app.get(path).await;
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn post(
    app: &TestApp,
    s: &StaffSession,
    path: &str,
    form: &[(String, String)],
) -> reqwest::Response {
    send(app, "POST", path, Some(s), form, true).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    first_id(app, sql).await
}

#[tokio::test]
async fn a_new_shelf_is_hidden_until_published_with_its_featured_titles() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // An empty name is refused and creates nothing.
    let before = count(&app, "SELECT COUNT(*) FROM shelves").await;
    let r = post(&app, &s, "/admin/shelves", &fields(&[("name_id", "  ")])).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM shelves").await, before);
    let r = post(
        &app,
        &s,
        "/admin/shelves",
        &fields(&[("name_id", "Rak Sains")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_from(&r);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let (_, all) = json(&app, "/api/v1/shelves").await;
    assert!(!all.to_string().contains("Rak Sains"), "{all}");
    // A marker on the hidden shelf resolves as not found, on the API and the web page.
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[
            ("target", &format!("shelf:{id}")),
            ("label", "Rak sains"),
            ("size_mm", "60"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r).rsplit('/').next().unwrap().to_owned();
    assert_eq!(
        app.get(&format!("/api/v1/markers/{code}")).await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get(&format!("/m/{code}")).await.status(),
        StatusCode::NOT_FOUND
    );

    let path = format!("/admin/shelves/{id}");
    let form = fields(&[
        ("name_id", "Rak Sains"),
        ("name_en", "Science Shelf"),
        ("class_range", "500-599"),
        ("location", "Lantai 2"),
        ("description_id", "Buku sains untuk semua umur."),
        ("description_en", "Science books for all ages."),
        // Hyphenated ISBN, then a title id: order is kept.
        ("featured", "978-602-00-0002-8\n1\n"),
    ]);
    // Bad input: unknown ISBN and no name → 422, nothing stored.
    let mut bad = form.clone();
    bad[0].1 = String::new();
    bad[6].1 = "9780000000000".into();
    let r = post(&app, &s, &path, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("9780000000000") && body.contains("Nama rak"),
        "{body}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);

    let r = post(&app, &s, &path, &form).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (status, shelf) = json(&app, &format!("/api/v1/shelves/{id}?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(shelf["name"], "Science Shelf");
    let isbns: Vec<&str> = shelf["featured"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["isbn13"].as_str().unwrap())
        .collect();
    assert_eq!(isbns, ["9786020000028", "9786020000011"]);
    assert_eq!(
        app.get(&format!("/api/v1/markers/{code}")).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.get(&format!("/m/{code}")).await.status(),
        StatusCode::OK
    );

    // An existing shelf: a draft changes nothing public until published.
    let demo = first_id(&app, "SELECT id FROM shelves ORDER BY id LIMIT 1").await;
    let (_, old) = json(&app, &format!("/api/v1/shelves/{demo}")).await;
    let mut renamed = form.clone();
    renamed[0].1 = "Rak Dongeng Baru".into();
    let demo_path = format!("/admin/shelves/{demo}");
    assert_eq!(
        post(&app, &s, &demo_path, &renamed).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        json(&app, &format!("/api/v1/shelves/{demo}")).await.1["name"],
        old["name"]
    );
    let r = post(&app, &s, &format!("{demo_path}/discard"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);
    let actions = count(
        &app,
        &format!(
            "SELECT COUNT(*) FROM audit_log WHERE username = 'librarian1' AND target = 'shelf:{id}'
               AND action IN ('shelf.create', 'shelf.draft', 'shelf.publish')"
        ),
    )
    .await;
    assert_eq!(actions, 3);
}

#[tokio::test]
async fn a_volunteer_creates_and_publishes_an_event_in_wib() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "volunteer1", PASSWORD).await;
    let r = post(
        &app,
        &s,
        "/admin/events",
        &fields(&[("title_id", "Dongeng Sabtu")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_from(&r);
    let path = format!("/admin/events/{id}");
    assert_eq!(
        json(&app, &format!("/api/v1/events/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    // Never edited: no place yet, so publishing is refused and nothing changes.
    let r = post(&app, &s, &format!("{path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        count(
            &app,
            &format!("SELECT published FROM events WHERE id = {id}")
        )
        .await,
        0
    );

    let poster: (String,) =
        sqlx::query_as("SELECT sha256 FROM media_assets WHERE kind = 'image' LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let mut form = event_form("Dongeng Sabtu", "2030-01-05T09:00");
    form.iter_mut().find(|(k, _)| k == "poster").unwrap().1 = poster.0.clone();
    // Bad: the end before the start, a plain-http registration link, an unknown video.
    let mut bad = form.clone();
    bad.iter_mut().find(|(k, _)| k == "ends").unwrap().1 = "2030-01-05T08:00".into();
    bad.iter_mut()
        .find(|(k, _)| k == "registration_url")
        .unwrap()
        .1 = "http://daftar.example.id".into();
    bad.iter_mut().find(|(k, _)| k == "promo").unwrap().1 = "0".repeat(64);
    let r = post(&app, &s, &path, &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("sesudah waktu mulai") && body.contains("https://"),
        "{body}"
    );
    assert!(
        body.contains("value=\"2030-01-05T08:00\""),
        "the form keeps what was typed"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM drafts").await, 0);

    assert_eq!(
        post(&app, &s, &path, &form).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        json(&app, &format!("/api/v1/events/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    let list = send(&app, "GET", "/admin/events", Some(&s), &[], true).await;
    let html = list.text().await.unwrap();
    assert!(
        html.contains("Dongeng Sabtu") && html.contains("WIB"),
        "{html}"
    );
    assert_eq!(
        post(&app, &s, &format!("{path}/publish"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (status, e) = json(&app, &format!("/api/v1/events/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{e}");
    assert_eq!(e["starts_at"], "2030-01-05T09:00:00+07:00");
    assert_eq!(e["ends_at"], "2030-01-05T10:30:00+07:00");
    assert_eq!(e["place"], "Ruang Anak");
    assert_eq!(e["registration_url"], "https://daftar.example.id/dongeng");
    assert!(e["media"].to_string().contains(&poster.0), "{e}");
    // The edit form shows the stored time back in WIB.
    let html = send(&app, "GET", &path, Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("value=\"2030-01-05T09:00\""), "{html}");
    // A volunteer is not sent to the media library, which is for librarians.
    assert!(!html.contains("href=\"/admin/media\""), "{html}");
}

#[tokio::test]
async fn tour_stops_are_edited_in_the_draft_and_published_with_stable_ids() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "volunteer1", PASSWORD).await;
    let r = post(
        &app,
        &s,
        "/admin/tours",
        &fields(&[("name_id", "Jejak Sains")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = id_from(&r);
    let path = format!("/admin/tours/{id}");
    let tour_form = fields(&[
        ("name_id", "Jejak Sains"),
        ("name_en", "Science Trail"),
        ("description_id", "Tiga tempat."),
        ("description_en", "Three places."),
        ("active", "1"),
    ]);
    assert_eq!(
        post(&app, &s, &path, &tour_form).await.status(),
        StatusCode::SEE_OTHER
    );
    let badge: (String,) =
        sqlx::query_as("SELECT sha256 FROM media_assets WHERE kind = 'image' LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let first = fields(&[
        ("clue_id", "Cari rak berwarna biru."),
        ("clue_en", "Find the blue shelf."),
        ("narration_id", "Di sini ada buku tentang bintang."),
        ("question_id", "Planet terdekat dari Matahari?"),
        ("question_en", "Which planet is closest to the Sun?"),
        ("choice1_text_id", "Merkurius"),
        ("choice1_text_en", "Mercury"),
        ("choice1_correct", "1"),
        ("choice1_feedback_id", "Betul!"),
        ("choice2_text_id", "Mars"),
        ("choice2_feedback_id", "Belum tepat."),
        ("badge_name_id", "Penjelajah Bintang"),
        ("badge_name_en", "Star Explorer"),
        ("badge_image", &badge.0),
    ]);
    // A question with one choice and no right answer is refused; the draft keeps no stop.
    let bad = fields(&[
        ("clue_id", "Cari rak."),
        ("question_id", "Apa?"),
        ("choice1_text_id", "Itu"),
    ]);
    let r = post(&app, &s, &format!("{path}/stops"), &bad).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("dua pilihan"));
    let live = Tours::load(&app.state.db, id).await.unwrap().unwrap();
    assert!(
        drafts::working::<Tours>(&app.state.db, &live)
            .await
            .unwrap()
            .0
            .stops
            .is_empty()
    );

    assert_eq!(
        post(&app, &s, &format!("{path}/stops"), &first)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let second = fields(&[("clue_id", "Pergi ke meja baca.")]);
    assert_eq!(
        post(&app, &s, &format!("{path}/stops"), &second)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        json(&app, &format!("/api/v1/tours/{id}")).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(&app, &s, &format!("{path}/publish"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (status, t) = json(&app, &format!("/api/v1/tours/{id}?lang=en")).await;
    assert_eq!(status, StatusCode::OK, "{t}");
    assert_eq!(t["name"], "Science Trail");
    let stops = t["stops"].as_array().unwrap();
    assert_eq!(stops.len(), 2);
    assert_eq!(stops[0]["clue"], "Find the blue shelf.");
    assert_eq!(stops[0]["question"]["choices"][0]["correct"], true);
    assert_eq!(stops[0]["question"]["choices"][1]["text"], "Mars");
    assert_eq!(stops[0]["badge"]["name"], "Star Explorer");
    assert!(
        stops[0]["badge"]["image"]["url"]
            .as_str()
            .unwrap()
            .contains(&badge.0)
    );
    let ids: Vec<i64> = stops.iter().map(|s| s["id"].as_i64().unwrap()).collect();

    // Move the second stop up: the draft changes, the public order not yet.
    let r = post(&app, &s, &format!("{path}/stops/s{}/up", ids[1]), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, t) = json(&app, &format!("/api/v1/tours/{id}")).await;
    assert_eq!(t["stops"][0]["id"], ids[0]);
    assert_eq!(
        post(&app, &s, &format!("{path}/publish"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (_, t) = json(&app, &format!("/api/v1/tours/{id}")).await;
    let after: Vec<i64> = t["stops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    assert_eq!(after, [ids[1], ids[0]], "same ids, new order");
    assert_eq!(t["stops"][0]["position"], 1);

    // The demo tour: removing a stop that a marker points at is refused at publication.
    let demo = first_id(&app, "SELECT tour_id FROM tour_stops s JOIN markers m ON m.target_id = s.id AND m.target_kind = 'tour_stop' LIMIT 1").await;
    let stop = first_id(&app, &format!("SELECT s.id FROM tour_stops s JOIN markers m ON m.target_id = s.id AND m.target_kind = 'tour_stop' WHERE s.tour_id = {demo} ORDER BY s.position LIMIT 1")).await;
    let before = count(
        &app,
        &format!("SELECT COUNT(*) FROM tour_stops WHERE tour_id = {demo}"),
    )
    .await;
    let demo_path = format!("/admin/tours/{demo}");
    let r = post(&app, &s, &format!("{demo_path}/stops/s{stop}/delete"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = post(&app, &s, &format!("{demo_path}/publish"), &[]).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.text().await.unwrap().contains("TR000"),
        "names the marker code"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM tour_stops WHERE tour_id = {demo}")
        )
        .await,
        before
    );
    assert_eq!(
        post(&app, &s, &format!("{demo_path}/discard"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn markers_change_at_once_and_a_deactivated_code_stops_resolving() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // A new code for a title given by ISBN-13.
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[
            ("target", ""),
            ("title", "9786020000011"),
            ("label", "Rak depan"),
            ("placement", "tiang kiri"),
            ("size_mm", "80"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r).rsplit('/').next().unwrap().to_owned();
    assert_eq!(code.len(), 6);
    assert!(pustaka_markers::payload::MarkerCode::parse(&code).is_ok());
    let (status, overlay) = json(&app, &format!("/api/v1/markers/{code}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(overlay["kind"], "title");
    assert!((overlay["size_m"].as_f64().unwrap() - 0.08).abs() < 1e-9);
    // Bad input: no target, a size out of range → 422, nothing stored.
    let before = count(&app, "SELECT COUNT(*) FROM markers").await;
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[("target", "shelf:99999"), ("label", "x"), ("size_mm", "5")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM markers").await, before);
    let r = post(
        &app,
        &s,
        &format!("/admin/markers/{code}"),
        &fields(&[("label", ""), ("size_mm", "501"), ("active", "1")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (label,): (String,) = sqlx::query_as("SELECT label FROM markers WHERE code = ?")
        .bind(&code)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(label, "Rak depan");
    // A good edit applies at once.
    let r = post(
        &app,
        &s,
        &format!("/admin/markers/{code}"),
        &fields(&[
            ("label", "Rak depan kiri"),
            ("placement", ""),
            ("size_mm", "120"),
            ("active", "1"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, overlay) = json(&app, &format!("/api/v1/markers/{code}")).await;
    assert!(
        (overlay["size_m"].as_f64().unwrap() - 0.12).abs() < 1e-9,
        "{overlay}"
    );
    // Deactivate a demo code that was just resolved (and cached): now 404.
    assert_eq!(
        app.get("/api/v1/markers/BK0001").await.status(),
        StatusCode::OK
    );
    let r = post(
        &app,
        &s,
        "/admin/markers/BK0001/active",
        &fields(&[("active", "0")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/api/v1/markers/BK0001").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.get("/m/BK0001").await.status(), StatusCode::NOT_FOUND);
    let r = post(
        &app,
        &s,
        "/admin/markers/BK0001/active",
        &fields(&[("active", "1")]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get("/api/v1/markers/BK0001").await.status(),
        StatusCode::OK
    );
    // The list shows codes, scans and the public page link.
    let html = send(&app, "GET", "/admin/markers", Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains(&code) && html.contains("/m/BK0001"), "{html}");
    let audited = count(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE action IN
           ('marker.create', 'marker.update', 'marker.deactivate', 'marker.activate')",
    )
    .await;
    assert_eq!(audited, 4);
}

#[tokio::test]
async fn a_codes_page_is_reused_until_a_publish_changes_it() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let first = app.get("/m/RK0001").await;
    assert_eq!(first.status(), StatusCode::OK);
    let etag = first.headers()["etag"].to_str().unwrap().to_owned();
    let old = first.text().await.unwrap();
    assert!(old.contains("<title>Cerita Rakyat ·"), "{old}");

    // The page is rendered once and reused: same bytes, same ETag; a browser
    // holding it gets 304 without a body.
    let again = app.get("/m/RK0001").await;
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert_eq!(again.text().await.unwrap(), old);
    let r = app
        .client
        .get(format!("{}/m/RK0001", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_MODIFIED);
    assert!(r.bytes().await.unwrap().is_empty());

    // A publish shows at once, without waiting for the cache to expire.
    let shelf = first_id(
        &app,
        "SELECT target_id FROM markers WHERE code = 'RK0001' AND target_kind = 'shelf'",
    )
    .await;
    let path = format!("/admin/shelves/{shelf}");
    let form = fields(&[
        ("name_id", "Rak Dongeng Baru"),
        ("name_en", "New Folk Tale Shelf"),
        ("class_range", "398.2"),
        ("location", "Lantai 1"),
        ("description_id", "Cerita rakyat."),
        ("description_en", "Folk tales."),
        ("featured", "9786020000011"),
    ]);
    assert_eq!(
        post(&app, &s, &path, &form).await.status(),
        StatusCode::SEE_OTHER
    );
    assert!(
        app.get("/m/RK0001")
            .await
            .text()
            .await
            .unwrap()
            .contains("<title>Cerita Rakyat ·"),
        "a draft changes nothing public"
    );
    assert_eq!(
        post(&app, &s, &format!("{path}/publish"), &[])
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let after = app.get("/m/RK0001").await;
    assert_ne!(after.headers()["etag"].to_str().unwrap(), etag);
    let new = after.text().await.unwrap();
    assert!(
        new.contains("<title>Rak Dongeng Baru ·") && !new.contains("<title>Cerita Rakyat"),
        "{new}"
    );
}

/// The codes of a targets list query (`kind`, `id` rows), one per target.
async fn codes_of(app: &TestApp, targets_sql: &str) -> Vec<(String, i64, Option<String>)> {
    let targets: Vec<(String, i64)> = sqlx::query_as(targets_sql)
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    let mut out = Vec::new();
    for (kind, id) in targets {
        let code: Option<String> = sqlx::query_scalar(
            "SELECT code FROM markers WHERE target_kind = ? AND target_id = ? ORDER BY active DESC, code LIMIT 1",
        )
        .bind(&kind)
        .bind(id)
        .fetch_optional(&app.state.db)
        .await
        .unwrap();
        out.push((kind, id, code));
    }
    out
}

/// The codes ticked on the print page that `path` opens.
async fn ticked_on(app: &TestApp, s: &StaffSession, path: &str) -> (String, Vec<String>) {
    let html = send(app, "GET", path, Some(s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    let ticked = html
        .split("name=\"codes\" value=\"")
        .skip(1)
        .filter_map(|rest| {
            let (code, after) = rest.split_once('"')?;
            after
                .split_once('>')
                .filter(|(attrs, _)| attrs.contains("checked"))
                .map(|_| code.to_owned())
        })
        .collect();
    (html, ticked)
}

#[tokio::test]
async fn codes_in_bulk_for_a_shelf_its_titles_a_tour_and_a_search_reuse_existing_ones() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // The demo shelf with the most featured titles; some already have codes.
    let shelf = first_id(
        &app,
        "SELECT shelf_id FROM shelf_titles GROUP BY shelf_id ORDER BY COUNT(*) DESC, shelf_id LIMIT 1",
    )
    .await;
    let shelf_targets = format!(
        "SELECT 'shelf', {shelf} UNION ALL
         SELECT * FROM (SELECT 'title', title_id FROM shelf_titles WHERE shelf_id = {shelf} ORDER BY position)"
    );
    let before = codes_of(&app, &shelf_targets).await;
    assert!(
        before.len() >= 3,
        "a shelf with featured titles: {before:?}"
    );
    let had: Vec<String> = before.iter().filter_map(|t| t.2.clone()).collect();
    let missing = before.len() - had.len();
    assert!(
        !had.is_empty(),
        "the demo gives some of them a code already"
    );
    let markers_before = count(&app, "SELECT COUNT(*) FROM markers").await;

    // The shelf page offers the button (no number to type).
    let page = send(
        &app,
        "GET",
        &format!("/admin/shelves/{shelf}"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        page.contains("action=\"/admin/markers/bulk\"")
            && page.contains(&format!("name=\"shelf\" value=\"{shelf}\"")),
        "{page}"
    );
    let r = post(
        &app,
        &s,
        "/admin/markers/bulk",
        &[("shelf".into(), shelf.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with("/admin/print?"), "{to}");
    let after = codes_of(&app, &shelf_targets).await;
    assert!(after.iter().all(|t| t.2.is_some()), "{after:?}");
    // Existing codes are kept, only the missing ones are new.
    for (b, a) in before.iter().zip(&after) {
        if b.2.is_some() {
            assert_eq!(b.2, a.2);
        }
    }
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM markers").await,
        markers_before + missing as i64
    );
    // The print page opens with exactly these codes ticked, and says so.
    let (html, ticked) = ticked_on(&app, &s, &to).await;
    let mut want: Vec<String> = after.iter().filter_map(|t| t.2.clone()).collect();
    want.sort();
    let mut got = ticked.clone();
    got.sort();
    assert_eq!(got, want);
    // Only these codes are listed (a long list would hide them), with a way
    // back to all.
    assert_eq!(
        html.matches("name=\"codes\" value=").count(),
        want.len(),
        "{html}"
    );
    assert!(html.contains("href=\"/admin/print\""));
    assert!(
        html.contains(&format!(
            "{missing} kode baru dibuat, {} sudah punya kode",
            had.len()
        )),
        "{html}"
    );
    // Again: nothing new, everything reused.
    let r = post(
        &app,
        &s,
        "/admin/markers/bulk",
        &[("shelf".into(), shelf.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM markers").await,
        markers_before + missing as i64
    );
    let (html, _) = ticked_on(&app, &s, &location(&r)).await;
    assert!(
        html.contains(&format!(
            "0 kode baru dibuat, {} sudah punya kode",
            after.len()
        )),
        "{html}"
    );
    // The plain print page ticks nothing.
    let (_, none) = ticked_on(&app, &s, "/admin/print").await;
    assert!(none.is_empty(), "{none:?}");

    // Every stop of a tour.
    let tour = first_id(&app, "SELECT id FROM tours ORDER BY id LIMIT 1").await;
    let stops =
        format!("SELECT 'tour_stop', id FROM tour_stops WHERE tour_id = {tour} ORDER BY position");
    let tour_page = send(
        &app,
        "GET",
        &format!("/admin/tours/{tour}"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(tour_page.contains(&format!("name=\"tour\" value=\"{tour}\"")));
    let r = post(
        &app,
        &s,
        "/admin/markers/bulk",
        &[("tour".into(), tour.to_string())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let stop_codes = codes_of(&app, &stops).await;
    assert!(!stop_codes.is_empty() && stop_codes.iter().all(|t| t.2.is_some()));

    // The titles of a search: the list page carries their ids in its form.
    let list = send(&app, "GET", "/admin/titles?q=a", Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    let ids: Vec<(String, String)> = list
        .split("name=\"title\" value=\"")
        .skip(1)
        .filter_map(|r| {
            r.split_once('"')
                .map(|(id, _)| ("title".to_owned(), id.to_owned()))
        })
        .collect();
    assert!(ids.len() >= 2, "{list}");
    let r = post(&app, &s, "/admin/markers/bulk", &ids).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (_, ticked) = ticked_on(&app, &s, &location(&r)).await;
    assert_eq!(ticked.len(), ids.len());

    // Bad requests store nothing: an unknown shelf, a malformed id.
    let n = count(&app, "SELECT COUNT(*) FROM markers").await;
    let r = post(
        &app,
        &s,
        "/admin/markers/bulk",
        &[("shelf".into(), "999999".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = post(
        &app,
        &s,
        "/admin/markers/bulk",
        &[("title".into(), "abc".into())],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM markers").await, n);
}

#[tokio::test]
async fn a_single_code_finds_its_title_by_name_never_by_internal_number() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let (id, title): (i64, String) =
        sqlx::query_as("SELECT id, title FROM titles ORDER BY id LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let words: String = title
        .split_whitespace()
        .take(2)
        .collect::<Vec<_>>()
        .join(" ");
    let html = send(
        &app,
        "GET",
        &format!("/admin/markers?find={}", words.replace(' ', "+")),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    // The first match is chosen; the chosen title is one that matches.
    let chosen = html
        .split("<option value=\"")
        .skip(1)
        .find(|o| {
            o.split_once('>')
                .is_some_and(|(a, _)| a.contains("selected"))
        })
        .and_then(|o| o.split_once('"').map(|(v, _)| v.to_owned()))
        .expect("a chosen target");
    let chosen_id: i64 = chosen.strip_prefix("title:").unwrap().parse().unwrap();
    let chosen_title: String = sqlx::query_scalar("SELECT title FROM titles WHERE id = ?")
        .bind(chosen_id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(chosen_title.contains(&words), "{chosen_title} / {words}");
    assert!(html.contains(&format!("value=\"title:{id}\"")), "{html}");
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[
            ("target", &chosen),
            ("label", "Rak depan"),
            ("size_mm", "50"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let code = location(&r).rsplit('/').next().unwrap().to_owned();
    let (kind, target): (String, i64) =
        sqlx::query_as("SELECT target_kind, target_id FROM markers WHERE code = ?")
            .bind(&code)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), target), ("title", chosen_id));
    // Its page prints it in one click: the print page with only it, ticked.
    let page = send(
        &app,
        "GET",
        &format!("/admin/markers/{code}"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    let print = format!("/admin/print?codes={code}");
    assert!(page.contains(&format!("href=\"{print}\"")), "{page}");
    let (html, ticked) = ticked_on(&app, &s, &print).await;
    assert_eq!(ticked, vec![code.clone()]);
    assert_eq!(html.matches("name=\"codes\" value=").count(), 1);
    // An internal number typed into the ISBN field is refused.
    let n = count(&app, "SELECT COUNT(*) FROM markers").await;
    let r = post(
        &app,
        &s,
        "/admin/markers",
        &fields(&[
            ("target", ""),
            ("title", &id.to_string()),
            ("label", "x"),
            ("size_mm", "50"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(count(&app, "SELECT COUNT(*) FROM markers").await, n);
}

/// The codes in the rows of a codes list page.
fn listed(html: &str) -> Vec<String> {
    html.split("<tr id=\"m-")
        .skip(1)
        .filter_map(|r| r.split_once('"').map(|(c, _)| c.to_owned()))
        .collect()
}

async fn codes_where(app: &TestApp, cond: &str) -> Vec<String> {
    sqlx::query_scalar(&format!(
        "SELECT code FROM markers m WHERE {cond} ORDER BY code"
    ))
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_codes_list_and_print_page_share_bookmarkable_filters_and_pages() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // Enough codes for two pages: 60 more title codes.
    let title = first_id(&app, "SELECT id FROM titles ORDER BY id LIMIT 1").await;
    for i in 0..60 {
        sqlx::query(
            "INSERT INTO markers (code, target_kind, target_id, label) VALUES (?, 'title', ?, ?)",
        )
        .bind(format!("ZX{i:04}"))
        .bind(title)
        .bind(format!("Label massal {i}"))
        .execute(&app.state.db)
        .await
        .unwrap();
    }
    let all = codes_where(&app, "1").await;
    let get = |path: String| {
        let s = &s;
        let app = &app;
        async move {
            send(app, "GET", &path, Some(s), &[], true)
                .await
                .text()
                .await
                .unwrap()
        }
    };
    let first = get("/admin/markers".into()).await;
    assert_eq!(listed(&first), all[..50].to_vec());
    assert!(
        first.contains(&format!("<caption>Kode QR ({}) · Halaman 1 / 2", all.len())),
        "{first}"
    );
    assert!(first.contains("<th scope=\"row\">") && first.contains("<th scope=\"col\">"));
    assert!(first.contains("page=2\" rel=\"next\""), "{first}");
    let second = get("/admin/markers?page=2".into()).await;
    assert_eq!(listed(&second), all[50..].to_vec());
    // Search by code, label and target name.
    assert_eq!(
        listed(&get("/admin/markers?q=BK0001".into()).await),
        vec!["BK0001"]
    );
    assert_eq!(
        listed(&get("/admin/markers?q=Label+massal+7".into()).await),
        vec!["ZX0007"]
    );
    let shelf_name: String = sqlx::query_scalar(
        "SELECT s.name_id FROM markers m JOIN shelves s ON s.id = m.target_id
          WHERE m.target_kind = 'shelf' ORDER BY m.code LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let by_name = listed(&get(format!("/admin/markers?q={}", shelf_name.replace(' ', "+"))).await);
    assert!(!by_name.is_empty());
    // Kind, shelf, never scanned, inactive.
    assert_eq!(
        listed(&get("/admin/markers?kind=shelf".into()).await),
        codes_where(&app, "target_kind = 'shelf'").await
    );
    let shelf = first_id(
        &app,
        "SELECT shelf_id FROM shelf_titles GROUP BY shelf_id ORDER BY COUNT(*) DESC LIMIT 1",
    )
    .await;
    let on_shelf = codes_where(
        &app,
        &format!("(target_kind = 'shelf' AND target_id = {shelf}) OR (target_kind = 'title' AND target_id IN (SELECT title_id FROM shelf_titles WHERE shelf_id = {shelf}))"),
    )
    .await;
    assert!(!on_shelf.is_empty());
    let page = get(format!("/admin/markers?shelf={shelf}&page=1")).await;
    let mut shown = listed(&page);
    shown.truncate(on_shelf.len().min(50));
    assert_eq!(shown, on_shelf[..on_shelf.len().min(50)].to_vec());
    sqlx::query("INSERT INTO scan_events (code, scanned_at, client) VALUES ('RK0001', '2030-01-01T00:00:00Z', 'android')")
        .execute(&app.state.db)
        .await
        .unwrap();
    let never = codes_where(
        &app,
        "NOT EXISTS (SELECT 1 FROM scan_events s WHERE s.code = m.code)",
    )
    .await;
    assert!(never.len() < all.len(), "some demo codes have scans");
    let never_page = get("/admin/markers?never=1&kind=shelf".into()).await;
    assert_eq!(
        listed(&never_page),
        codes_where(&app, "target_kind = 'shelf' AND NOT EXISTS (SELECT 1 FROM scan_events s WHERE s.code = m.code)").await
    );
    sqlx::query("UPDATE markers SET active = 0 WHERE code = 'ZX0003'")
        .execute(&app.state.db)
        .await
        .unwrap();
    assert_eq!(
        listed(&get("/admin/markers?inactive=1".into()).await),
        vec!["ZX0003"]
    );
    // Filters and pages survive in the links (bookmarkable).
    let filtered = get("/admin/markers?q=Label+massal&page=1".into()).await;
    // (askama writes `&` in an attribute as `&#38;`, the template as `&amp;`.)
    let filtered = filtered.replace("&#38;", "&amp;");
    assert!(filtered.contains("q=Label+massal&amp;page=2"), "{filtered}");

    // The print page: same filters, nothing ticked, "tick all shown" as a link.
    let (html, ticked) = ticked_on(&app, &s, "/admin/print?kind=shelf").await;
    assert!(ticked.is_empty());
    let shelf_codes = codes_where(&app, "target_kind = 'shelf'").await;
    for c in &all {
        assert_eq!(
            html.contains(&format!("value=\"{c}\"")),
            shelf_codes.contains(c),
            "{c}"
        );
    }
    assert!(
        html.replace("&#38;", "&amp;")
            .contains("kind=shelf&amp;page=1&amp;all=1"),
        "{html}"
    );
    let (_, ticked) = ticked_on(&app, &s, "/admin/print?kind=shelf&page=1&all=1").await;
    assert_eq!(ticked, shelf_codes);
    // Printing records the time; "not printed yet" leaves those out.
    let r = post(
        &app,
        &s,
        "/admin/print",
        &fields(&[
            ("codes", "BK0001"),
            ("codes", "ZX0001"),
            ("layout", "shelf"),
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let printed = codes_where(&app, "printed_at IS NOT NULL").await;
    assert_eq!(printed, vec!["BK0001", "ZX0001"]);
    let (html, ticked) = ticked_on(&app, &s, "/admin/print?unprinted=1&all=1").await;
    assert!(!html.contains("value=\"BK0001\"") && !html.contains("value=\"ZX0001\""));
    assert_eq!(ticked.len(), all.len() - 2);
    assert!(html.contains("href=\"/admin/print?unprinted=1&amp;all=1\""));
}
