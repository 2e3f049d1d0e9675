//! 1 000 degenerate frames — black, white, grey levels, stripes, checkers,
//! noise, one-pixel lines — must all scan to "nothing found" without error or
//! panic; and inconsistent buffers must be rejected with a clear error.

use pustaka_markers::{LumaView, MarkerError, Scanner};

/// xorshift64: deterministic noise.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

fn frame(kind: usize, w: usize, h: usize, seed: &mut u64) -> Vec<u8> {
    let mut f = vec![0u8; w * h];
    let level = (next(seed) & 0xff) as u8;
    let period = 1 + (next(seed) % 24) as usize;
    for y in 0..h {
        for x in 0..w {
            f[y * w + x] = match kind {
                0 => 0,
                1 => 255,
                2 => level,
                3 => {
                    if (x / period).is_multiple_of(2) {
                        0
                    } else {
                        255
                    }
                }
                4 => {
                    if (y / period).is_multiple_of(2) {
                        0
                    } else {
                        255
                    }
                }
                5 => {
                    if ((x / period) + (y / period)).is_multiple_of(2) {
                        0
                    } else {
                        255
                    }
                }
                6 => (next(seed) & 0xff) as u8,
                7 => {
                    if (next(seed) & 1) == 0 {
                        0
                    } else {
                        255
                    }
                }
                8 => {
                    if x == w / 2 || y == h / 2 {
                        0
                    } else {
                        255
                    }
                }
                _ => ((x * 255) / w.max(1)) as u8,
            };
        }
    }
    f
}

#[test]
fn a_thousand_degenerate_frames_find_nothing() {
    let scanner = Scanner::default();
    let mut seed = 0x2545_F491_4F6C_DD1D;
    let sizes = [
        (1, 1),
        (2, 3),
        (17, 9),
        (64, 64),
        (160, 120),
        (320, 240),
        (33, 500),
    ];
    for i in 0..1000 {
        let (w, h) = sizes[i % sizes.len()];
        let kind = (i / sizes.len()) % 10;
        let data = frame(kind, w, h, &mut seed);
        let view = LumaView::new(w, h, w, &data).unwrap();
        let found = scanner.scan(&view).unwrap();
        assert!(
            found.is_empty(),
            "frame {i} (kind {kind}, {w}x{h}) read {found:?}"
        );
    }
}

#[test]
fn inconsistent_buffers_are_rejected() {
    for (w, h, stride, len) in [
        (0, 10, 10, 100),
        (10, 0, 10, 100),
        (10, 10, 9, 100),
        (10, 10, 10, 99),
    ] {
        let data = vec![0u8; len];
        let err = LumaView::new(w, h, stride, &data).unwrap_err();
        assert!(matches!(err, MarkerError::InvalidImage { .. }), "{err}");
        assert!(err.to_string().contains("invalid image"));
    }
}
