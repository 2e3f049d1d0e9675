//! Pictures sized for phones: a code page's picture comes with `srcset`
//! copies 320, 640 and 960 pixels wide, made once (here: for an image
//! stored without them, on the page's first request) and served like any
//! media file.

use pustaka_api::MediaKind;
use pustaka_backend::demo::TRAILER_CODE;
use pustaka_backend::media::ingest::ingest;
use reqwest::StatusCode;

use crate::admin::{PASSWORD, fields, login, send, staff_accounts};
use crate::helpers::spawn_app;

/// A big noisy photo-like JPEG (2400×3200), about what a phone camera gives.
pub fn big_photo() -> Vec<u8> {
    let mut seed: u32 = 0x2545_f491;
    let img = image::RgbImage::from_fn(2400, 3200, |x, y| {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        let n = (seed & 0x3f) as u8;
        image::Rgb([(x / 10) as u8 ^ n, (y / 13) as u8 ^ n, 90 ^ n])
    });
    let mut buf = std::io::Cursor::new(Vec::new());
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut buf, 92)
        .encode_image(&img)
        .unwrap();
    buf.into_inner()
}

#[tokio::test]
async fn a_big_cover_is_offered_in_phone_widths() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let cover = ingest(
        &app.state.db,
        app.state.store.clone(),
        big_photo(),
        MediaKind::Image,
    )
    .await
    .unwrap();
    let sha = cover.name.sha256().to_owned();
    let title: i64 = sqlx::query_scalar(
        "SELECT target_id FROM markers WHERE code = ? AND target_kind = 'title'",
    )
    .bind(TRAILER_CODE)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let back = format!("/admin/titles/{title}");
    let pick = fields(&[("back", &back), ("field", "cover"), ("sha256", &sha)]);
    assert_eq!(
        send(&app, "POST", "/admin/pick", Some(&s), &pick, true)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
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

    let page = app
        .get(&format!("/m/{TRAILER_CODE}"))
        .await
        .text()
        .await
        .unwrap();
    let img = page
        .split("<img ")
        .nth(1)
        .and_then(|t| t.split('>').next())
        .expect("a picture on the page")
        .to_owned();
    let attr = |name: &str| -> String {
        img.split(&format!(" {name}=\""))
            .nth(1)
            .or_else(|| img.strip_prefix(&format!("{name}=\"")))
            .and_then(|v| v.split('"').next())
            .unwrap_or_default()
            .replace("&#x2f;", "/")
    };
    let srcset = attr("srcset");
    assert!(!attr("sizes").is_empty(), "{img}");
    let candidates: Vec<(String, u32)> = srcset
        .split(", ")
        .map(|c| {
            let (url, w) = c.rsplit_once(' ').unwrap();
            (url.to_owned(), w.trim_end_matches('w').parse().unwrap())
        })
        .collect();
    let widths: Vec<u32> = candidates.iter().map(|c| c.1).collect();
    assert_eq!(
        widths,
        vec![320, 640, 960, cover.width.unwrap()],
        "{srcset}"
    );
    // Each copy is served and as wide as it says, and much smaller.
    for (url, w) in &candidates[..3] {
        let r = reqwest::get(url).await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{url}");
        let bytes = r.bytes().await.unwrap();
        let copy = image::load_from_memory(&bytes).unwrap();
        assert_eq!(copy.width(), *w);
        assert!(
            (bytes.len() as u64) < cover.size_bytes / 3,
            "{url}: {} bytes",
            bytes.len()
        );
    }
    // `src` (for browsers without srcset) is the 640 px copy, not the photo.
    assert_eq!(attr("src"), candidates[1].0);
    // Made once: the rows are there, and asking again makes no more.
    let count = || async {
        sqlx::query_scalar::<_, i64>(
            "SELECT COUNT(*) FROM media_renditions WHERE source_sha256 = ? AND role LIKE 'w%'",
        )
        .bind(&sha)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
    };
    assert_eq!(count().await, 3);
    let again = pustaka_backend::media::widths::ensure(
        &app.state.db,
        app.state.store.clone(),
        &cover.name,
        cover.width.unwrap(),
    )
    .await
    .unwrap();
    assert_eq!(again.len(), 3);
    assert_eq!(count().await, 3);
    // The copies stay out of the picker and the library.
    let html = send(
        &app,
        "GET",
        &format!("/admin/pick?back={back}&field=cover&q="),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    for (url, _) in &candidates[..3] {
        let file = url.rsplit('/').next().unwrap();
        assert!(
            !html.contains(file.split('.').next().unwrap()),
            "a copy is offered: {file}"
        );
    }
}
