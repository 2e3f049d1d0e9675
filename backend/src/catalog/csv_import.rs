//! CSV catalogue rows: the bibliography export of SLiMS (columns such as
//! `title`, `isbn_issn`, `call_number`, `authors`, `topics`, `notes`,
//! `language_name`, `publisher_name`, `publish_year`) and similar inventory
//! CSVs (`title`, `author`, `isbn`, `tag`). Headers are matched by name,
//! case-insensitively; unknown columns are ignored.
//!
//! SLiMS writes several authors or topics in one cell as `<A><B>`; `;` and
//! `|` separated lists are accepted too.

use super::Parsed;
use super::mapping::{TitleRecord, clean, content_key, isbn13_from};

/// Header names accepted for each field, most specific first.
const TITLE: &[&str] = &["title", "judul"];
const AUTHOR: &[&str] = &["authors", "author", "pengarang", "sor"];
const ISBN: &[&str] = &["isbn_issn", "isbn", "isbn/issn"];
const CALL: &[&str] = &[
    "call_number",
    "callnumber",
    "tag",
    "classification",
    "no_panggil",
];
const LANGUAGE: &[&str] = &["language_id", "language_name", "language", "bahasa"];
const NOTES: &[&str] = &["notes", "abstract", "synopsis", "sinopsis", "summary"];
const TOPICS: &[&str] = &["topics", "topic", "subjects", "subject", "subjek"];
const PUBLISHER: &[&str] = &["publisher_name", "publisher", "penerbit"];
const YEAR: &[&str] = &["publish_year", "year", "tahun_terbit"];
const ID: &[&str] = &["biblio_id", "id", "control_number"];

/// ISO 639-2 codes for the language names and codes SLiMS uses.
fn language_code(s: &str) -> Option<String> {
    let l = s.trim().to_lowercase();
    let code = match l.as_str() {
        "" => return None,
        "id" | "ind" | "indonesia" | "indonesian" | "bahasa indonesia" => "ind",
        "en" | "eng" | "english" | "inggris" | "bahasa inggris" => "eng",
        "ar" | "ara" | "arabic" | "arab" => "ara",
        "jv" | "jav" | "javanese" | "jawa" => "jav",
        "su" | "sun" | "sundanese" | "sunda" => "sun",
        "es" | "spa" | "spanish" => "spa",
        "ca" | "cat" | "catalan" => "cat",
        other if other.len() == 3 && other.chars().all(|c| c.is_ascii_lowercase()) => other,
        _ => return None,
    };
    Some(code.to_owned())
}

fn split_list(cell: &str) -> Vec<String> {
    let parts: Vec<&str> = if cell.contains('<') && cell.contains('>') {
        cell.split(['<', '>']).collect()
    } else {
        cell.split([';', '|']).collect()
    };
    let mut out: Vec<String> = Vec::new();
    for p in parts {
        let c = clean(p);
        if !c.is_empty() && !out.contains(&c) {
            out.push(c);
        }
    }
    out
}

/// Parses CSV bytes into title records, one per data row.
pub fn parse(bytes: &[u8]) -> Vec<Parsed> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::None)
        .from_reader(body);
    let headers: Vec<String> = match reader.byte_headers() {
        Ok(h) => h
            .iter()
            .map(|c| String::from_utf8_lossy(c).trim().to_lowercase())
            .collect(),
        Err(e) => return vec![Err((None, format!("unreadable CSV header: {e}")))],
    };
    let col = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| headers.iter().position(|h| h == n))
    };
    let Some(title_col) = col(TITLE) else {
        return vec![Err((None, "CSV has no `title` column".into()))];
    };
    let (author_col, isbn_col, call_col) = (col(AUTHOR), col(ISBN), col(CALL));
    let (lang_col, notes_col, topics_col) = (col(LANGUAGE), col(NOTES), col(TOPICS));
    let (pub_col, year_col, id_col) = (col(PUBLISHER), col(YEAR), col(ID));
    let mut out = Vec::new();
    for row in reader.byte_records() {
        let row = match row {
            Ok(r) => r,
            Err(e) => {
                out.push(Err((None, format!("unreadable CSV row: {e}"))));
                continue;
            }
        };
        let cell = |c: Option<usize>| -> Option<String> {
            let raw = row.get(c?)?;
            let s = String::from_utf8_lossy(raw).trim().to_owned();
            (!s.is_empty()).then_some(s)
        };
        let isbn_raw = cell(isbn_col);
        let title = cell(Some(title_col)).map(|t| clean(&t)).unwrap_or_default();
        if title.is_empty() {
            out.push(Err((isbn_raw, "empty title".into())));
            continue;
        }
        let authors = cell(author_col).map(|a| split_list(&a)).unwrap_or_default();
        let author = authors.first().cloned();
        let call_number =
            cell(call_col).map(|c| c.split_whitespace().collect::<Vec<_>>().join(" "));
        let isbn13 = isbn_raw.as_deref().and_then(isbn13_from);
        let control_number = cell(id_col).map(|id| format!("slims:{id}")).or_else(|| {
            isbn13
                .is_none()
                .then(|| content_key(&title, author.as_deref(), call_number.as_deref()))
        });
        out.push(Ok(TitleRecord {
            isbn13,
            control_number,
            contributors: authors.into_iter().skip(1).collect(),
            author,
            call_number,
            language: cell(lang_col).and_then(|l| language_code(&l)),
            synopsis: cell(notes_col),
            subjects: cell(topics_col).map(|t| split_list(&t)).unwrap_or_default(),
            age_group: None,
            publisher: cell(pub_col),
            pub_year: cell(year_col),
            title,
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slims_export_columns_map() {
        let csv = "title,isbn_issn,call_number,authors,topics,notes,language_name\n\
                   \"Laskar Pelangi\",979-3062-79-7,899.221 HIR l,\"<Hirata, Andrea>\",<Novel><Pendidikan>,Kisah sepuluh anak Belitung.,Indonesia\n\
                   ,123,,,,,\n";
        let rows = parse(csv.as_bytes());
        assert_eq!(rows.len(), 2);
        let t = rows[0].as_ref().unwrap();
        assert_eq!(t.title, "Laskar Pelangi");
        assert_eq!(t.isbn13.as_deref(), Some("9789793062792"));
        assert_eq!(t.author.as_deref(), Some("Hirata, Andrea"));
        assert_eq!(t.subjects, vec!["Novel", "Pendidikan"]);
        assert_eq!(t.language.as_deref(), Some("ind"));
        assert_eq!(t.call_number.as_deref(), Some("899.221 HIR l"));
        assert!(rows[1].is_err());
    }
}
