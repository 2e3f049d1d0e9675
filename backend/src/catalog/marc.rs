//! A MARC21 record model and two lenient readers: ISO 2709 binary (UTF-8 or
//! MARC-8, per leader/09) and MARCXML. A damaged record becomes an `Err` for
//! that record only; the readers carry on with the next one.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::marc8;

const RECORD_TERMINATOR: u8 = 0x1D;
const FIELD_TERMINATOR: u8 = 0x1E;
const SUBFIELD_DELIMITER: u8 = 0x1F;

/// One data field: tag, indicators and subfields in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataField {
    /// Three-character tag, e.g. `245`.
    pub tag: String,
    /// First indicator (`' '` when blank).
    pub ind1: char,
    /// Second indicator.
    pub ind2: char,
    /// `(code, value)` pairs.
    pub subfields: Vec<(char, String)>,
}

impl DataField {
    /// The first subfield with this code.
    pub fn first(&self, code: char) -> Option<&str> {
        self.subfields
            .iter()
            .find(|(c, _)| *c == code)
            .map(|(_, v)| v.as_str())
    }

    /// Every subfield with one of these codes, in order.
    pub fn all<'a>(&'a self, codes: &'a [char]) -> impl Iterator<Item = &'a str> + 'a {
        self.subfields
            .iter()
            .filter(move |(c, _)| codes.contains(c))
            .map(|(_, v)| v.as_str())
    }
}

/// A decoded MARC21 record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Record {
    /// The 24-character leader.
    pub leader: String,
    /// Control fields `(tag, value)` (001–009).
    pub control: Vec<(String, String)>,
    /// Data fields (010–999).
    pub data: Vec<DataField>,
}

impl Record {
    /// The value of a control field.
    pub fn control_field(&self, tag: &str) -> Option<&str> {
        self.control
            .iter()
            .find(|(t, _)| t == tag)
            .map(|(_, v)| v.as_str())
    }

    /// All data fields with this tag.
    pub fn fields<'a>(&'a self, tag: &'a str) -> impl Iterator<Item = &'a DataField> + 'a {
        self.data.iter().filter(move |f| f.tag == tag)
    }

    /// The first data field with this tag.
    pub fn field<'a>(&'a self, tag: &'a str) -> Option<&'a DataField> {
        self.fields(tag).next()
    }
}

/// Splits an ISO 2709 file into record byte slices (ending at 0x1D), skipping
/// whitespace between records.
pub fn split_iso2709(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    bytes
        .split_inclusive(|b| *b == RECORD_TERMINATOR)
        .filter(|chunk| chunk.iter().any(|b| !b.is_ascii_whitespace()))
}

fn ascii_number(bytes: &[u8]) -> Option<usize> {
    let s = std::str::from_utf8(bytes).ok()?;
    s.trim().parse().ok()
}

/// How a record's bytes are encoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// Leader/09 = `a`, or bytes that are valid UTF-8 with non-ASCII sequences
    /// (MARC-8 combining marks precede ASCII letters and are never valid UTF-8).
    Utf8,
    /// Leader/09 blank.
    Marc8,
}

/// The record without stray whitespace (e.g. a newline) before the leader.
fn trim_start(chunk: &[u8]) -> &[u8] {
    let start = chunk
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(0);
    &chunk[start..]
}

/// How an ISO 2709 record's fields are encoded (see [`Encoding`]).
pub fn encoding_of(chunk: &[u8]) -> Encoding {
    let rec = trim_start(chunk);
    if rec.get(9) == Some(&b'a') || (!rec.is_ascii() && std::str::from_utf8(rec).is_ok()) {
        Encoding::Utf8
    } else {
        Encoding::Marc8
    }
}

/// Parses one ISO 2709 record.
///
/// # Errors
/// A message when the leader or directory is unusable.
pub fn parse_iso2709(chunk: &[u8]) -> Result<Record, String> {
    parse_iso2709_with(chunk, marc8::decode)
}

