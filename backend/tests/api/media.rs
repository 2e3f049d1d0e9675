//! `/media/{sha256}.{ext}`: Range edge cases byte for byte, HEAD, 416, path
//! traversal; and the ingest pipeline's all-or-nothing rules.

use std::io::Cursor;

use pustaka_api::{MarkerOverlay, MediaKind};
use pustaka_backend::media::ingest::{IngestError, ffmpeg_available, ingest};

use crate::helpers::{TestApp, spawn_app};

/// The demo cover of BK0001: its URL path and its bytes as stored.
async fn cover(app: &TestApp) -> (String, Vec<u8>) {
    let o: MarkerOverlay = app
        .get("/api/v1/markers/BK0001")
        .await
        .json()
        .await
        .unwrap();
    let url = o.media[0].url.clone();
    let path = url.strip_prefix(&app.base).unwrap().to_owned();
    let name = path.trim_start_matches("/media/");
    let on_disk = app.dir.path().join("media").join(&name[..2]).join(name);
    (path, std::fs::read(on_disk).expect("stored file"))
}

async fn ranged(app: &TestApp, path: &str, range: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header("Range", range)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn full_get_is_immutable_and_advertises_ranges() {
    let app = spawn_app(true).await;
    let (path, file) = cover(&app).await;
    let resp = app.get(&path).await;
    assert_eq!(resp.status(), 200);
    let h = resp.headers().clone();
    assert_eq!(h["accept-ranges"], "bytes");
    assert!(h["cache-control"].to_str().unwrap().contains("immutable"));
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["content-length"], file.len().to_string().as_str());
    assert_eq!(resp.bytes().await.unwrap().as_ref(), file.as_slice());

    let head = app
        .client
        .head(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(
        head.headers()["content-length"],
        file.len().to_string().as_str()
    );
    assert!(head.bytes().await.unwrap().is_empty());
}

#[tokio::test]
async fn if_range_with_another_validator_gets_the_whole_blob_and_blobs_are_sandboxed() {
    let app = spawn_app(true).await;
    let (path, file) = cover(&app).await;
    let etag = app.get(&path).await.headers()["etag"]
        .to_str()
        .unwrap()
        .to_owned();
    let with_if_range = |validator: String| {
        app.client
            .get(format!("{}{path}", app.base))
            .header("Range", "bytes=0-99")
            .header("If-Range", validator)
            .send()
    };
    let same = with_if_range(etag.clone()).await.unwrap();
    assert_eq!(same.status(), 206);
    for other in [
        "\"0000\"".to_owned(),
        format!("W/{etag}"),
        "Sat, 05 Dec 2026 02:00:00 GMT".to_owned(),
    ] {
        let r = with_if_range(other.clone()).await.unwrap();
        assert_eq!(r.status(), 200, "If-Range: {other}");
        assert_eq!(r.bytes().await.unwrap().as_ref(), file.as_slice());
    }
    let csp = app.get(&path).await.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(csp, pustaka_backend::media::serve::MEDIA_CSP);
}

#[tokio::test]
async fn ranges_are_exact_bytes() {
    let app = spawn_app(true).await;
    let (path, file) = cover(&app).await;
    let n = file.len();
    let cases: [(String, usize, usize); 6] = [
        ("bytes=0-0".into(), 0, 0),
        ("bytes=0-99".into(), 0, 99),
        ("bytes=100-".into(), 100, n - 1),
        ("bytes=-100".into(), n - 100, n - 1),
        (format!("bytes=-{}", n + 50), 0, n - 1),
        (format!("bytes={}-{}", n - 10, n + 1000), n - 10, n - 1),
    ];
    for (range, start, end) in cases {
        let resp = ranged(&app, &path, &range).await;
        assert_eq!(resp.status(), 206, "{range}");
        assert_eq!(
            resp.headers()["content-range"],
            format!("bytes {start}-{end}/{n}").as_str(),
            "{range}"
        );
        assert_eq!(
            resp.headers()["content-length"],
            (end - start + 1).to_string().as_str()
        );
        let body = resp.bytes().await.unwrap();
        assert_eq!(body.as_ref(), &file[start..=end], "{range}");
    }
}

#[tokio::test]
async fn unsatisfiable_ranges_are_416_and_bad_ones_ignored() {
    let app = spawn_app(true).await;
    let (path, file) = cover(&app).await;
    let n = file.len();
    for range in [
        format!("bytes={n}-"),
        format!("bytes={}-{}", n + 5, n + 9),
        "bytes=-0".into(),
    ] {
        let resp = ranged(&app, &path, &range).await;
        assert_eq!(resp.status(), 416, "{range}");
        assert_eq!(
            resp.headers()["content-range"],
            format!("bytes */{n}").as_str()
        );
    }
    // Malformed or multi-range: the whole file, 200.
    for range in ["bytes=9-3", "bytes=0-1,4-5", "pages=1-2", "bytes=abc"] {
        let resp = ranged(&app, &path, range).await;
        assert_eq!(resp.status(), 200, "{range}");
        assert_eq!(resp.bytes().await.unwrap().len(), n);
    }
}

#[tokio::test]
async fn path_traversal_never_leaves_the_store() {
    let app = spawn_app(true).await;
    // A file next to the store that must never be served.
    std::fs::write(app.dir.path().join("secret.txt"), b"rahasia").unwrap();
    let attempts = [
        "/media/..%2Fsecret.txt",
        "/media/..%2F..%2Fpustaka.db",
        "/media/%2e%2e%2fsecret.txt",
        "/media/..%5Csecret.txt",
        "/media/..\\secret.txt",
        "/media/C:%5CWindows%5Cwin.ini",
        "/media/c:secret.txt",
        "/media/secret.txt%00.png",
        "/media/%00",
        "/media/pustaka.db",
        "/media/.incoming",
        "/m/..%2F..%2Fpustaka.db",
        "/m/%2e%2e%5csecret.txt",
        "/m/C:%5Csecret",
        "/m/BK0001%00",
        "/m/BK0001/..%2F..%2Fsecret.txt",
    ];
    for p in attempts {
        let resp = app.get(p).await;
        let status = resp.status().as_u16();
        assert!(matches!(status, 400 | 404), "{p} → {status}");
        let body = resp.bytes().await.unwrap();
        assert!(
            !body.windows(7).any(|w| w == b"rahasia") && !body.starts_with(b"SQLite"),
            "{p} leaked a file"
        );
    }
}

/// A JPEG with an EXIF block that holds a GPS tag, made in memory.
fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, 90]));
    let mut buf = Cursor::new(Vec::new());
    img.write_to(&mut buf, image::ImageFormat::Jpeg).unwrap();
    let jpeg = buf.into_inner();
    let payload = b"Exif\0\0MM\0*GPSLatitude-5.1130 GPSLongitude105.3067";
    let mut app1 = vec![0xFF, 0xE1];
    app1.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    app1.extend_from_slice(payload);
    [&jpeg[..2], &app1[..], &jpeg[2..]].concat()
}

