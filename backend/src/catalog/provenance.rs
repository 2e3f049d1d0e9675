//! Where each visitor-facing value of a title came from (the
//! `title_field_sources` table), so a catalogue re-import fills only what is
//! empty or was itself imported and never overwrites what a librarian wrote
//! or published. The back office marks the fields it publishes
//! ([`mark_staff`]); the import ([`super::import_named_by`]) marks what it
//! fills and reads the rest.

use serde::Serialize;
use sqlx::SqliteConnection;

/// A field of a title that the import writes and a librarian may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// MARC 245.
    Title,
    /// MARC 100.
    Author,
    /// The call number.
    CallNumber,
    /// The language code.
    Language,
    /// The publisher.
    Publisher,
    /// The year of publication.
    PubYear,
    /// Synopsis in Bahasa Indonesia.
    SynopsisId,
    /// Synopsis in English.
    SynopsisEn,
    /// Age group.
    AgeGroup,
    /// Link to an e-book edition.
    EbookUrl,
    /// Cover picture.
    Cover,
}

impl Field {
    /// The stored name (`title_field_sources.field`, and the column name for
    /// the columns of `titles`).
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::Author => "author",
            Field::CallNumber => "call_number",
            Field::Language => "language",
            Field::Publisher => "publisher",
            Field::PubYear => "pub_year",
            Field::SynopsisId => "synopsis_id",
            Field::SynopsisEn => "synopsis_en",
            Field::AgeGroup => "age_group",
            Field::EbookUrl => "ebook_url",
            Field::Cover => "cover",
        }
    }

    /// The back office's text key naming the field in reports (`import-field-…`).
    pub fn text_key(self) -> String {
        format!("import-field-{}", self.as_str().replace('_', "-"))
    }

    /// Whether librarians write this field (its source is tracked); the
    /// others are the catalogue's and follow the newest import.
    pub fn librarians_write(self) -> bool {
        matches!(
            self,
            Field::SynopsisId
                | Field::SynopsisEn
                | Field::AgeGroup
                | Field::EbookUrl
                | Field::Cover
        )
    }
}

/// Where a field's value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The catalogue import.
    Import,
    /// A librarian, in the back office.
    Staff,
}

impl Source {
    fn as_str(self) -> &'static str {
        match self {
            Source::Import => "import",
            Source::Staff => "staff",
        }
    }
}

/// Records that `field` of title `title_id` now holds a value from `source`;
/// an empty value forgets the source (an empty field is the import's to fill).
///
/// # Errors
/// Database errors.
pub async fn set(
    conn: &mut SqliteConnection,
    title_id: i64,
    field: Field,
    source: Source,
    empty: bool,
) -> sqlx::Result<()> {
    if empty {
        sqlx::query("DELETE FROM title_field_sources WHERE title_id = ? AND field = ?")
            .bind(title_id)
            .bind(field.as_str())
            .execute(conn)
            .await?;
    } else {
        sqlx::query(
            "INSERT INTO title_field_sources (title_id, field, source) VALUES (?, ?, ?)
             ON CONFLICT (title_id, field) DO UPDATE SET source = excluded.source",
        )
        .bind(title_id)
        .bind(field.as_str())
        .bind(source.as_str())
        .execute(conn)
        .await?;
    }
    Ok(())
}

/// Marks the fields a librarian just published with a new value (`value` is
/// what was published: empty forgets the source).
///
/// # Errors
/// Database errors.
pub async fn mark_staff(
    conn: &mut SqliteConnection,
    title_id: i64,
    changed: &[(Field, &str)],
) -> sqlx::Result<()> {
    for (field, value) in changed {
        set(
            conn,
            title_id,
            *field,
            Source::Staff,
            value.trim().is_empty(),
        )
        .await?;
    }
    Ok(())
}

/// Whether the import wrote the current value of `field` (no record: a
/// value from before tracking that [`set`] never saw is the librarian's).
///
/// # Errors
/// Database errors.
pub async fn imported(
    conn: &mut SqliteConnection,
    title_id: i64,
    field: Field,
) -> sqlx::Result<bool> {
    let source: Option<String> = sqlx::query_scalar(
        "SELECT source FROM title_field_sources WHERE title_id = ? AND field = ?",
    )
    .bind(title_id)
    .bind(field.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(source.as_deref() == Some(Source::Import.as_str()))
}
