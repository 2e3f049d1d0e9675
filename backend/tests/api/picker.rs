//! The media picker over real HTTP: an edit page's "choose a picture" button
//! keeps the typing as the draft and opens the picker; the picker shows
//! thumbnails and a search box; choosing or uploading in place sets the
//! draft's field and returns; no file name or number is typed anywhere.

use reqwest::StatusCode;
use reqwest::header::LOCATION;

use crate::admin::{PASSWORD, fields, first_id, login, send, staff_accounts};
use crate::admin_ops::{multipart, post_multipart};
use crate::helpers::spawn_app;
use pustaka_backend::admin::drafts;
use pustaka_backend::admin::events::Events;
use pustaka_backend::admin::titles::Titles;
use pustaka_backend::admin::tours::Tours;

/// A small JPEG photo of `w`×`h` pixels.
fn photo(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(w, h, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 120])
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    img.write_to(&mut buf, image::ImageFormat::Jpeg).unwrap();
    buf.into_inner()
}

fn location(r: &reqwest::Response) -> String {
    r.headers()[LOCATION].to_str().unwrap().to_owned()
}

#[tokio::test]
async fn a_cover_is_picked_by_its_thumbnail_and_the_typing_is_kept() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let id = first_id(&app, "SELECT id FROM titles ORDER BY id LIMIT 1").await;
    let edit = send(
        &app,
        "GET",
        &format!("/admin/titles/{id}"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    // The field shows the cover's thumbnail and a button, no select of file names.
    assert!(edit.contains("data-pick=\"cover\""), "{edit}");
    assert!(edit.contains("name=\"_pick\" value=\"cover\""), "{edit}");
    assert!(!edit.contains("<select id=\"cover\""), "{edit}");
    assert!(
        edit.contains("class=\"thumb\""),
        "no thumbnail of the cover: {edit}"
    );
    // Enter in a field presses the form's first submit button: a save, never a picker.
    let form = edit.split("id=\"edit-form\"").nth(1).unwrap();
    let first = form.split("type=\"submit\"").nth(1).unwrap();
    let first = first.split('>').next().unwrap();
    assert!(
        !first.contains("_pick") && !first.contains("formaction"),
        "{first}"
    );

    // "Choose a picture" with typed text: the text becomes the draft, the picker opens.
    let typed = "Sinopsis yang baru saja diketik.";
    let r = send(
        &app,
        "POST",
        &format!("/admin/titles/{id}"),
        Some(&s),
        &fields(&[
            ("synopsis_id", typed),
            ("synopsis_en", ""),
            ("ebook_url", ""),
            ("age_group", "children"),
            ("cover", ""),
            ("trailer", ""),
            ("_pick", "cover"),
        ]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let picker = location(&r);
    assert!(
        picker.starts_with("/admin/pick?back=%2Fadmin%2Ftitles%2F"),
        "{picker}"
    );
    let live = drafts::live_or_404::<Titles>(&app.state.db, id)
        .await
        .unwrap();
    let (draft, meta) = drafts::working::<Titles>(&app.state.db, &live)
        .await
        .unwrap();
    assert!(meta.is_some(), "no draft saved");
    assert_eq!(draft.synopsis_id, typed);

    // The picker: thumbnails with readable names (the demo's), a search box.
    let html = send(&app, "GET", &picker, Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("type=\"search\""), "{html}");
    assert!(
        html.contains("Sampul "),
        "the demo covers have no readable names: {html}"
    );
    let thumbs = html.matches("<img class=\"thumb\"").count();
    let demo_images: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM media_assets WHERE kind = 'image'
            AND sha256 NOT IN (SELECT sha256 FROM media_renditions)",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(
        thumbs as i64, demo_images,
        "one thumbnail per image: {html}"
    );
    // Searching narrows by name.
    let (poster_sha, poster_label): (String, String) =
        sqlx::query_as("SELECT sha256, label FROM media_assets WHERE label LIKE 'Poster%' LIMIT 1")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let found = send(
        &app,
        "GET",
        &format!("{picker}&q=poster"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    assert_eq!(found.matches("<img class=\"thumb\"").count(), 1, "{found}");
    assert!(found.contains(&poster_label) && found.contains(&poster_sha));

    // Choosing one puts it in the draft and returns to the edit page, typing intact.
    let back = format!("/admin/titles/{id}");
    let r = send(
        &app,
        "POST",
        "/admin/pick",
        Some(&s),
        &fields(&[("back", &back), ("field", "cover"), ("sha256", &poster_sha)]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), back);
    let (draft, _) = drafts::working::<Titles>(&app.state.db, &live)
        .await
        .unwrap();
    assert_eq!(draft.cover, poster_sha);
    assert_eq!(draft.synopsis_id, typed);
    let edit = send(&app, "GET", &back, Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(
        edit.contains(typed) && edit.contains(&poster_label),
        "{edit}"
    );

    // A video is no cover; a tampered address is no edit page.
    let video_or_audio = fields(&[
        ("back", &back),
        ("field", "cover"),
        ("sha256", &"0".repeat(64)),
    ]);
    let r = send(&app, "POST", "/admin/pick", Some(&s), &video_or_audio, true).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    for (b, f) in [
        ("https://evil.example/admin/titles/1", "cover"),
        (&back as &str, "synopsis_id"),
    ] {
        let r = send(
            &app,
            "GET",
            &format!("/admin/pick?back={b}&field={f}"),
            Some(&s),
            &[],
            true,
        )
        .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{b} {f}");
    }
    // A volunteer may not pick a title's cover (titles need a librarian).
    let v = login(&app.base, "volunteer1", PASSWORD).await;
    let r = send(&app, "GET", &picker, Some(&v), &[], true).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (after, _) = drafts::working::<Titles>(&app.state.db, &live)
        .await
        .unwrap();
    assert_eq!(after.cover, poster_sha);
}

#[tokio::test]
async fn a_poster_is_uploaded_in_place_and_chosen() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let id = first_id(&app, "SELECT id FROM events ORDER BY id LIMIT 1").await;
    let back = format!("/admin/events/{id}");
    let jpg = photo(1200, 1600);
    let body = multipart(
        &[("back", &back), ("field", "poster"), ("label", "")],
        Some(("Poster lomba mewarnai.jpg", "image/jpeg", &jpg)),
    );
    let r = post_multipart(&app, &s, "/admin/pick/upload", body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    assert_eq!(location(&r), back);
    let live = drafts::live_or_404::<Events>(&app.state.db, id)
        .await
        .unwrap();
    let (draft, _) = drafts::working::<Events>(&app.state.db, &live)
        .await
        .unwrap();
    let label: Option<String> =
        sqlx::query_scalar("SELECT label FROM media_assets WHERE sha256 = ?")
            .bind(&draft.poster)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(label.as_deref(), Some("Poster lomba mewarnai.jpg"));
    // A text file sent as a picture is refused on the picker, nothing chosen.
    let body = multipart(
        &[("back", &back), ("field", "poster"), ("label", "")],
        Some(("poster.jpg", "image/jpeg", b"bukan gambar".as_slice())),
    );
    let r = post_multipart(&app, &s, "/admin/pick/upload", body).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"pick\""), "{html}");
    let (again, _) = drafts::working::<Events>(&app.state.db, &live)
        .await
        .unwrap();
    assert_eq!(again.poster, draft.poster);
}

#[tokio::test]
async fn a_tour_stop_gets_its_badge_from_the_picker_after_its_typing_is_saved() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "volunteer1", PASSWORD).await;
    let id = first_id(&app, "SELECT id FROM tours ORDER BY id LIMIT 1").await;
    // A new stop: the picker button adds it to the draft first.
    let r = send(
        &app,
        "POST",
        &format!("/admin/tours/{id}/stops"),
        Some(&s),
        &fields(&[("clue_id", "Cari rak majalah."), ("_pick", "badge_image")]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let picker = location(&r);
    assert!(
        picker.contains("stops%2Fn") && picker.ends_with("field=badge_image"),
        "{picker}"
    );
    let html = send(&app, "GET", &picker, Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    // Volunteers choose but do not upload.
    assert!(!html.contains("/admin/pick/upload"), "{html}");
    let live = drafts::live_or_404::<Tours>(&app.state.db, id)
        .await
        .unwrap();
    let (d, _) = drafts::working::<Tours>(&app.state.db, &live)
        .await
        .unwrap();
    let stop = d.stops.last().unwrap();
    assert_eq!(stop.clue_id, "Cari rak majalah.");
    let sha: String =
        sqlx::query_scalar("SELECT sha256 FROM media_assets WHERE label LIKE 'Lencana%'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let back = format!("/admin/tours/{id}/stops/{}", stop.key);
    let r = send(
        &app,
        "POST",
        "/admin/pick",
        Some(&s),
        &fields(&[("back", &back), ("field", "badge_image"), ("sha256", &sha)]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (d, _) = drafts::working::<Tours>(&app.state.db, &live)
        .await
        .unwrap();
    assert_eq!(d.stops.last().unwrap().badge_image, sha);
    let page = send(&app, "GET", &back, Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(page.contains("Lencana tur Cerita Rakyat"), "{page}");
    assert!(
        page.contains("name=\"_pick\" value=\"narration_audio\""),
        "{page}"
    );
}
