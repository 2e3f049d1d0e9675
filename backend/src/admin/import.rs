//! Catalogue import in the back office (`/admin/import`): a MARC21 (ISO 2709),
//! MARCXML or SLiMS/INLISLite/Koha CSV file is streamed to a temp file
//! ([`super::uploads`], capped by the settings), imported by the same code as
//! `pustaka-server import` ([`crate::catalog`]), and the report is shown:
//! records, new titles, updated titles, and every skipped record with its
//! reason. Imported titles are published at once: they are the catalogue.

use askama::Template;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use tower_sessions::Session;

use super::error::PageError;
use super::page::{self, Page, render};
use super::routes::Routes;
use super::settings::{self, UploadKind};
use super::staff::{Role, Staff};
use super::uploads::{self, NotReceived, not_received};
use super::{audit, i18n};
use crate::catalog::{self, FileReport, Format, Skip, TitleChanges};
use crate::startup::AppState;

/// The import routes (librarians and admins); the upload route has no
/// default body limit (the cap is enforced while streaming).
pub fn routes() -> Routes {
    use Role::Librarian;
    Routes::new()
        .get("/admin/import", Librarian, show)
        .upload("/admin/import", Librarian, upload)
}

/// Client file extensions kept on the temp file, so that format detection by
/// name works as it does for `pustaka-server import`.
pub const CATALOG_EXTS: &[&str] = &["csv", "xml", "mrc", "marc", "dat"];

/// Skipped records listed on the page; the rest are counted (a 15 000-row
/// CSV with many bad rows would make a page too long to use).
pub const MAX_SKIPS_SHOWN: usize = 500;

/// The report as the page shows it.
#[derive(Debug, Clone)]
pub struct ReportView {
    /// The uploaded file's cleaned name.
    pub file: String,
    /// What its titles carry as `source` (the bulk code button sends it).
    pub source: String,
    /// Its format for people.
    pub format: String,
    /// Records (or CSV rows) found.
    pub records: usize,
    /// New titles.
    pub imported: usize,
    /// Existing titles updated.
    pub updated: usize,
    /// How many were skipped.
    pub skipped_count: usize,
    /// The first [`MAX_SKIPS_SHOWN`] skips.
    pub skipped: Vec<Skip>,
    /// How many existing titles changed or kept a librarian's value.
    pub titles_count: usize,
    /// The first [`MAX_SKIPS_SHOWN`] of them: per title what changed and
    /// what was kept.
    pub titles: Vec<TitleChanges>,
}

fn format_name(f: Format) -> &'static str {
    match f {
        Format::Iso2709 => "MARC21 (ISO 2709)",
        Format::MarcXml => "MARCXML",
        Format::Csv => "CSV",
    }
}

impl ReportView {
    fn from_report(r: &FileReport) -> Self {
        Self {
            source: r
                .format
                .map(|f| catalog::source_of(f, &r.file))
                .unwrap_or_default(),
            file: r.file.clone(),
            format: r.format.map(format_name).unwrap_or_default().to_owned(),
            records: r.records,
            imported: r.imported,
            updated: r.updated,
            skipped_count: r.skipped.len(),
            skipped: r.skipped.iter().take(MAX_SKIPS_SHOWN).cloned().collect(),
            titles_count: r.titles.len(),
            titles: r.titles.iter().take(MAX_SKIPS_SHOWN).cloned().collect(),
        }
    }
}

#[derive(Template)]
#[template(path = "admin/ops_import.html")]
struct ImportPage {
    p: Page,
    cap_mb: u64,
    cap_bytes: u64,
    report: Option<ReportView>,
    errors: Vec<String>,
}