#[tokio::test]
async fn images_are_reencoded_without_exif_and_get_a_thumbnail() {
    let app = spawn_app(false).await;
    let input = jpeg_with_exif();
    assert!(input.windows(4).any(|w| w == b"Exif"));
    let asset = ingest(
        &app.state.db,
        app.state.store.clone(),
        input,
        MediaKind::Image,
    )
    .await
    .unwrap();
    assert_eq!((asset.width, asset.height), (Some(64), Some(48)));
    let stored = app.get(&format!("/media/{}", asset.name.file_name())).await;
    assert_eq!(stored.headers()["content-type"], "image/jpeg");
    let bytes = stored.bytes().await.unwrap();
    assert!(!bytes.windows(4).any(|w| w == b"Exif"));
    assert!(!bytes.windows(3).any(|w| w == b"GPS"));
    assert_eq!(asset.size_bytes, bytes.len() as u64);
    let thumb = asset.preview.expect("thumbnail");
    assert_eq!(
        app.get(&format!("/media/{}", thumb.file_name()))
            .await
            .status(),
        200
    );
}

fn files_in_store(app: &TestApp) -> usize {
    fn count(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|rd| {
                rd.flatten()
                    .map(|e| {
                        let p = e.path();
                        if p.is_dir() { count(&p) } else { 1 }
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
    count(&app.dir.path().join("media"))
}

async fn asset_rows(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM media_assets")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    n
}

#[tokio::test]
async fn failed_ingests_leave_no_file_and_no_row() {
    let app = spawn_app(false).await;
    let png = {
        let mut buf = Cursor::new(Vec::new());
        image::RgbImage::new(8, 8)
            .write_to(&mut buf, image::ImageFormat::Png)
            .unwrap();
        buf.into_inner()
    };
    let store = app.state.store.clone();
    // A PNG claimed as a video.
    let err = ingest(&app.state.db, store.clone(), png.clone(), MediaKind::Video)
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Mismatch { .. }), "{err}");
    // Text pretending to be anything.
    let err = ingest(
        &app.state.db,
        store.clone(),
        b"<html>hi</html>".to_vec(),
        MediaKind::Image,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, IngestError::Unsupported(_)), "{err}");
    // A truncated PNG: sniffs as PNG, cannot be decoded.
    let err = ingest(
        &app.state.db,
        store.clone(),
        png[..40].to_vec(),
        MediaKind::Image,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, IngestError::Decode(_)), "{err}");
    // Empty.
    let err = ingest(&app.state.db, store.clone(), Vec::new(), MediaKind::Image)
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Size(0)), "{err}");
    assert_eq!(files_in_store(&app), 0);
    assert_eq!(asset_rows(&app).await, 0);

    // A database failure half-way through the ingest: nothing stays.
    sqlx::query("CREATE TRIGGER no_renditions BEFORE INSERT ON media_renditions BEGIN SELECT RAISE(ABORT, 'refused'); END")
        .execute(&app.state.db)
        .await
        .unwrap();
    let err = ingest(&app.state.db, store, png, MediaKind::Image)
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Db(_)), "{err}");
    assert_eq!(files_in_store(&app), 0);
    assert_eq!(asset_rows(&app).await, 0);
}

