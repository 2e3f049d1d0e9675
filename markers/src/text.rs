//! Turning a code's payload bytes into Unicode text.
//!
//! A code can name the charset of its byte-mode data with ECI designators
//! (Extended Channel Interpretation, ISO/IEC 18004 §7.4.2; values from the
//! AIM ECI register). When it does, each segment is decoded with the charset
//! of the designator in force ([`eci_charset`] lists the ones read; the
//! decoders are `encoding_rs`'s), and a designator this crate cannot read, or
//! bytes that are not valid in the named charset, give
//! [`TextEncoding::Unreadable`] with the reason, never a guess.
//!
//! Without ECI, byte-mode data has no reliable charset: the standard's
//! default is ISO-8859-1, Kanji-mode segments hold Shift-JIS, and most
//! generators simply write UTF-8. The charset is then recognised from the
//! bytes, in this order: UTF-8 (strict), Shift-JIS (strict, and only when it
//! holds at least one double-byte character or a run of half-width katakana),
//! ISO-8859-1. Bytes that are none of these as *text* (control characters
//! other than tab, CR and LF) are binary.

use std::borrow::Cow;

use encoding_rs::Encoding;

use crate::qr::segments::{Mode, Segment};

/// How a payload's bytes were turned into text, or why they could not be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// Valid UTF-8 (this includes plain ASCII, and every library code).
    Utf8,
    /// Shift-JIS: Kanji-mode segments, or byte mode written by Japanese generators.
    ShiftJis,
    /// ISO-8859-1 (Latin-1), the QR standard's default for byte mode.
    Latin1,
    /// Decoded with the charsets the code's ECI designators name (each
    /// segment with the designator in force before it); the value is the
    /// first designator's (e.g. 26 = UTF-8, 20 = Shift-JIS, see
    /// [`eci_charset`]).
    Eci(u32),
    /// Not text: [`crate::Detection::text`] is `None`. Also the result of
    /// ECI 899 (8-bit binary data).
    Binary,
    /// The code names its charset by an ECI designator, but the text could
    /// not be read in it; [`crate::Detection::text`] is `None` and the bytes
    /// are kept.
    Unreadable(TextError),
}

/// Why the text of a code with ECI designators could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum TextError {
    /// The designator names a charset this crate has no decoder for (e.g.
    /// ECI 0 and 2, code page 437), or a value the AIM register does not
    /// assign.
    #[error("ECI {eci} names a charset this scanner cannot decode")]
    UnsupportedEci {
        /// The designator's value.
        eci: u32,
    },
    /// The bytes under the designator are not valid in its charset.
    #[error("the bytes are not valid text in the charset of ECI {eci}")]
    Malformed {
        /// The designator's value.
        eci: u32,
    },
}

/// A charset an ECI designator can name, as this crate decodes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EciCharset {
    /// ISO-8859-1: each byte is the code point of the same value.
    Latin1,
    /// US-ASCII (ECI 27, and ECI 170, the ISO/IEC 646 invariant subset):
    /// bytes above 0x7F are malformed.
    Ascii,
    /// UTF-32, big-endian (ECI 34) or little-endian (ECI 35).
    Utf32 {
        /// True for big-endian.
        big_endian: bool,
    },
    /// A charset that `encoding_rs` decodes. Note its WHATWG mappings: ECI
    /// 11 (ISO-8859-9) is read as windows-1254, ECI 13 (ISO-8859-11) as
    /// windows-874 and ECI 29 (GB 2312) as GBK, each a superset of the named
    /// charset's printable characters.
    Encoding(&'static Encoding),
    /// 8-bit binary data (ECI 899): not text.
    Binary,
}

/// The charset an ECI designator names (AIM ECI register, the values
/// ISO/IEC 18004 codes use), or `None` when this crate cannot decode it:
/// code page 437 (ECI 0 and 2) and unassigned values.
pub fn eci_charset(eci: u32) -> Option<EciCharset> {
    use EciCharset::{Ascii, Binary, Latin1, Utf32};
    let enc = |e: &'static Encoding| Some(EciCharset::Encoding(e));
    match eci {
        1 | 3 => Some(Latin1),
        4 => enc(encoding_rs::ISO_8859_2),
        5 => enc(encoding_rs::ISO_8859_3),
        6 => enc(encoding_rs::ISO_8859_4),
        7 => enc(encoding_rs::ISO_8859_5),
        8 => enc(encoding_rs::ISO_8859_6),
        9 => enc(encoding_rs::ISO_8859_7),
        10 => enc(encoding_rs::ISO_8859_8),
        11 => enc(encoding_rs::WINDOWS_1254),
        12 => enc(encoding_rs::ISO_8859_10),
        13 => enc(encoding_rs::WINDOWS_874),
        15 => enc(encoding_rs::ISO_8859_13),
        16 => enc(encoding_rs::ISO_8859_14),
        17 => enc(encoding_rs::ISO_8859_15),
        18 => enc(encoding_rs::ISO_8859_16),
        20 => enc(encoding_rs::SHIFT_JIS),
        21 => enc(encoding_rs::WINDOWS_1250),
        22 => enc(encoding_rs::WINDOWS_1251),
        23 => enc(encoding_rs::WINDOWS_1252),
        24 => enc(encoding_rs::WINDOWS_1256),
        25 => enc(encoding_rs::UTF_16BE),
        26 => enc(encoding_rs::UTF_8),
        27 | 170 => Some(Ascii),
        28 => enc(encoding_rs::BIG5),
        29 | 31 => enc(encoding_rs::GBK),
        30 => enc(encoding_rs::EUC_KR),
        32 => enc(encoding_rs::GB18030),
        33 => enc(encoding_rs::UTF_16LE),
        34 => Some(Utf32 { big_endian: true }),
        35 => Some(Utf32 { big_endian: false }),
        899 => Some(Binary),
        _ => None,
    }
}

