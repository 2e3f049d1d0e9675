//! The real-photo set (`qr-photos` in the shared data folder): loading and
//! judging. Shared by the `photos` test, the criterion bench and the
//! `photo_report` example through `#[path]`, so all three count the same way.

#![allow(dead_code)] // Each user needs a different subset of these helpers.

use std::path::Path;
use std::time::{Duration, Instant};

use pustaka_markers::{Detection, LumaImage, Scanner};

/// One labelled photo, already decoded to luma.
pub struct Photo {
    /// Path relative to the set's folder, e.g. `boofcv/glare/image013.jpg`.
    pub rel: String,
    /// The MANIFEST category, e.g. `boofcv/glare`.
    pub category: String,
    /// The expected text (trimmed), or `None` when no decoder could label it.
    pub expected: Option<String>,
    /// The photo as luma.
    pub image: LumaImage,
}

/// How one scan of one photo went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The expected text was read (and nothing else).
    Right,
    /// Some payload other than the expected one was reported.
    Wrong,
    /// Nothing was read.
    Missed,
}

/// Loads every photo listed in `MANIFEST.tsv` under `dir`.
pub fn load(dir: &Path) -> Vec<Photo> {
    let manifest = std::fs::read_to_string(dir.join("MANIFEST.tsv")).expect("MANIFEST.tsv");
    let mut photos = Vec::new();
    for line in manifest.lines().skip(1) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (rel, expected_file, category) = (cols[3], cols[4], cols[7]);
        let expected = if expected_file.is_empty() {
            None
        } else {
            std::fs::read_to_string(dir.join(expected_file))
                .ok()
                .map(|t| t.trim().to_owned())
        };
        let img = image::open(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        photos.push(Photo {
            rel: rel.to_owned(),
            category: category.to_owned(),
            expected,
            image: LumaImage::from_dynamic(&img),
        });
    }
    photos
}

/// Judges one photo's detections against its label: right when one of them
/// is the labelled code (a photo may hold a second, real code, e.g. the `ZXing` set's
/// "double QR" nested codes), wrong when codes were read but none is it.
pub fn judge(photo: &Photo, found: &[Detection]) -> Verdict {
    if found.is_empty() {
        return Verdict::Missed;
    }
    let Some(expected) = &photo.expected else {
        // Unlabelled: nobody knows the right answer, so a read can't count as
        // right, and it can't be proven wrong either.
        return Verdict::Missed;
    };
    if found.iter().any(|d| matches_label(d, expected)) {
        Verdict::Right
    } else if found.iter().all(|d| is_known_second_code(photo, d)) {
        // A real code of the photo, just not the labelled one.
        Verdict::Missed
    } else {
        Verdict::Wrong
    }
}

/// Photos that hold a second, unlabelled code, and its text. `ZXing`'s
/// `qrcode-2/16.png` is a "double QR": a small code printed inside the
/// labelled one, its text saying so ("内側QRコード" = inner QR code).
const SECOND_CODES: &[(&str, &str)] = &[(
    "zxing/qrcode-2/16.png",
    "[内側QRコード]\r\n\r\n*ダブルQR*\r\nhttp://d-qr.net/ex/",
)];

fn is_known_second_code(photo: &Photo, d: &Detection) -> bool {
    SECOND_CODES
        .iter()
        .any(|(rel, text)| photo.rel == *rel && d.text.as_deref().map(str::trim) == Some(*text))
}

/// Whether a detection is the labelled text. Consensus labels were made by
/// decoders that read byte-mode data as Shift-JIS when unsure, so a label can
/// be the Shift-JIS reading of UTF-8 bytes (e.g. `boofcv/glare/image015`,
/// Chinese UTF-8 text labelled as mojibake); the bytes decide then.
fn matches_label(d: &Detection, expected: &str) -> bool {
    if d.text.as_deref().map(str::trim) == Some(expected) {
        return true;
    }
    let (sjis, _) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(&d.bytes);
    sjis.trim() == expected
}

