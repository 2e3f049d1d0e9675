//! Reads the shared real-photo set with our scanner and with plain rqrr and
//! prints read counts, wrong payloads, median times and per-category rates.
//! Run: `cargo run --release -p pustaka-markers --example photo_report [only-ours]`.
//! Environment: `BUDGET_MS` (per-frame budget), `BEST_OF` (time each photo as
//! the fastest of this many scans), `PHOTO_MISSES`, `PHOTO_TIMES` (lists).

#[path = "../tests/photo_set/mod.rs"]
mod photo_set;

use pustaka_markers::Scanner;

fn main() {
    let Some(dir) = pustaka_test_support::data_path("qr-photos") else {
        return;
    };
    let photos = photo_set::load(&dir);
    let n = photos.len();
    let mut config = pustaka_markers::ScannerConfig::default();
    if let Some(ms) = std::env::var("BUDGET_MS").ok().and_then(|v| v.parse().ok()) {
        config.time_budget = std::time::Duration::from_millis(ms);
    }
    let scanner = Scanner::new(config);
    // BEST_OF=3 times each photo as the fastest of three scans, as the bench does.
    let reps = std::env::var("BEST_OF")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let ours = photo_set::run_best_of(&photos, photo_set::ours(&scanner), reps);
    photo_set::print("ours", &ours, n);
    for f in &ours.wrong_files {
        println!("  WRONG: {f}");
        if let Some(p) = photos.iter().find(|p| &p.rel == f) {
            for d in scanner.scan(&p.image.view()).unwrap_or_default() {
                println!(
                    "    got {:?} ({:?}) want {:?}",
                    d.text, d.encoding, p.expected
                );
            }
        }
    }
    let mut right_ms: Vec<f64> = photos
        .iter()
        .zip(&ours.times)
        .filter(|(p, _)| {
            photo_set::judge(p, &scanner.scan(&p.image.view()).unwrap_or_default())
                == photo_set::Verdict::Right
        })
        .map(|(_, t)| t.as_secs_f64() * 1e3)
        .collect();
    right_ms.sort_by(f64::total_cmp);
    println!(
        "median over photos read right: {:.2} ms",
        right_ms.get(right_ms.len() / 2).copied().unwrap_or(0.0)
    );
    if std::env::var_os("PHOTO_MISSES").is_some() {
        for (p, _) in photos.iter().zip(&ours.times) {
            let v = photo_set::judge(p, &scanner.scan(&p.image.view()).unwrap_or_default());
            if v != photo_set::Verdict::Right && p.expected.is_some() {
                println!("  MISS {} {}x{}", p.rel, p.image.width(), p.image.height());
            }
        }
    }
    if std::env::var_os("PHOTO_TIMES").is_some() {
        let mut v: Vec<_> = photos.iter().zip(&ours.times).collect();
        v.sort_by_key(|(_, t)| std::cmp::Reverse(**t));
        for (p, t) in v.iter().take(40) {
            println!(
                "  {:>8.2} ms {} {}x{}",
                t.as_secs_f64() * 1e3,
                p.rel,
                p.image.width(),
                p.image.height()
            );
        }
    }
    if std::env::args().nth(1).as_deref() != Some("only-ours") {
        let base = photo_set::run(&photos, photo_set::plain_rqrr);
        photo_set::print("plain rqrr", &base, n);
        println!(
            "ratio: {:.2}x reads, {:.1}x faster (median)",
            ours.right as f64 / base.right.max(1) as f64,
            base.median_ms() / ours.median_ms().max(1e-9)
        );
    }
}