/// [`parse_iso2709`] with another MARC-8 converter for the text of a MARC-8
/// record's fields (the MARC-8 parity test compares converters with it).
///
/// # Errors
/// As [`parse_iso2709`].
pub fn parse_iso2709_with(
    chunk: &[u8],
    marc8_decode: fn(&[u8]) -> String,
) -> Result<Record, String> {
    let rec = trim_start(chunk);
    if rec.len() < 25 {
        return Err(format!("record too short ({} bytes)", rec.len()));
    }
    let leader_bytes = &rec[..24];
    if !leader_bytes[..5].iter().all(u8::is_ascii_digit) {
        return Err("leader does not start with a record length".into());
    }
    // A stray non-ASCII byte in an unused leader position (seen in real files)
    // does not make the record unreadable; show it as '?'.
    let leader: String = leader_bytes
        .iter()
        .map(|b| if b.is_ascii() { *b as char } else { '?' })
        .collect();
    let dir_end = rec[24..]
        .iter()
        .position(|b| *b == FIELD_TERMINATOR)
        .map(|p| p + 24)
        .ok_or("no directory terminator")?;
    let directory = &rec[24..dir_end];
    if !directory.len().is_multiple_of(12) || directory.is_empty() {
        return Err(format!(
            "directory length {} is not a multiple of 12",
            directory.len()
        ));
    }
    // The leader's base address should point just past the directory; when it
    // disagrees, trust the directory (seen in hand-edited files).
    let base = match ascii_number(&leader_bytes[12..17]) {
        Some(b) if b == dir_end + 1 => b,
        _ => dir_end + 1,
    };
    let enc = encoding_of(rec);
    let decode_text = |bytes: &[u8]| match enc {
        Encoding::Utf8 => String::from_utf8_lossy(bytes).into_owned(),
        Encoding::Marc8 => marc8_decode(bytes),
    };
    let mut record = Record {
        leader,
        ..Record::default()
    };
    for entry in directory.chunks_exact(12) {
        let tag = String::from_utf8_lossy(&entry[..3]).into_owned();
        let (Some(len), Some(off)) = (ascii_number(&entry[3..7]), ascii_number(&entry[7..12]))
        else {
            return Err(format!("bad directory entry for tag {tag}"));
        };
        let from = base + off;
        let to = (from + len).min(rec.len());
        if from >= to {
            return Err(format!("field {tag} lies outside the record"));
        }
        let mut body = &rec[from..to];
        while let Some((&last, rest)) = body.split_last() {
            if last == FIELD_TERMINATOR || last == RECORD_TERMINATOR {
                body = rest;
            } else {
                break;
            }
        }
        if tag.starts_with("00") {
            record.control.push((tag, decode_text(body)));
            continue;
        }
        let ind = |i: usize| {
            body.get(i)
                .filter(|b| **b != SUBFIELD_DELIMITER)
                .map_or(' ', |b| *b as char)
        };
        let (ind1, ind2) = (ind(0), ind(1));
        let mut subfields = Vec::new();
        for part in body.split(|b| *b == SUBFIELD_DELIMITER).skip(1) {
            if let Some((&code, value)) = part.split_first() {
                subfields.push((code as char, decode_text(value)));
            }
        }
        record.data.push(DataField {
            tag,
            ind1,
            ind2,
            subfields,
        });
    }
    Ok(record)
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
}

enum Pending {
    None,
    Leader,
    Control(String),
    Sub(char),
}

