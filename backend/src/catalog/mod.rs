//! Catalogue import: MARC21 binary (ISO 2709, UTF-8 and MARC-8), MARCXML, and
//! the CSV that SLiMS exports (or any CSV with the same kind of headers).
//!
//! Each record is matched on its ISBN-13 or its control number, then inserted
//! or updated, so importing the same file twice changes nothing. A record that
//! cannot be read or mapped is skipped with its reason; a record whose write
//! fails is rolled back to its savepoint, so it is never half-written, and the
//! import carries on. A re-import never overwrites what librarians wrote or
//! published: the fields they write take the record's value only when empty
//! or themselves imported ([`provenance`](crate::catalog::provenance)), and the report lists per title
//! what changed and what was kept. Writes are committed in batches of [`BATCH_SIZE`](crate::catalog::BATCH_SIZE).

pub mod csv_import;
pub mod mapping;
pub mod marc;
pub mod marc8;
pub mod provenance;

use std::path::Path;

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;
use sqlx::{Sqlite, SqlitePool, Transaction};

use mapping::TitleRecord;
use provenance::{Field, Source};

/// Records written per transaction: large enough that a 15k-row CSV is not
/// dominated by commits, small enough to keep the write lock short.
pub const BATCH_SIZE: usize = 500;

/// The input formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// MARC21 ISO 2709 binary.
    Iso2709,
    /// MARCXML.
    MarcXml,
    /// CSV with a header row (SLiMS export or similar).
    Csv,
}

/// Guesses a file's format from its first bytes and name.
pub fn detect_format(path: &Path, bytes: &[u8]) -> Option<Format> {
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let first = body.iter().position(|b| !b.is_ascii_whitespace())?;
    if body[first] == b'<' {
        return Some(Format::MarcXml);
    }
    let is_csv_name = path
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let leader_ok = body.len() >= first + 24
        && body[first..first + 5].iter().all(u8::is_ascii_digit)
        && body[first + 10..first + 12].iter().all(u8::is_ascii_digit);
    if leader_ok && !is_csv_name {
        Some(Format::Iso2709)
    } else if is_csv_name || body[first..].split(|b| *b == b'\n').next()?.contains(&b',') {
        Some(Format::Csv)
    } else {
        None
    }
}

/// A record that was not imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skip {
    /// 1-based position of the record (or CSV data row) in the file.
    pub record: usize,
    /// The record's control number or ISBN, when known.
    pub id: Option<String>,
    /// Why it was skipped.
    pub reason: String,
}

/// What importing one file did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileReport {
    /// The file as given.
    pub file: String,
    /// Its detected format.
    pub format: Option<Format>,
    /// Records (or CSV rows) found.
    pub records: usize,
    /// New titles written.
    pub imported: usize,
    /// Existing titles (same ISBN or control number) updated.
    pub updated: usize,
    /// Records skipped, each with its reason.
    pub skipped: Vec<Skip>,
    /// Existing titles the import changed or left partly alone, in file
    /// order (titles it found identical are not listed).
    pub titles: Vec<TitleChanges>,
}

/// What a re-import did to one existing title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TitleChanges {
    /// Row id of the title.
    pub id: i64,
    /// Its title as the record gives it.
    pub title: String,
    /// Fields that took the record's value.
    pub changed: Vec<Field>,
    /// Fields whose value a librarian wrote or published: kept, the record's
    /// different value not used.
    pub kept: Vec<Field>,
}

/// One parsed item before mapping: a record, or the reason it could not be read.
type Parsed = Result<TitleRecord, (Option<String>, String)>;

fn parse_file(format: Format, bytes: &[u8]) -> Vec<Parsed> {
    match format {
        Format::Iso2709 => marc::split_iso2709(bytes)
            .map(|chunk| match marc::parse_iso2709(chunk) {
                Ok(rec) => mapping::title_from_marc(&rec)
                    .map_err(|reason| (rec.control_field("001").map(str::to_owned), reason)),
                Err(e) => Err((None, format!("malformed record: {e}"))),
            })
            .collect(),
        Format::MarcXml => {
            let (records, err) = marc::parse_marcxml(bytes);
            let mut out: Vec<Parsed> = records
                .iter()
                .map(|rec| {
                    mapping::title_from_marc(rec)
                        .map_err(|reason| (rec.control_field("001").map(str::to_owned), reason))
                })
                .collect();
            if let Some(e) = err {
                out.push(Err((None, format!("rest of file unreadable: {e}"))));
            }
            out
        }
        Format::Csv => csv_import::parse(bytes),
    }
}

