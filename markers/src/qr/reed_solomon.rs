//! Reed–Solomon error correction of QR codewords (ISO/IEC 18004 §7.5,
//! Annex B): GF(256) arithmetic, the correction of one block, and the
//! de-interleaving of a code's codewords into its blocks.
//!
//! Tables for log/antilog, not square-and-multiply powers: rqrr 0.11
//! evaluates each syndrome term with a 64-step power (upstream
//! WanzenBug/rqrr#37), which made one decode cost more than finding,
//! sampling and thresholding the code together.

use super::version::BlockLayout;

/// De-interleaves the codewords into blocks, corrects each one and returns
/// the data codewords in order; `None` when a block is beyond correction.
pub(crate) fn correct(raw: &[u8], layout: &BlockLayout) -> Option<Vec<u8>> {
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
        correct_block(&mut block, layout.ecc)?;
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
pub(crate) fn correct_block(block: &mut [u8], npar: usize) -> Option<()> {
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

#[cfg(test)]
mod tests {
    use super::*;

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
                assert_eq!(correct_block(&mut block, 18), Some(()), "{errors} errors");
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
        if correct_block(&mut block, 18).is_some() {
            assert!(syndromes(&block, 18).iter().all(|&s| s == 0));
        }
    }
}
