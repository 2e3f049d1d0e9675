//! Uploads: decompression bombs refused before decoding, small photos
//! stored, audio re-muxed or refused.

use reqwest::StatusCode;
use reqwest::header::COOKIE;

use crate::admin::{PASSWORD, client, login, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

const BOUNDARY: &str = "----pustaka-hardening-7MA4YWxk";

/// Uploads `bytes` as an image through the media form (token first).
async fn upload_image(
    app: &TestApp,
    s: &crate::admin::StaffSession,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    upload(app, s, "image", name, bytes).await
}

/// Uploads `bytes` as media of `kind` through the media form (token first).
async fn upload(
    app: &TestApp,
    s: &crate::admin::StaffSession,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let mut body = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{kind}\r\n\
         --{BOUNDARY}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        s.csrf
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{BOUNDARY}--\r\n").as_bytes());
    client()
        .post(format!("{}/admin/media", app.base))
        .header(COOKIE, &s.cookie)
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={BOUNDARY}"),
        )
        .body(body)
        .send()
        .await
        .unwrap()
}

/// A PNG chunk: length, type, data, CRC-32 (ISO-HDLC, as PNG specifies).
fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let crc = |bytes: &[u8]| {
        let mut c: u32 = 0xffff_ffff;
        for b in bytes {
            c ^= u32::from(*b);
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xedb8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        !c
    };
    out.extend_from_slice(&u32::try_from(data.len()).unwrap().to_be_bytes());
    let mut typed = kind.to_vec();
    typed.extend_from_slice(data);
    out.extend_from_slice(&typed);
    out.extend_from_slice(&crc(&typed).to_be_bytes());
}

/// A small PNG whose header claims `side` × `side` pixels (a decompression
/// bomb's header; the pixel data is a few zero rows).
fn bomb_png(side: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&side.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]); // 8-bit grey
    png_chunk(&mut out, b"IHDR", &ihdr);
    // zlib: one stored block of 64 zero bytes, then its Adler-32.
    let raw = [0u8; 64];
    let mut z = vec![0x78, 0x01, 0x01, 64, 0, !64u8, 0xff];
    z.extend_from_slice(&raw);
    z.extend_from_slice(&(64u32 << 16 | 1).to_be_bytes());
    png_chunk(&mut out, b"IDAT", &z);
    png_chunk(&mut out, b"IEND", &[]);
    out
}

#[tokio::test]
async fn image_bombs_are_refused_and_small_photos_are_stored() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let r = upload_image(&app, &s, "bom.png", &bomb_png(12_000)).await;
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.text().await.unwrap().contains("10000"));
    // Small photos (320 px, the thumbnail size): the thumbnail is the photo itself.
    let img = image::RgbImage::from_fn(320, 240, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 90])
    });
    let mut jpg = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut jpg, image::ImageFormat::Jpeg)
        .unwrap();
    let r = upload_image(&app, &s, "kecil.jpg", jpg.get_ref()).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "JPEG");
    // The same as WebP (the image crate encodes no WebP; ffmpeg does). This
    // build decodes no WebP (the workspace's image features), so it is
    // refused; what matters here is that it is no server error.
    let dir = tempfile::tempdir().unwrap();
    let (src, webp) = (dir.path().join("kecil.jpg"), dir.path().join("kecil.webp"));
    std::fs::write(&src, jpg.get_ref()).unwrap();
    let made = std::process::Command::new("ffmpeg")
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(&src)
        .args(["-c:v", "libwebp"])
        .arg(&webp)
        .status()
        .is_ok_and(|s| s.success());
    if made {
        let r = upload_image(&app, &s, "kecil.webp", &std::fs::read(&webp).unwrap()).await;
        let status = r.status();
        assert!(
            status == StatusCode::SEE_OTHER || status.is_client_error(),
            "WebP: {status}"
        );
    } else {
        eprintln!("WebP part skipped: ffmpeg with libwebp missing");
    }
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media_assets WHERE kind = 'image'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(n >= 1);
}

#[tokio::test]
async fn audio_is_remuxed_without_its_tags_or_refused() {
    if !pustaka_backend::media::ingest::ffmpeg_available() {
        assert!(!pustaka_test_support::in_ci(), "ffmpeg is needed under CI");
        eprintln!("skipping: ffmpeg missing");
        return;
    }
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let dir = tempfile::tempdir().unwrap();
    let mp3 = dir.path().join("narasi.mp3");
    let made = std::process::Command::new("ffmpeg")
        .args([
            "-nostdin",
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:duration=1",
        ])
        .args([
            "-metadata",
            "title=JEJAK-RAHASIA-DI-TAG",
            "-c:a",
            "libmp3lame",
        ])
        .arg(&mp3)
        .status()
        .unwrap();
    assert!(made.success());
    let sent = std::fs::read(&mp3).unwrap();
    assert!(sent.windows(20).any(|w| w == b"JEJAK-RAHASIA-DI-TAG"));
    let r = upload(&app, &s, "audio", "narasi.mp3", &sent).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (sha, ext): (String, String) =
        sqlx::query_as("SELECT sha256, ext FROM media_assets WHERE kind = 'audio'")
            .fetch_one(&app.state.db)
            .await
            .unwrap();
    let stored = std::fs::read(
        app.dir
            .path()
            .join("media")
            .join(&sha[..2])
            .join(format!("{sha}.{ext}")),
    )
    .unwrap();
    assert!(
        !stored.windows(20).any(|w| w == b"JEJAK-RAHASIA-DI-TAG"),
        "tag kept"
    );
    // Sniffs as MP3 (an ID3 header) but is no audio: refused.
    let mut fake = b"ID3\x04\x00\x00\x00\x00\x00\x00".to_vec();
    fake.extend(std::iter::repeat_n(0x5a, 4000));
    let r = upload(&app, &s, "audio", "palsu.mp3", &fake).await;
    assert!(r.status().is_client_error(), "{}", r.status());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM media_assets WHERE kind = 'audio'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(n, 1);
}