/// Decodes `bytes` in the charset of ECI `eci`. `Ok(None)` for binary data
/// (ECI 899).
///
/// # Errors
/// [`TextError::UnsupportedEci`] when [`eci_charset`] knows no charset for
/// `eci`; [`TextError::Malformed`] when the bytes are not valid in it.
pub fn decode_eci(eci: u32, bytes: &[u8]) -> Result<Option<String>, TextError> {
    let charset = eci_charset(eci).ok_or(TextError::UnsupportedEci { eci })?;
    let malformed = TextError::Malformed { eci };
    let text = match charset {
        EciCharset::Latin1 => bytes.iter().map(|&b| char::from(b)).collect(),
        EciCharset::Ascii => {
            if !bytes.is_ascii() {
                return Err(malformed);
            }
            bytes.iter().map(|&b| char::from(b)).collect()
        }
        EciCharset::Utf32 { big_endian } => {
            if !bytes.len().is_multiple_of(4) {
                return Err(malformed);
            }
            bytes
                .chunks_exact(4)
                .map(|c| {
                    let word = [c[0], c[1], c[2], c[3]];
                    let v = if big_endian {
                        u32::from_be_bytes(word)
                    } else {
                        u32::from_le_bytes(word)
                    };
                    char::from_u32(v).ok_or(malformed)
                })
                .collect::<Result<String, _>>()?
        }
        EciCharset::Encoding(e) => {
            let (text, had_errors) = e.decode_without_bom_handling(bytes);
            if had_errors {
                return Err(malformed);
            }
            text.into_owned()
        }
        EciCharset::Binary => return Ok(None),
    };
    Ok(Some(text))
}

/// Decodes a code's bytes using its segments: with no ECI designator, as
/// [`decode`] guesses; otherwise numeric and alphanumeric segments as ASCII,
/// Kanji segments as Shift-JIS, byte segments in the charset of the
/// designator in force (consecutive byte segments under the same designator
/// together, so a character split between them is read whole), and byte
/// segments before the first designator as [`decode`] guesses.
pub(crate) fn decode_segments(
    bytes: &[u8],
    segments: &[Segment],
) -> (Option<String>, TextEncoding) {
    let Some(first_eci) = segments.iter().find_map(|s| s.eci) else {
        return decode(bytes);
    };
    let mut text = String::new();
    let mut i = 0;
    while i < segments.len() {
        let seg = &segments[i];
        let Some(piece) = bytes.get(seg.range.clone()) else {
            return (None, TextEncoding::Binary);
        };
        i += 1;
        let part: Cow<'_, str> = match seg.mode {
            Mode::Numeric | Mode::Alphanumeric => String::from_utf8_lossy(piece),
            Mode::Kanji => {
                let (s, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(piece);
                if had_errors {
                    return (None, TextEncoding::Binary);
                }
                s
            }
            Mode::Byte => {
                // Runs of byte segments under the same designator are one piece.
                let mut end = seg.range.end;
                while let Some(next) = segments.get(i)
                    && next.mode == Mode::Byte
                    && next.eci == seg.eci
                    && next.range.start == end
                {
                    end = next.range.end;
                    i += 1;
                }
                let Some(run) = bytes.get(seg.range.start..end) else {
                    return (None, TextEncoding::Binary);
                };
                match seg.eci {
                    None => match decode(run) {
                        (Some(s), _) => Cow::Owned(s),
                        (None, e) => return (None, e),
                    },
                    Some(eci) => match decode_eci(eci, run) {
                        Ok(Some(s)) => Cow::Owned(strip_bom(s)),
                        Ok(None) => return (None, TextEncoding::Binary),
                        Err(e) => return (None, TextEncoding::Unreadable(e)),
                    },
                }
            }
        };
        text.push_str(&part);
    }
    if is_text(&text) {
        (Some(text), TextEncoding::Eci(first_eci))
    } else {
        (None, TextEncoding::Binary)
    }
}

