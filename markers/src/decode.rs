//! Reading a sampled module grid: format information, data codewords,
//! Reed–Solomon error correction and the data segments (ISO/IEC 18004 §7–8).
//!
//! rqrr 0.11 finds and samples codes in its own passes, and its decoder would
//! read our grids as well; but it evaluates each Reed–Solomon syndrome term
//! with a 64-step square-and-multiply power (upstream WanzenBug/rqrr#37), so
//! one decode costs 0.3–3 ms, more than finding, sampling and thresholding
//! the code together. This decoder uses log/antilog tables and gives the same
//! bytes as rqrr's `Grid::decode_to` (the parity tests check that on
//! generated codes of every version and level); it is stricter where rqrr
//! trusts the data: the error locator must have exactly as many roots as its
//! degree, and numeric and alphanumeric groups must be in range.
//!
//! Grids are [`BitGrid`]s in rqrr's convention: `bit(row, column)`, row 0 at
//! the top, `true` = dark module.

use rqrr::BitGrid;

use crate::sample::alignment_positions;

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

/// One data segment of a decoded code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The segment's mode.
    pub mode: Mode,
    /// The value of the last ECI designator before this segment (ISO/IEC
    /// 18004 §7.4.2: a designator holds until the next one), `None` when the
    /// code has none before it.
    pub eci: Option<u32>,
    /// Where the segment's bytes lie in [`Decoded::bytes`].
    pub range: std::ops::Range<usize>,
}

/// The data modes whose characters end up in [`Decoded::bytes`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Digits, written as ASCII.
    Numeric,
    /// The 45-character alphanumeric set, written as ASCII.
    Alphanumeric,
    /// 8-bit bytes in the charset the ECI in force names.
    Byte,
    /// Kanji, written as Shift-JIS byte pairs.
    Kanji,
}

/// Decodes `grid`, directly or transposed (a mirrored code); `None` when
/// neither way gives a valid format, correctable codewords and well-formed
/// segments.
pub(crate) fn decode(grid: &dyn BitGrid) -> Option<Decoded> {
    let n = grid.size();
    if !(21..=177).contains(&n) || !(n - 17).is_multiple_of(4) {
        return None;
    }
    let direct = Transposed { grid, on: false };
    let transposed = Transposed { grid, on: true };
    let (fd, ft) = (read_format(&direct), read_format(&transposed));
    // The orientation whose format information is cleaner first.
    let mut tries = [(false, fd), (true, ft)];
    let errors = |f: Option<Format>| f.map_or(u32::MAX, |f| f.errors);
    if errors(ft) < errors(fd) {
        tries.swap(0, 1);
    }
    for (mirrored, format) in tries {
        let Some(format) = format else { continue };
        let g = Transposed { grid, on: mirrored };
        if let Some((bytes, segments)) = decode_with(&g, format) {
            return Some(Decoded {
                bytes,
                segments,
                mirrored,
            });
        }
    }
    None
}

/// A grid read directly or transposed.
struct Transposed<'a> {
    grid: &'a dyn BitGrid,
    on: bool,
}

impl Transposed<'_> {
    fn bit(&self, row: usize, col: usize) -> bool {
        if self.on {
            self.grid.bit(col, row)
        } else {
            self.grid.bit(row, col)
        }
    }

    fn size(&self) -> usize {
        self.grid.size()
    }
}

/// Error-correction level and mask pattern, from the format information.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Format {
    /// The level's two format bits (0 = M, 1 = L, 2 = H, 3 = Q), as rqrr indexes them.
    level_bits: usize,
    /// Data mask pattern, 0–7.
    mask: usize,
    /// Bit errors corrected in the copy used.
    errors: u32,
}

/// The BCH(15,5) format code corrects up to 3 bit errors.
const MAX_FORMAT_ERRORS: u32 = 3;

