//! Printed labels for real shelves: every layout keeps its text inside the
//! label's cut line (the PDF rendered with `pdftoppm` and the ink measured),
//! with the longest titles and call numbers of the real catalogues in
//! `../shared/data/catalog` (through `pustaka_test_support`) and synthetic
//! worst cases.

use std::path::Path;

use image::GrayImage;
use pustaka_backend::admin::print;
use pustaka_markers::payload::{MarkerCode, ScannedContent, classify};
use pustaka_markers::sheet::{self, A4_MM, INSTRUCTION_ID};
use reqwest::StatusCode;

use crate::admin::{PASSWORD, StaffSession, login, send, staff_accounts};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// Renders every page of `pdf` with pdftoppm at `dpi` in grey, in page
/// order; `None` (skip) when pdftoppm is missing outside CI.
pub fn render_pdf(pdf: &[u8], dpi: u32) -> Option<Vec<GrayImage>> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = match std::process::Command::new("pdftoppm")
        .args(["-r", &dpi.to_string(), "-gray", "-png"])
        .arg(&file)
        .arg(dir.path().join("page"))
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            assert!(
                !pustaka_test_support::in_ci(),
                "pdftoppm (poppler-utils) is needed under CI: {e}"
            );
            eprintln!("SKIPPED: pdftoppm (poppler-utils) missing: {e}");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut pages: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    Some(
        pages
            .iter()
            .map(|p| image::open(p).unwrap().to_luma8())
            .collect(),
    )
}

/// The text of a PDF (pdftotext, layout kept), or `None` (skip) without it.
pub fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.pdf");
    std::fs::write(&file, pdf).unwrap();
    match std::process::Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
    {
        Ok(out) => {
            assert!(out.status.success());
            Some(String::from_utf8_lossy(&out.stdout).into_owned())
        }
        Err(e) => {
            assert!(
                !pustaka_test_support::in_ci(),
                "pdftotext (poppler-utils) is needed under CI: {e}"
            );
            None
        }
    }
}

/// Catalogue files whose records carry long titles and call numbers.
const CATALOGUES: &[&str] = &[
    "lc_marc2bibframe2_loc_general.xml",
    "lc_marc2bibframe2_british_library.xml",
    "evergreen_bibs_other.xml",
    "traject_test_data.utf8.marc.xml",
    "marc4j_pride-and-prejudice-fixed.mrc",
    "blacklight_test_data.utf8.mrc",
];

/// Synthetic worst cases: (title, call number). Wide capitals, one word
/// longer than any label, a call number with no space to break at, and
/// Indonesian with punctuation before the cut.
const WORST: &[(&str, &str)] = &[
    (
        "WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
        "WWW.WWWWWWWWWWWWWWWWWWWWWWWWWWWWWW",
    ),
    (
        "Laskar Pelangi: edisi khusus ulang tahun kedua puluh, dengan ilustrasi baru, catatan penulis, peta Belitong, dan wawancara dengan para pemeran film",
        "899.221 3 HIR l 2025 jil. 2 eks. 14 ref. ruang anak",
    ),
    (
        "MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM MMMM",
        "",
    ),
];

/// Titles whose labels are printed: the longest titles and the longest call
/// numbers of the imported catalogues, plus [`WORST`]. `None` without the data.
async fn worst_titles(app: &TestApp) -> Option<Vec<i64>> {
    let dir = pustaka_test_support::data_path("catalog")?;
    for name in CATALOGUES {
        pustaka_backend::catalog::import_file(&app.state.db, &dir.join(name), None)
            .await
            .unwrap();
    }
    let mut ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM titles ORDER BY length(title) DESC, id LIMIT 5")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    ids.extend(
        sqlx::query_scalar::<_, i64>(
            "SELECT id FROM titles WHERE call_number IS NOT NULL
              ORDER BY length(call_number) DESC, id LIMIT 4",
        )
        .fetch_all(&app.state.db)
        .await
        .unwrap(),
    );
    for (title, call) in WORST {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO titles (title, call_number) VALUES (?, NULLIF(?, '')) RETURNING id",
        )
        .bind(title)
        .bind(call)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        ids.push(id);
    }
    ids.dedup();
    Some(ids)
}

