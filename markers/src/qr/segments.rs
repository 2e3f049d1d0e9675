//! Data segments (ISO/IEC 18004 §7.4): the mode indicators, character
//! counts and characters of numeric, alphanumeric, byte and Kanji segments,
//! and the ECI designators that name the charset of the segments after them.

/// One data segment of a decoded code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    /// The segment's mode.
    pub mode: Mode,
    /// The value of the last ECI designator before this segment (ISO/IEC
    /// 18004 §7.4.2: a designator holds until the next one), `None` when the
    /// code has none before it.
    pub eci: Option<u32>,
    /// Where the segment's bytes lie in the bytes [`parse`] returns.
    pub range: std::ops::Range<usize>,
}

/// The data modes whose characters end up in the bytes [`parse`] returns.
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
pub(crate) fn parse(data: &[u8], version: usize) -> Option<(Vec<u8>, Vec<Segment>)> {
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
