//! From a MARC21 record or a SLiMS CSV row to the one shape the import writes:
//! [`TitleRecord`]. Field choices follow the issue: 245 title, 100/700
//! authors, 020 $a ISBN (as ISBN-13), 099/090/082 call number, 008/041
//! language, 520 synopsis, 650 subjects, 008/22 and 521 audience.

use sha2::{Digest, Sha256};

use super::marc::Record;

/// A title ready to be written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TitleRecord {
    /// ISBN-13 digits, when a valid ISBN was found.
    pub isbn13: Option<String>,
    /// Stable record key for re-import: `{003}:{001}` or `001`, or for records
    /// with neither ISBN nor 001 a `key:` hash of title, author and call number.
    pub control_number: Option<String>,
    /// Title as displayed.
    pub title: String,
    /// Main author.
    pub author: Option<String>,
    /// Added authors.
    pub contributors: Vec<String>,
    /// Call number.
    pub call_number: Option<String>,
    /// ISO 639-2 language code, lowercase.
    pub language: Option<String>,
    /// Synopsis (MARC 520), paragraphs separated by blank lines.
    pub synopsis: Option<String>,
    /// Subject headings.
    pub subjects: Vec<String>,
    /// `children`, `teen` or `adult`.
    pub age_group: Option<String>,
    /// Publisher.
    pub publisher: Option<String>,
    /// Publication year as catalogued.
    pub pub_year: Option<String>,
}

/// Normalises an ISBN found in free text (e.g. `0451526538 (pbk.)`,
/// `978-0-14-143951-8`) to ISBN-13 digits. Returns `None` unless a 10- or
/// 13-digit ISBN with a valid check digit starts the text.
pub fn isbn13_from(text: &str) -> Option<String> {
    let token: String = text
        .trim()
        .chars()
        .take_while(|c| c.is_ascii_digit() || matches!(c, 'X' | 'x' | '-' | ' '))
        .filter(|c| *c != '-' && *c != ' ')
        .collect::<String>()
        .to_ascii_uppercase();
    let digits: Vec<u32> = token.chars().filter_map(|c| c.to_digit(10)).collect();
    match token.len() {
        13 if digits.len() == 13 && (token.starts_with("978") || token.starts_with("979")) => {
            let sum: u32 = digits
                .iter()
                .enumerate()
                .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
                .sum();
            sum.is_multiple_of(10).then_some(token)
        }
        10 => {
            let mut sum = 0;
            for (i, c) in token.chars().enumerate() {
                let v = match (i, c) {
                    (9, 'X') => 10,
                    (_, c) => c.to_digit(10)?,
                };
                sum += v * (10 - i as u32);
            }
            if !sum.is_multiple_of(11) {
                return None;
            }
            let body = format!("978{}", &token[..9]);
            let s: u32 = body
                .chars()
                .filter_map(|c| c.to_digit(10))
                .enumerate()
                .map(|(i, d)| if i % 2 == 0 { d } else { d * 3 })
                .sum();
            Some(format!("{body}{}", (10 - s % 10) % 10))
        }
        _ => None,
    }
}

/// Strips ISBD punctuation and stray spaces from the end of a MARC value
/// (`Pride and prejudice /` → `Pride and prejudice`), keeping a final period
/// after an initial (`Tolkien, J. R. R.`) or an ellipsis.
pub fn clean(s: &str) -> String {
    let mut t = s
        .trim()
        .trim_end_matches([' ', '/', ':', ';', ',', '='])
        .trim_end();
    if let Some(stripped) = t.strip_suffix('.') {
        let last_word = stripped.rsplit([' ', '.']).next().unwrap_or("");
        let is_initial = last_word.chars().count() == 1;
        if !stripped.ends_with('.') && !is_initial {
            t = stripped;
        }
    }
    t.trim_end_matches([' ', '/', ':', ';', ','])
        .trim()
        .to_owned()
}

fn non_empty(s: String) -> Option<String> {
    (!s.trim().is_empty()).then_some(s)
}

/// A stable key for a title that has neither ISBN nor control number.
pub fn content_key(title: &str, author: Option<&str>, call: Option<&str>) -> String {
    let norm = |s: &str| {
        s.to_lowercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let input = format!(
        "{}|{}|{}",
        norm(title),
        norm(author.unwrap_or("")),
        norm(call.unwrap_or(""))
    );
    let digest = Sha256::digest(input.as_bytes());
    format!("key:{}", hex::encode(&digest[..12]))
}

fn age_from_008(rec: &Record) -> Option<&'static str> {
    let leader6 = rec.leader.chars().nth(6).unwrap_or(' ');
    // 008/22 is "target audience" for books, music, visual materials and
    // computer files; for maps (e, f) and mixed materials (p) it means other things.
    if matches!(leader6, 'e' | 'f' | 'p') {
        return None;
    }
    let f008 = rec.control_field("008")?;
    match f008.chars().nth(22)? {
        'a' | 'b' | 'c' | 'j' => Some("children"),
        'd' => Some("teen"),
        'e' => Some("adult"),
        _ => None,
    }
}

