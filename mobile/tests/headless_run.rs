//! The real binary in headless mode under a (virtual) display: it must draw
//! the camera picture and a card, and report the resolved code.
//! Needs `DISPLAY` (the test command runs everything under `xvfb-run`).

use std::process::Command;

use pustaka_markers::{generate, payload::MarkerCode};

#[test]
fn headless_run_writes_screenshot_and_report() {
    if std::env::var_os("DISPLAY").is_none() {
        assert!(
            !pustaka_test_support::in_ci(),
            "CI must run this test under xvfb-run"
        );
        eprintln!("SKIPPED: no DISPLAY; run under xvfb-run -a");
        return;
    }
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let server = rt
        .block_on(pustaka_backend::Application::build(
            pustaka_backend::ServeConfig::for_tests(dir.path().join("data"), true),
        ))
        .unwrap();
    let base = format!("http://{}", server.local_addr());
    rt.spawn(server.run_until_stopped());

    // A scene: one demo code pasted on a grey page.
    let url = MarkerCode::parse("BK0002")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let code = generate::luma_image(&url, 6).unwrap();
    let (w, h) = (800u32, 600u32);
    let mut page = image::GrayImage::from_pixel(w, h, image::Luma([190]));
    for y in 0..code.height() as u32 {
        for x in 0..code.width() as u32 {
            let v = code.data()[(y as usize) * code.width() + x as usize];
            page.put_pixel(x + 250, y + 200, image::Luma([v]));
        }
    }
    let scene = dir.path().join("scene.png");
    page.save(&scene).unwrap();
    let shot = dir.path().join("shot.png");
    let report = dir.path().join("report.json");

    let status = Command::new(env!("CARGO_BIN_EXE_pustaka-ar"))
        .args([
            "--headless",
            "--frames",
            "40",
            "--server",
            &base,
            "--source",
        ])
        .arg(&scene)
        .arg("--screenshot")
        .arg(&shot)
        .arg("--report")
        .arg(&report)
        .status()
        .unwrap();
    assert!(status.success(), "pustaka-ar exited with {status}");

    let img = image::open(&shot).unwrap().to_rgb8();
    let mean = img
        .pixels()
        .map(|p| p.0.iter().map(|&c| c as u64).sum::<u64>())
        .sum::<u64>() as f64
        / (img.width() * img.height() * 3) as f64;
    assert!(mean > 40.0, "screenshot is (nearly) black: mean {mean}");
    let out_dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let _ = std::fs::copy(&shot, out_dir.join("headless_run.png"));

    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let scans = report["scans"].as_array().unwrap();
    assert!(
        scans.iter().any(|s| s["detections"]
            .as_array()
            .unwrap()
            .iter()
            .any(|d| d["code"] == "BK0002")),
        "no scan saw BK0002: {report}"
    );

    // A screenshot that cannot be saved (its folder does not exist) fails the
    // run, even without --report, instead of exiting 0 with nothing written.
    let status = Command::new(env!("CARGO_BIN_EXE_pustaka-ar"))
        .args(["--headless", "--frames", "5", "--server", &base, "--source"])
        .arg(&scene)
        .arg("--screenshot")
        .arg(dir.path().join("no-such-folder/shot.png"))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .status()
        .unwrap();
    assert!(!status.success(), "unsaved screenshot but exit {status}");
}
