//! File and video frame sources against real media from the shared data folder.

use pustaka_mobile::camera::{FrameError, FrameSource, ImageFolderSource, VideoFileSource};

fn ffmpeg_available() -> bool {
    std::process::Command::new("ffmpeg")
        .arg("-version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn video_frames_come_upright_and_loop() {
    let Some(dir) = pustaka_test_support::data_path("video") else {
        return;
    };
    if !ffmpeg_available() {
        assert!(
            !pustaka_test_support::in_ci(),
            "CI must have ffmpeg (cargo xtask test installs it)"
        );
        eprintln!("SKIPPED: ffmpeg not installed");
        return;
    }
    // 720x480 stored with a 90° rotation tag: frames must come out 480x720.
    let mut rotated =
        VideoFileSource::open(&dir.join("derived_monster_rotate90_metadata.mp4"), false).unwrap();
    assert_eq!(rotated.size(), (480, 720));
    let f = rotated.next_frame().unwrap();
    assert_eq!((f.width, f.height), (480, 720));
    assert_eq!(f.luma.len(), 480 * 720);

    // A short clip read well past its end keeps delivering frames (looping).
    let mut small = VideoFileSource::open(&dir.join("mdn_rabbit320.webm"), false).unwrap();
    let (w, h) = small.size();
    let mut seen = 0;
    for _ in 0..400 {
        match small.next_frame() {
            Ok(f) => {
                assert_eq!((f.width, f.height), (w, h));
                seen += 1;
            }
            Err(FrameError::Source(_)) => {}
            Err(e) => panic!("{e}"),
        }
    }
    assert!(seen >= 390, "only {seen} frames of 400");
}

#[test]
fn bad_sources_are_errors_not_panics() {
    let dir = tempfile::tempdir().unwrap();
    let empty = ImageFolderSource::open(dir.path(), 15.0)
        .err()
        .map(|e| e.to_string());
    assert!(
        empty.is_some_and(|e| e.contains("no images at")),
        "empty folder"
    );
    let missing = ImageFolderSource::open(&dir.path().join("nope"), 15.0)
        .err()
        .map(|e| e.to_string());
    assert!(
        missing
            .as_deref()
            .is_some_and(|e| e.contains("no such file or folder")),
        "{missing:?}"
    );
    std::fs::write(dir.path().join("broken.jpg"), b"\xff\xd8 not really a jpeg").unwrap();
    let mut src = ImageFolderSource::open(dir.path(), 1000.0).unwrap();
    assert!(matches!(src.next_frame(), Err(FrameError::Source(_))));
    // One good image beside the broken one: the broken one is reported once, then skipped.
    image::RgbImage::from_pixel(8, 8, image::Rgb([10, 20, 30]))
        .save(dir.path().join("good.png"))
        .unwrap();
    let mut src = ImageFolderSource::open(dir.path(), 1000.0).unwrap();
    let results: Vec<bool> = (0..20).map(|_| src.next_frame().is_ok()).collect();
    assert_eq!(results.iter().filter(|ok| !**ok).count(), 1, "{results:?}");
    std::fs::remove_file(dir.path().join("good.png")).unwrap();
    let mut src = ImageFolderSource::open(dir.path(), 1000.0).unwrap();
    assert!(matches!(src.next_frame(), Err(FrameError::Source(_))));
    assert!(
        matches!(src.next_frame(), Err(FrameError::End)),
        "nothing readable is the end"
    );
    let not_video = dir.path().join("x.mp4");
    std::fs::write(&not_video, b"garbage").unwrap();
    if ffmpeg_available() {
        assert!(VideoFileSource::open(&not_video, false).is_err());
    }
}

/// A phone's full-size still (here 5200×3000 with a code in it) becomes a
/// camera-sized frame, aspect kept, and the code is still found in it.
#[test]
fn huge_photos_are_scaled_to_camera_size() {
    use pustaka_markers::{generate, payload::MarkerCode};
    use pustaka_mobile::camera::MAX_IMAGE_SIDE;

    let url = MarkerCode::parse("BK0001")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let code = generate::luma_image(&url, 16).unwrap();
    let (w, h) = (5200u32, 3000u32);
    let mut photo = image::GrayImage::from_pixel(w, h, image::Luma([210]));
    for y in 0..code.height() {
        for x in 0..code.width() {
            let v = code.data()[y * code.width() + x];
            photo.put_pixel(x as u32 + 2000, y as u32 + 1000, image::Luma([v]));
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("still.png");
    photo.save(&path).unwrap();

    let mut src = ImageFolderSource::open(&path, 1000.0).unwrap();
    let f = src.next_frame().unwrap();
    assert_eq!((f.width, f.height), (MAX_IMAGE_SIDE, 1477));
    assert_eq!(f.rgba.len(), (f.width * f.height * 4) as usize);
    let seen = pustaka_mobile::scan::scanning::scan_frame(&std::sync::Arc::new(f), &[]);
    assert_eq!(seen.codes.len(), 1, "{:?}", seen.codes);
}
