//! MARC-8 → Unicode for the Latin repertoire: ASCII (G0) plus ANSEL extended
//! Latin (G1), with MARC-8's combining marks (written *before* their base
//! letter) moved after it and the result composed to NFC.
//!
//! Other MARC-8 sets (CJK, Arabic, Hebrew, Cyrillic, Greek) only appear in
//! 880 alternate-script fields of the test data, which the import does not
//! read; their characters become U+FFFD so nothing silently turns into Latin
//! garbage. Greek symbols, subscript and superscript escapes pass digits and
//! letters through unchanged.
//!
//! Written here, not taken from a crate: `marc` 3.x panics on non-UTF-8
//! subfields and `marc-rs` 1.0 decodes MARC-8 as Windows-1252 (wrong for
//! every diacritic). `mrrc` 0.9.2 does convert MARC-8
//! (`mrrc::encoding::decode_bytes`; its ISO 2709 reader itself reads every
//! record as UTF-8), but not as the MARC-8 code tables say. Run on the same
//! field bytes of the 1,074 MARC-8 records in the 5 ISO 2709 files of
//! `../shared/data/catalog` that have any (34,855 control-field and subfield
//! values), it differs from this module in 187 values of 97 records
//! (`evergreen_jazz_1k.mrc` 181 values in 95 records, `evergreen_oss.marc` 6 in
//! 2): exactly the values that hold an ANSEL combining mark (the files use
//! E1, E2, E3, E4, E8 and F0), and it agrees on every other value. Two faults:
//! its G1 table is shifted against the code table (E1 grave → U+0301 acute,
//! E2 acute → U+0302 circumflex, E8 diaeresis → U+030A ring above, F0 cedilla
//! → the letter U+0233 ȳ …; 85 of the 94 G1 bytes A1–FE decode differently),
//! and it leaves each mark *before* its base letter, where NFC cannot compose
//! it. Example, 700 $a of a record in `evergreen_jazz_1k.mrc`, bytes
//! `Chopin, Fr\xE2ed\xE2eric,`: here `Chopin, Frédéric,`, in mrrc
//! `Chopin, Fr\u{302}ed\u{302}eric,`. The parity test in
//! `backend/tests/api/catalog.rs` asserts these numbers, so a release of mrrc
//! that fixes them is noticed (then adopt it if it matches everywhere).

use unicode_normalization::UnicodeNormalization;

const ESC: u8 = 0x1B;

/// ANSEL spacing characters 0xA1..=0xC8 (0 = unassigned).
const ANSEL_SPACING: [u32; 0xC9 - 0xA1] = [
    0x0141, 0x00D8, 0x0110, 0x00DE, 0x00C6, 0x0152, 0x02B9, 0x00B7, // A1-A8
    0x266D, 0x00AE, 0x00B1, 0x01A0, 0x01AF, 0x02BC, 0, 0x02BB, // A9-B0
    0x0142, 0x00F8, 0x0111, 0x00FE, 0x00E6, 0x0153, 0x02BA, 0x0131, // B1-B8
    0x00A3, 0x00F0, 0, 0x01A1, 0x01B0, 0, 0, 0x00B0, // B9-C0
    0x2113, 0x2117, 0x00A9, 0x266F, 0x00BF, 0x00A1, 0x00DF, 0x20AC, // C1-C8
];

/// ANSEL combining marks 0xE0..=0xFE (0 = unassigned).
const ANSEL_COMBINING: [u32; 0xFF - 0xE0] = [
    0x0309, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x0306, 0x0307, // E0-E7
    0x0308, 0x030C, 0x030A, 0xFE20, 0xFE21, 0x0315, 0x030B, 0x0310, // E8-EF
    0x0327, 0x0328, 0x0323, 0x0324, 0x0325, 0x0333, 0x0332, 0x0326, // F0-F7
    0x031C, 0x032E, 0xFE22, 0xFE23, 0, 0, 0x0313, // F8-FE
];

#[derive(Clone, Copy, PartialEq, Eq)]
enum G0 {
    /// ASCII (and the Greek-symbol/sub/superscript sets, passed through).
    Ascii,
    /// A set we do not map; `width` bytes per character.
    Unsupported { width: usize },
}

