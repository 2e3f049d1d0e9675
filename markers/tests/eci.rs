//! Codes whose charset is named by ECI designators (ISO/IEC 18004 §7.4.2):
//! generated with the `qrcode` crate's bit-stream writer (which writes the
//! designator and byte segments as given), rasterised, scanned, and the text
//! checked against the charset the designator names.
//!
//! Each payload is chosen so that guessing the charset from the bytes would
//! give different text (or a different [`TextEncoding`]): the test fails if
//! the scanner ignores the designator.

use pustaka_markers::text::TextError;
use pustaka_markers::{Detection, LumaImage, Scanner, TextEncoding};
use qrcode::bits::Bits;
use qrcode::{EcLevel, QrCode, Version};

/// One segment of a test code: an optional ECI designator, then byte data.
struct Part<'a> {
    eci: Option<u32>,
    bytes: &'a [u8],
}

/// Pixels per module of the rasterised test codes.
const MODULE_PX: usize = 6;

/// Quiet zone around the test codes, in modules (ISO/IEC 18004 asks for 4).
const QUIET_MODULES: usize = 4;

/// Writes `parts` into the smallest version that holds them at level M and
/// rasterises the code (dark modules 0, light 255).
fn code_image(parts: &[Part<'_>]) -> LumaImage {
    let code = (1..=40)
        .find_map(|v| {
            let mut bits = Bits::new(Version::Normal(v));
            for p in parts {
                if let Some(eci) = p.eci {
                    bits.push_eci_designator(eci).ok()?;
                }
                bits.push_byte_data(p.bytes).ok()?;
            }
            bits.push_terminator(EcLevel::M).ok()?;
            QrCode::with_bits(bits, EcLevel::M).ok()
        })
        .expect("payload fits a QR code");
    let n = code.width();
    let side = (n + 2 * QUIET_MODULES) * MODULE_PX;
    let colors = code.to_colors();
    let mut data = vec![255u8; side * side];
    for y in 0..side {
        for x in 0..side {
            let (mx, my) = (x / MODULE_PX, y / MODULE_PX);
            let inside = (QUIET_MODULES..QUIET_MODULES + n).contains(&mx)
                && (QUIET_MODULES..QUIET_MODULES + n).contains(&my);
            if inside
                && colors[(my - QUIET_MODULES) * n + mx - QUIET_MODULES] == qrcode::Color::Dark
            {
                data[y * side + x] = 0;
            }
        }
    }
    LumaImage::new(side, side, data).expect("shape")
}

/// Scans a code made of `parts` and returns its one detection.
fn scan(parts: &[Part<'_>]) -> Detection {
    let image = code_image(parts);
    let mut found = Scanner::default().scan(&image.view()).expect("scan");
    assert_eq!(found.len(), 1, "one code expected");
    found.remove(0)
}

/// Encodes `text` with an `encoding_rs` encoder, refusing unmappable text
/// (a test payload must be exactly representable in its charset).
fn encoded(encoding: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding.encode(text);
    assert!(!unmappable, "{text} is not in {}", encoding.name());
    bytes.into_owned()
}

#[test]
fn latin1_eci_3_is_read_as_latin1_even_when_the_bytes_are_valid_utf8() {
    // "Ã©" in ISO-8859-1 is C3 A9, which is also the UTF-8 for "é": a guess
    // reads "é".
    let text = "Ã© ist kein é";
    let bytes: Vec<u8> = text.chars().map(|c| c as u32 as u8).collect();
    let d = scan(&[Part {
        eci: Some(3),
        bytes: &bytes,
    }]);
    assert_eq!(d.bytes, bytes);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(3));
}

#[test]
fn iso_8859_2_eci_4_reads_polish() {
    // In Latin-1 these bytes would read "£ód¼ ¿ó³w".
    let text = "Łódź żółw";
    let bytes = encoded(encoding_rs::ISO_8859_2, text);
    let d = scan(&[Part {
        eci: Some(4),
        bytes: &bytes,
    }]);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(4));
}

