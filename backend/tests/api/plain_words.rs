//! All in Indonesian, plainly: every back-office page an admin can reach by
//! following links, and the public pages, read in Indonesian, show none of
//! the English or internal words a librarian or a child should never meet
//! (kinds like `title`/`tour_stop`, action names like `marker.create`,
//! "API", "UTC", raw UTC times); the 404 page follows the language.

use std::collections::{BTreeSet, VecDeque};

use regex::Regex;
use reqwest::header::{ACCEPT_LANGUAGE, COOKIE};
use scraper::{Html, Selector};

use pustaka_backend::admin::drafts::Draftable;
use pustaka_backend::admin::tours::Tours;

use crate::admin::{PASSWORD, StaffSession, client, first_id, login, staff_accounts};
use crate::helpers::{TestApp, spawn_app};

/// What a page says to its reader: the text of its body (scripts and styles
/// left out) and the attributes that assistive technology reads out.
fn readable(html: &str) -> String {
    let doc = Html::parse_document(html);
    let mut out = Vec::new();
    // Scripts and styles are not read; form fields hold what librarians
    // typed (the English texts among them), and `lang="en"` marks English
    // on purpose (the language switch, English content).
    let skip = Selector::parse(r#"script, style, textarea, [lang="en"]"#).unwrap();
    let skipped: BTreeSet<_> = doc.select(&skip).map(|e| e.id()).collect();
    for node in doc.root_element().descendants() {
        if let Some(t) = node.value().as_text()
            && !node.ancestors().any(|a| skipped.contains(&a.id()))
        {
            out.push(t.to_string());
        }
        if let Some(e) = node.value().as_element() {
            for a in ["alt", "aria-label", "title", "placeholder"] {
                if let Some(v) = e.attr(a) {
                    out.push(v.to_owned());
                }
            }
        }
    }
    out.join(" ")
}

/// The words and shapes that must not show on an Indonesian page, each with
/// why. Case matters where Indonesian has the same letters ("api" is fire).
fn forbidden() -> Vec<(Regex, &'static str)> {
    [
        (r"\b(title|shelf|event|tour_stop|marker)\b", "an internal kind word"),
        (
            r"\b(title|shelf|event|tour|tour_stop|marker|media|staff|print|settings|catalog)\.[a-z_]+",
            "an internal action name",
        ),
        (r"\bAPI\b", "a developer word"),
        (r"\bUTC\b", "UTC instead of WIB"),
        (r"(?i)\brecords?\b", "an English word"),
        (r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", "a raw machine time"),
        (r"(?i)\bpemberhentian\b", "a word a child does not know (perhentian)"),
    ]
    .into_iter()
    .map(|(re, why)| (Regex::new(re).unwrap(), why))
    .collect()
}

/// Every problem on `page` (path) as "path: why: …context…".
fn problems(path: &str, html: &str) -> Vec<String> {
    let text = readable(html);
    let mut out = Vec::new();
    for (re, why) in forbidden() {
        for m in re.find_iter(&text) {
            let from = text[..m.start()]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            let to = text[m.end()..]
                .char_indices()
                .nth(40)
                .map_or(text.len(), |(i, _)| m.end() + i);
            let context: String = text[from..to]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            out.push(format!("{path}: {why}: …{context}…"));
        }
    }
    out
}

async fn get(app: &TestApp, path: &str, s: Option<&StaffSession>) -> (u16, String) {
    let mut req = client()
        .get(format!("{}{path}", app.base))
        .header(ACCEPT_LANGUAGE, "id");
    if let Some(s) = s {
        req = req.header(COOKIE, &s.cookie);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn every_indonesian_page_speaks_plainly() {
    let app = spawn_app(true).await;
    staff_accounts(&app).await;
    let admin = login(&app.base, "admin1", PASSWORD).await;
    // Something in the audit log and on the dashboard.
    login(&app.base, "librarian1", PASSWORD).await;
    // A pending draft: its edit page says who saved it and when.
    let tour = first_id(&app, "SELECT id FROM tours ORDER BY id LIMIT 1").await;
    let live = Tours::load(&app.state.db, tour).await.unwrap().unwrap();
    sqlx::query(
        "INSERT INTO drafts (target_kind, target_id, data, updated_by, updated_at)
         VALUES ('tour', ?, ?, 'librarian1', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'))",
    )
    .bind(tour)
    .bind(serde_json::to_string(&live.fields).unwrap())
    .execute(&app.state.db)
    .await
    .unwrap();
    let href = Regex::new(r##"href="(/admin[^"#?]*(?:\?[^"#]*)?)""##).unwrap();
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from(["/admin".to_owned()]);
    let mut found = Vec::new();
    while let Some(path) = queue.pop_front() {
        if !seen.insert(path.clone()) || seen.len() > 400 {
            continue;
        }
        let (status, html) = get(&app, &path, Some(&admin)).await;
        if status != 200 {
            continue;
        }
        found.extend(problems(&path, &html));
        for c in href.captures_iter(&html) {
            let link = c[1].replace("&amp;", "&");
            let files = [".pdf", ".csv", ".js", "/logout"];
            if !files.iter().any(|f| link.contains(f)) && !seen.contains(&link) {
                queue.push_back(link);
            }
        }
    }
    assert!(seen.len() > 30, "the crawl reached {} pages", seen.len());
    for path in ["/", "/m/BK0001", "/m/RK0001", "/m/EV0001", "/m/TR0001"] {
        let (status, html) = get(&app, path, None).await;
        assert_eq!(status, 200, "{path}");
        found.extend(problems(path, &html));
    }
    // Without a web app bundle `/ar/` says so (404), in the same plain words.
    let (_, html) = get(&app, "/ar/", None).await;
    found.extend(problems("/ar/", &html));
    // The 404 page speaks the visitor's language.
    let (status, html) = get(&app, "/m/NOSUCH1", None).await;
    assert_eq!(status, 404);
    assert!(html.contains("lang=\"id\""));
    found.extend(problems("/m/NOSUCH1", &html));
    let english = client()
        .get(format!("{}/m/NOSUCH1", app.base))
        .header(ACCEPT_LANGUAGE, "en")
        .send()
        .await
        .unwrap();
    assert_eq!(english.status(), 404);
    assert!(
        english.text().await.unwrap().contains("lang=\"en\""),
        "404 in English"
    );
    assert!(
        found.is_empty(),
        "{} problem(s):\n{}",
        found.len(),
        found.join("\n")
    );
}

#[test]
fn the_checker_catches_what_it_looks_for() {
    let page = r#"<html><body><p>title 2026-12-08T01:32:40Z marker.create</p>
        <img alt="API"><script>var title = 1;</script></body></html>"#;
    let found = problems("/x", page);
    // "marker" counts twice: a kind word, and the start of an action name.
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(problems("/x", "<p>Judul diterbitkan, 8 Desember 2026, 08.32 WIB</p>").is_empty());
}