/// Reads both copies of the format information and keeps the one closer to a
/// valid codeword (ties: the copy around the top-left finder).
fn read_format(g: &Transposed<'_>) -> Option<Format> {
    // Copy 1 around the top-left finder, in rqrr's bit order (LSB first).
    const XS: [usize; 15] = [8, 8, 8, 8, 8, 8, 8, 8, 7, 5, 4, 3, 2, 1, 0];
    const YS: [usize; 15] = [0, 1, 2, 3, 4, 5, 7, 8, 8, 8, 8, 8, 8, 8, 8];
    let n = g.size();
    let mut first = 0u16;
    for i in (0..15).rev() {
        first = (first << 1) | u16::from(g.bit(YS[i], XS[i]));
    }
    let mut second = 0u16;
    for i in 0..7 {
        second = (second << 1) | u16::from(g.bit(n - 1 - i, 8));
    }
    for i in 0..8 {
        second = (second << 1) | u16::from(g.bit(8, n - 8 + i));
    }
    let nearest = |word: u16| {
        let word = u32::from(word ^ crate::scan::FORMAT_MASK);
        (0u32..32)
            .map(|data| {
                (
                    data,
                    (word ^ crate::scan::format_codeword(data)).count_ones(),
                )
            })
            .min_by_key(|&(_, d)| d)
            .filter(|&(_, d)| d <= MAX_FORMAT_ERRORS)
    };
    let (data, errors) = [nearest(first), nearest(second)]
        .into_iter()
        .flatten()
        .min_by_key(|&(_, d)| d)?;
    Some(Format {
        level_bits: (data >> 3) as usize,
        mask: (data & 7) as usize,
        errors,
    })
}

/// Reads, corrects and parses the data of a grid with the given format.
fn decode_with(g: &Transposed<'_>, format: Format) -> Option<(Vec<u8>, Vec<Segment>)> {
    let n = g.size();
    let version = (n - 17) / 4;
    let raw = read_codewords(g, version, format.mask);
    let blocks = BlockLayout::new(version, format.level_bits);
    let data = correct(&raw, &blocks)?;
    parse_segments(&data, version)
}

/// Which modules hold function patterns (finders, separators, timing,
/// alignment, format and version information) for a code of `version`,
/// row-major.
fn function_modules(version: usize) -> Vec<bool> {
    let n = 17 + 4 * version;
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
    if version >= 7 {
        fill(0, n - 11, 6, 3);
        fill(n - 11, 0, 3, 6);
    }
    let pos = alignment_positions(n);
    for &r in &pos {
        for &c in &pos {
            let on_finder = (r == 6 && (c == 6 || c == n - 7)) || (r == n - 7 && c == 6);
            if !on_finder {
                fill(r - 2, c - 2, 5, 5);
            }
        }
    }
    f
}

