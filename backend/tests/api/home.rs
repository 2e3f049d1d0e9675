//! The landing page `/`, parsed as HTML.

use scraper::{Html, Selector};

use crate::helpers::{TestApp, spawn_app};

async fn page(app: &TestApp, path: &str, accept_language: Option<&str>) -> (u16, Html) {
    let mut req = app.client.get(format!("{}{path}", app.base));
    if let Some(al) = accept_language {
        req = req.header("Accept-Language", al);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    (status, Html::parse_document(&resp.text().await.unwrap()))
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn attrs(doc: &Html, css: &str, attr: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .filter_map(|e| e.value().attr(attr).map(str::to_owned))
        .collect()
}

fn lang(doc: &Html) -> String {
    attrs(doc, "html", "lang").remove(0)
}

/// Adds an event `days` from now (negative: in the past), lasting two hours, in WIB.
async fn add_event(app: &TestApp, title: &str, days: i64) {
    let start = pustaka_backend::wib::now_wib() + chrono::Duration::days(days);
    let end = start + chrono::Duration::hours(2);
    sqlx::query(
        "INSERT INTO events (title_id, title_en, starts_at, ends_at, place)
         VALUES (?, ?, ?, ?, 'Aula')",
    )
    .bind(title)
    .bind(format!("{title} (en)"))
    .bind(pustaka_backend::wib::format_wib(start))
    .bind(pustaka_backend::wib::format_wib(end))
    .execute(&app.state.db)
    .await
    .unwrap();
}

#[tokio::test]
async fn landing_page_lists_upcoming_events_tours_and_the_calendar() {
    let app = spawn_app(true).await;
    add_event(&app, "Bedah Buku Minggu Depan", 3).await;
    add_event(&app, "Acara Yang Sudah Lewat", -3).await;
    let (status, doc) = page(&app, "/", None).await;
    assert_eq!(status, 200);
    assert_eq!(lang(&doc), "id");

    // Landmarks, one h1, headings never skip a level.
    for landmark in ["header", "main", "footer", "nav"] {
        assert_eq!(texts(&doc, landmark).len(), 1, "{landmark}");
    }
    assert_eq!(texts(&doc, "h1"), ["Pustaka AR"]);
    let headings = Selector::parse("h1, h2, h3, h4, h5, h6").unwrap();
    let levels: Vec<u8> = doc
        .select(&headings)
        .map(|h| h.value().name()[1..].parse().unwrap())
        .collect();
    assert_eq!(levels[0], 1);
    assert!(levels.windows(2).all(|w| w[1] <= w[0] + 1), "{levels:?}");
    let h2 = texts(&doc, "h2");
    for s in ["Acara mendatang", "Kalender acara", "Tur membaca"] {
        assert!(h2.iter().any(|h| h == s), "{s} missing from {h2:?}");
    }

    // Upcoming events only, each with a WIB time.
    let h3 = texts(&doc, "h3");
    assert!(h3.iter().any(|h| h == "Bedah Buku Minggu Depan"), "{h3:?}");
    assert!(!h3.iter().any(|h| h == "Acara Yang Sudah Lewat"), "{h3:?}");
    let times = texts(&doc, "time");
    assert!(!times.is_empty() && times.iter().all(|t| t.ends_with(" WIB")));
    assert!(
        attrs(&doc, "time", "datetime")
            .iter()
            .all(|d| d.ends_with("+07:00"))
    );

    // The demo tour, with its stop count and first clue.
    assert!(h3.iter().any(|h| h == "Jejak Cerita Rakyat"), "{h3:?}");
    let main = texts(&doc, "main").join(" ");
    assert!(main.contains("3 perhentian"), "{main}");
    assert!(main.contains("Cari rak tempat kancil dan buaya tinggal."));

    // Every calendar link answers with iCalendar; the feed is linked.
    let cal_links = attrs(&doc, "a[type=\"text/calendar\"]", "href");
    assert!(
        cal_links.iter().any(|h| h.contains("/events.ics")),
        "{cal_links:?}"
    );
    for href in &cal_links {
        let resp = app.client.get(href).send().await.unwrap();
        assert_eq!(resp.status(), 200, "{href}");
        assert!(
            resp.headers()["content-type"]
                .to_str()
                .unwrap()
                .starts_with("text/calendar")
        );
    }
    // Event pages linked from the list exist.
    for href in attrs(&doc, "main a[href*=\"/m/\"]", "href") {
        assert_eq!(app.client.get(&href).send().await.unwrap().status(), 200);
    }
}

#[tokio::test]
async fn landing_page_speaks_english_by_query_or_accept_language() {
    let app = spawn_app(true).await;
    let (_, by_query) = page(&app, "/?lang=en", Some("id")).await;
    assert_eq!(lang(&by_query), "en");
    assert!(texts(&by_query, "h2").contains(&"Upcoming events".to_owned()));
    assert!(texts(&by_query, "h3").contains(&"Folk-Tale Trail".to_owned()));
    let (_, by_header) = page(&app, "/", Some("en-GB,en;q=0.9,id;q=0.5")).await;
    assert_eq!(lang(&by_header), "en");
    let (_, fallback) = page(&app, "/", Some("fr-FR")).await;
    assert_eq!(lang(&fallback), "id");
    // The language switch points at the other language.
    let switch = attrs(&by_header, "nav a[hreflang]", "href");
    assert_eq!(switch, [format!("{}/?lang=id", app.base)]);
}

#[tokio::test]
async fn empty_library_says_so_and_404_pages_link_home() {
    let app = spawn_app(false).await;
    let (status, doc) = page(&app, "/", None).await;
    assert_eq!(status, 200);
    let main = texts(&doc, "main").join(" ");
    assert!(main.contains("Belum ada acara"), "{main}");
    assert!(main.contains("Belum ada tur membaca."), "{main}");

    // The 404 page's home link now leads somewhere.
    let (status, not_found) = page(&app, "/m/ZZZZ99", None).await;
    assert_eq!(status, 404);
    let home = attrs(&not_found, "nav a", "href").remove(0);
    assert_eq!(home, format!("{}/?lang=id", app.base));
    assert_eq!(app.client.get(&home).send().await.unwrap().status(), 200);
}
