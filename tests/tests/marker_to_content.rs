//! End to end: the demo server's code → printed QR image → scanner → the app's
//! HTTP client → the overlay the visitor sees.

use pustaka_markers::payload::{ScannedContent, classify};
use pustaka_markers::{Scanner, ScannerConfig, generate, payload::MarkerCode};
use pustaka_mobile::net::{Resolution, fetch_overlay};
use pustaka_test_support::server::TestServer;

#[tokio::test]
async fn printed_code_resolves_to_its_title() {
    let server = TestServer::demo().start().await;

    for code in pustaka_backend::demo::DEMO_CODES {
        let url = MarkerCode::parse(code)
            .unwrap()
            .url("perpustakaan.metrokota.go.id");
        let printed = generate::luma_image(&url, 4).unwrap();
        // No time budget to speak of: this checks content, not speed.
        let scanner = Scanner::new(ScannerConfig {
            time_budget: std::time::Duration::from_secs(60),
            ..ScannerConfig::default()
        });
        let found = scanner.scan(&printed.view()).unwrap();
        assert_eq!(found.len(), 1, "{code}");
        let content = classify(
            found[0].text.as_deref(),
            &found[0].bytes,
            &["perpustakaan.metrokota.go.id"],
        );
        let ScannedContent::Library { code: scanned, .. } = content else {
            panic!("{content:?}")
        };
        assert_eq!(scanned.as_str(), code);

        let client = reqwest::Client::new();
        let r = fetch_overlay(&client, &server.url(&format!("/api/v1/markers/{scanned}"))).await;
        let Resolution::Ready(overlay) = r else {
            panic!("{code}: {r:?}")
        };
        assert_eq!(overlay.code, code);
        assert!(!overlay.title.is_empty());
    }
}