/// Converts MARC-8 bytes to an NFC Unicode string. Never fails: unmapped
/// bytes become U+FFFD.
pub fn decode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 8);
    let mut pending: Vec<char> = Vec::new();
    let mut g0 = G0::Ascii;
    let mut i = 0;
    let push_base = |out: &mut String, pending: &mut Vec<char>, c: char| {
        out.push(c);
        out.extend(pending.drain(..));
    };
    while i < bytes.len() {
        let b = bytes[i];
        if b == ESC {
            i += 1;
            let Some(&next) = bytes.get(i) else { break };
            match next {
                // Single-byte escapes: Greek symbols, subscript, superscript, back to ASCII.
                b'g' | b'b' | b'p' | b's' => {
                    g0 = G0::Ascii;
                    i += 1;
                }
                // G0/G1 designation of a one-byte set: ESC ( F, ESC , F, ESC ) F, ESC - F.
                b'(' | b',' | b')' | b'-' => {
                    let fin = bytes.get(i + 1).copied().unwrap_or(b'B');
                    if matches!(next, b'(' | b',') {
                        g0 = if matches!(fin, b'B' | b'E' | b's') {
                            G0::Ascii
                        } else {
                            G0::Unsupported { width: 1 }
                        };
                    }
                    i += 2;
                }
                // Multibyte (CJK) designation: ESC $ F or ESC $ , F.
                b'$' => {
                    let mut j = i + 1;
                    if matches!(bytes.get(j), Some(b',' | b')' | b'-')) {
                        j += 1;
                    }
                    g0 = G0::Unsupported { width: 3 };
                    i = j + 1;
                }
                _ => {
                    i += 1;
                }
            }
            continue;
        }
        match b {
            0x00..=0x1F => {
                push_base(&mut out, &mut pending, b as char);
                i += 1;
            }
            0x20 => {
                push_base(&mut out, &mut pending, ' ');
                i += 1;
            }
            0x21..=0x7F => match g0 {
                G0::Ascii => {
                    push_base(&mut out, &mut pending, b as char);
                    i += 1;
                }
                G0::Unsupported { width } => {
                    push_base(&mut out, &mut pending, '\u{FFFD}');
                    i += width;
                }
            },
            // Non-sort begin/end: markers for filing, not text.
            0x88 | 0x89 | 0x98 | 0x9C => i += 1,
            0x8D => {
                out.push('\u{200D}');
                i += 1;
            }
            0x8E => {
                out.push('\u{200C}');
                i += 1;
            }
            0xA1..=0xC8 => {
                let cp = ANSEL_SPACING[(b - 0xA1) as usize];
                push_base(
                    &mut out,
                    &mut pending,
                    char::from_u32(cp).filter(|_| cp != 0).unwrap_or('\u{FFFD}'),
                );
                i += 1;
            }
            0xE0..=0xFE => {
                let cp = ANSEL_COMBINING[(b - 0xE0) as usize];
                if let Some(c) = char::from_u32(cp).filter(|_| cp != 0) {
                    pending.push(c);
                }
                i += 1;
            }
            _ => {
                push_base(&mut out, &mut pending, '\u{FFFD}');
                i += 1;
            }
        }
    }
    // Marks with no base letter after them attach to nothing: keep them at the end.
    out.extend(pending);
    out.nfc().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_is_unchanged() {
        assert_eq!(decode(b"Pride and prejudice /"), "Pride and prejudice /");
    }

    #[test]
    fn combining_marks_move_after_the_base_and_compose() {
        // MARC-8: acute (E2) before 'e' → é; cedilla (F0) before 'c' → ç.
        assert_eq!(decode(b"Caf\xE2e Fran\xF0cais"), "Café Français");
        // Two marks on one letter: dot below + circumflex before 'e' → ệ.
        assert_eq!(decode(b"Vi\xF2\xE3et"), "Việt");
    }

    #[test]
    fn spacing_ansel_characters() {
        assert_eq!(decode(b"\xA1\xB3\xC7 \xC3 2003"), "Łđß © 2003");
    }

    #[test]
    fn unsupported_sets_become_replacement_characters() {
        // ESC $ 1 (CJK) then two 3-byte characters, then ESC ( B back to ASCII.
        let s = decode(b"a \x1B$1!!!\"\"\"\x1B(B b");
        assert_eq!(s, "a \u{FFFD}\u{FFFD} b");
    }
}
