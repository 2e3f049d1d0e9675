//! Label sheets and posters survive printing: the PDF is rendered with
//! `pdftoppm` (poppler-utils) and every code on every page is scanned back.
#![cfg(feature = "pdf")]

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use pustaka_markers::payload::MarkerCode;
use pustaka_markers::sheet::{self, Label, SheetLayout};
use pustaka_markers::{LumaImage, Scanner, ScannerConfig};

const HOST: &str = "perpustakaan.metrokota.go.id";
/// The server's public URL as printed.
const BASE: &str = "https://perpustakaan.metrokota.go.id";
/// 150 dpi: an ordinary office-printer resolution, and the codes' modules
/// come out at about 5 px.
const DPI: &str = "150";

/// Renders every page of `pdf` to grey PNGs; `None` (skip) when pdftoppm is
/// missing outside CI.
fn render(pdf: &[u8], dir: &Path) -> Option<Vec<LumaImage>> {
    let input = dir.join("in.pdf");
    std::fs::write(&input, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", DPI, "-gray", "-png"])
        .arg(&input)
        .arg(dir.join("page"))
        .status();
    match status {
        Ok(s) => assert!(s.success(), "pdftoppm failed: {s}"),
        Err(e) => {
            assert!(
                !pustaka_test_support::in_ci(),
                "pdftoppm is required under CI: {e}"
            );
            eprintln!("SKIPPED: pdftoppm not available ({e})");
            return None;
        }
    }
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    Some(
        pages
            .iter()
            .map(|p| LumaImage::from_dynamic(&image::open(p).unwrap()))
            .collect(),
    )
}

fn scan_all(img: &LumaImage) -> Vec<String> {
    let scanner = Scanner::new(ScannerConfig {
        stop_after_first_hit: false,
        time_budget: Duration::from_secs(60),
        ..ScannerConfig::default()
    });
    scanner
        .scan(&img.view())
        .unwrap()
        .into_iter()
        .filter_map(|d| d.text)
        .collect()
}

#[test]
fn every_label_on_a_two_page_sheet_scans_back() {
    let labels: Vec<Label> = (0..14u64)
        .map(|i| Label {
            code: MarkerCode::from_u64(1000 + i * 7919, 6).unwrap(),
            title: format!("Buku contoh nomor {i}: judul yang agak panjang untuk dipotong"),
            call_number: format!("899.221 PRA {i}"),
        })
        .collect();
    let pdf = sheet::label_sheet_pdf(&labels, BASE, &SheetLayout::default()).unwrap();
    assert!(pdf.starts_with(b"%PDF"));
    let dir = tempfile::tempdir().unwrap();
    let Some(pages) = render(&pdf, dir.path()) else {
        return;
    };
    assert_eq!(pages.len(), 2, "12 labels per page");
    let mut read = BTreeSet::new();
    for page in &pages {
        read.extend(scan_all(page));
    }
    let expected: BTreeSet<String> = labels.iter().map(|l| l.code.url_at(BASE)).collect();
    assert_eq!(read, expected);
}

#[test]
fn a_poster_scans_back() {
    let label = Label {
        code: MarkerCode::parse("EV0001").unwrap(),
        title: "Festival Dongeng Anak, Sabtu 10.00 WIB".into(),
        call_number: String::new(),
    };
    let pdf = sheet::poster_pdf(&(&label).into(), &format!("https://{HOST}")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let Some(pages) = render(&pdf, dir.path()) else {
        return;
    };
    assert_eq!(scan_all(&pages[0]), vec![label.code.url(HOST)]);
}

/// A public URL with a port and a path prefix: denser codes than a bare host.
const LONG_BASE: &str = "https://perpustakaan.metrokota.go.id:8443/pustaka";

/// Every label of every grid, cut out of the page as a visitor's phone sees
/// one label, scans back at 150 dpi, with the denser code of a long public
/// URL. (A whole sheet at once is not what a phone sees: the scanner is
/// not asked to find forty codes in one frame.)
#[test]
fn every_label_of_every_grid_scans_on_its_own_with_a_long_public_url() {
    let scanner = Scanner::new(ScannerConfig {
        stop_after_first_hit: false,
        time_budget: Duration::from_secs(60),
        ..ScannerConfig::default()
    });
    for (columns, rows) in [(2, 6), (3, 8), (4, 10)] {
        let layout = SheetLayout {
            columns,
            rows,
            ..SheetLayout::default()
        };
        let labels: Vec<Label> = (0..(columns * rows) as u64)
            .map(|i| Label {
                code: MarkerCode::from_u64(1000 + i * 7919, 6).unwrap(),
                title: format!("Judul buku nomor {i} yang cukup panjang"),
                call_number: format!("899.221 PRA {i}"),
            })
            .collect();
        let pdf = sheet::label_sheet_pdf(&labels, LONG_BASE, &layout).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let Some(pages) = render(&pdf, dir.path()) else {
            return;
        };
        assert_eq!(pages.len(), 1);
        let page = &pages[0];
        let px_per_mm = page.width() as f32 / sheet::A4_MM.0;
        for (i, label) in labels.iter().enumerate() {
            let (x, y, w, h) = layout.label_rect_mm(i % columns, i / columns);
            let (x0, y0) = ((x * px_per_mm) as usize, (y * px_per_mm) as usize);
            let (pw, ph) = ((w * px_per_mm) as usize, (h * px_per_mm) as usize);
            let mut pixels = Vec::with_capacity(pw * ph);
            for row in y0..y0 + ph {
                pixels.extend_from_slice(&page.data()[row * page.width() + x0..][..pw]);
            }
            let crop = LumaImage::new(pw, ph, pixels).unwrap();
            let read: Vec<String> = scanner
                .scan(&crop.view())
                .unwrap()
                .into_iter()
                .filter_map(|d| d.text)
                .collect();
            assert_eq!(
                read,
                [label.code.url_at(LONG_BASE)],
                "{columns}×{rows}, label {i}"
            );
        }
    }
}