async fn import_page(
    state: &AppState,
    session: &Session,
    staff: &Staff,
    report: Option<ReportView>,
    status: Option<StatusCode>,
    errors: Vec<String>,
) -> Result<Response, PageError> {
    let p = Page::new(session, Some(staff), "/admin/import").await?;
    let caps = settings::upload_caps(state).await?;
    let mut resp = render(&ImportPage {
        p,
        cap_mb: caps.mb(UploadKind::Catalog),
        cap_bytes: caps.bytes(UploadKind::Catalog),
        report,
        errors,
    });
    if let Some(s) = status {
        *resp.status_mut() = s;
    }
    Ok(resp)
}

/// `GET /admin/import`: the upload form.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn show(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
) -> Result<Response, PageError> {
    import_page(&state, &session, &staff, None, None, Vec::new()).await
}

/// `POST /admin/import?_csrf=…` (multipart: `file`): imports the file and
/// shows the report (audited). Over the cap → `413`; a file that is none of
/// the formats → `415`; both with the reason on the form.
///
/// # Errors
/// Database or session failures, as an HTML error page.
pub async fn upload(
    State(state): State<AppState>,
    session: Session,
    staff: Staff,
    req: Request,
) -> Result<Response, PageError> {
    let lang = page::lang_of(&session).await;
    let cap = settings::upload_caps(&state)
        .await?
        .bytes(UploadKind::Catalog);
    let received = match uploads::receive(&state, req, "file", CATALOG_EXTS, |_| cap).await {
        Ok(r) => r,
        Err(e) => {
            return match not_received(lang, e, "ops-import-file") {
                NotReceived::Back(text) => {
                    page::notice(&session, text).await;
                    Ok(Redirect::to("/admin/import").into_response())
                }
                NotReceived::Refused(status, text) => {
                    import_page(&state, &session, &staff, None, Some(status), vec![text]).await
                }
            };
        }
    };
    let Some(file) = received.file else {
        page::notice(&session, i18n::text(lang, "ops-upload-no-file")).await;
        return Ok(Redirect::to("/admin/import").into_response());
    };
    let name = if file.label.is_empty() {
        "upload".to_owned()
    } else {
        file.label.clone()
    };
    // Recorded before the first batch is written: an import cut short (a
    // crash, a failure) leaves this record beside the batches it committed.
    let target = format!("import:{name}");
    {
        let mut conn = state.db.acquire().await?;
        let detail = format!("{} bytes", file.size_bytes);
        audit::record(
            &mut conn,
            Some(&staff),
            "catalog.import.start",
            &target,
            &detail,
        )
        .await?;
    }
    let by = catalog::Importer {
        user_id: Some(staff.id),
        username: &staff.username,
    };
    let report = match catalog::import_named_by(&state.db, &file.path, &name, None, by).await {
        Ok(r) => r,
        Err(e) => {
            let mut conn = state.db.acquire().await?;
            let detail = format!("stopped: {e:#}");
            audit::record(
                &mut conn,
                Some(&staff),
                "catalog.import.failed",
                &target,
                &detail,
            )
            .await?;
            return Err(PageError::internal(e));
        }
    };
    drop(file);
    if report.format.is_none() {
        return import_page(
            &state,
            &session,
            &staff,
            None,
            Some(StatusCode::UNSUPPORTED_MEDIA_TYPE),
            vec![i18n::text(lang, "ops-import-unknown-format")],
        )
        .await;
    }
    let mut tx = state.db.begin().await?;
    audit::record(
        &mut tx,
        Some(&staff),
        "catalog.import",
        &target,
        &format!(
            "{} records: {} new, {} updated, {} skipped",
            report.records,
            report.imported,
            report.updated,
            report.skipped.len()
        ),
    )
    .await?;
    tx.commit().await?;
    state.rendered.clear();
    tracing::info!(
        import.file = %name,
        import.records = report.records,
        import.imported = report.imported,
        import.updated = report.updated,
        import.skipped = report.skipped.len(),
        "catalogue imported from the back office"
    );
    import_page(
        &state,
        &session,
        &staff,
        Some(ReportView::from_report(&report)),
        None,
        Vec::new(),
    )
    .await
}
