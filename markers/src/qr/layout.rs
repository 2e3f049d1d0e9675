//! Where the modules of a code lie (ISO/IEC 18004 §6.3, §7.7–7.8, Annex E):
//! the function patterns (finders with their separators, timing patterns,
//! alignment patterns, format and version areas), the data masks, and the
//! order in which data codewords fill the remaining modules.

use super::ModuleGrid;
use super::version::{self, MIN_VERSION_WITH_INFO, total_codewords};

/// Centre coordinates (in modules) of the alignment patterns along one axis
/// for a code of `n` modules (ISO/IEC 18004 Annex E): first at 6, last at
/// n − 7, evenly spaced by an even step in between.
pub(crate) fn alignment_positions(n: usize) -> Vec<usize> {
    let version = (n - 17) / 4;
    if version < 2 {
        return Vec::new();
    }
    let count = version / 7 + 2;
    let last = n - 7;
    let step = if version == 32 {
        26
    } else {
        (last - 6).div_ceil(2 * (count - 1)) * 2
    };
    let mut out: Vec<usize> = (0..count - 1).map(|i| last - i * step).collect();
    out.push(6);
    out.reverse();
    out
}

/// Whether an alignment pattern centred at `(r, c)` would overlap a finder
/// (the three corners of the alignment grid next to the finders hold none).
fn on_finder(n: usize, r: usize, c: usize) -> bool {
    (r == 6 && (c == 6 || c == n - 7)) || (r == n - 7 && c == 6)
}

/// Which modules hold function patterns (finders, separators, timing,
/// alignment, format and version information) for a code of `version`,
/// row-major.
pub(crate) fn function_modules(version: usize) -> Vec<bool> {
    let n = version::size_of(version);
    let mut f = vec![false; n * n];
    let mut fill = |r0: usize, c0: usize, h: usize, w: usize| {
        for r in r0..r0 + h {
            for c in c0..c0 + w {
                f[r * n + c] = true;
            }
        }
    };
    // Finders with separators and the format information next to them.
    fill(0, 0, 9, 9);
    fill(0, n - 8, 9, 8);
    fill(n - 8, 0, 8, 9);
    // Timing patterns.
    fill(6, 0, 1, n);
    fill(0, 6, n, 1);
    if version >= MIN_VERSION_WITH_INFO {
        fill(0, n - 11, 6, 3);
        fill(n - 11, 0, 3, 6);
    }
    let pos = alignment_positions(n);
    for &r in &pos {
        for &c in &pos {
            if !on_finder(n, r, c) {
                fill(r - 2, c - 2, 5, 5);
            }
        }
    }
    f
}

/// The function-pattern modules of a code of `n` modules whose colours are
/// fixed, as `(row, column, dark)`: the three finders with their
/// separators, the timing patterns between them and every alignment pattern.
pub(crate) fn function_reference(n: usize) -> Vec<(usize, usize, bool)> {
    let mut out = Vec::with_capacity(3 * 64 + 2 * n + 25 * 6);
    // Finder centred at (3, 3) spans 0..7; separators at row/column 7.
    for (r0, c0) in [(0usize, 0usize), (0, n - 7), (n - 7, 0)] {
        for dr in 0..7usize {
            for dc in 0..7usize {
                let ring = dr.abs_diff(3).max(dc.abs_diff(3));
                out.push((r0 + dr, c0 + dc, ring != 2));
            }
        }
    }
    for i in 0..8 {
        // Separators: the light row and column between each finder and the data.
        out.extend([
            (7, i, false),
            (i, 7, false),
            (7, n - 1 - i, false),
            (i, n - 8, false),
            (n - 8, i, false),
            (n - 1 - i, 7, false),
        ]);
    }
    for i in 8..n - 8 {
        out.extend([(6, i, i % 2 == 0), (i, 6, i % 2 == 0)]);
    }
    let pos = alignment_positions(n);
    for &r in &pos {
        for &c in &pos {
            if on_finder(n, r, c) {
                continue;
            }
            for dr in 0..5usize {
                for dc in 0..5usize {
                    let ring = dr.abs_diff(2).max(dc.abs_diff(2));
                    out.push((r + dr - 2, c + dc - 2, ring != 1));
                }
            }
        }
    }
    out
}

/// Whether the data mask `mask` (0–7, ISO/IEC 18004 Table 10) flips the
/// module at `(row, col)`.
pub(crate) fn mask_bit(mask: usize, row: usize, col: usize) -> bool {
    let (i, j) = (row, col);
    match mask {
        0 => (i + j) % 2 == 0,
        1 => i % 2 == 0,
        2 => j % 3 == 0,
        3 => (i + j) % 3 == 0,
        4 => (i / 2 + j / 3) % 2 == 0,
        5 => (i * j) % 2 + (i * j) % 3 == 0,
        6 => ((i * j) % 2 + (i * j) % 3) % 2 == 0,
        _ => ((i + j) % 2 + (i * j) % 3) % 2 == 0,
    }
}

/// The codewords of a code of `version` in placement order (two-module
/// columns, right to left, alternately upwards and downwards, skipping the
/// vertical timing column), unmasked with `mask`. Remainder bits are dropped.
pub(crate) fn read_codewords<G: ModuleGrid + ?Sized>(
    g: &G,
    version: usize,
    mask: usize,
) -> Vec<u8> {
    let n = g.size();
    let function = function_modules(version);
    let mut out = Vec::with_capacity(total_codewords(version));
    let (mut byte, mut nbits) = (0u8, 0);
    let mut col = n - 1;
    let mut upwards = true;
    loop {
        for k in 0..n {
            let row = if upwards { n - 1 - k } else { k };
            for c in [col, col - 1] {
                if function[row * n + c] {
                    continue;
                }
                byte = (byte << 1) | u8::from(g.dark(row, c) ^ mask_bit(mask, row, c));
                nbits += 1;
                if nbits == 8 {
                    out.push(byte);
                    (byte, nbits) = (0, 0);
                }
            }
        }
        upwards = !upwards;
        if col < 3 {
            break;
        }
        col -= 2;
        if col == 6 {
            col = 5;
        }
    }
    out.truncate(total_codewords(version));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alignment_positions_match_the_standard_table() {
        // ISO/IEC 18004 Annex E, table E.1.
        assert_eq!(alignment_positions(21), Vec::<usize>::new());
        assert_eq!(alignment_positions(25), vec![6, 18]);
        assert_eq!(alignment_positions(45), vec![6, 22, 38]);
        assert_eq!(alignment_positions(17 + 4 * 15), vec![6, 26, 48, 70]);
        assert_eq!(
            alignment_positions(17 + 4 * 32),
            vec![6, 34, 60, 86, 112, 138]
        );
        assert_eq!(
            alignment_positions(17 + 4 * 36),
            vec![6, 24, 50, 76, 102, 128, 154]
        );
        assert_eq!(alignment_positions(177), vec![6, 30, 58, 86, 114, 142, 170]);
    }

    #[test]
    fn function_reference_matches_generated_codes() {
        for v in [1, 2, 6, 7, 14, 40] {
            let code = qrcode::QrCode::with_version(
                b"function",
                qrcode::Version::Normal(v),
                qrcode::EcLevel::M,
            )
            .unwrap();
            let n = code.width();
            let colors = code.to_colors();
            for (r, c, dark) in function_reference(n) {
                assert_eq!(
                    colors[r * n + c] == qrcode::Color::Dark,
                    dark,
                    "v{v} ({r}, {c})"
                );
            }
        }
    }
}
