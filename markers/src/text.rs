//! Turning a code's payload bytes into Unicode text.
//!
//! QR byte-mode data has no reliable charset: the standard's default is
//! ISO-8859-1, ECI headers can name another, Kanji-mode segments hold
//! Shift-JIS, and most generators simply write UTF-8. rqrr 0.11 reads ECI
//! headers but drops their value, so the charset is recognised from the bytes,
//! in this order: UTF-8 (strict), Shift-JIS (strict, and only when it holds at
//! least one double-byte character), ISO-8859-1. Bytes that are none of these
//! as *text* (control characters other than tab, CR and LF) are binary.

/// How a payload's bytes were turned into text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// Valid UTF-8 (this includes plain ASCII, and every library code).
    Utf8,
    /// Shift-JIS: Kanji-mode segments, or byte mode written by Japanese generators.
    ShiftJis,
    /// ISO-8859-1 (Latin-1), the QR standard's default for byte mode.
    Latin1,
    /// Not text: [`crate::Detection::text`] is `None`.
    Binary,
}

/// Decodes payload bytes as described in the module docs.
/// Returns the text (or `None` for binary) and the encoding used.
pub fn decode(bytes: &[u8]) -> (Option<String>, TextEncoding) {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return if is_text(s) {
            (Some(s.to_owned()), TextEncoding::Utf8)
        } else {
            (None, TextEncoding::Binary)
        };
    }
    let (sjis, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    if !had_errors && looks_japanese(bytes, &sjis) && is_text(&sjis) {
        return (Some(sjis.into_owned()), TextEncoding::ShiftJis);
    }
    let latin1: String = bytes.iter().map(|&b| char::from(b)).collect();
    if is_text(&latin1) {
        (Some(latin1), TextEncoding::Latin1)
    } else {
        (None, TextEncoding::Binary)
    }
}

/// Half-width katakana are single bytes 0xA1..=0xDF in Shift-JIS, which are
/// also accented capitals in Latin-1; a run this long of them is read as
/// katakana (Latin-1 words rarely have three accented capitals in a row).
const MIN_KATAKANA_RUN: usize = 3;

/// Whether valid Shift-JIS `bytes` (decoded to `sjis`) look Japanese rather
/// than Latin-1: a double-byte character (fewer chars than bytes), or a run of
/// half-width katakana.
fn looks_japanese(bytes: &[u8], sjis: &str) -> bool {
    if sjis.chars().count() < bytes.len() {
        return true;
    }
    let mut run = 0;
    for &b in bytes {
        run = if (0xA1..=0xDF).contains(&b) {
            run + 1
        } else {
            0
        };
        if run >= MIN_KATAKANA_RUN {
            return true;
        }
    }
    false
}

/// True when `s` has no control characters besides tab, CR and LF.
fn is_text(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf8_wins() {
        let (t, e) = decode("Pindai kode ✓".as_bytes());
        assert_eq!(
            (t.as_deref(), e),
            (Some("Pindai kode ✓"), TextEncoding::Utf8)
        );
    }

    #[test]
    fn shift_jis_is_recognised() {
        // "モバイル" in Shift-JIS.
        let bytes = [0x83, 0x82, 0x83, 0x6f, 0x83, 0x43, 0x83, 0x8b];
        let (t, e) = decode(&bytes);
        assert_eq!(
            (t.as_deref(), e),
            (Some("モバイル"), TextEncoding::ShiftJis)
        );
    }

    #[test]
    fn latin1_is_the_fallback() {
        // "Café" in ISO-8859-1; 0xE9 alone is not valid UTF-8 nor Shift-JIS.
        let (t, e) = decode(b"Caf\xe9");
        assert_eq!((t.as_deref(), e), (Some("Café"), TextEncoding::Latin1));
    }

    #[test]
    fn control_bytes_are_binary() {
        assert_eq!(decode(&[0x00, 0x01, 0xff]), (None, TextEncoding::Binary));
        assert_eq!(decode(&[0x00, 0x41]), (None, TextEncoding::Binary));
    }
}
