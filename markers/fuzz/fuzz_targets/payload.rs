//! Fuzzes the payload side: code parsing, URL classification and charset
//! detection must never panic, and a parsed code must round-trip.
#![no_main]

use libfuzzer_sys::fuzz_target;
use pustaka_markers::payload::{MarkerCode, ScannedContent, classify};

fuzz_target!(|data: &[u8]| {
    let (text, _) = pustaka_markers::text::decode(data);
    let hosts = ["perpustakaan.metrokota.go.id", "example.org"];
    let content = classify(text.as_deref(), data, &hosts);
    if let ScannedContent::Library { code, host } = content {
        assert!(hosts.iter().any(|h| h.eq_ignore_ascii_case(&host)));
        assert_eq!(MarkerCode::parse(code.as_str()).ok(), Some(code));
    }
    if let Ok(s) = std::str::from_utf8(data) {
        if let Ok(code) = MarkerCode::parse(s) {
            assert_eq!(
                MarkerCode::parse(&code.to_string()).ok(),
                Some(code.clone())
            );
            let url = code.url("perpustakaan.metrokota.go.id");
            assert!(matches!(
                classify(Some(&url), url.as_bytes(), &hosts),
                ScannedContent::Library { .. }
            ));
        }
    }
});