/// Reads every `<record>` of a MARCXML document (namespaced or not).
///
/// Returns the records read and, when the XML itself breaks, the error after
/// the last good record (records before it are kept).
pub fn parse_marcxml(bytes: &[u8]) -> (Vec<Record>, Option<String>) {
    let mut reader = Reader::from_reader(bytes);
    let mut buf = Vec::new();
    let mut records = Vec::new();
    let mut current: Option<Record> = None;
    let mut field: Option<DataField> = None;
    let mut pending = Pending::None;
    let mut text = String::new();
    loop {
        let ev = match reader.read_event_into(&mut buf) {
            Ok(ev) => ev,
            Err(e) => {
                return (
                    records,
                    Some(format!(
                        "XML error at byte {}: {e}",
                        reader.buffer_position()
                    )),
                );
            }
        };
        match ev {
            Event::Start(e) => match e.local_name().as_ref() {
                b"record" => current = Some(Record::default()),
                b"leader" => {
                    pending = Pending::Leader;
                    text.clear();
                }
                b"controlfield" => {
                    pending = Pending::Control(attr(&e, b"tag").unwrap_or_default());
                    text.clear();
                }
                b"datafield" => {
                    let ind = |n: &[u8]| attr(&e, n).and_then(|s| s.chars().next()).unwrap_or(' ');
                    field = Some(DataField {
                        tag: attr(&e, b"tag").unwrap_or_default(),
                        ind1: ind(b"ind1"),
                        ind2: ind(b"ind2"),
                        subfields: Vec::new(),
                    });
                }
                b"subfield" => {
                    pending = Pending::Sub(
                        attr(&e, b"code")
                            .and_then(|s| s.chars().next())
                            .unwrap_or('?'),
                    );
                    text.clear();
                }
                _ => {}
            },
            Event::Text(t) if !matches!(pending, Pending::None) => match t.decode() {
                Ok(s) => match quick_xml::escape::unescape(&s) {
                    Ok(u) => text.push_str(&u),
                    Err(_) => text.push_str(&s),
                },
                Err(_) => text.push_str(&String::from_utf8_lossy(&t)),
            },
            Event::GeneralRef(r) if !matches!(pending, Pending::None) => {
                let name = String::from_utf8_lossy(&r).into_owned();
                let resolved = match name.as_str() {
                    "amp" => Some('&'),
                    "lt" => Some('<'),
                    "gt" => Some('>'),
                    "quot" => Some('"'),
                    "apos" => Some('\''),
                    n => n
                        .strip_prefix("#x")
                        .and_then(|h| u32::from_str_radix(h, 16).ok())
                        .or_else(|| n.strip_prefix('#').and_then(|d| d.parse().ok()))
                        .and_then(char::from_u32),
                };
                text.push(resolved.unwrap_or('\u{FFFD}'));
            }
            Event::CData(c) if !matches!(pending, Pending::None) => {
                text.push_str(&String::from_utf8_lossy(&c));
            }
            Event::End(e) => match e.local_name().as_ref() {
                b"record" => {
                    if let Some(r) = current.take() {
                        records.push(r);
                    }
                }
                b"leader" => {
                    if let Some(r) = current.as_mut() {
                        r.leader = std::mem::take(&mut text);
                    }
                    pending = Pending::None;
                }
                b"controlfield" => {
                    if let (Some(r), Pending::Control(tag)) = (current.as_mut(), &pending) {
                        r.control.push((tag.clone(), std::mem::take(&mut text)));
                    }
                    pending = Pending::None;
                }
                b"subfield" => {
                    if let (Some(f), Pending::Sub(code)) = (field.as_mut(), &pending) {
                        f.subfields.push((*code, std::mem::take(&mut text)));
                    }
                    pending = Pending::None;
                }
                b"datafield" => {
                    if let (Some(r), Some(f)) = (current.as_mut(), field.take()) {
                        r.data.push(f);
                    }
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    (records, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds a minimal ISO 2709 record from fields.
    fn build(leader9: u8, fields: &[(&str, &[u8])]) -> Vec<u8> {
        let mut dir = Vec::new();
        let mut data = Vec::new();
        for (tag, body) in fields {
            let mut f = body.to_vec();
            f.push(FIELD_TERMINATOR);
            dir.extend_from_slice(format!("{tag}{:04}{:05}", f.len(), data.len()).as_bytes());
            data.extend_from_slice(&f);
        }
        dir.push(FIELD_TERMINATOR);
        let base = 24 + dir.len();
        let total = base + data.len() + 1;
        let mut leader = format!("{total:05}nam  22{base:05} a 4500").into_bytes();
        leader[9] = leader9;
        let mut rec = leader;
        rec.extend_from_slice(&dir);
        rec.extend_from_slice(&data);
        rec.push(RECORD_TERMINATOR);
        rec
    }

    #[test]
    fn iso2709_roundtrip_utf8_and_marc8() {
        let utf8 = build(
            b'a',
            &[
                ("001", b"42"),
                ("245", "10\x1FaCaf\u{e9} /\x1FcX.".as_bytes()),
            ],
        );
        let r = parse_iso2709(&utf8).unwrap();
        assert_eq!(r.control_field("001"), Some("42"));
        assert_eq!(r.field("245").unwrap().first('a'), Some("Café /"));
        assert_eq!(r.field("245").unwrap().ind1, '1');

        let marc8 = build(b' ', &[("245", b"10\x1FaCaf\xE2e")]);
        let r = parse_iso2709(&marc8).unwrap();
        assert_eq!(r.field("245").unwrap().first('a'), Some("Café"));
    }

    #[test]
    fn damaged_records_are_errors_not_panics() {
        assert!(parse_iso2709(b"00012nam").is_err());
        let mut rec = build(b'a', &[("245", b"10\x1FaX")]);
        rec[24] = b'2'; // corrupt directory: tag 245 → 245 still, length digits broken below
        rec[27] = b'x';
        assert!(parse_iso2709(&rec).is_err());
        let two: Vec<u8> = [
            build(b'a', &[("001", b"1")]),
            b"\n".to_vec(),
            build(b'a', &[("001", b"2")]),
        ]
        .concat();
        assert_eq!(split_iso2709(&two).count(), 2);
    }

    #[test]
    fn marcxml_reads_namespaced_records() {
        let xml = br#"<?xml version="1.0"?>
<marc:collection xmlns:marc="http://www.loc.gov/MARC21/slim">
 <marc:record><marc:leader>00000nam a2200000 a 4500</marc:leader>
  <marc:controlfield tag="001">7</marc:controlfield>
  <marc:datafield tag="245" ind1="1" ind2="0"><marc:subfield code="a">Tom &amp; Jerry /</marc:subfield></marc:datafield>
 </marc:record>
</marc:collection>"#;
        let (recs, err) = parse_marcxml(xml);
        assert!(err.is_none());
        assert_eq!(recs.len(), 1);
        assert_eq!(recs[0].control_field("001"), Some("7"));
        assert_eq!(
            recs[0].field("245").unwrap().first('a'),
            Some("Tom & Jerry /")
        );
    }
}
