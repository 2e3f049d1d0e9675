//! Format information (ISO/IEC 18004 §7.9): the error-correction level and
//! data mask of a code, five bits protected by a BCH(15,5) code, masked, and
//! stored twice (around the top-left finder, and split between the other
//! two).

use super::{ModuleGrid, Transposed};

/// The BCH(15,5) format code corrects up to 3 bit errors (ISO/IEC 18004 §7.9).
pub(crate) const MAX_FORMAT_ERRORS: u32 = 3;

/// The mask applied (exclusive or) to every format codeword (ISO/IEC 18004 §7.9.1), so no
/// code has an all-light format area.
const FORMAT_MASK: u16 = 0x5412;

/// The BCH(15,5) generator polynomial of the format information.
const FORMAT_GENERATOR: u32 = 0x537;

/// The smallest code (version 1) is this many modules wide; both copies of
/// the format information need the whole of it.
const MIN_SIZE: usize = 21;

/// Error-correction level and mask pattern, from the format information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Format {
    /// The level's two format bits (0 = M, 1 = L, 2 = H, 3 = Q), as rqrr
    /// indexes them and [`super::version::BlockLayout::new`] takes them.
    pub level_bits: usize,
    /// Data mask pattern, 0–7 ([`super::layout::mask_bit`]).
    pub mask: usize,
    /// Bit errors corrected in the copy used.
    pub errors: u32,
}

impl Format {
    /// Reads both copies and keeps the one closer to a valid codeword (ties:
    /// the copy around the top-left finder); `None` when neither is within
    /// [`MAX_FORMAT_ERRORS`] bits of one, or the grid is smaller than version 1.
    pub(crate) fn read<G: ModuleGrid + ?Sized>(grid: &G) -> Option<Self> {
        let (data, errors) = read_copies(grid)?
            .map(nearest)
            .into_iter()
            .filter(|&(_, d)| d <= MAX_FORMAT_ERRORS)
            .min_by_key(|&(_, d)| d)?;
        Some(Self {
            level_bits: (data >> 3) as usize,
            mask: (data & 7) as usize,
            errors,
        })
    }
}

/// Both 15-bit format-information copies of a grid, in rqrr's bit order
/// (bit 0 first); `None` for a grid smaller than version 1.
pub(crate) fn read_copies<G: ModuleGrid + ?Sized>(grid: &G) -> Option<[u16; 2]> {
    // Copy 1 around the top-left finder: bit i at row ROWS[i], column COLS[i].
    const COLS: [usize; 15] = [8, 8, 8, 8, 8, 8, 8, 8, 7, 5, 4, 3, 2, 1, 0];
    const ROWS: [usize; 15] = [0, 1, 2, 3, 4, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8];
    let n = grid.size();
    if n < MIN_SIZE {
        return None;
    }
    let mut first = 0u16;
    for i in (0..15).rev() {
        first = (first << 1) | u16::from(grid.dark(ROWS[i], COLS[i]));
    }
    // Copy 2: up column 8 beside the bottom-left finder, then along row 8
    // below the top-right finder.
    let mut second = 0u16;
    for i in 0..7 {
        second = (second << 1) | u16::from(grid.dark(n - 1 - i, 8));
    }
    for i in 0..8 {
        second = (second << 1) | u16::from(grid.dark(8, n - 8 + i));
    }
    Some([first, second])
}

/// The format data (5 bits) whose codeword is nearest to a read copy, and
/// the Hamming distance to it.
pub(crate) fn nearest(word: u16) -> (u32, u32) {
    let word = u32::from(word ^ FORMAT_MASK);
    (0u32..32)
        .map(|data| (data, (word ^ codeword(data)).count_ones()))
        .min_by_key(|&(_, d)| d)
        .unwrap_or((0, u32::MAX))
}

/// The 15-bit BCH codeword (before masking) for 5 format data bits.
pub(crate) fn codeword(data: u32) -> u32 {
    let mut rem = data << 10;
    for i in (10..15).rev() {
        if rem & (1 << i) != 0 {
            rem ^= FORMAT_GENERATOR << (i - 10);
        }
    }
    (data << 10) | rem
}

/// Smallest Hamming distance of either copy to a valid format codeword,
/// reading the grid directly or transposed (`u32::MAX` for a grid smaller
/// than version 1). Cheap: 60 modules.
pub(crate) fn distance_either_way(grid: &dyn ModuleGrid) -> u32 {
    [false, true]
        .into_iter()
        .filter_map(|on| read_copies(&Transposed { grid, on }))
        .flat_map(|words| words.map(|w| nearest(w).1))
        .min()
        .unwrap_or(u32::MAX)
}

/// Whether the format information looks like a real code's, directly or
/// transposed: both copies within [`MAX_FORMAT_ERRORS`] bits of the same
/// codeword, or one copy within 1 bit. Random bits pass about 8 % of the
/// time either way round (one copy within 3 bits: over 90 %), while a real
/// code seldom has more than a bit wrong in both copies, and not in
/// different ways.
pub(crate) fn agrees(grid: &dyn ModuleGrid) -> bool {
    [false, true].into_iter().any(|on| {
        let Some(words) = read_copies(&Transposed { grid, on }) else {
            return false;
        };
        let [(d1, e1), (d2, e2)] = words.map(nearest);
        (e1 <= MAX_FORMAT_ERRORS && e2 <= MAX_FORMAT_ERRORS && d1 == d2) || e1.min(e2) <= 1
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_codewords_match_the_standard() {
        // ISO/IEC 18004 Annex C example: data 00101 → 001010011011100 (before masking).
        assert_eq!(codeword(0b00101), 0b001010011011100);
    }
}