#[test]
fn iso_8859_5_eci_7_reads_cyrillic() {
    let text = "Библиотека";
    let bytes = encoded(encoding_rs::ISO_8859_5, text);
    let d = scan(&[Part {
        eci: Some(7),
        bytes: &bytes,
    }]);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(7));
}

#[test]
fn shift_jis_eci_20_reads_japanese() {
    // Half-width katakana and ASCII only: single bytes that a guess reads
    // as Latin-1 ("¶Å ok"; two katakana are too short a run to look Japanese).
    let text = "ｶﾅ ok";
    let bytes = encoded(encoding_rs::SHIFT_JIS, text);
    assert_eq!(bytes.len(), text.chars().count(), "single-byte katakana");
    let d = scan(&[Part {
        eci: Some(20),
        bytes: &bytes,
    }]);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(20));
    // Double-byte Kanji too.
    let text = "図書館の本";
    let bytes = encoded(encoding_rs::SHIFT_JIS, text);
    let d = scan(&[Part {
        eci: Some(20),
        bytes: &bytes,
    }]);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(20));
}

#[test]
fn utf8_eci_26_is_reported_as_eci() {
    let text = "Perpustakaan ✓ 図書館";
    let d = scan(&[Part {
        eci: Some(26),
        bytes: text.as_bytes(),
    }]);
    assert_eq!(d.text.as_deref(), Some(text));
    assert_eq!(d.encoding, TextEncoding::Eci(26));
}

#[test]
fn each_segment_is_read_in_the_charset_of_its_designator() {
    // Cyrillic in ISO-8859-5, then Greek in ISO-8859-7 (ECI 9): the same
    // byte values mean different letters in the two charsets.
    let (a, b) = ("Книга ", "Βιβλίο");
    let d = scan(&[
        Part {
            eci: Some(7),
            bytes: &encoded(encoding_rs::ISO_8859_5, a),
        },
        Part {
            eci: Some(9),
            bytes: &encoded(encoding_rs::ISO_8859_7, b),
        },
    ]);
    assert_eq!(d.text.as_deref(), Some("Книга Βιβλίο"));
    assert_eq!(d.encoding, TextEncoding::Eci(7));
}

#[test]
fn an_unknown_designator_is_a_clear_error_and_keeps_the_bytes() {
    // ECI 14 is unassigned; ECI 2 is code page 437, which encoding_rs lacks.
    for eci in [14, 2, 20_000] {
        let d = scan(&[Part {
            eci: Some(eci),
            bytes: b"abc",
        }]);
        assert_eq!(d.text, None, "ECI {eci}");
        assert_eq!(
            d.encoding,
            TextEncoding::Unreadable(TextError::UnsupportedEci { eci })
        );
        assert_eq!(d.bytes, b"abc");
        let message = TextError::UnsupportedEci { eci }.to_string();
        assert!(message.contains(&eci.to_string()), "{message}");
    }
}

#[test]
fn bytes_invalid_in_the_named_charset_are_an_error() {
    // 0xFF is neither ASCII (ECI 27) nor a UTF-8 byte (ECI 26).
    for eci in [27, 26] {
        let d = scan(&[Part {
            eci: Some(eci),
            bytes: b"ok\xff",
        }]);
        assert_eq!(d.text, None);
        assert_eq!(
            d.encoding,
            TextEncoding::Unreadable(TextError::Malformed { eci })
        );
    }
}

#[test]
fn binary_eci_899_is_not_text() {
    let d = scan(&[Part {
        eci: Some(899),
        bytes: b"plain letters",
    }]);
    assert_eq!(d.text, None);
    assert_eq!(d.encoding, TextEncoding::Binary);
    assert_eq!(d.bytes, b"plain letters");
}

#[test]
fn codes_without_eci_are_still_guessed() {
    // Same bytes as the ECI 3 test, no designator: read as UTF-8.
    let d = scan(&[Part {
        eci: None,
        bytes: "é".as_bytes(),
    }]);
    assert_eq!(d.text.as_deref(), Some("é"));
    assert_eq!(d.encoding, TextEncoding::Utf8);
}