/// Audience from a 521 note ("Ages 8-12", "Grades 3-5", "Juvenile") or a
/// `Juvenile` form subdivision in 650 $v.
fn age_from_notes(rec: &Record) -> Option<&'static str> {
    for f in rec.fields("521") {
        let note = f.all(&['a']).collect::<Vec<_>>().join(" ").to_lowercase();
        if note.contains("juvenile") || note.contains("children") {
            return Some("children");
        }
        if note.contains("young adult") || note.contains("teen") {
            return Some("teen");
        }
        let first_number = note
            .split(|c: char| !c.is_ascii_digit())
            .find(|s| !s.is_empty())
            .and_then(|s| s.parse::<u32>().ok());
        if let Some(n) = first_number {
            let age = if note.contains("grade") { n + 5 } else { n };
            return Some(match age {
                0..=12 => "children",
                13..=17 => "teen",
                _ => "adult",
            });
        }
    }
    let juvenile_subject = rec
        .fields("650")
        .chain(rec.fields("651"))
        .flat_map(|f| f.all(&['v', 'x']))
        .any(|v| v.to_lowercase().starts_with("juvenile"));
    juvenile_subject.then_some("children")
}

fn language_of(rec: &Record) -> Option<String> {
    let from_008 = rec
        .control_field("008")
        .and_then(|f| f.get(35..38))
        .map(str::to_lowercase)
        .filter(|l| l.chars().all(|c| c.is_ascii_lowercase()) && l != "und" && l != "zxx");
    from_008.or_else(|| {
        rec.field("041")
            .and_then(|f| f.first('a'))
            .and_then(|a| a.get(..3))
            .map(str::to_lowercase)
            .filter(|l| l.chars().all(|c| c.is_ascii_lowercase()))
    })
}

fn call_number_of(rec: &Record) -> Option<String> {
    let join = |tag: &str, codes: &[char]| {
        rec.field(tag)
            .and_then(|f| non_empty(f.all(codes).map(str::trim).collect::<Vec<_>>().join(" ")))
    };
    join("099", &['a'])
        .or_else(|| join("090", &['a', 'b']))
        // 082 $a carries prime marks ('/') for segmentation; they are not shelved.
        .or_else(|| join("082", &['a', 'b']).map(|s| s.replace('/', "")))
}

/// Maps a UNIMARC record (seen mixed into MARC21 files from European
/// libraries): 200 title, 700/701/702 authors, 010 ISBN, 090/676 call number,
/// 101 language, 330 summary, 606 subjects, 210 imprint, 100/17 audience.
///
/// # Errors
/// The skip reason when the record has no usable title.
pub fn title_from_unimarc(rec: &Record) -> Result<TitleRecord, String> {
    let f200 = rec
        .field("200")
        .ok_or("no title field (245 or UNIMARC 200)")?;
    let title = clean(
        &f200
            .all(&['a', 'e'])
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" : "),
    );
    if title.is_empty() {
        return Err("empty title (UNIMARC 200 $a)".into());
    }
    let name = |f: &super::marc::DataField| {
        let surname = f.first('a').map(clean).unwrap_or_default();
        match f.first('b').map(clean) {
            Some(first) if !first.is_empty() => format!("{surname}, {first}"),
            _ => surname,
        }
    };
    let author = rec.field("700").map(name).and_then(non_empty);
    let mut contributors: Vec<String> = Vec::new();
    for f in rec.fields("701").chain(rec.fields("702")) {
        if let Some(n) = non_empty(name(f))
            && !contributors.contains(&n)
        {
            contributors.push(n);
        }
    }
    let isbn13 = rec
        .fields("010")
        .flat_map(|f| f.all(&['a']))
        .find_map(isbn13_from);
    let call_number = rec
        .field("090")
        .and_then(|f| f.first('a'))
        .or_else(|| rec.field("676").and_then(|f| f.first('a')))
        .map(|s| s.trim().to_owned())
        .and_then(non_empty);
    let control_number = rec
        .control_field("001")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            isbn13
                .is_none()
                .then(|| content_key(&title, author.as_deref(), call_number.as_deref()))
        });
    let mut subjects: Vec<String> = Vec::new();
    for f in rec.fields("606") {
        let s = f
            .all(&['a', 'x', 'y', 'z'])
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" -- ");
        if !s.is_empty() && !subjects.contains(&s) {
            subjects.push(s);
        }
    }
    let age_group = rec
        .field("100")
        .and_then(|f| f.first('a'))
        .and_then(|a| a.chars().nth(17))
        .and_then(|c| match c {
            'a' | 'b' | 'c' | 'd' => Some("children"),
            'e' => Some("teen"),
            'k' | 'm' => Some("adult"),
            _ => None,
        });
    let imprint = rec.field("210").or_else(|| rec.field("214"));
    Ok(TitleRecord {
        isbn13,
        control_number,
        author,
        contributors,
        call_number,
        language: rec
            .field("101")
            .and_then(|f| f.first('a'))
            .and_then(|a| a.get(..3))
            .map(str::to_lowercase)
            .filter(|l| l.chars().all(|c| c.is_ascii_lowercase())),
        synopsis: non_empty(
            rec.fields("330")
                .filter_map(|f| f.first('a'))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("\n\n"),
        ),
        subjects,
        age_group: age_group.map(str::to_owned),
        publisher: imprint
            .and_then(|f| f.first('c'))
            .map(clean)
            .and_then(non_empty),
        pub_year: imprint
            .and_then(|f| f.first('d'))
            .map(clean)
            .and_then(non_empty),
        title,
    })
}