/// Drops a leading byte-order mark, which some generators write at the
/// start of UTF-8 and UTF-16 data; it is not part of the text.
fn strip_bom(s: String) -> String {
    match s.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => s,
    }
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
/// than Latin-1, the standard's default for byte mode (ISO/IEC 18004 §7.4.5),
/// which therefore wins when in doubt:
/// - two or more double-byte characters in a row (Japanese words are runs of
///   kanji and kana; an accented letter inside a Latin-1 word pairs with its
///   neighbour into one isolated double-byte character, e.g. `é` + `a` of
///   "Séance" read as `饌`);
/// - or only double-byte characters and no ASCII letter at all (a lone `本`);
/// - or a run of half-width katakana.
fn looks_japanese(bytes: &[u8], sjis: &str) -> bool {
    let is_double = |c: char| !c.is_ascii() && !('\u{FF61}'..='\u{FF9F}').contains(&c);
    let mut run = 0;
    for c in sjis.chars() {
        run = if is_double(c) { run + 1 } else { 0 };
        if run >= 2 {
            return true;
        }
    }
    if sjis.chars().any(is_double) && !sjis.chars().any(|c| c.is_ascii_alphabetic()) {
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
    fn latin1_words_are_not_read_as_isolated_kanji() {
        // Each is valid Shift-JIS too ("S饌nce"), but one isolated double-byte
        // character between ASCII letters is an accented Latin-1 letter.
        for word in ["Séance", "Bibliothèque", "Universitas Indonésia", "Ãé"] {
            let bytes: Vec<u8> = word.chars().map(|c| c as u8).collect();
            assert_eq!(
                decode(&bytes),
                (Some(word.to_string()), TextEncoding::Latin1),
                "{word}"
            );
        }
        // Japanese runs and a lone kanji stay Shift-JIS.
        for (bytes, text) in [
            (&[0x93, 0xFA, 0x96, 0x7B, 0x8C, 0xEA][..], "日本語"),
            (&[0x96, 0x7B][..], "本"),
            (
                &[0x93, 0x8C, 0x8B, 0x9E, 0x20, 0x54, 0x6F, 0x77, 0x65, 0x72][..],
                "東京 Tower",
            ),
        ] {
            assert_eq!(
                decode(bytes),
                (Some(text.to_string()), TextEncoding::ShiftJis)
            );
        }
    }

    #[test]
    fn latin1_is_the_fallback() {
        // "Café" in ISO-8859-1; 0xE9 alone is not valid UTF-8 nor Shift-JIS.
        let (t, e) = decode(b"Caf\xe9");
        assert_eq!((t.as_deref(), e), (Some("Café"), TextEncoding::Latin1));
    }

    #[test]
    fn eci_charsets_decode_with_encoding_rs() {
        assert_eq!(decode_eci(3, b"Caf\xe9"), Ok(Some("Café".to_owned())));
        // ISO-8859-2: 0xA3 is Ł (Latin-1 would give £).
        assert_eq!(decode_eci(4, b"\xa3"), Ok(Some("Ł".to_owned())));
        // ISO-8859-5: 0xB1 0xD8 is "Би".
        assert_eq!(decode_eci(7, b"\xb1\xd8"), Ok(Some("Би".to_owned())));
        assert_eq!(
            decode_eci(20, &[0x83, 0x82, 0x83, 0x6f]),
            Ok(Some("モバ".to_owned()))
        );
        assert_eq!(
            decode_eci(34, &[0, 0, 0x30, 0x42]),
            Ok(Some("あ".to_owned()))
        );
        assert_eq!(decode_eci(899, b"\x00\x01"), Ok(None));
        assert_eq!(
            decode_eci(0, b"a"),
            Err(TextError::UnsupportedEci { eci: 0 })
        );
        assert_eq!(
            decode_eci(27, b"\x80"),
            Err(TextError::Malformed { eci: 27 })
        );
        assert_eq!(
            decode_eci(35, &[0, 0, 0x11]),
            Err(TextError::Malformed { eci: 35 })
        );
    }

    #[test]
    fn segments_without_eci_are_guessed_and_with_eci_are_not() {
        let seg = |mode, eci, range| Segment { mode, eci, range };
        // No designator: the guess (UTF-8 here).
        let bytes = "é".as_bytes();
        assert_eq!(
            decode_segments(bytes, &[seg(Mode::Byte, None, 0..2)]),
            (Some("é".to_owned()), TextEncoding::Utf8)
        );
        // ECI 3 before the same bytes: Latin-1.
        assert_eq!(
            decode_segments(bytes, &[seg(Mode::Byte, Some(3), 0..2)]),
            (Some("Ã©".to_owned()), TextEncoding::Eci(3))
        );
        // A UTF-8 character split between two byte segments is read whole;
        // digits under ECI 26 are ASCII.
        let bytes = "42é".as_bytes();
        assert_eq!(
            decode_segments(
                bytes,
                &[
                    seg(Mode::Numeric, Some(26), 0..2),
                    seg(Mode::Byte, Some(26), 2..3),
                    seg(Mode::Byte, Some(26), 3..4),
                ]
            ),
            (Some("42é".to_owned()), TextEncoding::Eci(26))
        );
    }

    #[test]
    fn control_bytes_are_binary() {
        assert_eq!(decode(&[0x00, 0x01, 0xff]), (None, TextEncoding::Binary));
        assert_eq!(decode(&[0x00, 0x41]), (None, TextEncoding::Binary));
    }
}