/// Whether the data mask `mask` flips the module at `(row, col)`.
fn mask_bit(mask: usize, row: usize, col: usize) -> bool {
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

/// The codewords in placement order (two-module columns, right to left,
/// alternately upwards and downwards, skipping the vertical timing column),
/// unmasked. Remainder bits are dropped.
fn read_codewords(g: &Transposed<'_>, version: usize, mask: usize) -> Vec<u8> {
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
                byte = (byte << 1) | u8::from(g.bit(row, c) ^ mask_bit(mask, row, c));
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

/// Codewords (data + error correction) of a code of `version`: its modules
/// outside the function patterns, divided by 8 (ISO/IEC 18004 Table 1).
fn total_codewords(version: usize) -> usize {
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
struct BlockLayout {
    blocks: usize,
    short: usize,
    short_data: usize,
    ecc: usize,
}

impl BlockLayout {
    fn new(version: usize, level_bits: usize) -> Self {
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

    fn data_len(&self, block: usize) -> usize {
        self.short_data + usize::from(block >= self.short)
    }
}

/// De-interleaves the codewords into blocks, corrects each one and returns
/// the data codewords in order; `None` when a block is beyond correction.
fn correct(raw: &[u8], layout: &BlockLayout) -> Option<Vec<u8>> {
    let b = layout.blocks;
    let mut blocks: Vec<Vec<u8>> = (0..b)
        .map(|i| Vec::with_capacity(layout.data_len(i) + layout.ecc))
        .collect();
    let mut it = raw.iter().copied();
    for j in 0..=layout.short_data {
        for (i, block) in blocks.iter_mut().enumerate() {
            if j < layout.data_len(i) {
                block.push(it.next()?);
            }
        }
    }
    for _ in 0..layout.ecc {
        for block in &mut blocks {
            block.push(it.next()?);
        }
    }
    let mut data = Vec::with_capacity(raw.len());
    for (i, mut block) in blocks.into_iter().enumerate() {
        rs_correct(&mut block, layout.ecc)?;
        data.extend_from_slice(&block[..layout.data_len(i)]);
    }
    Some(data)
}

/// GF(256) with the QR polynomial x⁸ + x⁴ + x³ + x² + 1: antilog table
/// (doubled, so a sum of two logs needs no reduction) and log table.
struct Gf {
    exp: [u8; 512],
    log: [u8; 256],
}

const GF: Gf = {
    let mut exp = [0u8; 512];
    let mut log = [0u8; 256];
    let mut x: u16 = 1;
    let mut i = 0;
    while i < 255 {
        exp[i] = x as u8;
        log[x as usize] = i as u8;
        x <<= 1;
        if x & 0x100 != 0 {
            x ^= 0x11D;
        }
        i += 1;
    }
    while i < 512 {
        exp[i] = exp[i - 255];
        i += 1;
    }
    Gf { exp, log }
};

fn mul(a: u8, b: u8) -> u8 {
    if a == 0 || b == 0 {
        0
    } else {
        GF.exp[usize::from(GF.log[usize::from(a)]) + usize::from(GF.log[usize::from(b)])]
    }
}

fn div(a: u8, b: u8) -> u8 {
    debug_assert!(b != 0);
    if a == 0 {
        0
    } else {
        GF.exp[usize::from(GF.log[usize::from(a)]) + 255 - usize::from(GF.log[usize::from(b)])]
    }
}

/// α to the power `e` (any non-negative exponent).
fn alpha_pow(e: usize) -> u8 {
    GF.exp[e % 255]
}

/// Evaluates the polynomial with coefficients `p` (lowest degree first) at `x`.
fn eval(p: &[u8], x: u8) -> u8 {
    p.iter().rev().fold(0, |acc, &c| mul(acc, x) ^ c)
}

/// Syndromes `S_i = r(α^i)`, `i = 0..npar`, of a block (first codeword = highest
/// power); all zero for a valid codeword.
fn syndromes(block: &[u8], npar: usize) -> Vec<u8> {
    (0..npar)
        .map(|i| {
            let a = alpha_pow(i);
            block.iter().fold(0, |s, &c| mul(s, a) ^ c)
        })
        .collect()
}

/// Corrects a Reed–Solomon block in place (QR: generator roots α⁰…α^(npar−1)):
/// Berlekamp–Massey for the error locator, Chien search for the positions,
/// Forney for the values. `None` when the block cannot be corrected.
fn rs_correct(block: &mut [u8], npar: usize) -> Option<()> {
    let s = syndromes(block, npar);
    if s.iter().all(|&v| v == 0) {
        return Some(());
    }
    // Berlekamp–Massey: the shortest LFSR (error locator σ, σ₀ = 1) that
    // generates the syndromes.
    let mut sigma = vec![0u8; npar + 1];
    let mut prev = vec![0u8; npar + 1];
    sigma[0] = 1;
    prev[0] = 1;
    let (mut len, mut shift, mut prev_d) = (0usize, 1usize, 1u8);
    for k in 0..npar {
        let mut d = s[k];
        for i in 1..=len {
            d ^= mul(sigma[i], s[k - i]);
        }
        if d == 0 {
            shift += 1;
            continue;
        }
        let coef = div(d, prev_d);
        let old = sigma.clone();
        for i in 0..=npar - shift {
            sigma[i + shift] ^= mul(coef, prev[i]);
        }
        if 2 * len <= k {
            len = k + 1 - len;
            prev = old;
            prev_d = d;
            shift = 1;
        } else {
            shift += 1;
        }
    }
    if 2 * len > npar {
        return None;
    }
    let sigma = &sigma[..=len];
    // Ω(x) = S(x) σ(x) mod x^npar.
    let mut omega = vec![0u8; npar];
    for (i, &si) in s.iter().enumerate() {
        for (j, &cj) in sigma.iter().enumerate() {
            if i + j < npar {
                omega[i + j] ^= mul(si, cj);
            }
        }
    }
    // σ'(x): in characteristic 2 only the odd terms survive.
    let deriv: Vec<u8> = (1..sigma.len())
        .map(|i| if i % 2 == 1 { sigma[i] } else { 0 })
        .collect();

    let n = block.len();
    let mut roots = 0;
    for (k, b) in block.iter_mut().enumerate() {
        // Codeword k carries the power x^(n-1-k); its locator is X = α^(n-1-k).
        let e = n - 1 - k;
        let x_inv = alpha_pow(255 - e % 255);
        if eval(sigma, x_inv) != 0 {
            continue;
        }
        roots += 1;
        let den = eval(&deriv, x_inv);
        if den == 0 {
            return None;
        }
        // Forney with first root α⁰: e = X · Ω(X⁻¹) / σ'(X⁻¹).
        *b ^= mul(alpha_pow(e), div(eval(&omega, x_inv), den));
    }
    if roots != len {
        return None;
    }
    syndromes(block, npar).iter().all(|&v| v == 0).then_some(())
}

/// Reads bits MSB-first from the corrected data codewords.
struct Bits<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Bits<'_> {
    fn remaining(&self) -> usize {
        self.data.len() * 8 - self.pos
    }

    fn take(&mut self, n: usize) -> Option<usize> {
        if self.remaining() < n {
            return None;
        }
        let mut v = 0usize;
        for _ in 0..n {
            let bit = (self.data[self.pos / 8] >> (7 - self.pos % 8)) & 1;
            v = (v << 1) | usize::from(bit);
            self.pos += 1;
        }
        Some(v)
    }
}

/// The character-count field width of a mode, for versions 1–9, 10–26, 27–40.
fn count_bits(widths: [usize; 3], version: usize) -> usize {
    match version {
        0..=9 => widths[0],
        10..=26 => widths[1],
        _ => widths[2],
    }
}

/// The alphanumeric mode's 45 characters, in value order.
const ALPHANUMERIC: &[u8; 45] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

/// Parses the data segments into bytes, as rqrr does: numeric, alphanumeric
/// and byte data as their characters, Kanji as Shift-JIS byte pairs; ECI
/// designators are not written to the bytes but kept on the segments that
/// follow them. Stops at the terminator or when fewer than 4 bits are left.
/// Other modes (structured append, FNC1) are not read.
fn parse_segments(data: &[u8], version: usize) -> Option<(Vec<u8>, Vec<Segment>)> {
    let mut bits = Bits { data, pos: 0 };
    let mut out = Vec::new();
    let mut segments = Vec::new();
    let mut eci = None;
    while bits.remaining() >= 4 {
        let start = out.len();
        let mode = match bits.take(4)? {
            0 => break,
            1 => {
                let mut count = bits.take(count_bits([10, 12, 14], version))?;
                while count > 0 {
                    let (digits, width) = match count {
                        1 => (1, 4),
                        2 => (2, 7),
                        _ => (3, 10),
                    };
                    let v = bits.take(width)?;
                    if v >= 10usize.pow(digits) {
                        return None;
                    }
                    for p in (0..digits).rev() {
                        out.push(b'0' + (v / 10usize.pow(p) % 10) as u8);
                    }
                    count -= digits as usize;
                }
                Mode::Numeric
            }
            2 => {
                let mut count = bits.take(count_bits([9, 11, 13], version))?;
                while count >= 2 {
                    let v = bits.take(11)?;
                    if v >= 45 * 45 {
                        return None;
                    }
                    out.extend_from_slice(&[ALPHANUMERIC[v / 45], ALPHANUMERIC[v % 45]]);
                    count -= 2;
                }
                if count == 1 {
                    let v = bits.take(6)?;
                    out.push(*ALPHANUMERIC.get(v)?);
                }
                Mode::Alphanumeric
            }
            4 => {
                let count = bits.take(count_bits([8, 16, 16], version))?;
                if bits.remaining() < count * 8 {
                    return None;
                }
                for _ in 0..count {
                    out.push(bits.take(8)? as u8);
                }
                Mode::Byte
            }
            8 => {
                let count = bits.take(count_bits([8, 10, 12], version))?;
                if bits.remaining() < count * 13 {
                    return None;
                }
                for _ in 0..count {
                    let v = bits.take(13)?;
                    let packed = ((v / 0xC0) << 8) | (v % 0xC0);
                    let sjis = if packed + 0x8140 <= 0x9FFC {
                        packed + 0x8140
                    } else {
                        packed + 0xC140
                    };
                    out.extend_from_slice(&[(sjis >> 8) as u8, (sjis & 0xFF) as u8]);
                }
                Mode::Kanji
            }
            7 => {
                eci = Some(read_eci_designator(&mut bits)?);
                continue;
            }
            _ => return None,
        };
        segments.push(Segment {
            mode,
            eci,
            range: start..out.len(),
        });
    }
    Some((out, segments))
}

/// Reads an ECI designator (ISO/IEC 18004 §7.4.2.2): one, two or three
/// bytes, the count told by the first byte's leading bits (`0`, `10`, `110`),
/// holding 7, 14 or 21 bits of value. `None` for a first byte starting `111`
/// (no such designator) or when the data ends inside one.
fn read_eci_designator(bits: &mut Bits<'_>) -> Option<u32> {
    let first = bits.take(8)? as u32;
    if first & 0x80 == 0 {
        Some(first)
    } else if first & 0xC0 == 0x80 {
        Some(((first & 0x3F) << 8) | bits.take(8)? as u32)
    } else if first & 0xE0 == 0xC0 {
        Some(((first & 0x1F) << 16) | bits.take(16)? as u32)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
    fn reed_solomon_corrects_random_errors_and_refuses_too_many() {
        // A v5-Q block: data, then parity from the qrcode crate's encoder.
        let data: Vec<u8> = (0..15u8).map(|i| i.wrapping_mul(37) ^ 0x5A).collect();
        let ecc = qrcode::ec::create_error_correction_code(&data, 18);
        let clean: Vec<u8> = data.iter().chain(&ecc).copied().collect();
        let mut seed = 12345u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 8) as usize
        };
        for errors in 0..=9 {
            for _ in 0..50 {
                let mut block = clean.clone();
                let mut hit = Vec::new();
                while hit.len() < errors {
                    let k = next() % block.len();
                    if !hit.contains(&k) {
                        hit.push(k);
                        block[k] ^= (next() % 255 + 1) as u8;
                    }
                }
                assert_eq!(rs_correct(&mut block, 18), Some(()), "{errors} errors");
                assert_eq!(block, clean);
            }
        }
        // Far more errors than 18 parity codewords can fix: refused (or, very
        // rarely, moved to another valid codeword, never silently accepted
        // with a non-zero syndrome).
        let mut block = clean.clone();
        for b in block.iter_mut().take(20) {
            *b ^= 0xFF;
        }
        if rs_correct(&mut block, 18).is_some() {
            assert!(syndromes(&block, 18).iter().all(|&s| s == 0));
        }
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

    #[test]
    fn codeword_counts_match_the_standard() {
        // ISO/IEC 18004 Table 1: total codewords of versions 1, 7, 14, 40.
        assert_eq!(total_codewords(1), 26);
        assert_eq!(total_codewords(7), 196);
        assert_eq!(total_codewords(14), 581);
        assert_eq!(total_codewords(40), 3706);
    }
}