/// What one record did to the catalogue.
enum Upserted {
    /// A new title.
    New,
    /// An existing title, with what changed and what was kept.
    Existing(TitleChanges),
}

/// The current values of an existing title that a re-import compares with.
#[derive(sqlx::FromRow)]
struct Current {
    id: i64,
    title: String,
    author: Option<String>,
    call_number: Option<String>,
    language: Option<String>,
    publisher: Option<String>,
    pub_year: Option<String>,
    synopsis_id: Option<String>,
    synopsis_en: Option<String>,
    age_group: Option<String>,
}

/// Whether an optional text holds something besides blanks.
fn filled(v: &Option<String>) -> bool {
    v.as_deref().is_some_and(|t| !t.trim().is_empty())
}

/// Inserts the record as a new title, or updates the title with the same
/// ISBN-13 or control number. On an update the catalogue's own fields follow
/// the record where it has a value; the fields librarians write (synopses,
/// age group) take the record's value only when they are empty or were
/// themselves imported ([`provenance`]); a librarian's value is kept and
/// reported.
async fn upsert(
    tx: &mut Transaction<'_, Sqlite>,
    t: &TitleRecord,
    source: &str,
) -> sqlx::Result<Upserted> {
    let existing: Option<Current> = sqlx::query_as(
        "SELECT id, title, author, call_number, language, publisher, pub_year,
                synopsis_id, synopsis_en, age_group FROM titles
          WHERE (?1 IS NOT NULL AND isbn13 = ?1) OR (?2 IS NOT NULL AND control_number = ?2)
          ORDER BY (isbn13 = ?1) DESC LIMIT 1",
    )
    .bind(&t.isbn13)
    .bind(&t.control_number)
    .fetch_optional(&mut **tx)
    .await?;
    let contributors = serde_json::to_string(&t.contributors).unwrap_or_else(|_| "[]".into());
    let subjects = serde_json::to_string(&t.subjects).unwrap_or_else(|_| "[]".into());
    // A 520 from an English-language record is English text; anything else goes
    // in the default (Indonesian) slot, which the app shows for either language
    // when the other is missing.
    let english = t.language.as_deref() == Some("eng");
    let (syn_id, syn_en) = if english {
        (None, t.synopsis.clone())
    } else {
        (t.synopsis.clone(), None)
    };
    let Some(cur) = existing else {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO titles (isbn13, control_number, title, author, contributors,
                call_number, language, synopsis_id, synopsis_en, subjects, age_group,
                publisher, pub_year, source)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&t.isbn13)
        .bind(&t.control_number)
        .bind(&t.title)
        .bind(&t.author)
        .bind(&contributors)
        .bind(&t.call_number)
        .bind(&t.language)
        .bind(&syn_id)
        .bind(&syn_en)
        .bind(&subjects)
        .bind(&t.age_group)
        .bind(&t.publisher)
        .bind(&t.pub_year)
        .bind(source)
        .fetch_one(&mut **tx)
        .await?;
        for (field, v) in [
            (Field::SynopsisId, &syn_id),
            (Field::SynopsisEn, &syn_en),
            (Field::AgeGroup, &t.age_group),
        ] {
            if filled(v) {
                provenance::set(tx, id, field, Source::Import, false).await?;
            }
        }
        return Ok(Upserted::New);
    };
    let mut changes = TitleChanges {
        id: cur.id,
        title: t.title.clone(),
        changed: Vec::new(),
        kept: Vec::new(),
    };
    // The catalogue's own fields: the record's value where it has one.
    let new_title = Some(t.title.clone());
    for (field, now, new) in [
        (Field::Title, &Some(cur.title.clone()), &new_title),
        (Field::Author, &cur.author, &t.author),
        (Field::CallNumber, &cur.call_number, &t.call_number),
        (Field::Language, &cur.language, &t.language),
        (Field::Publisher, &cur.publisher, &t.publisher),
        (Field::PubYear, &cur.pub_year, &t.pub_year),
    ] {
        if new.is_some() && new != now {
            changes.changed.push(field);
        }
    }
    // The fields librarians write: filled when empty or imported, else kept.
    let mut librarian = Vec::with_capacity(3);
    for (field, now, new) in [
        (Field::SynopsisId, cur.synopsis_id, syn_id),
        (Field::SynopsisEn, cur.synopsis_en, syn_en),
        (Field::AgeGroup, cur.age_group, t.age_group.clone()),
    ] {
        let value = if !filled(&new) || new == now {
            now
        } else if !filled(&now) || provenance::imported(tx, cur.id, field).await? {
            provenance::set(tx, cur.id, field, Source::Import, false).await?;
            changes.changed.push(field);
            new
        } else {
            changes.kept.push(field);
            now
        };
        librarian.push(value);
    }
    sqlx::query(
        "UPDATE titles SET
            isbn13 = COALESCE(?, isbn13), control_number = COALESCE(?, control_number),
            title = ?, author = COALESCE(?, author), contributors = ?,
            call_number = COALESCE(?, call_number), language = COALESCE(?, language),
            synopsis_id = ?, synopsis_en = ?, subjects = ?, age_group = ?,
            publisher = COALESCE(?, publisher), pub_year = COALESCE(?, pub_year),
            source = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now')
          WHERE id = ?",
    )
    .bind(&t.isbn13)
    .bind(&t.control_number)
    .bind(&t.title)
    .bind(&t.author)
    .bind(&contributors)
    .bind(&t.call_number)
    .bind(&t.language)
    .bind(&librarian[0])
    .bind(&librarian[1])
    .bind(&subjects)
    .bind(&librarian[2])
    .bind(&t.publisher)
    .bind(&t.pub_year)
    .bind(source)
    .bind(cur.id)
    .execute(&mut **tx)
    .await?;
    Ok(Upserted::Existing(changes))
}

