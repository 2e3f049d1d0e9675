//! Reading a sampled module grid: format information, data codewords,
//! Reed–Solomon error correction and the data segments, each as
//! [`crate::qr`] defines it, tried directly and transposed (a mirrored code).
//!
//! rqrr 0.11 finds and samples codes in its own passes, and its decoder would
//! read our grids as well, ten to a hundred times slower (see
//! [`crate::qr::reed_solomon`]). This decoder gives the same bytes as rqrr's
//! `Grid::decode_to` (the parity tests check that on generated codes of
//! every version and level); it is stricter where rqrr trusts the data: the
//! error locator must have exactly as many roots as its degree, and numeric
//! and alphanumeric groups must be in range.

use crate::qr::format::Format;
use crate::qr::segments::{self, Segment};
use crate::qr::version::{self, BlockLayout};
use crate::qr::{ModuleGrid, Transposed, layout, reed_solomon};

/// What a grid decoded to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Decoded {
    /// The data segments' bytes, as rqrr writes them (Kanji as Shift-JIS pairs,
    /// ECI designators not included).
    pub bytes: Vec<u8>,
    /// The data segments in order, each with its mode, the ECI designator in
    /// force and its range in [`Decoded::bytes`].
    pub segments: Vec<Segment>,
    /// True when the grid read transposed (the code was seen mirrored).
    pub mirrored: bool,
}

/// Decodes `grid`, directly or transposed (a mirrored code); `None` when
/// neither way gives a valid format, correctable codewords and well-formed
/// segments.
pub(crate) fn decode(grid: &dyn ModuleGrid) -> Option<Decoded> {
    let version = version::of_size(grid.size())?;
    let direct = Transposed { grid, on: false };
    let transposed = Transposed { grid, on: true };
    let (fd, ft) = (Format::read(&direct), Format::read(&transposed));
    // The orientation whose format information is cleaner first.
    let mut tries = [(false, fd), (true, ft)];
    let errors = |f: Option<Format>| f.map_or(u32::MAX, |f| f.errors);
    if errors(ft) < errors(fd) {
        tries.swap(0, 1);
    }
    for (mirrored, format) in tries {
        let Some(format) = format else { continue };
        let g = Transposed { grid, on: mirrored };
        if let Some((bytes, segments)) = decode_with(&g, version, format) {
            return Some(Decoded {
                bytes,
                segments,
                mirrored,
            });
        }
    }
    None
}

/// Reads, corrects and parses the data of a grid with the given version and format.
fn decode_with(
    g: &Transposed<'_>,
    version: usize,
    format: Format,
) -> Option<(Vec<u8>, Vec<Segment>)> {
    let raw = layout::read_codewords(g, version, format.mask);
    let blocks = BlockLayout::new(version, format.level_bits);
    let data = reed_solomon::correct(&raw, &blocks)?;
    segments::parse(&data, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qr::segments::Mode;
    use crate::qr::version::BlockLayout;
    use qrcode::{EcLevel, QrCode, Version};

    /// A generated code as an rqrr grid.
    fn grid_of(code: &QrCode) -> rqrr::SimpleGrid {
        let n = code.width();
        let colors = code.to_colors();
        rqrr::SimpleGrid::from_func(n, |x, y| colors[y * n + x] == qrcode::Color::Dark)
    }

    fn rqrr_bytes(grid: &rqrr::SimpleGrid) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        rqrr::Grid::new(grid.clone()).decode_to(&mut out).ok()?;
        Some(out)
    }

    #[test]
    fn every_version_and_level_decodes_like_rqrr() {
        let levels = [EcLevel::L, EcLevel::M, EcLevel::Q, EcLevel::H];
        for v in 1..=40i16 {
            for (li, &level) in levels.iter().enumerate() {
                let layout = BlockLayout::new(v as usize, [1, 0, 3, 2][li]);
                let data_codewords: usize = (0..layout.blocks).map(|b| layout.data_len(b)).sum();
                // Mixed segments (digits, upper-case text, bytes), as long as
                // the version holds at this level, so every block is full.
                let unit = "0123456789012 HELLO WORLD https://pustaka.id/m/7K3M9Q ";
                let mut len = data_codewords * 3 / 2;
                let (payload, code) = loop {
                    let p: String = unit.chars().cycle().take(len).collect();
                    if let Ok(c) = QrCode::with_version(p.as_bytes(), Version::Normal(v), level) {
                        break (p, c);
                    }
                    len = len * 19 / 20;
                    assert!(len > 0, "v{v} {level:?}");
                };
                let grid = grid_of(&code);
                let ours = decode(&grid).unwrap_or_else(|| panic!("v{v} {level:?}"));
                assert_eq!(ours.bytes, payload.as_bytes(), "v{v} {level:?}");
                assert!(!ours.mirrored);
                assert_eq!(Some(ours.bytes), rqrr_bytes(&grid), "v{v} {level:?}");
            }
        }
    }

    #[test]
    fn corrects_up_to_half_the_parity_and_reports_transposed_grids() {
        let payload = "https://perpustakaan.metrokota.go.id/m/7K3M9Q";
        let code = QrCode::with_error_correction_level(payload, EcLevel::Q).unwrap();
        let n = code.width();
        let mut colors = code.to_colors();
        // Flip a solid 3×3 patch of data modules in the lower right (a
        // few codewords' worth of errors, well within level Q).
        for r in n - 6..n - 3 {
            for c in n - 6..n - 3 {
                let i = r * n + c;
                colors[i] = if colors[i] == qrcode::Color::Dark {
                    qrcode::Color::Light
                } else {
                    qrcode::Color::Dark
                };
            }
        }
        let grid = rqrr::SimpleGrid::from_func(n, |x, y| colors[y * n + x] == qrcode::Color::Dark);
        assert_eq!(decode(&grid).unwrap().bytes, payload.as_bytes());
        let transposed =
            rqrr::SimpleGrid::from_func(n, |x, y| colors[x * n + y] == qrcode::Color::Dark);
        let d = decode(&transposed).unwrap();
        assert_eq!(d.bytes, payload.as_bytes());
        assert!(d.mirrored);
    }

    #[test]
    fn eci_designators_are_kept_on_the_segments_after_them() {
        use qrcode::bits::Bits;
        let mut bits = Bits::new(Version::Normal(5));
        bits.push_byte_data(b"a").unwrap();
        bits.push_eci_designator(7).unwrap();
        bits.push_numeric_data(b"12").unwrap();
        bits.push_eci_designator(899).unwrap();
        bits.push_byte_data(b"bc").unwrap();
        bits.push_eci_designator(20_000).unwrap();
        bits.push_byte_data(b"d").unwrap();
        bits.push_terminator(EcLevel::M).unwrap();
        let code = QrCode::with_bits(bits, EcLevel::M).unwrap();
        let d = decode(&grid_of(&code)).unwrap();
        assert_eq!(d.bytes, b"a12bcd");
        let got: Vec<_> = d
            .segments
            .iter()
            .map(|s| (s.mode, s.eci, s.range.clone()))
            .collect();
        assert_eq!(
            got,
            vec![
                (Mode::Byte, None, 0..1),
                (Mode::Numeric, Some(7), 1..3),
                (Mode::Byte, Some(899), 3..5),
                (Mode::Byte, Some(20_000), 5..6),
            ]
        );
    }
}
