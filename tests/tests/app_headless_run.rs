//! The real binary in headless mode under a (virtual) display: it must draw
//! the camera picture and, next to the library code, its card; report the
//! resolved code; and leave a foreign code unresolved and unvisited. The
//! screenshot is kept as `target/tmp/headless_run.png`.
//! Needs `DISPLAY` (the test command runs everything under `xvfb-run`).
//!
//! The binary is this package's `pustaka-ar-e2e`, the desktop app's own
//! `main` (`pustaka_mobile::desktop::main`) built here, since cargo hands a
//! test only its own package's binaries.

use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use pustaka_markers::{generate, payload::MarkerCode};
use pustaka_test_support::server::TestServer;

/// The app's binary under test.
const APP: &str = env!("CARGO_BIN_EXE_pustaka-ar-e2e");

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
    let server = TestServer::demo().start_blocking();
    let base = server.base_url();
    let dir = tempfile::tempdir().unwrap();

    // A stand-in for a phishing site: counts every connection made to it.
    let phishing = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let phishing_url = format!(
        "http://localhost:{}/hadiah-gratis",
        phishing.local_addr().unwrap().port()
    );
    let visits = Arc::new(AtomicUsize::new(0));
    let counter = visits.clone();
    std::thread::spawn(move || {
        for _ in phishing.incoming() {
            counter.fetch_add(1, Ordering::SeqCst);
        }
    });

    // A 16:9 scene (shown uncropped in the 1280×720 window): a library code
    // on the left and, far to the right, a foreign code stuck on the wall.
    let url = MarkerCode::parse("BK0002")
        .unwrap()
        .url("perpustakaan.metrokota.go.id");
    let (w, h) = (1280u32, 720u32);
    let mut page = image::GrayImage::from_pixel(w, h, image::Luma([190]));
    for (text, module_px, left, top) in [(url.as_str(), 6, 130, 250), (&phishing_url, 4, 900, 380)]
    {
        let code = generate::luma_image(text, module_px).unwrap();
        for y in 0..code.height() as u32 {
            for x in 0..code.width() as u32 {
                let v = code.data()[(y as usize) * code.width() + x as usize];
                page.put_pixel(x + left, y + top, image::Luma([v]));
            }
        }
    }
    let scene = dir.path().join("scene.png");
    page.save(&scene).unwrap();
    let shot = dir.path().join("shot.png");
    let report = dir.path().join("report.json");

    let status = Command::new(APP)
        .args(["--headless", "--frames", "40", "--server", base, "--source"])
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
    let detections: Vec<&serde_json::Value> = report["scans"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["detections"].as_array().unwrap())
        .collect();
    let book = detections
        .iter()
        .rev()
        .find(|d| d["code"] == "BK0002" && d["resolved_title"].is_string())
        .unwrap_or_else(|| panic!("BK0002 was not seen and resolved: {report}"));

    // The card is drawn next to the code: the band around the code's
    // outline (from 5 % to 30 % of its side out) is largely the card's dark
    // panel, where the scene itself has only grey wall and the white quiet
    // zone. The frame fills the window unscaled, so frame pixels are
    // screenshot pixels.
    assert_eq!(img.dimensions(), (w, h), "window and scene differ in size");
    let corners: Vec<(f64, f64)> = book["corners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p[0].as_f64().unwrap(), p[1].as_f64().unwrap()))
        .collect();
    let (x0, x1) = corners
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.0), b.max(p.0)));
    let (y0, y1) = corners
        .iter()
        .fold((f64::MAX, f64::MIN), |(a, b), p| (a.min(p.1), b.max(p.1)));
    let side = x1 - x0;
    let within = |x: f64, y: f64, m: f64| {
        x >= x0 - m * side && x <= x1 + m * side && y >= y0 - m * side && y <= y1 + m * side
    };
    let dark_near_code = img
        .enumerate_pixels()
        .filter(|(x, y, p)| {
            let (x, y) = (f64::from(*x), f64::from(*y));
            within(x, y, 0.30) && !within(x, y, 0.05) && p.0.iter().all(|&c| c < 60)
        })
        .count();
    let band_side = 0.25 * side * (side * 1.35);
    assert!(
        dark_near_code as f64 > 0.5 * band_side,
        "no card beside the code: {dark_near_code} dark pixels around {corners:?}"
    );

    // The foreign code is seen, shown as a chip, never resolved or visited.
    let foreign: Vec<_> = detections
        .iter()
        .filter(|d| d["kind"] == "foreign_url")
        .collect();
    assert!(
        !foreign.is_empty(),
        "the foreign code was not seen: {report}"
    );
    assert!(
        foreign
            .iter()
            .all(|d| d["code"] == phishing_url.as_str() && d["resolved_title"].is_null())
    );
    assert_eq!(
        visits.load(Ordering::SeqCst),
        0,
        "the app contacted the foreign URL"
    );

    // A screenshot that cannot be saved (its folder does not exist) fails the
    // run, even without --report, instead of exiting 0 with nothing written.
    let status = Command::new(APP)
        .args(["--headless", "--frames", "5", "--server", base, "--source"])
        .arg(&scene)
        .arg("--screenshot")
        .arg(dir.path().join("no-such-folder/shot.png"))
        .arg("--cache-dir")
        .arg(dir.path().join("cache"))
        .status()
        .unwrap();
    assert!(!status.success(), "unsaved screenshot but exit {status}");

    // `--open` with something that is not a marker code says so and stops.
    let out = Command::new(APP)
        .args([
            "--headless",
            "--frames",
            "5",
            "--server",
            base,
            "--open",
            "ZZ!",
        ])
        .arg("--source")
        .arg(&scene)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is not a marker code"), "{err}");
}