/// What the titles of a file named `name` in `format` carry as `source`:
/// `csv:NAME` or `marc:NAME`.
pub fn source_of(format: Format, name: &str) -> String {
    match format {
        Format::Csv => format!("csv:{name}"),
        _ => format!("marc:{name}"),
    }
}

/// Imports one file.
///
/// # Errors
/// Only when the file cannot be read or the database fails as a whole
/// (e.g. cannot begin a transaction); record-level problems are skips.
pub async fn import_file(
    pool: &SqlitePool,
    path: &Path,
    progress: Option<&ProgressBar>,
) -> anyhow::Result<FileReport> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut report = import_named(pool, path, &name, progress).await?;
    report.file = path.display().to_string();
    Ok(report)
}

/// Imports the file at `path` under another name: `name` goes into each
/// title's `source` and the report (an upload's cleaned file name, where
/// `path` is its temp file). The format is detected from `path` and the bytes.
///
/// # Errors
/// As [`import_file`].
pub async fn import_named(
    pool: &SqlitePool,
    path: &Path,
    name: &str,
    progress: Option<&ProgressBar>,
) -> anyhow::Result<FileReport> {
    import_named_by(pool, path, name, progress, Importer::COMMAND_LINE).await
}

/// Who runs an import: named in the audit row each committed batch writes.
#[derive(Debug, Clone, Copy)]
pub struct Importer<'a> {
    /// The staff account's id; `None` outside the back office.
    pub user_id: Option<i64>,
    /// Its user name, or a label such as `(command line)`.
    pub username: &'a str,
}

impl Importer<'static> {
    /// `pustaka-server import` (and tests).
    pub const COMMAND_LINE: Self = Self {
        user_id: None,
        username: crate::db::COMMAND_LINE_USER,
    };
}

