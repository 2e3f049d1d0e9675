//! Scanner cost per 720p frame: the browser's scan worker (headless
//! Chromium, wasm with and without SIMD) against the native scanner on the
//! same frames in the same run. Run by `cargo xtask bench`, which builds the
//! worker first (`cargo xtask scan-worker`).
//!
//! Frames: the demo scene's two shelf photos cut to 1280×720 (five codes).
//! The worker's time is its own `scan_ms` (copy into wasm memory, scan,
//! JSON of the answer), which is what the page's frame budget pays for; the
//! round trip through `postMessage` is reported beside it.
//!
//! 1. Criterion: `scanner_720p/native`, `/worker_wasm_simd`,
//!    `/worker_wasm_scalar`, each one scan of every frame per iteration.
//! 2. A report with medians per frame over [`REPORT_ROUNDS`] rounds and the
//!    ratios worker ÷ native (target ≤ 2×).

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use pustaka_browser_tests::scan_worker::{Frame, WorkerPage, demo_frames_720p};
use pustaka_markers::Scanner;

/// Rounds over all frames for the median report.
const REPORT_ROUNDS: usize = 25;

/// A started worker with the frames already on its page.
struct Worker {
    page: WorkerPage,
    indices: Vec<u64>,
}

impl Worker {
    async fn start(simd: bool, frames: &[Frame]) -> Option<Self> {
        let page = WorkerPage::start("scan worker benchmark", simd).await?;
        let mut indices = Vec::new();
        for f in frames {
            indices.push(page.add_frame(f).await);
        }
        Some(Self { page, indices })
    }

    /// `rounds` scans of every frame: per scan `(scan_ms, round_trip_ms)`.
    async fn scans(&self, frames: &[Frame], rounds: usize) -> Vec<(f64, f64)> {
        let mut all = Vec::new();
        for _ in 0..rounds {
            for (f, i) in frames.iter().zip(&self.indices) {
                all.extend(self.page.scan_repeated(*i, f, 1).await);
            }
        }
        all
    }
}

fn native_scan_ms(scanner: &Scanner, frames: &[Frame], rounds: usize) -> Vec<f64> {
    let mut out = Vec::new();
    for _ in 0..rounds {
        for f in frames {
            let start = Instant::now();
            black_box(scanner.scan(&f.image.view()).expect("scan"));
            out.push(start.elapsed().as_secs_f64() * 1000.0);
        }
    }
    out
}

fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return f64::NAN;
    }
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_owned))
        .unwrap_or_else(|| "?".to_owned())
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let frames = demo_frames_720p();
    let scanner = Scanner::default();
    let simd = rt.block_on(Worker::start(true, &frames));
    let scalar = rt.block_on(Worker::start(false, &frames));

    let mut c = Criterion::default()
        .sample_size(20)
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut group = c.benchmark_group("scanner_720p");
    group.bench_function("native", |b| {
        b.iter(|| {
            for f in &frames {
                black_box(scanner.scan(&f.image.view()).expect("scan"));
            }
        })
    });
    for (name, worker) in [("worker_wasm_simd", &simd), ("worker_wasm_scalar", &scalar)] {
        let Some(worker) = worker else { continue };
        group.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let scans = rt.block_on(worker.scans(&frames, iters as usize));
                Duration::from_secs_f64(scans.iter().map(|(ms, _)| ms).sum::<f64>() / 1000.0)
            })
        });
    }
    group.finish();

    let load = load_average();
    let native = median(native_scan_ms(&scanner, &frames, REPORT_ROUNDS));
    println!(
        "\nscan worker vs native scanner, {} demo frames at 1280x720, median per frame over {REPORT_ROUNDS} rounds (load {load}):",
        frames.len()
    );
    println!("  native (release)      {native:7.2} ms");
    for (name, worker) in [("wasm SIMD", &simd), ("wasm scalar", &scalar)] {
        let Some(worker) = worker else {
            println!("  worker {name:<14} skipped (no browser or no built worker)");
            continue;
        };
        let scans = rt.block_on(worker.scans(&frames, REPORT_ROUNDS));
        let scan = median(scans.iter().map(|s| s.0).collect());
        let round = median(scans.iter().map(|s| s.1).collect());
        println!(
            "  worker {name:<14} {scan:7.2} ms in the worker, {round:7.2} ms round trip; \
             worker / native = {:.2}x (target <= 2x)",
            scan / native
        );
    }
    for worker in [simd, scalar].into_iter().flatten() {
        rt.block_on(worker.page.close());
    }
    c.final_summary();
}
