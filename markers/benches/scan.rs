//! Scanner benchmarks, run by `cargo xtask bench` (`cargo bench --workspace`).
//!
//! 1. The real-photo set (`qr-photos`, when the shared data folder is there):
//!    our scanner and plain rqrr 0.11 in the same run, each photo timed alone
//!    as the fastest of [`TIMING_REPS`] scans (image already in memory as
//!    luma); prints read counts, wrong payloads, median ms, per-category read
//!    rates, the ratios and the machine's load average. Photos are too many
//!    and too varied for criterion's sampling, so this part is a report.
//! 2. Criterion: a synthetic 1280×720 frame with one 145 px code, ours vs
//!    plain rqrr, and an empty dark frame (ours).

#[path = "../tests/photo_set/mod.rs"]
mod photo_set;

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use pustaka_markers::{LumaImage, Scanner, generate};

/// The synthetic frame: 1280×720 mid-grey paper with one code 145 px wide
/// (29 modules × 5 px) near the middle, lightly blurred by a box filter.
fn frame_720p() -> LumaImage {
    let (w, h) = (1280usize, 720usize);
    let code = generate::luma_image("https://perpustakaan.metrokota.go.id/m/7K3M9Q", 5)
        .expect("code fits");
    // 29 modules + 2×4 quiet = 37 modules; the symbol itself is 145 px.
    let mut data = vec![200u8; w * h];
    let (x0, y0) = (560, 280);
    for y in 0..code.height() {
        for x in 0..code.width() {
            let v = code.data()[y * code.width() + x];
            data[(y0 + y) * w + x0 + x] = if v == 0 { 40 } else { 210 };
        }
    }
    LumaImage::new(w, h, data).expect("shape")
}

/// Each photo is scanned this many times and timed by the fastest scan (reads
/// are judged on the first): the benchmarks run on shared machines, where
/// one scan can be stretched several-fold by other processes.
const TIMING_REPS: usize = 3;

/// The 1-minute load average (`/proc/loadavg`), printed with the report so
/// that runs on a busy machine can be told apart; "?" where there is none.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn photo_report() {
    let Some(dir) = pustaka_test_support::data_path("qr-photos") else {
        return;
    };
    let photos = photo_set::load(&dir);
    let n = photos.len();
    let scanner = Scanner::default();
    let load_before = load_average();
    let ours = photo_set::run_best_of(&photos, photo_set::ours(&scanner), TIMING_REPS);
    let base = photo_set::run_best_of(&photos, photo_set::plain_rqrr, TIMING_REPS);
    println!(
        "== qr-photos ({n} photos, decode time per photo = fastest of {TIMING_REPS} scans, \
         luma in memory; load average {load_before} before, {} after) ==",
        load_average()
    );
    photo_set::print("pustaka-markers", &ours, n);
    photo_set::print("plain rqrr 0.11 (baseline)", &base, n);
    println!(
        "ratio ours/rqrr: {:.2}x photos read, median time {:.2}x ({:.2} ms vs {:.2} ms)",
        ours.right as f64 / base.right.max(1) as f64,
        ours.median_ms() / base.median_ms().max(1e-9),
        ours.median_ms(),
        base.median_ms()
    );
    println!("targets: >= 317/{n} read, 0 wrong, median <= 1.5 ms");
}

fn benches(c: &mut Criterion) {
    photo_report();
    let frame = frame_720p();
    let scanner = Scanner::default();
    assert_eq!(scanner.scan(&frame.view()).map(|v| v.len()).ok(), Some(1));
    let mut g = c.benchmark_group("frame_1280x720_one_145px_code");
    g.sample_size(20);
    g.bench_function("pustaka-markers", |b| {
        b.iter(|| scanner.scan(black_box(&frame.view())))
    });
    g.bench_function("plain rqrr 0.11", |b| {
        b.iter(|| photo_set::plain_rqrr(black_box(&frame)))
    });
    g.finish();
    let dark = LumaImage::new(1280, 720, vec![3u8; 1280 * 720]).expect("shape");
    c.bench_function("frame_1280x720_dark", |b| {
        b.iter(|| scanner.scan(black_box(&dark.view())))
    });
}

criterion_group!(scan_benches, benches);
criterion_main!(scan_benches);