/// Maps a MARC21 record (or, when it has no 245 but a UNIMARC 200, a UNIMARC one).
///
/// # Errors
/// The skip reason when the record has no usable title.
pub fn title_from_marc(rec: &Record) -> Result<TitleRecord, String> {
    if rec.field("245").is_none() && rec.field("200").is_some() {
        return title_from_unimarc(rec);
    }
    let f245 = rec.field("245").ok_or("no title field (245)")?;
    let title = clean(
        &f245
            .all(&['a', 'b', 'n', 'p'])
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" : "),
    );
    if title.is_empty() {
        return Err("empty title (245 $a)".into());
    }
    let author = rec
        .field("100")
        .or_else(|| rec.field("110"))
        .or_else(|| rec.field("111"))
        .and_then(|f| f.first('a'))
        .map(clean)
        .and_then(non_empty);
    let mut contributors: Vec<String> = Vec::new();
    for f in rec.fields("700").chain(rec.fields("710")) {
        if let Some(name) = f.first('a').map(clean).and_then(non_empty)
            && !contributors.contains(&name)
            && Some(&name) != author.as_ref()
        {
            contributors.push(name);
        }
    }
    let isbn13 = rec
        .fields("020")
        .flat_map(|f| f.all(&['a']))
        .find_map(isbn13_from);
    let control = rec
        .control_field("001")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|c| match rec.control_field("003").map(str::trim) {
            Some(org) if !org.is_empty() => format!("{org}:{c}"),
            _ => c.to_owned(),
        });
    let synopsis = non_empty(
        rec.fields("520")
            .map(|f| {
                f.all(&['a', 'b'])
                    .map(str::trim)
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("\n\n"),
    );
    let mut subjects: Vec<String> = Vec::new();
    for f in rec.fields("650") {
        let s = f
            .all(&['a', 'x', 'y', 'z', 'v'])
            .map(clean)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" -- ");
        if !s.is_empty() && !subjects.contains(&s) {
            subjects.push(s);
        }
    }
    let imprint = rec
        .fields("264")
        .find(|f| f.ind2 == '1')
        .or_else(|| rec.field("260"));
    let call_number = call_number_of(rec);
    let control_number = control.or_else(|| {
        isbn13
            .is_none()
            .then(|| content_key(&title, author.as_deref(), call_number.as_deref()))
    });
    Ok(TitleRecord {
        isbn13,
        control_number,
        author,
        contributors,
        call_number,
        language: language_of(rec),
        synopsis,
        subjects,
        age_group: age_from_008(rec)
            .or_else(|| age_from_notes(rec))
            .map(str::to_owned),
        publisher: imprint
            .and_then(|f| f.first('b'))
            .map(clean)
            .and_then(non_empty),
        pub_year: imprint
            .and_then(|f| f.first('c'))
            .map(clean)
            .and_then(non_empty),
        title,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn isbns_normalise_to_13_digits() {
        assert_eq!(
            isbn13_from("0451526538 (pbk.)").as_deref(),
            Some("9780451526533")
        );
        assert_eq!(
            isbn13_from("978-0-14-143951-8").as_deref(),
            Some("9780141439518")
        );
        assert_eq!(isbn13_from("080442957X").as_deref(), Some("9780804429573"));
        assert_eq!(isbn13_from("0451526539"), None, "bad check digit");
        assert_eq!(isbn13_from("$12.95"), None);
    }

    #[test]
    fn isbd_punctuation_is_trimmed() {
        assert_eq!(clean("Pride and prejudice /"), "Pride and prejudice");
        assert_eq!(clean("Austen, Jane,"), "Austen, Jane");
        assert_eq!(clean("Tolkien, J. R. R."), "Tolkien, J. R. R.");
        assert_eq!(clean("Summerland."), "Summerland");
        assert_eq!(clean("Wait..."), "Wait...");
    }
}
