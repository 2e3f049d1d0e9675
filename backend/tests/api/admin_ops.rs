//! The back office's operations sections over real HTTP: the media library
//! (streamed uploads, caps, type checks, aborted uploads, replace), the
//! catalogue import, and settings.

use std::path::PathBuf;
use std::time::Duration;

use pustaka_backend::admin::uploads::TEMP_DIR;
use pustaka_backend::media::ingest::ffmpeg_available;
use pustaka_test_support::wait::poll_until_async;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, COOKIE, LOCATION};
use tokio::io::AsyncWriteExt;

use crate::admin::{PASSWORD, Sample, StaffSession, fields, first_id, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Samples for the operations routes (see `admin::sample`); `n` makes
/// values unique between calls.
pub async fn sample(app: &TestApp, method: &str, pattern: &str, n: usize) -> Option<Sample> {
    let sha = || async {
        let (sha,): (String,) = sqlx::query_as(
            "SELECT sha256 FROM media_assets
              WHERE sha256 NOT IN (SELECT sha256 FROM media_renditions) ORDER BY sha256 LIMIT 1",
        )
        .fetch_one(&app.state.db)
        .await
        .expect("the demo seed has media");
        sha
    };
    let path = pattern.to_owned();
    let s = match (method, pattern) {
        ("GET", "/admin/media" | "/admin/import" | "/admin/settings" | "/admin/pick.js") => {
            (path, Vec::new())
        }
        // The picker for an event's poster (events are open to volunteers).
        ("GET", "/admin/pick") => {
            let event = first_id(app, "SELECT id FROM events ORDER BY id LIMIT 1").await;
            (
                format!("/admin/pick?back=/admin/events/{event}&field=poster"),
                Vec::new(),
            )
        }
        ("POST", "/admin/pick") => {
            let event = first_id(app, "SELECT id FROM events ORDER BY id LIMIT 1").await;
            let back = format!("/admin/events/{event}");
            (
                path,
                fields(&[("back", &back), ("field", "poster"), ("sha256", "")]),
            )
        }
        // Sent without a file (a plain form): back to the library with a notice.
        ("POST", "/admin/pick/upload") => (path, Vec::new()),
        // Sent without a file (a plain form): back to the form with a notice.
        ("POST", "/admin/media") => (path, fields(&[("kind", "image")])),
        ("POST", "/admin/import") => (path, Vec::new()),
        ("GET", "/admin/media/{sha256}") => (path.replace("{sha256}", &sha().await), Vec::new()),
        ("POST", "/admin/media/{sha256}") => (
            path.replace("{sha256}", &sha().await),
            vec![("label".into(), format!("Sampul {n}"))],
        ),
        ("POST", "/admin/media/{sha256}/replace") => {
            (path.replace("{sha256}", &sha().await), Vec::new())
        }
        // Sent without a file (a plain form): back to the video with a notice.
        // (The test seed has no trailer: a video's row is enough here.)
        ("POST", "/admin/media/{sha256}/captions") => {
            let video = "b".repeat(64);
            sqlx::query(
                "INSERT OR IGNORE INTO media_assets (sha256, ext, mime, kind, size_bytes)
                 VALUES (?, 'mp4', 'video/mp4', 'video', 1)",
            )
            .bind(&video)
            .execute(&app.state.db)
            .await
            .unwrap();
            (path.replace("{sha256}", &video), Vec::new())
        }
        ("POST", "/admin/settings") => (
            path,
            fields(&[
                ("upload_cap_image_mb", "20"),
                ("upload_cap_video_mb", ""),
                ("upload_cap_audio_mb", "50"),
                ("upload_cap_catalog_mb", ""),
            ]),
        ),
        _ => return None,
    };
    Some(s)
}

const BOUNDARY: &str = "----pustaka-test-boundary-7MA4YWxkTrZu0gW";

/// A `multipart/form-data` body: text fields, then the file (if any) as the
/// field `file`.
pub(crate) fn multipart(text: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut body = Vec::new();
    for (k, v) in text {
        body.extend_from_slice(
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, mime, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: {mime}\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    body
}

/// Posts a multipart body as the upload forms do (the CSRF token as the first field).
pub(crate) async fn post_multipart(
    app: &TestApp,
    s: &StaffSession,
    path: &str,
    body: Vec<u8>,
) -> reqwest::Response {
    let mut with_token = multipart(&[("_csrf", &s.csrf)], None);
    with_token.truncate(with_token.len() - format!("--{BOUNDARY}--\r\n").len());
    with_token.extend_from_slice(&body);
    crate::admin::client()
        .post(format!("{}{path}", app.base))
        .header(COOKIE, &s.cookie)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(with_token)
        .send()
        .await
        .unwrap()
}

fn temp_dir(app: &TestApp) -> PathBuf {
    app.dir.path().join(TEMP_DIR)
}

/// Files in the upload temp folder (none when it does not exist).
fn temp_files(app: &TestApp) -> Vec<PathBuf> {
    std::fs::read_dir(temp_dir(app))
        .map(|d| d.flatten().map(|e| e.path()).collect())
        .unwrap_or_default()
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&app.state.db).await.unwrap();
    n
}

fn stored(app: &TestApp, sha: &str, ext: &str) -> PathBuf {
    app.dir
        .path()
        .join("media")
        .join(&sha[..2])
        .join(format!("{sha}.{ext}"))
}

fn photo() -> Option<Vec<u8>> {
    let p = pustaka_test_support::data_path("scenes/llabres_one_shelf_example.jpg")?;
    Some(std::fs::read(p).unwrap())
}

fn sha_from_location(resp: &reqwest::Response) -> String {
    let to = resp.headers()[LOCATION].to_str().unwrap();
    to.strip_prefix("/admin/media/")
        .unwrap_or_else(|| panic!("redirect to the asset page, got {to}"))
        .to_owned()
}

#[tokio::test]
async fn an_image_and_a_video_upload_through_the_form() {
    let Some(jpg) = photo() else { return };
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;

    // The client's file name is only a label, never a path.
    let body = multipart(
        &[("kind", "image"), ("label", "")],
        Some(("../../etc/rak buku.jpg", "image/jpeg", &jpg)),
    );
    let r = post_multipart(&app, &s, "/admin/media", body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let sha = sha_from_location(&r);
    let (kind, ext, label, w, h): (String, String, Option<String>, i64, i64) =
        sqlx::query_as("SELECT kind, ext, label, width, height FROM media_assets WHERE sha256 = ?")
            .bind(&sha)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!((kind.as_str(), ext.as_str()), ("image", "jpg"));
    assert_eq!(label.as_deref(), Some("rak buku.jpg"));
    assert!(w > 0 && h > 0 && w.max(h) <= 2048, "{w}×{h}");
    let stored_jpg = std::fs::read(stored(&app, &sha, "jpg")).expect("image stored");
    assert!(
        !stored_jpg.windows(4).any(|w| w == b"Exif"),
        "re-encoded without EXIF"
    );
    let (thumb,): (String,) = sqlx::query_as(
        "SELECT sha256 FROM media_renditions WHERE source_sha256 = ? AND role = 'thumbnail'",
    )
    .bind(&sha)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(stored(&app, &thumb, "jpg").is_file(), "thumbnail stored");
    assert!(temp_files(&app).is_empty(), "{:?}", temp_files(&app));

    // The library lists it with its thumbnail; its page says it is unused.
    let list = send(&app, "GET", "/admin/media", Some(&s), &[], true).await;
    let html = list.text().await.unwrap();
    assert!(html.contains("rak buku.jpg"), "{html}");
    assert!(html.contains(&format!("/media/{thumb}.jpg")));
    assert!(html.contains("enctype=\"multipart/form-data\""));
    assert!(
        html.contains("<progress"),
        "the progress bar is on the page"
    );
    let page = send(
        &app,
        "GET",
        &format!("/admin/media/{sha}"),
        Some(&s),
        &[],
        true,
    )
    .await;
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Belum dipakai"));
    let (audited,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'media.upload' AND username = 'librarian1' AND target = ?",
    )
    .bind(format!("media:{sha}"))
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // A video (WebM in, H.264 MP4 with a poster out).
    if !ffmpeg_available() {
        assert!(
            !pustaka_test_support::in_ci(),
            "ffmpeg is required under CI"
        );
        eprintln!("SKIPPED: video upload (no ffmpeg)");
        return;
    }
    let Some(webm) = pustaka_test_support::data_path("video/mdn_rabbit320.webm") else {
        return;
    };
    let body = multipart(
        &[("kind", "video"), ("label", "Kelinci")],
        Some(("rabbit.webm", "video/webm", &std::fs::read(webm).unwrap())),
    );
    let r = post_multipart(&app, &s, "/admin/media", body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let vsha = sha_from_location(&r);
    let (ext, label, duration): (String, Option<String>, Option<i64>) =
        sqlx::query_as("SELECT ext, label, duration_ms FROM media_assets WHERE sha256 = ?")
            .bind(&vsha)
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(ext, "mp4");
    assert_eq!(label.as_deref(), Some("Kelinci"));
    assert!(duration.unwrap_or(0) > 1000, "{duration:?}");
    assert!(stored(&app, &vsha, "mp4").is_file());
    let (poster,): (String,) = sqlx::query_as(
        "SELECT sha256 FROM media_renditions WHERE source_sha256 = ? AND role = 'poster'",
    )
    .bind(&vsha)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(stored(&app, &poster, "jpg").is_file(), "poster stored");
    let page = send(
        &app,
        "GET",
        &format!("/admin/media/{vsha}"),
        Some(&s),
        &[],
        true,
    )
    .await;
    let html = page.text().await.unwrap();
    assert!(html.contains("<video") && html.contains(&poster), "{html}");
    assert!(temp_files(&app).is_empty());
}

#[tokio::test]
async fn a_file_of_another_kind_is_refused_and_leaves_nothing() {
    let Some(jpg) = photo() else { return };
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let before = count(&app, "SELECT COUNT(*) FROM media_assets").await;
    // A photo claimed to be a video, and a text file claimed to be an image.
    for (kind, name, bytes) in [
        ("video", "film.mp4", jpg.as_slice()),
        ("image", "foto.jpg", b"bukan gambar, hanya teks".as_slice()),
    ] {
        let body = multipart(
            &[("kind", kind)],
            Some((name, "application/octet-stream", bytes)),
        );
        let r = post_multipart(&app, &s, "/admin/media", body).await;
        assert_eq!(
            r.status(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "{kind} {name}"
        );
        let html = r.text().await.unwrap();
        assert!(html.contains("bukan"), "the reason is on the page: {html}");
        assert!(html.contains("role=\"alert\""));
    }
    // No kind chosen: asked for it.
    let body = multipart(&[], Some(("foto.jpg", "image/jpeg", &jpg)));
    let r = post_multipart(&app, &s, "/admin/media", body).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // No file chosen: back to the form.
    let body = multipart(
        &[("kind", "image")],
        Some(("", "application/octet-stream", b"")),
    );
    let r = post_multipart(&app, &s, "/admin/media", body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM media_assets").await,
        before
    );
    assert!(temp_files(&app).is_empty(), "{:?}", temp_files(&app));
    // The multipart route still needs the CSRF token (in the query).
    let r = crate::admin::client()
        .post(format!("{}/admin/media", app.base))
        .header(COOKIE, &s.cookie)
        .header(
            CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(multipart(
            &[("kind", "image")],
            Some(("a.jpg", "image/jpeg", &jpg)),
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn over_the_cap_is_413_with_a_message_and_the_caps_come_from_config_then_settings() {
    let Some(jpg) = photo() else { return };
    assert!(jpg.len() > 2_000_000, "the photo is over 2 MB");
    // The server is configured with a 1 MB image cap (as by PUSTAKA_UPLOAD_CAP_IMAGE_MB=1).
    let app = spawn_app_with(false, |c| c.upload_caps.image_mb = 1).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let upload = || {
        let body = multipart(&[("kind", "image")], Some(("rak.jpg", "image/jpeg", &jpg)));
        post_multipart(&app, &s, "/admin/media", body)
    };
    let r = upload().await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("terlalu besar") && html.contains("1 MB"),
        "{html}"
    );
    assert_eq!(count(&app, "SELECT COUNT(*) FROM media_assets").await, 0);
    assert!(temp_files(&app).is_empty(), "{:?}", temp_files(&app));
    // The page shows the cap too, for the script's check before sending.
    let page = send(&app, "GET", "/admin/media", Some(&s), &[], true).await;
    assert!(page.text().await.unwrap().contains("data-cap=\"1000000\""));

    // Settings are for administrators; a bad value is refused with the reason.
    let settings = |image: &'static str| {
        vec![
            ("upload_cap_image_mb".to_owned(), image.to_owned()),
            ("upload_cap_video_mb".to_owned(), String::new()),
            ("upload_cap_audio_mb".to_owned(), String::new()),
            ("upload_cap_catalog_mb".to_owned(), String::new()),
        ]
    };
    let r = send(
        &app,
        "POST",
        "/admin/settings",
        Some(&s),
        &settings("5"),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let admin = login(&app.base, "admin1", PASSWORD).await;
    for bad in ["0", "abc", "101"] {
        let r = send(
            &app,
            "POST",
            "/admin/settings",
            Some(&admin),
            &settings(bad),
            true,
        )
        .await;
        assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    }
    let r = send(
        &app,
        "POST",
        "/admin/settings",
        Some(&admin),
        &settings("5"),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = send(&app, "GET", "/admin/settings", Some(&admin), &[], true).await;
    assert!(page.text().await.unwrap().contains("value=\"5\""));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'settings.update' AND username = 'admin1'"
        )
        .await,
        1
    );
    // Now the same photo fits.
    let r = upload().await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(temp_files(&app).is_empty());
}

#[tokio::test]
async fn an_aborted_upload_leaves_no_temp_file_and_no_row() {
    let Some(jpg) = photo() else { return };
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut conn = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let head = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\nimage\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"rak.jpg\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    );
    // Announces 10 MB, sends the start of the photo, then hangs up.
    let request = format!(
        "POST /admin/media HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\n\
         Content-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: 10000000\r\n\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n{head}",
        s.cookie, s.csrf
    );
    conn.write_all(request.as_bytes()).await.unwrap();
    conn.write_all(&jpg[..1_000_000]).await.unwrap();
    conn.flush().await.unwrap();
    // While it is in flight, the upload is on disk in the temp folder (streamed).
    poll_until_async(
        "the upload streamed into the temp folder",
        Duration::from_secs(5),
        || {
            let seen: u64 = temp_files(&app)
                .iter()
                .map(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0))
                .sum();
            std::future::ready((seen > 0).then_some(()))
        },
    )
    .await;
    drop(conn);
    poll_until_async(
        "no temp file left after the cut upload",
        Duration::from_secs(5),
        || std::future::ready(temp_files(&app).is_empty().then_some(())),
    )
    .await;
    assert_eq!(count(&app, "SELECT COUNT(*) FROM media_assets").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action LIKE 'media.%'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn replacing_an_asset_switches_every_use_at_once() {
    let Some(jpg) = photo() else { return };
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let (title, old): (i64, String) = sqlx::query_as(
        "SELECT target_id, sha256 FROM content_media WHERE target_kind = 'title' AND role = 'cover'
          ORDER BY target_id LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let uses = count(
        &app,
        &format!("SELECT COUNT(*) FROM content_media WHERE sha256 = '{old}'"),
    )
    .await;
    assert!(uses >= 1);
    // The asset page says where it is used, with links.
    let page = send(
        &app,
        "GET",
        &format!("/admin/media/{old}"),
        Some(&s),
        &[],
        true,
    )
    .await;
    let html = page.text().await.unwrap();
    assert!(
        html.contains(&format!("href=\"/admin/titles/{title}\"")),
        "{html}"
    );
    // A pending draft names the old cover too.
    let draft = vec![
        (
            "synopsis_id".to_owned(),
            "Draf dengan sampul lama.".to_owned(),
        ),
        ("synopsis_en".to_owned(), String::new()),
        ("ebook_url".to_owned(), String::new()),
        ("age_group".to_owned(), String::new()),
        ("cover".to_owned(), old.clone()),
        ("trailer".to_owned(), String::new()),
    ];
    let r = send(
        &app,
        "POST",
        &format!("/admin/titles/{title}"),
        Some(&s),
        &draft,
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let body = multipart(&[], Some(("sampul baru.jpg", "image/jpeg", &jpg)));
    let r = post_multipart(&app, &s, &format!("/admin/media/{old}/replace"), body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let new = sha_from_location(&r);
    assert_ne!(new, old);
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM content_media WHERE sha256 = '{old}'")
        )
        .await,
        0
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM content_media WHERE sha256 = '{new}'")
        )
        .await,
        uses
    );
    let (data,): (String,) = sqlx::query_as("SELECT data FROM drafts WHERE target_id = ?")
        .bind(title)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(data.contains(&new) && !data.contains(&old), "{data}");
    let (detail,): (String,) = sqlx::query_as(
        "SELECT detail FROM audit_log WHERE action = 'media.replace' AND target = ?",
    )
    .bind(format!("media:{old}"))
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert!(detail.contains(&new), "{detail}");
    // The public overlay now serves the new file; the old one stays in the library.
    let (code,): (String,) = sqlx::query_as(
        "SELECT code FROM markers WHERE target_kind = 'title' AND target_id = ? LIMIT 1",
    )
    .bind(title)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let overlay = app
        .get(&format!("/api/v1/markers/{code}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        overlay.contains(&new) && !overlay.contains(&old),
        "{overlay}"
    );
    assert_eq!(
        count(
            &app,
            &format!("SELECT COUNT(*) FROM media_assets WHERE sha256 = '{old}'")
        )
        .await,
        1
    );
    // A replacement of another kind is refused, and nothing changes.
    let body = multipart(&[], Some(("x.jpg", "image/jpeg", b"not an image at all")));
    let r = post_multipart(&app, &s, &format!("/admin/media/{new}/replace"), body).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(temp_files(&app).is_empty());
}

#[tokio::test]
async fn a_real_catalogue_file_imports_and_the_report_shows_the_counts() {
    let Some(marc) = pustaka_test_support::data_path("catalog/evergreen_oss.marc") else {
        return;
    };
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let body = multipart(
        &[],
        Some((
            "evergreen_oss.marc",
            "application/marc",
            &std::fs::read(marc).unwrap(),
        )),
    );
    let r = post_multipart(&app, &s, "/admin/import", body).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The start is audited before any batch is written, each batch with what
    // it wrote (in its own transaction), then the outcome.
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, username, detail FROM audit_log
          WHERE target = 'import:evergreen_oss.marc' ORDER BY id",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        actions,
        [
            "catalog.import.start",
            "catalog.import.batch",
            "catalog.import"
        ]
    );
    assert_eq!(rows[1].1, "librarian1");
    assert_eq!(rows[1].2, "records 1–42: 39 new, 3 updated, 0 skipped");
    let html = r.text().await.unwrap();
    for (id, n) in [
        ("records", 42),
        ("imported", 39),
        ("updated", 3),
        ("skipped", 0),
    ] {
        assert!(
            html.contains(&format!("id=\"report-{id}\">{n}<")),
            "{id} = {n}: {html}"
        );
    }
    assert!(html.contains("MARC21"));
    assert_eq!(count(&app, "SELECT COUNT(*) FROM titles").await, 39);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM titles WHERE published = 1 AND source = 'marc:evergreen_oss.marc'"
        )
        .await,
        39,
        "imported titles are published"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM audit_log WHERE action = 'catalog.import' AND username = 'librarian1'"
        )
        .await,
        1
    );
    // A CSV with a row that has no title: skipped, with the reason on the page.
    let csv = "title,isbn\nSatu Judul,9789793062792\n,9780306406157\nTiga Judul,\n";
    let body = multipart(&[], Some(("katalog.csv", "text/csv", csv.as_bytes())));
    let r = post_multipart(&app, &s, "/admin/import", body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(html.contains("id=\"report-imported\">2<"), "{html}");
    assert!(html.contains("id=\"report-skipped\">1<"), "{html}");
    assert!(
        html.contains("9780306406157"),
        "the skipped record is named"
    );
    // Not a catalogue at all.
    let body = multipart(
        &[],
        Some((
            "foto.jpg",
            "image/jpeg",
            b"\xFF\xD8\xFF\xE0 not a catalogue",
        )),
    );
    let r = post_multipart(&app, &s, "/admin/import", body).await;
    assert_eq!(r.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert!(temp_files(&app).is_empty());
}
