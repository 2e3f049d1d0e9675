//! Versions (ISO/IEC 18004 §6.4, §7.10, Tables 1 and 9): the symbol size of
//! each version, the version information that codes from version 7 on carry
//! (a BCH(18,6) codeword stored twice), and how many codewords each version
//! holds and splits into Reed–Solomon blocks per error-correction level.

/// The largest version.
pub(crate) const MAX_VERSION: usize = 40;

/// The first version that carries version information.
pub(crate) const MIN_VERSION_WITH_INFO: usize = 7;

/// The BCH(18,6) code corrects up to 3 bit errors.
pub(crate) const MAX_VERSION_ERRORS: u32 = 3;

/// The BCH(18,6) generator of the version information.
const VERSION_GENERATOR: u32 = 0x1F25;

/// Side in modules of a code of `version` (21 for version 1, + 4 per version).
pub(crate) const fn size_of(version: usize) -> usize {
    17 + 4 * version
}

/// The version of a code `n` modules wide; `None` when no version has that size.
pub(crate) fn of_size(n: usize) -> Option<usize> {
    ((size_of(1)..=size_of(MAX_VERSION)).contains(&n) && (n - 17).is_multiple_of(4))
        .then(|| (n - 17) / 4)
}

/// The 18-bit version information codeword for `version`.
pub(crate) fn info_codeword(version: u32) -> u32 {
    let mut rem = version << 12;
    for i in (12..18).rev() {
        if rem & (1 << i) != 0 {
            rem ^= VERSION_GENERATOR << (i - 12);
        }
    }
    (version << 12) | rem
}

/// The version (7–40) whose information codeword is nearest to a read
/// 18-bit word, and the Hamming distance to it.
pub(crate) fn nearest_info(word: u32) -> (usize, u32) {
    (MIN_VERSION_WITH_INFO as u32..=MAX_VERSION as u32)
        .map(|v| (v as usize, (word ^ info_codeword(v)).count_ones()))
        .min_by_key(|&(_, d)| d)
        .unwrap_or((MIN_VERSION_WITH_INFO, u32::MAX))
}

/// Codewords (data + error correction) of a code of `version`: its modules
/// outside the function patterns, divided by 8 (ISO/IEC 18004 Table 1).
pub(crate) fn total_codewords(version: usize) -> usize {
    let v = version;
    let mut modules = (16 * v + 128) * v + 64;
    if v >= 2 {
        let a = v / 7 + 2;
        modules -= (25 * a - 10) * a - 55;
    }
    if v >= 7 {
        modules -= 36;
    }
    modules / 8
}

/// Error-correction codewords per block, per level in format-bit order
/// (M, L, H, Q), per version 1–40 (ISO/IEC 18004 Table 9).
const ECC_PER_BLOCK: [[u8; 40]; 4] = [
    [
        10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26, 26, 28, 28,
        28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28,
    ],
    [
        7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28, 28, 28, 30,
        30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28, 30, 24, 30,
        30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
    [
        13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30, 28, 30, 30,
        30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30,
    ],
];

/// Number of error-correction blocks, indexed like [`ECC_PER_BLOCK`].
const BLOCKS: [[u8; 40]; 4] = [
    [
        1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16, 17, 17, 18, 20, 21, 23,
        25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49,
    ],
    [
        1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8, 8, 9, 9, 10, 12, 12, 12, 13,
        14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25,
    ],
    [
        1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25, 25, 34, 30, 32, 35,
        37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81,
    ],
    [
        1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20, 23, 23, 25, 27, 29,
        34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68,
    ],
];

/// How a version and level split the codewords into Reed–Solomon blocks:
/// `short` blocks of `short_data` data codewords, then blocks with one more,
/// each followed (after de-interleaving) by `ecc` correction codewords.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BlockLayout {
    /// Number of blocks.
    pub blocks: usize,
    /// How many of them are short (one data codeword fewer than the rest).
    pub short: usize,
    /// Data codewords of a short block.
    pub short_data: usize,
    /// Error-correction codewords per block.
    pub ecc: usize,
}

impl BlockLayout {
    /// The layout of `version` (1–40) at the level with format bits
    /// `level_bits` (0–3, see [`super::format::Format::level_bits`]).
    pub(crate) fn new(version: usize, level_bits: usize) -> Self {
        let total = total_codewords(version);
        let blocks = usize::from(BLOCKS[level_bits][version - 1]);
        let ecc = usize::from(ECC_PER_BLOCK[level_bits][version - 1]);
        let short_len = total / blocks;
        let long = total % blocks;
        Self {
            blocks,
            short: blocks - long,
            short_data: short_len - ecc,
            ecc,
        }
    }

    /// Data codewords of block `block`.
    pub(crate) fn data_len(&self, block: usize) -> usize {
        self.short_data + usize::from(block >= self.short)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codeword_counts_match_the_standard() {
        // ISO/IEC 18004 Table 1: total codewords of versions 1, 7, 14, 40.
        assert_eq!(total_codewords(1), 26);
        assert_eq!(total_codewords(7), 196);
        assert_eq!(total_codewords(14), 581);
        assert_eq!(total_codewords(40), 3706);
    }

    #[test]
    fn version_codewords_match_the_standard() {
        // ISO/IEC 18004 Annex D, table D.1: version 7 → 0x07C94.
        assert_eq!(info_codeword(7), 0x07C94);
        assert_eq!(info_codeword(40), 0x28C69);
        assert_eq!(nearest_info(0x07C94 ^ 0b101), (7, 2));
    }

    #[test]
    fn sizes_and_versions_agree() {
        assert_eq!(size_of(1), 21);
        assert_eq!(of_size(177), Some(40));
        assert_eq!(of_size(22), None);
        assert_eq!(of_size(181), None);
    }
}