#[tokio::test]
async fn videos_are_normalised_with_poster_and_duration() {
    if !ffmpeg_available() {
        assert!(
            !pustaka_test_support::in_ci(),
            "ffmpeg is required under CI (Debian package `ffmpeg`)"
        );
        eprintln!("SKIPPED: ffmpeg/ffprobe not installed");
        return;
    }
    let app = spawn_app(true).await;
    let src = app.dir.path().join("in.webm");
    // A 3-second 320×240 test pattern in VP8/WebM: not what phones want.
    let ok = std::process::Command::new("ffmpeg")
        .args([
            "-v",
            "error",
            "-f",
            "lavfi",
            "-i",
            "testsrc=duration=3:size=320x240:rate=15",
            "-c:v",
            "libvpx",
            "-b:v",
            "200k",
        ])
        .arg(&src)
        .status()
        .unwrap();
    assert!(ok.success());
    let asset = ingest(
        &app.state.db,
        app.state.store.clone(),
        std::fs::read(&src).unwrap(),
        MediaKind::Video,
    )
    .await
    .unwrap();
    assert_eq!(asset.name.ext(), pustaka_api::MediaExt::Mp4);
    assert_eq!((asset.width, asset.height), (Some(320), Some(240)));
    let ms = asset.duration_ms.unwrap();
    assert!((2900..=3100).contains(&ms), "{ms} ms");
    let bytes = app
        .get(&format!("/media/{}", asset.name.file_name()))
        .await
        .bytes()
        .await
        .unwrap();
    // faststart: the `moov` index comes before the `mdat` media data.
    let find = |tag: &[u8]| bytes.windows(4).position(|w| w == tag).unwrap();
    assert!(find(b"moov") < find(b"mdat"));
    assert!(bytes.windows(4).any(|w| w == b"avc1"), "H.264");
    let poster = asset.preview.expect("poster");
    assert_eq!(poster.ext(), pustaka_api::MediaExt::Jpg);

    // Attached as Malin Kundang's trailer, it shows in the overlay and on the web page.
    sqlx::query(
        "INSERT INTO content_media (target_kind, target_id, role, sha256)
         SELECT 'title', id, 'trailer', ? FROM titles WHERE isbn13 = '9786020000028'",
    )
    .bind(asset.name.sha256())
    .execute(&app.state.db)
    .await
    .unwrap();
    let o: MarkerOverlay = app
        .get("/api/v1/markers/BK0002")
        .await
        .json()
        .await
        .unwrap();
    let trailer = o
        .media
        .iter()
        .find(|m| m.role == pustaka_api::MediaRole::Trailer)
        .expect("trailer in overlay");
    assert_eq!(trailer.kind, MediaKind::Video);
    assert_eq!(trailer.mime, "video/mp4");
    assert_eq!(trailer.duration_ms, Some(ms));
    let poster_url = format!("{}/media/{}", app.base, poster.file_name());
    assert_eq!(trailer.preview_url.as_deref(), Some(poster_url.as_str()));
    let html = scraper::Html::parse_document(&app.get("/m/BK0002").await.text().await.unwrap());
    let video = scraper::Selector::parse("video[controls]").unwrap();
    let v = html.select(&video).next().expect("video element");
    assert_eq!(v.value().attr("poster"), Some(poster_url.as_str()));
    let source = scraper::Selector::parse("video source[type=\"video/mp4\"]").unwrap();
    assert_eq!(
        html.select(&source).next().unwrap().value().attr("src"),
        Some(trailer.url.as_str())
    );
    let og = scraper::Selector::parse("meta[property=\"og:video\"]").unwrap();
    assert!(html.select(&og).next().is_some());
}

