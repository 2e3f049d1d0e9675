//! The scanner on the shared real-photo set (`qr-photos`: 403 photos from the
//! `ZXing`, `jsQR` and `BoofCV` test sets). Asserts a floor on the read count and
//! zero wrong payloads; speed is measured by the criterion bench, not here.

mod photo_set;

use std::time::Duration;

use pustaka_markers::{Scanner, ScannerConfig};

/// Photos read right when this floor was last raised (plain rqrr 0.11 reads
/// 186). Raise it with every improvement.
const READ_FLOOR: usize = 328;

#[test]
fn reads_real_photos_without_wrong_payloads() {
    let Some(dir) = pustaka_test_support::data_path("qr-photos") else {
        return;
    };
    let photos = photo_set::load(&dir);
    assert!(photos.len() >= 400, "only {} photos listed", photos.len());
    // No time budget: which passes run must not depend on how fast this
    // machine or build profile is, or the count would be flaky. The bench
    // measures the default budget.
    let scanner = Scanner::new(ScannerConfig {
        time_budget: Duration::from_secs(3600),
        ..ScannerConfig::default()
    });
    let report = photo_set::run(&photos, photo_set::ours(&scanner));
    photo_set::print("ours", &report, photos.len());
    assert_eq!(report.wrong, 0, "wrong payloads: {:?}", report.wrong_files);
    assert!(
        report.right >= READ_FLOOR,
        "read {} photos, floor is {READ_FLOOR}",
        report.right
    );
}
