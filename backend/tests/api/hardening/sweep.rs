//! Leftovers of a crash are swept at start-up.

use std::time::Duration;

use crate::helpers::spawn_app;

/// Sets a file's (or folder's) modification time `ago` in the past.
fn age(path: &std::path::Path, ago: Duration) {
    let t = std::time::SystemTime::now() - ago;
    let f = if path.is_dir() {
        std::fs::File::open(path)
    } else {
        std::fs::File::options().write(true).open(path)
    };
    f.unwrap().set_modified(t).unwrap();
}

#[tokio::test]
async fn leftovers_of_a_crash_are_swept_at_start_up() {
    use pustaka_api::{MediaExt, MediaName};
    let app = spawn_app(false).await;
    let data = app.dir.path().to_path_buf();
    let old = Duration::from_secs(7 * 60 * 60);
    // A stored asset with its row: kept.
    let img = image::RgbImage::from_pixel(400, 300, image::Rgb([10, 120, 60]));
    let mut png = std::io::Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut png, image::ImageFormat::Png)
        .unwrap();
    let kept = pustaka_backend::media::ingest::ingest(
        &app.state.db,
        app.state.store.clone(),
        png.into_inner(),
        pustaka_api::MediaKind::Image,
    )
    .await
    .unwrap();
    let blob_path = |n: &MediaName| {
        data.join("media")
            .join(&n.sha256()[..2])
            .join(n.file_name())
    };
    age(&blob_path(&kept.name), old);
    // An old upload temp file, and one of an upload in flight.
    let tmp = data.join(pustaka_backend::admin::uploads::TEMP_DIR);
    std::fs::create_dir_all(&tmp).unwrap();
    std::fs::write(tmp.join("upload-old.bin"), b"x").unwrap();
    age(&tmp.join("upload-old.bin"), old);
    std::fs::write(tmp.join("upload-new.bin"), b"y").unwrap();
    // An ingest scratch folder of a crashed ingest.
    let scratch = app.state.store.scratch_dir().join("ingest-crashed");
    std::fs::create_dir_all(&scratch).unwrap();
    std::fs::write(scratch.join("input.bin"), b"z").unwrap();
    age(&scratch, old);
    // A staging file of a write cut short, and a blob whose commit never came.
    let orphan = MediaName::new(&"ab".repeat(32), MediaExt::Jpg).unwrap();
    let src = data.join("orphan.jpg");
    std::fs::write(&src, b"not committed").unwrap();
    assert!(app.state.store.put_file(&src, &orphan).await.unwrap());
    age(&blob_path(&orphan), old);
    let staging = blob_path(&orphan).with_file_name(format!("{}#7", orphan.file_name()));
    std::fs::write(&staging, b"half").unwrap();
    age(&staging, old);
    // A restart on the same data dir sweeps them.
    let restarted = pustaka_backend::Application::build(pustaka_backend::ServeConfig::for_tests(
        data.clone(),
        false,
    ))
    .await
    .unwrap();
    drop(restarted);
    assert!(!tmp.join("upload-old.bin").exists());
    assert!(
        tmp.join("upload-new.bin").exists(),
        "an upload in flight stays"
    );
    assert!(!scratch.exists());
    assert!(!staging.exists());
    assert!(!blob_path(&orphan).exists());
    assert!(blob_path(&kept.name).exists(), "a committed blob stays");
    if let Some(p) = &kept.preview {
        assert!(blob_path(p).exists(), "its thumbnail stays");
    }
}