/// [`import_named`] on behalf of `by`. Each batch of [`BATCH_SIZE`] records
/// commits with an audit row `catalog.import.batch` on `import:{name}` that
/// says which records it covered and what became of them, so an import cut
/// short (a crash, a failure) leaves a record of exactly what it wrote.
///
/// # Errors
/// As [`import_file`].
pub async fn import_named_by(
    pool: &SqlitePool,
    path: &Path,
    name: &str,
    progress: Option<&ProgressBar>,
    by: Importer<'_>,
) -> anyhow::Result<FileReport> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let file = name.to_owned();
    let Some(format) = detect_format(path, &bytes) else {
        return Ok(FileReport {
            file,
            format: None,
            records: 0,
            imported: 0,
            updated: 0,
            skipped: vec![Skip {
                record: 0,
                id: None,
                reason: "not MARC21, MARCXML or CSV".into(),
            }],
            titles: Vec::new(),
        });
    };
    let parsed = parse_file(format, &bytes);
    let source = source_of(format, name);
    if let Some(pb) = progress {
        pb.set_length(parsed.len() as u64);
        pb.set_position(0);
        pb.set_message(name.to_owned());
    }
    let mut report = FileReport {
        file,
        format: Some(format),
        records: parsed.len(),
        imported: 0,
        updated: 0,
        skipped: Vec::new(),
        titles: Vec::new(),
    };
    let target = format!("import:{name}");
    for (batch_no, batch) in parsed.chunks(BATCH_SIZE).enumerate() {
        let mut tx = pool.begin().await.context("cannot start a transaction")?;
        let before = (report.imported, report.updated, report.skipped.len());
        for (i, item) in batch.iter().enumerate() {
            let record = batch_no * BATCH_SIZE + i + 1;
            match item {
                Err((id, reason)) => report.skipped.push(Skip {
                    record,
                    id: id.clone(),
                    reason: reason.clone(),
                }),
                Ok(t) => {
                    // A savepoint per record: a failed write leaves nothing behind.
                    let mut sp = sqlx::Acquire::begin(&mut *tx)
                        .await
                        .context("cannot create a savepoint")?;
                    match upsert(&mut sp, t, &source).await {
                        Ok(done) => {
                            sp.commit().await.context("cannot release a savepoint")?;
                            match done {
                                Upserted::New => report.imported += 1,
                                Upserted::Existing(c) => {
                                    report.updated += 1;
                                    if !c.changed.is_empty() || !c.kept.is_empty() {
                                        report.titles.push(c);
                                    }
                                }
                            }
                        }
                        Err(e) => {
                            sp.rollback()
                                .await
                                .context("cannot roll back a savepoint")?;
                            report.skipped.push(Skip {
                                record,
                                id: t.isbn13.clone().or_else(|| t.control_number.clone()),
                                reason: format!("database rejected the record: {e}"),
                            });
                        }
                    }
                }
            }
            if let Some(pb) = progress {
                pb.inc(1);
            }
        }
        let first = batch_no * BATCH_SIZE + 1;
        let detail = format!(
            "records {first}–{}: {} new, {} updated, {} skipped",
            first + batch.len() - 1,
            report.imported - before.0,
            report.updated - before.1,
            report.skipped.len() - before.2
        );
        crate::db::record_audit(
            &mut tx,
            by.user_id,
            by.username,
            "catalog.import.batch",
            &target,
            &detail,
        )
        .await
        .context("cannot record the batch in the audit log")?;
        tx.commit().await.context("cannot commit a batch")?;
    }
    Ok(report)
}

/// Imports several files in order, with a progress bar on a terminal (hidden
/// when stderr is not one).
///
/// # Errors
/// When a file cannot be read or the database fails as a whole.
pub async fn import_files(
    pool: &SqlitePool,
    paths: &[std::path::PathBuf],
) -> anyhow::Result<Vec<FileReport>> {
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{msg:30!} [{bar:40}] {pos}/{len} {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    let mut reports = Vec::with_capacity(paths.len());
    for p in paths {
        reports.push(import_file(pool, p, Some(&pb)).await?);
    }
    pb.finish_and_clear();
    Ok(reports)
}
