//! Captions and narration over real HTTP: a librarian uploads `WebVTT`
//! captions for a video (anything else is refused), they are served as
//! `text/vtt`, listed in the API's media and as `<track>` on the code's page;
//! a stop's recorded narration is chosen in the picker, published, and
//! played on the stop's page with `<audio controls>`.

use std::process::Command;

use pustaka_api::MediaKind;
use pustaka_backend::demo::TRAILER_CODE;
use pustaka_backend::media::ingest::{ffmpeg_available, ingest};
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, LOCATION};

use crate::admin::{PASSWORD, fields, login, send, staff_accounts};
use crate::admin_ops::{multipart, post_multipart};
use crate::helpers::spawn_app;

const VTT: &str = "WEBVTT\n\n00:00.000 --> 00:02.000\nSeorang petani menangkap ikan mas.\n";

#[tokio::test]
async fn webvtt_captions_are_uploaded_served_and_shown_with_the_video() {
    if !ffmpeg_available() {
        eprintln!("skipped: the demo trailer needs ffmpeg");
        return;
    }
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // A short clip becomes the first demo title's trailer (the test seed has none).
    let clip = ingest(
        &app.state.db,
        app.state.store.clone(),
        clip_mp4(),
        MediaKind::Video,
    )
    .await
    .unwrap();
    let video = clip.name.sha256().to_owned();
    let title: i64 = sqlx::query_scalar(
        "SELECT target_id FROM markers WHERE code = ? AND target_kind = 'title'",
    )
    .bind(TRAILER_CODE)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let back = format!("/admin/titles/{title}");
    let pick = fields(&[("back", &back), ("field", "trailer"), ("sha256", &video)]);
    let r = send(&app, "POST", "/admin/pick", Some(&s), &pick, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = send(
        &app,
        "POST",
        &format!("{back}/publish"),
        Some(&s),
        &[],
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let path = format!("/admin/media/{video}/captions");
    // An SRT file, a text that merely contains WEBVTT later, and no language: refused.
    for (lang, bytes, status) in [
        (
            "id",
            b"1\n00:00:00,000 --> 00:00:02,000\nHalo\n".as_slice(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        (
            "id",
            b"catatan\nWEBVTT\n".as_slice(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("", VTT.as_bytes(), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let body = multipart(&[("lang", lang)], Some(("teks.vtt", "text/vtt", bytes)));
        let r = post_multipart(&app, &s, &path, body).await;
        assert_eq!(
            r.status(),
            status,
            "{lang} {:?}",
            String::from_utf8_lossy(bytes)
        );
    }
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media_captions")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(stored, 0, "a refused file was stored");

    let body = multipart(
        &[("lang", "id")],
        Some(("cuplikan.vtt", "text/vtt", VTT.as_bytes())),
    );
    let r = post_multipart(&app, &s, &path, body).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()[LOCATION]
            .to_str()
            .unwrap()
            .ends_with("#captions")
    );
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'media.captions'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    assert_eq!(audit, 1);

    // The API carries the track; the file is served as WebVTT.
    let api: serde_json::Value = app
        .get(&format!("/api/v1/titles/{title}"))
        .await
        .json()
        .await
        .unwrap();
    let trailer = api["media"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["role"] == "trailer")
        .unwrap()
        .clone();
    let tracks = trailer["captions"].as_array().expect("captions in the API");
    assert_eq!(tracks.len(), 1, "{trailer}");
    assert_eq!(tracks[0]["lang"], "id");
    let url = tracks[0]["url"].as_str().unwrap().to_owned();
    let vtt = reqwest::get(&url).await.unwrap();
    assert_eq!(vtt.status(), StatusCode::OK);
    assert!(
        vtt.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/vtt")
    );
    assert_eq!(vtt.text().await.unwrap(), VTT);
    // The browser shell's list for the same video.
    let listed: serde_json::Value = app
        .get(&format!("/media/tracks/{video}.mp4.json"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed[0]["url"].as_str(), Some(url.as_str()));

    // The code's page has the track in its <video>, Indonesian by default.
    let page = app
        .get(&format!("/m/{TRAILER_CODE}"))
        .await
        .text()
        .await
        .unwrap();
    let video_tag = page.split("<video").nth(1).expect("a video on the page");
    let video_tag = video_tag.split("</video>").next().unwrap();
    assert!(
        video_tag.contains("<track kind=\"captions\" srclang=\"id\"")
            && video_tag.contains(&url)
            && video_tag.contains(" default"),
        "{video_tag}"
    );
}

/// A second of a test picture with a tone as MP4, made by ffmpeg.
fn clip_mp4() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("klip.mp4");
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=160x120:rate=10:duration=2",
        ])
        .args(["-f", "lavfi", "-i", "sine=frequency=440:duration=2"])
        .args([
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-shortest",
        ])
        .arg(&out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg made no video");
    std::fs::read(out).unwrap()
}

/// A second of a tone as AAC in M4A, made by ffmpeg.
fn tone_m4a() -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("narasi.m4a");
    let ok = Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
        ])
        .args(["-c:a", "aac"])
        .arg(&out)
        .status()
        .unwrap()
        .success();
    assert!(ok, "ffmpeg made no audio");
    std::fs::read(out).unwrap()
}

#[tokio::test]
async fn a_stops_recorded_narration_plays_on_its_page() {
    if !ffmpeg_available() {
        eprintln!("skipped: audio ingest needs ffmpeg");
        return;
    }
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let audio = ingest(
        &app.state.db,
        app.state.store.clone(),
        tone_m4a(),
        MediaKind::Audio,
    )
    .await
    .unwrap();
    let (code, stop, tour): (String, i64, i64) = sqlx::query_as(
        "SELECT m.code, s.id, s.tour_id FROM markers m JOIN tour_stops s ON s.id = m.target_id
          WHERE m.target_kind = 'tour_stop' ORDER BY s.position LIMIT 1",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let back = format!("/admin/tours/{tour}/stops/s{stop}");
    let r = send(
        &app,
        "POST",
        "/admin/pick",
        Some(&s),
        &fields(&[
            ("back", &back),
            ("field", "narration_audio"),
            ("sha256", audio.name.sha256()),
        ]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = send(
        &app,
        "POST",
        &format!("/admin/tours/{tour}/publish"),
        Some(&s),
        &[],
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let api: serde_json::Value = app
        .get(&format!("/api/v1/tours/{tour}"))
        .await
        .json()
        .await
        .unwrap();
    let first = &api["stops"][0];
    assert!(
        first["narration_audio"]["url"]
            .as_str()
            .is_some_and(|u| u.contains(audio.name.sha256())),
        "{first}"
    );
    let page = app.get(&format!("/m/{code}")).await.text().await.unwrap();
    assert!(
        page.contains("<audio controls") && page.contains(audio.name.sha256()),
        "{page}"
    );
}
