//! The demo seed's generated trailer: made by ffmpeg at seed time, run through
//! the video ingest, attached to BK0001, shown on its web page; and a seed
//! without ffmpeg that still succeeds, with no trailer and no stray file.

use pustaka_api::{MarkerOverlay, MediaKind, MediaRole};
use pustaka_backend::demo::{SeedOptions, TRAILER_CODE, TRAILER_SECS, seed_once_with};
use pustaka_backend::media::ingest::ffmpeg_available;
use pustaka_backend::media::store::{BlobStore, MediaStore};
use scraper::{Html, Selector};

use crate::helpers::spawn_app_with;

fn position(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

#[tokio::test]
async fn demo_title_has_a_generated_trailer_with_poster() {
    if !ffmpeg_available() {
        assert!(
            !pustaka_test_support::in_ci(),
            "ffmpeg is required under CI (Debian package `ffmpeg`)"
        );
        eprintln!("SKIPPED: ffmpeg/ffprobe not installed");
        return;
    }
    let app = spawn_app_with(true, |c| c.demo_trailer = true).await;
    let o: MarkerOverlay = app
        .get(&format!("/api/v1/markers/{TRAILER_CODE}"))
        .await
        .json()
        .await
        .unwrap();
    let trailer = o
        .media
        .iter()
        .find(|m| m.role == MediaRole::Trailer)
        .expect("trailer in the overlay");
    assert_eq!(trailer.kind, MediaKind::Video);
    assert_eq!(trailer.mime, "video/mp4");
    assert_eq!((trailer.width, trailer.height), (Some(360), Some(540)));
    let ms = trailer.duration_ms.expect("duration");
    let want = u64::from(TRAILER_SECS) * 1000;
    assert!(ms.abs_diff(want) <= 200, "duration {ms} ms");
    assert!(trailer.alt.as_deref().unwrap().contains("Si Kancil"));

    // The file: the advertised size, an MP4 whose index comes first (faststart).
    let bytes = app
        .client
        .get(&trailer.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, trailer.size_bytes);
    assert_eq!(&bytes[4..8], b"ftyp");
    let moov = position(&bytes, b"moov").expect("moov box");
    let mdat = position(&bytes, b"mdat").expect("mdat box");
    assert!(
        moov < mdat,
        "moov at {moov} after mdat at {mdat}: not faststart"
    );
    let ranged = app
        .client
        .get(&trailer.url)
        .header("Range", "bytes=-100")
        .send()
        .await
        .unwrap();
    assert_eq!(ranged.status(), 206);
    assert_eq!(
        ranged.bytes().await.unwrap().as_ref(),
        &bytes[bytes.len() - 100..]
    );

    // The poster frame.
    let poster_url = trailer.preview_url.clone().expect("poster");
    let poster = app.client.get(&poster_url).send().await.unwrap();
    assert_eq!(poster.status(), 200);
    assert_eq!(poster.headers()["content-type"], "image/jpeg");
    let poster = image::load_from_memory(&poster.bytes().await.unwrap()).unwrap();
    assert_eq!((poster.width(), poster.height()), (360, 540));

    // The web page plays it with the poster.
    let html = app
        .get(&format!("/m/{TRAILER_CODE}"))
        .await
        .text()
        .await
        .unwrap();
    let doc = Html::parse_document(&html);
    let video = doc
        .select(&Selector::parse("main video[controls]").unwrap())
        .next()
        .expect("video element");
    assert_eq!(video.value().attr("poster"), Some(poster_url.as_str()));
    let source = video
        .select(&Selector::parse("source").unwrap())
        .next()
        .expect("source element");
    assert_eq!(source.value().attr("src"), Some(trailer.url.as_str()));
    assert_eq!(source.value().attr("type"), Some("video/mp4"));
}

#[tokio::test]
async fn demo_seeds_without_ffmpeg_and_leaves_no_stray_file() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pustaka_backend::db::connect_and_migrate(dir.path())
        .await
        .unwrap();
    let media_dir = dir.path().join("media");
    let store: std::sync::Arc<dyn BlobStore> =
        std::sync::Arc::new(MediaStore::local(&media_dir).unwrap());
    let options = SeedOptions {
        ffmpeg: dir.path().join("no-such-ffmpeg").into(),
        trailer: true,
    };
    assert!(seed_once_with(&pool, store, &options).await.unwrap());

    let (trailers,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM content_media WHERE role = 'trailer'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(trailers, 0);
    let (videos,): (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM media_assets WHERE kind = 'video'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(videos, 0);
    // Every stored file has its row; nothing is left in scratch.
    let (assets,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM media_assets")
        .fetch_one(&pool)
        .await
        .unwrap();
    let mut files = 0;
    for shard in std::fs::read_dir(&media_dir).unwrap() {
        let shard = shard.unwrap();
        if shard.file_name() == ".incoming" {
            assert_eq!(std::fs::read_dir(shard.path()).unwrap().count(), 0);
            continue;
        }
        files += std::fs::read_dir(shard.path()).unwrap().count();
    }
    assert_eq!(files as i64, assets);
    // The rest of the demo is there.
    let (markers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM markers")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(markers, 10);
}