/// Results of one run over the set.
pub struct Report {
    /// Photos read right.
    pub right: usize,
    /// Photos with a wrong payload (must stay 0).
    pub wrong: usize,
    /// Scan time per photo.
    pub times: Vec<Duration>,
    /// Per category: (name, right, total).
    pub categories: Vec<(String, usize, usize)>,
    /// Paths of the photos with wrong payloads, for the failure message.
    pub wrong_files: Vec<String>,
}

impl Report {
    /// The median scan time in milliseconds.
    pub fn median_ms(&self) -> f64 {
        let mut t: Vec<f64> = self.times.iter().map(|d| d.as_secs_f64() * 1e3).collect();
        t.sort_by(f64::total_cmp);
        t.get(t.len() / 2).copied().unwrap_or(0.0)
    }
}

/// Scans every photo with `scan` and tallies the verdicts.
pub fn run(photos: &[Photo], scan: impl FnMut(&LumaImage) -> Vec<Detection>) -> Report {
    run_best_of(photos, scan, 1)
}

/// Like [`run`], but each photo is scanned `reps` times and its time is the
/// fastest of them (the verdict is the first scan's): on a shared machine a
/// single scan is often stretched by other processes, the fastest one is
/// what the code costs.
pub fn run_best_of(
    photos: &[Photo],
    mut scan: impl FnMut(&LumaImage) -> Vec<Detection>,
    reps: usize,
) -> Report {
    let mut report = Report {
        right: 0,
        wrong: 0,
        times: Vec::new(),
        categories: Vec::new(),
        wrong_files: Vec::new(),
    };
    for p in photos {
        let t = Instant::now();
        let found = scan(&p.image);
        let mut best = t.elapsed();
        for _ in 1..reps {
            let t = Instant::now();
            std::hint::black_box(scan(&p.image));
            best = best.min(t.elapsed());
        }
        report.times.push(best);
        let v = judge(p, &found);
        let idx = match report.categories.iter().position(|c| c.0 == p.category) {
            Some(i) => i,
            None => {
                report.categories.push((p.category.clone(), 0, 0));
                report.categories.len() - 1
            }
        };
        report.categories[idx].2 += 1;
        match v {
            Verdict::Right => {
                report.right += 1;
                report.categories[idx].1 += 1;
            }
            Verdict::Wrong => {
                report.wrong += 1;
                report.wrong_files.push(p.rel.clone());
            }
            Verdict::Missed => {}
        }
    }
    report
}

/// Our scanner as a `run` callback.
pub fn ours(scanner: &Scanner) -> impl FnMut(&LumaImage) -> Vec<Detection> + '_ {
    move |img| scanner.scan(&img.view()).unwrap_or_default()
}

/// Plain rqrr 0.11, the way its README uses it: its own thresholding, every
/// grid decoded, panics counted as nothing found. The baseline.
pub fn plain_rqrr(img: &LumaImage) -> Vec<Detection> {
    let view = img.view();
    std::panic::catch_unwind(|| {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(view.width(), view.height(), |x, y| {
                view.get(x, y)
            });
        prepared
            .detect_grids()
            .into_iter()
            .filter_map(|g| g.decode().ok())
            .map(|(_, text)| Detection {
                bytes: text.as_bytes().to_vec(),
                text: Some(text),
                encoding: pustaka_markers::TextEncoding::Utf8,
                corners: Default::default(),
                mirrored: false,
                module_px: 0.0,
                size_modules: 0,
            })
            .collect()
    })
    .unwrap_or_default()
}

/// Prints a per-category table and the totals.
pub fn print(label: &str, r: &Report, total: usize) {
    println!(
        "{label}: {}/{total} right, {} wrong, median {:.2} ms",
        r.right,
        r.wrong,
        r.median_ms()
    );
    for (name, right, n) in &r.categories {
        println!("  {name:<22} {right:>3}/{n:<3}");
    }
}