/// A store whose second `put_file` fails, as a full disk or a network store
/// that drops half-way through an ingest would.
struct FailingSecondPut {
    inner: pustaka_backend::media::store::MediaStore,
    puts: std::sync::atomic::AtomicUsize,
}

#[async_trait::async_trait]
impl pustaka_backend::media::store::BlobStore for FailingSecondPut {
    async fn put_file(
        &self,
        src: &std::path::Path,
        name: &pustaka_api::MediaName,
    ) -> std::io::Result<bool> {
        if self.puts.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            return Err(std::io::Error::other("disk full"));
        }
        self.inner.put_file(src, name).await
    }
    async fn size(&self, name: &pustaka_api::MediaName) -> std::io::Result<Option<u64>> {
        self.inner.size(name).await
    }
    async fn read_range(
        &self,
        name: &pustaka_api::MediaName,
        range: std::ops::Range<u64>,
    ) -> std::io::Result<pustaka_backend::media::store::ByteStream> {
        self.inner.read_range(name, range).await
    }
    async fn remove(&self, name: &pustaka_api::MediaName) -> std::io::Result<()> {
        self.inner.remove(name).await
    }
    fn scratch_dir(&self) -> &std::path::Path {
        self.inner.scratch_dir()
    }
}

#[tokio::test]
async fn a_store_failure_mid_ingest_undoes_the_blobs_already_put() {
    let app = spawn_app(false).await;
    let store = std::sync::Arc::new(FailingSecondPut {
        inner: pustaka_backend::media::store::MediaStore::local(&app.dir.path().join("media"))
            .unwrap(),
        puts: Default::default(),
    });
    let png = {
        let mut buf = Cursor::new(Vec::new());
        image::RgbImage::new(64, 64)
            .write_to(&mut buf, image::ImageFormat::Png)
            .unwrap();
        buf.into_inner()
    };
    // An image ingest puts two blobs (picture, thumbnail): the second fails.
    let err = ingest(&app.state.db, store.clone(), png, MediaKind::Image)
        .await
        .unwrap_err();
    assert!(matches!(err, IngestError::Io(_)), "{err}");
    assert_eq!(store.puts.load(std::sync::atomic::Ordering::SeqCst), 2);
    assert_eq!(files_in_store(&app), 0, "no orphaned blob, no scratch file");
    assert_eq!(asset_rows(&app).await, 0);
}

#[tokio::test]
async fn media_is_served_the_same_from_another_object_store() {
    // `memory:///` stands for any non-local object store (S3 in production):
    // ingest and Range serving go through the same object_store calls.
    let app =
        crate::helpers::spawn_app_with(true, |c| c.media_store = Some("memory:///".into())).await;
    let o: MarkerOverlay = app
        .get("/api/v1/markers/BK0001")
        .await
        .json()
        .await
        .unwrap();
    let cover = &o.media[0];
    let path = cover.url.strip_prefix(&app.base).unwrap();
    // Nothing in the local media folder but the (empty) scratch folder.
    assert_eq!(files_in_store(&app), 0);
    let full = app.get(path).await.bytes().await.unwrap();
    assert_eq!(full.len() as u64, cover.size_bytes);
    let n = full.len();
    for (range, start, end) in [
        ("bytes=0-99".to_owned(), 0, 99),
        ("bytes=-10".to_owned(), n - 10, n - 1),
        (format!("bytes={}-", n - 5), n - 5, n - 1),
    ] {
        let resp = ranged(&app, path, &range).await;
        assert_eq!(resp.status(), 206, "{range}");
        assert_eq!(
            resp.headers()["content-range"],
            format!("bytes {start}-{end}/{n}").as_str()
        );
        assert_eq!(resp.bytes().await.unwrap().as_ref(), &full[start..=end]);
    }
    let resp = ranged(&app, path, &format!("bytes={n}-")).await;
    assert_eq!(resp.status(), 416);
    assert_eq!(
        resp.headers()["content-range"],
        format!("bytes */{n}").as_str()
    );
    let head = app
        .client
        .head(format!("{}{path}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), 200);
    assert_eq!(head.headers()["content-length"], n.to_string().as_str());
}