/// Codes for `titles` through the bulk button (reusing any they have), in
/// the titles' order.
async fn codes_for(app: &TestApp, s: &StaffSession, titles: &[i64]) -> Vec<String> {
    let form: Vec<(String, String)> = titles
        .iter()
        .map(|id| ("title".to_owned(), id.to_string()))
        .collect();
    let r = send(app, "POST", "/admin/markers/bulk", Some(s), &form, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    let mut codes = Vec::new();
    for id in titles {
        let code: String = sqlx::query_scalar(
            "SELECT code FROM markers WHERE target_kind = 'title' AND target_id = ?",
        )
        .bind(id)
        .fetch_one(&app.state.db)
        .await
        .unwrap();
        codes.push(code);
    }
    codes
}

/// Dark pixels (ink of text and code, not the light grey cut line).
const INK: u8 = 128;

/// Pixels of `page` darker than [`INK`] outside every rectangle of `rects`
/// (mm, top-left origin) shrunk by `inset_mm`, as `(x, y)` in mm.
fn ink_outside(page: &GrayImage, rects: &[(f32, f32, f32, f32)], inset_mm: f32) -> Vec<(f32, f32)> {
    let px_per_mm = page.width() as f32 / A4_MM.0;
    let mut out = Vec::new();
    for (x, y, p) in page.enumerate_pixels() {
        if p.0[0] >= INK {
            continue;
        }
        // The pixel's square, mm.
        let (x0, y0) = (x as f32 / px_per_mm, y as f32 / px_per_mm);
        let (x1, y1) = ((x + 1) as f32 / px_per_mm, (y + 1) as f32 / px_per_mm);
        let inside = rects.iter().any(|&(rx, ry, rw, rh)| {
            x0 >= rx + inset_mm
                && y0 >= ry + inset_mm
                && x1 <= rx + rw - inset_mm
                && y1 <= ry + rh - inset_mm
        });
        if !inside {
            out.push((x0, y0));
        }
    }
    out
}

/// Whether `page` has ink in the rectangle (mm).
fn has_ink(page: &GrayImage, (rx, ry, rw, rh): (f32, f32, f32, f32)) -> bool {
    let px_per_mm = page.width() as f32 / A4_MM.0;
    let px = |mm: f32| (mm * px_per_mm).round() as u32;
    (px(ry)..px(ry + rh)).any(|y| (px(rx)..px(rx + rw)).any(|x| page.get_pixel(x, y).0[0] < INK))
}

/// Ink may come this close to the cut line, mm: half the label's padding.
const INSET_MM: f32 = 1.0;
/// Rendering resolution: fine enough to see 1 mm (about 6 px).
const DPI: u32 = 150;

#[tokio::test]
async fn every_layout_keeps_long_titles_and_call_numbers_inside_the_cut_line() {
    let app = spawn_app(false).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let Some(titles) = worst_titles(&app).await else {
        return;
    };
    let codes = codes_for(&app, &s, &titles).await;
    for (value, ..) in print::LAYOUTS {
        let mut form: Vec<(String, String)> = codes
            .iter()
            .map(|c| ("codes".to_owned(), c.clone()))
            .collect();
        form.push(("layout".into(), (*value).to_owned()));
        let r = send(&app, "POST", "/admin/print", Some(&s), &form, true).await;
        assert_eq!(r.status(), StatusCode::OK, "{value}");
        let pdf = r.bytes().await.unwrap();
        let Some(pages) = render_pdf(&pdf, DPI) else {
            return;
        };
        let layout = print::layout(value);
        keep(&pages[0], &format!("{value}.png"));
        let per_page = layout.columns * layout.rows;
        assert_eq!(pages.len(), codes.len().div_ceil(per_page), "{value}");
        for (n, page) in pages.iter().enumerate() {
            let used = (codes.len() - n * per_page).min(per_page);
            let rects: Vec<_> = (0..used)
                .map(|i| layout.label_rect_mm(i % layout.columns, i / layout.columns))
                .collect();
            let stray = ink_outside(page, &rects, INSET_MM);
            assert!(
                stray.is_empty(),
                "{value}, page {}: {} dark pixels outside the labels, first at {:?} mm",
                n + 1,
                stray.len(),
                stray.first()
            );
            // Every label has text beside its code (nothing was dropped to fit).
            for &(x, y, w, h) in &rects {
                let text_x = x + 4.0 + layout.code_box_mm();
                assert!(
                    has_ink(page, (text_x, y, x + w - text_x, h)),
                    "{value}: a label without text at {x},{y}"
                );
            }
        }
        // The whole instruction on every label (two lines at most).
        if let Some(text) = pdf_text(&pdf) {
            let joined = text.split_whitespace().collect::<Vec<_>>().join(" ");
            assert_eq!(
                joined.matches(INSTRUCTION_ID).count(),
                codes.len(),
                "{value}: {joined}"
            );
        }
    }
    // The poster of the longest title keeps a margin on every side.
    let r = send(
        &app,
        "POST",
        "/admin/print/poster",
        Some(&s),
        &crate::admin::fields(&[("code", &codes[0])]),
        true,
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap();
    if let Some(pages) = render_pdf(&pdf, DPI) {
        keep(&pages[0], "poster.png");
        let page = (10.0, 10.0, A4_MM.0 - 20.0, A4_MM.1 - 20.0);
        let stray = ink_outside(&pages[0], &[page], 0.0);
        assert!(
            stray.is_empty(),
            "poster: ink in the margin at {:?}",
            stray.first()
        );
    }
}

/// Writes a rendered page into `PUSTAKA_KEEP_RENDERS` (when set) for a look.
fn keep(page: &GrayImage, name: &str) {
    if let Some(dir) = std::env::var_os("PUSTAKA_KEEP_RENDERS") {
        page.save(Path::new(&dir).join(name)).unwrap();
    }
}

/// The overlay's `size_m` for `code`, metres.
async fn overlay_size_m(app: &TestApp, code: &str) -> f64 {
    let r = app.get(&format!("/api/v1/markers/{code}")).await;
    assert_eq!(r.status(), StatusCode::OK, "{code}");
    let v: serde_json::Value = r.json().await.unwrap();
    v["size_m"].as_f64().unwrap()
}

/// Prints `codes` at `layout` (a sheet value or `"poster"` for one code).
async fn print_at(app: &TestApp, s: &StaffSession, codes: &[&str], layout: &str) -> Vec<u8> {
    let r = if layout == print::POSTER {
        send(
            app,
            "POST",
            "/admin/print/poster",
            Some(s),
            &crate::admin::fields(&[("code", codes[0])]),
            true,
        )
        .await
    } else {
        let mut form: Vec<(String, String)> = codes
            .iter()
            .map(|c| ("codes".to_owned(), (*c).to_owned()))
            .collect();
        form.push(("layout".into(), layout.to_owned()));
        send(app, "POST", "/admin/print", Some(s), &form, true).await
    };
    assert_eq!(r.status(), StatusCode::OK, "{layout}");
    r.bytes().await.unwrap().to_vec()
}

/// The symbol side a code printed at `layout` has, metres.
fn side_m(app: &TestApp, code: &str, layout: &str) -> f64 {
    let url = MarkerCode::parse(code).unwrap().url_at(&app.base);
    let mm = if layout == print::POSTER {
        sheet::poster_symbol_side_mm(&url).unwrap()
    } else {
        print::layout(layout).symbol_side_mm(&url).unwrap()
    };
    f64::from(mm) / 1000.0
}

#[tokio::test]
async fn the_stored_size_is_the_print_a_visitor_meets() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let close = |a: f64, b: f64| (a - b).abs() < 1e-5;
    // A title's book label sets its size; a test poster afterwards does not.
    print_at(&app, &s, &["BK0001"], "book").await;
    let book = side_m(&app, "BK0001", "book");
    assert!(close(overlay_size_m(&app, "BK0001").await, book));
    print_at(&app, &s, &["BK0001"], print::POSTER).await;
    assert!(close(overlay_size_m(&app, "BK0001").await, book));
    // A spine label is also where visitors meet a title: it wins now.
    print_at(&app, &s, &["BK0001"], "spine").await;
    let spine = side_m(&app, "BK0001", "spine");
    assert!(!close(spine, book));
    assert!(close(overlay_size_m(&app, "BK0001").await, spine));
    // A title only ever printed as a poster keeps the poster's size until
    // its first book label.
    print_at(&app, &s, &["BK0002"], print::POSTER).await;
    let poster = side_m(&app, "BK0002", print::POSTER);
    assert!(close(overlay_size_m(&app, "BK0002").await, poster));
    print_at(&app, &s, &["BK0002"], "book").await;
    assert!(close(
        overlay_size_m(&app, "BK0002").await,
        side_m(&app, "BK0002", "book")
    ));
    // An event's poster is what visitors meet; a shelf label does not change it.
    print_at(&app, &s, &["EV0001"], print::POSTER).await;
    print_at(&app, &s, &["EV0001"], "shelf").await;
    assert!(close(
        overlay_size_m(&app, "EV0001").await,
        side_m(&app, "EV0001", print::POSTER)
    ));
    // The code's page says which size is stored, from which print and when.
    let page = send(&app, "GET", "/admin/markers/BK0001", Some(&s), &[], true).await;
    let html = page.text().await.unwrap();
    let mm = format!("{:.1}", spine * 1000.0).replace('.', ",");
    assert!(
        html.contains(&format!("{mm} mm, dari cetakan label punggung pada")),
        "{html}"
    );
    assert!(html.contains("WIB"));
    // Saving the form unchanged keeps the exact printed size; typing a new
    // one makes it the librarian's.
    let form = crate::admin::fields(&[
        ("label", "Buku"),
        ("placement", ""),
        ("size_mm", &format!("{}", (spine * 1000.0).round())),
        ("active", "1"),
    ]);
    send(&app, "POST", "/admin/markers/BK0001", Some(&s), &form, true).await;
    assert!(close(overlay_size_m(&app, "BK0001").await, spine));
    let form = crate::admin::fields(&[
        ("label", "Buku"),
        ("placement", ""),
        ("size_mm", "70"),
        ("active", "1"),
    ]);
    send(&app, "POST", "/admin/markers/BK0001", Some(&s), &form, true).await;
    assert!(close(overlay_size_m(&app, "BK0001").await, 0.07));
    let html = send(&app, "GET", "/admin/markers/BK0001", Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("70,0 mm, diisi tangan"), "{html}");
}

#[tokio::test]
async fn codes_carry_the_public_url_and_the_page_warns_when_phones_cannot_reach_it() {
    // Behind a proxy with a port and a path prefix: no warning, and the
    // printed code holds the whole base.
    let base = "https://perpus.example.id:8443/pustaka";
    let app = spawn_app_with(true, |c| c.public_url = Some(base.to_owned())).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let html = send(&app, "GET", "/admin/print", Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("reach-warning"), "{html}");
    assert!(html.contains(&format!("{base}/m/")));
    let pdf = print_at(&app, &s, &["BK0001"], "shelf").await;
    if let Some(texts) = crate::admin_reports::scan_pdf(&pdf) {
        assert_eq!(texts, [format!("{base}/m/BK0001")]);
        // The app reads it as a library code.
        assert!(matches!(
            classify(Some(&texts[0]), texts[0].as_bytes(), &["perpus.example.id"]),
            ScannedContent::Library { code, .. } if code.as_str() == "BK0001"
        ));
        // The server answers the code's page under the proxy's prefix
        // stripped, as the proxy forwards it.
        let r = app.get("/m/BK0001").await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    // The test server's own address (plain http on loopback): the warning
    // comes first, in Indonesian, before the print form.
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let html = send(&app, "GET", "/admin/print", Some(&s), &[], true)
        .await
        .text()
        .await
        .unwrap();
    let warning = html.find("id=\"reach-warning\"").expect("a warning");
    let form = html
        .find("<form method=\"post\" action=\"/admin/print\"")
        .unwrap();
    assert!(warning < form);
    assert!(html.contains("memakai http biasa, bukan https"));
    assert!(html.contains("hanya bisa dibuka dari komputer server itu sendiri"));
}

#[tokio::test]
async fn the_event_poster_is_an_a4_poster_in_indonesian_that_scans_back() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let (title, place): (String, String) = sqlx::query_as(
        "SELECT e.title_id, e.place FROM events e JOIN markers m
            ON m.target_kind = 'event' AND m.target_id = e.id WHERE m.code = 'EV0001'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let pdf = print_at(&app, &s, &["EV0001"], print::POSTER).await;
    let Some(text) = pdf_text(&pdf) else {
        return;
    };
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for want in [
        title.as_str(),
        place.as_str(),
        INSTRUCTION_ID,
        "WIB",
        "EV00-01",
    ] {
        let want = want.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(&want), "{want:?} not in {words:?}");
    }
    // Indonesian day and month names, not English ones.
    assert!(
        [
            "Minggu", "Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu"
        ]
        .iter()
        .any(|d| words.contains(d)),
        "{words}"
    );
    let Some(pages) = render_pdf(&pdf, DPI) else {
        return;
    };
    keep(&pages[0], "event-poster.png");
    assert_eq!(pages.len(), 1);
    // A4 at 150 dpi: 1240.2 × 1753.9 pixels, as pdftoppm rounds them.
    assert!(
        (1240..=1241).contains(&pages[0].width()),
        "{}",
        pages[0].width()
    );
    assert!(
        (1753..=1754).contains(&pages[0].height()),
        "{}",
        pages[0].height()
    );
    // The demo event's poster picture is there: many mid-grey pixels (text
    // and code are black on white).
    let grey = pages[0]
        .pixels()
        .filter(|p| (40..215).contains(&p.0[0]))
        .count();
    assert!(grey > 20_000, "{grey} grey pixels: no picture?");
    if let Some(texts) = crate::admin_reports::scan_pdf(&pdf) {
        assert_eq!(texts, [format!("{}/m/EV0001", app.base)]);
    }
}

/// The value of the hidden field `name` in the first form that has one.
fn hidden(html: &str, name: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(&format!("input[type=hidden][name={name}]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// Codes of titles, by title id.
async fn title_codes(app: &TestApp) -> std::collections::BTreeMap<i64, String> {
    sqlx::query_as("SELECT target_id, code FROM markers WHERE target_kind = 'title'")
        .fetch_all(&app.state.db)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn bulk_codes_for_an_import_and_a_call_number_range_reuse_codes() {
    let Some(marc) = pustaka_test_support::data_path("catalog/evergreen_oss.marc") else {
        return;
    };
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // The librarian uploads a catalogue; its report offers codes for every
    // title it brought, with the file named by the page, not typed.
    let body = crate::admin_ops::multipart(
        &[],
        Some((
            "evergreen_oss.marc",
            "application/marc",
            &std::fs::read(marc).unwrap(),
        )),
    );
    let r = crate::admin_ops::post_multipart(&app, &s, "/admin/import", body).await;
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    let source = hidden(&html, "import").expect("the report's bulk button");
    let imported: Vec<i64> = sqlx::query_scalar("SELECT id FROM titles WHERE source = ?")
        .bind(&source)
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    assert_eq!(imported.len(), 39);
    // One of them already has a code: it keeps it.
    codes_for(&app, &s, &imported[..1]).await;
    let before = title_codes(&app).await;
    let form = crate::admin::fields(&[("import", &source), ("back", "/admin/import")]);
    let r = send(&app, "POST", "/admin/markers/bulk", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = r.headers()["location"].to_str().unwrap().to_owned();
    assert!(to.starts_with("/admin/print?"), "{to}");
    let after = title_codes(&app).await;
    for id in &imported {
        assert!(after.contains_key(id), "title {id} has no code");
    }
    assert_eq!(after[&imported[0]], before[&imported[0]]);
    assert_eq!(after.len(), before.len() + imported.len() - 1);
    // The print page opens with exactly these codes ticked.
    let printed: Vec<String> = form_urlencoded::parse(to.split_once('?').unwrap().1.as_bytes())
        .filter(|(k, _)| k == "codes")
        .map(|(_, v)| v.into_owned())
        .collect();
    assert_eq!(printed.len(), imported.len());

    // A call-number range typed as on the spines, from the codes list.
    let page = send(&app, "GET", "/admin/markers", Some(&s), &[], true).await;
    let html = page.text().await.unwrap();
    assert!(html.contains("name=\"call_from\"") && html.contains("name=\"call_to\""));
    let calls: Vec<(i64, String)> = sqlx::query_as(
        "SELECT id, call_number FROM titles WHERE call_number IS NOT NULL AND archived = 0
          ORDER BY call_number COLLATE NOCASE",
    )
    .fetch_all(&app.state.db)
    .await
    .unwrap();
    assert!(calls.len() > 4, "{calls:?}");
    // From the second call number to the first characters of the fourth:
    // the fourth itself is in (a prefix takes what it starts).
    let from = calls[1].1.clone();
    let to_prefix: String = calls[3].1.chars().take(3).collect();
    let want: Vec<i64> = calls
        .iter()
        .filter(|(_, c)| {
            let c = c.to_lowercase();
            c >= from.to_lowercase()
                && (c <= to_prefix.to_lowercase() || c.starts_with(&to_prefix.to_lowercase()))
        })
        .map(|(id, _)| *id)
        .collect();
    assert!(want.len() >= 3, "{want:?}");
    sqlx::query("DELETE FROM markers WHERE target_kind = 'title'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let form = crate::admin::fields(&[("call_from", &from), ("call_to", &to_prefix)]);
    let r = send(&app, "POST", "/admin/markers/bulk", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let got: Vec<i64> = title_codes(&app).await.into_keys().collect();
    let mut want = want;
    want.sort_unstable();
    assert_eq!(got, want);
}

#[tokio::test]
async fn the_event_page_prints_its_poster_in_one_click_making_the_code() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    // A new event without a code yet.
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO events (title_id, starts_at, ends_at, place)
         VALUES ('Lomba Mewarnai', '2037-12-19T09:00:00+07:00', '2037-12-19T11:00:00+07:00', 'Aula')
         RETURNING id",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    let page = send(
        &app,
        "GET",
        &format!("/admin/events/{id}"),
        Some(&s),
        &[],
        true,
    )
    .await;
    let html = page.text().await.unwrap();
    assert_eq!(
        hidden(&html, "event").as_deref(),
        Some(id.to_string().as_str())
    );
    // Served over plain http on loopback: the page warns next to the button.
    assert!(html.contains("reach-warning"));
    let form = crate::admin::fields(&[("event", &id.to_string())]);
    let r = send(&app, "POST", "/admin/print/poster", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::OK);
    let pdf = r.bytes().await.unwrap();
    let code: String = sqlx::query_scalar(
        "SELECT code FROM markers WHERE target_kind = 'event' AND target_id = ?",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    // Again: the same code, no second one.
    let r = send(&app, "POST", "/admin/print/poster", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::OK);
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM markers WHERE target_kind = 'event' AND target_id = ?",
    )
    .bind(id)
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(n, 1);
    if let Some(text) = pdf_text(&pdf) {
        let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
        for want in [
            "Lomba Mewarnai",
            "Sabtu, 19 Desember 2037, 09.00–11.00 WIB",
            "Aula",
        ] {
            assert!(words.contains(want), "{want:?} not in {words:?}");
        }
    }
    if let Some(texts) = crate::admin_reports::scan_pdf(&pdf) {
        assert_eq!(texts, [format!("{}/m/{code}", app.base)]);
    }
}

#[tokio::test]
async fn bulk_codes_for_every_page_of_a_title_search() {
    let Some(marc) =
        pustaka_test_support::data_path("catalog/marc4j_pride-and-prejudice-fixed.mrc")
    else {
        return;
    };
    let app = spawn_app(true).await;
    pustaka_backend::catalog::import_file(&app.state.db, &marc, None)
        .await
        .unwrap();
    staff_accounts(&app).await;
    let s = login(&app.base, "librarian1", PASSWORD).await;
    let q = "pride";
    let found: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM titles WHERE title LIKE '%pride%'")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert!(found > 50, "more than one page: {found}");
    let html = send(
        &app,
        "GET",
        &format!("/admin/titles?q={q}"),
        Some(&s),
        &[],
        true,
    )
    .await
    .text()
    .await
    .unwrap();
    assert!(
        html.contains(&format!("name=\"search_q\" value=\"{q}\"")),
        "no whole-search button"
    );
    let form = crate::admin::fields(&[("search_q", q), ("back", "/admin/titles")]);
    let r = send(&app, "POST", "/admin/markers/bulk", Some(&s), &form, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let with_code: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM titles t WHERE t.title LIKE '%pride%' AND EXISTS
           (SELECT 1 FROM markers m WHERE m.target_kind = 'title' AND m.target_id = t.id)",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(with_code, found);
}
