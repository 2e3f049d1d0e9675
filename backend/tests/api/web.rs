//! The web fallback page `/m/{code}`, parsed as HTML.

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

fn meta(doc: &Html, attr: &str, name: &str) -> Option<String> {
    let sel = Selector::parse(&format!("meta[{attr}=\"{name}\"]")).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|m| m.value().attr("content").map(str::to_owned))
}

fn texts(doc: &Html, css: &str) -> Vec<String> {
    let sel = Selector::parse(css).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

fn lang(doc: &Html) -> String {
    let sel = Selector::parse("html").unwrap();
    doc.select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("lang")
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn book_page_is_indonesian_with_sharing_meta() {
    let app = spawn_app(true).await;
    let (status, doc) = page(&app, "/m/BK0001", None).await;
    assert_eq!(status, 200);
    assert_eq!(lang(&doc), "id");
    assert_eq!(texts(&doc, "h1"), ["Si Kancil dan Buaya"]);
    assert_eq!(
        meta(&doc, "property", "og:title").unwrap(),
        "Si Kancil dan Buaya"
    );
    assert!(
        meta(&doc, "property", "og:description")
            .unwrap()
            .contains("buaya")
    );
    assert_eq!(
        meta(&doc, "property", "og:url").unwrap(),
        format!("{}/m/BK0001", app.base)
    );
    let og_image = meta(&doc, "property", "og:image").unwrap();
    assert!(og_image.starts_with(&format!("{}/media/", app.base)));
    assert_eq!(
        app.client.get(&og_image).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        meta(&doc, "name", "twitter:card").unwrap(),
        "summary_large_image"
    );
    assert_eq!(meta(&doc, "property", "og:locale").unwrap(), "id_ID");

    // Landmarks, alt text, headings in order (one h1, then h2s).
    for landmark in ["header", "main", "footer", "nav"] {
        assert_eq!(texts(&doc, landmark).len(), 1, "{landmark}");
    }
    let img = Selector::parse("main img").unwrap();
    let alts: Vec<_> = doc
        .select(&img)
        .map(|i| i.value().attr("alt").unwrap_or(""))
        .collect();
    assert!(
        !alts.is_empty() && alts.iter().all(|a| !a.is_empty()),
        "{alts:?}"
    );
    let headings = Selector::parse("h1, h2, h3, h4").unwrap();
    let levels: Vec<u8> = doc
        .select(&headings)
        .map(|h| h.value().name()[1..].parse().unwrap())
        .collect();
    assert_eq!(levels[0], 1);
    assert!(levels.windows(2).all(|w| w[1] <= w[0] + 1), "{levels:?}");

    // Share links carry the page URL, encoded.
    let links = Selector::parse(".share a").unwrap();
    let hrefs: Vec<_> = doc
        .select(&links)
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(hrefs.len(), 3);
    assert!(hrefs[0].starts_with("https://wa.me/?text="));
    assert!(hrefs[1].starts_with("https://www.facebook.com/sharer/sharer.php?u=http%3A%2F%2F"));
    assert!(hrefs[2].starts_with("https://x.com/intent/post?"));
}

#[tokio::test]
async fn english_by_query_or_accept_language() {
    let app = spawn_app(true).await;
    let (_, by_query) = page(&app, "/m/BK0001?lang=en", Some("id")).await;
    assert_eq!(lang(&by_query), "en");
    assert!(texts(&by_query, "main p").join(" ").contains("crocodiles"));
    let (_, by_header) = page(&app, "/m/bk0001", Some("en-GB,en;q=0.9,id;q=0.5")).await;
    assert_eq!(lang(&by_header), "en");
    assert_eq!(meta(&by_header, "property", "og:locale").unwrap(), "en_US");
    let (_, fallback) = page(&app, "/m/BK0001", Some("fr-FR")).await;
    assert_eq!(lang(&fallback), "id");
}

#[tokio::test]
async fn event_page_has_details_and_calendar_link() {
    let app = spawn_app(true).await;
    crate::helpers::demo_events_upcoming(&app).await;
    let (status, doc) = page(&app, "/m/EV0001", None).await;
    assert_eq!(status, 200);
    let when = Selector::parse("time").unwrap();
    let t = doc.select(&when).next().expect("time element");
    assert_eq!(
        t.value().attr("datetime"),
        Some("2037-12-05T09:00:00+07:00")
    );
    assert_eq!(
        t.text().collect::<String>(),
        "Sabtu, 5 Desember 2037, 09.00–10.30 WIB"
    );
    let cal = Selector::parse("a[type=\"text/calendar\"]").unwrap();
    let href = doc
        .select(&cal)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let ics = app.client.get(&href).send().await.unwrap();
    assert_eq!(ics.status(), 200);
    assert!(
        ics.text()
            .await
            .unwrap()
            .contains("SUMMARY:Dongeng Sabtu Pagi")
    );
}

#[tokio::test]
async fn shelf_page_lists_its_featured_titles() {
    let app = spawn_app(true).await;
    let (status, doc) = page(&app, "/m/RK0001", None).await;
    assert_eq!(status, 200);
    assert!(texts(&doc, "h2").contains(&"Pilihan di rak ini".to_string()));
    let items = texts(&doc, "section[aria-labelledby=\"pilihan\"] li");
    assert!(
        items
            .iter()
            .any(|i| i.starts_with("Si Kancil dan Buaya") && i.contains("398.2 KAN s")),
        "{items:?}"
    );
    // Each title with a code links to its own page, in the page's language.
    let links = Selector::parse("section[aria-labelledby=\"pilihan\"] li a").unwrap();
    let kancil = doc
        .select(&links)
        .find(|a| a.text().collect::<String>() == "Si Kancil dan Buaya")
        .and_then(|a| a.value().attr("href"))
        .unwrap_or_else(|| {
            let section = Selector::parse("section[aria-labelledby=\"pilihan\"]").unwrap();
            let html: Vec<String> = doc.select(&section).map(|s| s.html()).collect();
            panic!("no link to Si Kancil's page in {html:?}")
        })
        .to_owned();
    assert_eq!(kancil, format!("{}/m/BK0001?lang=id", app.base));
    let followed = app.client.get(&kancil).send().await.unwrap();
    assert_eq!(followed.status(), 200);
    let followed = Html::parse_document(&followed.text().await.unwrap());
    assert_eq!(texts(&followed, "h1"), ["Si Kancil dan Buaya"]);
    let (_, en) = page(&app, "/m/RK0001?lang=en", None).await;
    assert!(texts(&en, "h2").contains(&"Featured on this shelf".to_string()));
    assert!(
        en.select(&links)
            .filter_map(|a| a.value().attr("href"))
            .all(|h| h.ends_with("?lang=en")),
        "English page links to Indonesian pages"
    );
    // A title whose code was switched off is still listed, without a link
    // to a page that would say "not found".
    sqlx::query("UPDATE markers SET active = 0 WHERE code = 'BK0001'")
        .execute(&app.state.db)
        .await
        .unwrap();
    // Written behind the server's back (as another process would): forget
    // the rendered page instead of waiting out its few seconds.
    app.state.rendered.clear();
    let (_, doc) = page(&app, "/m/RK0001", None).await;
    let items = texts(&doc, "section[aria-labelledby=\"pilihan\"] li");
    assert!(
        items.iter().any(|i| i.starts_with("Si Kancil dan Buaya")),
        "{items:?}"
    );
    let linked: Vec<String> = doc
        .select(&links)
        .map(|a| a.text().collect::<String>())
        .collect();
    assert!(
        !linked.contains(&"Si Kancil dan Buaya".to_string()),
        "{linked:?}"
    );
    assert!(!linked.is_empty(), "the other titles lost their links");
}

#[tokio::test]
async fn unknown_code_is_a_404_page_in_the_visitors_language() {
    let app = spawn_app(true).await;
    for path in ["/m/ZZZZ99", "/m/not-a-code!", "/m/BK0001/extra"] {
        let (status, doc) = page(&app, path, None).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(lang(&doc), "id");
        assert_eq!(texts(&doc, "h1"), ["Kode tidak ditemukan"]);
        let (status, doc) = page(&app, path, Some("en")).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(lang(&doc), "en", "{path}: Accept-Language en");
        assert_ne!(texts(&doc, "h1"), ["Kode tidak ditemukan"], "{path}");
    }
}

#[tokio::test]
async fn content_is_escaped() {
    let app = spawn_app(true).await;
    sqlx::query("UPDATE titles SET title = '<script>alert(1)</script> & \"Co\"' WHERE isbn13 = '9786020000011'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let html = app.get("/m/BK0001").await.text().await.unwrap();
    assert!(!html.contains("<script>alert"), "unescaped title");
    let doc = Html::parse_document(&html);
    assert_eq!(texts(&doc, "h1"), ["<script>alert(1)</script> & \"Co\""]);
    assert_eq!(
        meta(&doc, "property", "og:title").unwrap(),
        "<script>alert(1)</script> & \"Co\""
    );
}

/// A phone browser's `User-Agent` (Chrome on Android).
const PHONE: &str = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36";

async fn web_visits(app: &TestApp, code: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM scan_events WHERE code = ? AND client = 'web'")
        .bind(code)
        .fetch_one(&app.state.db)
        .await
        .unwrap()
}

/// A client that sends from one loopback address.
fn client_from(last: u8) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from([127, 0, 0, last]))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_browser_visit_counts_as_a_web_scan_once_and_previews_do_not() {
    let app = spawn_app(true).await;
    let get = |c: reqwest::Client, agent: &'static str, path: &'static str| {
        let url = format!("{}{path}", app.base);
        async move {
            c.get(url)
                .header("User-Agent", agent)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    // Link previews, crawlers and clients without a User-Agent are not visitors.
    for agent in [
        "WhatsApp/2.23.20.0 A",
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "TelegramBot (like TwitterBot)",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "curl/7.88.1",
    ] {
        assert_eq!(
            get(client_from(2), agent, "/m/BK0001").await,
            200,
            "{agent}"
        );
    }
    assert_eq!(
        app.client
            .get(format!("{}/m/BK0001", app.base))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
    assert_eq!(web_visits(&app, "BK0001").await, 0, "no visitor yet");
    // A phone's visit counts once, however often it reloads or switches language.
    assert_eq!(get(client_from(3), PHONE, "/m/BK0001").await, 200);
    assert_eq!(get(client_from(3), PHONE, "/m/BK0001?lang=en").await, 200);
    assert_eq!(get(client_from(3), PHONE, "/m/BK0001").await, 200);
    assert_eq!(web_visits(&app, "BK0001").await, 1);
    // Another phone is another visit; a prefetch is none; a code that does
    // not exist counts nothing.
    assert_eq!(get(client_from(4), PHONE, "/m/BK0001").await, 200);
    let prefetched = client_from(5)
        .get(format!("{}/m/BK0001", app.base))
        .header("User-Agent", PHONE)
        .header("Sec-Purpose", "prefetch")
        .send()
        .await
        .unwrap();
    assert_eq!(prefetched.status(), 200);
    assert_eq!(get(client_from(4), PHONE, "/m/ZZ9999").await, 404);
    assert_eq!(web_visits(&app, "BK0001").await, 2);
    assert_eq!(web_visits(&app, "ZZ9999").await, 0);
    // Nothing about the visitor is stored: the row is code, time, client.
    let columns: Vec<String> =
        sqlx::query_scalar("SELECT name FROM pragma_table_info('scan_events') ORDER BY cid")
            .fetch_all(&app.state.db)
            .await
            .unwrap();
    assert!(
        columns
            .iter()
            .all(|c| ["id", "code", "scanned_at", "client", "received_at"].contains(&c.as_str())),
        "{columns:?}"
    );
}

#[tokio::test]
async fn pages_link_the_site_icon_which_is_served() {
    let app = spawn_app(true).await;
    for path in ["/favicon.ico", "/favicon.svg"] {
        let r = app.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert_eq!(r.headers()["content-type"], "image/svg+xml", "{path}");
        assert!(r.text().await.unwrap().starts_with("<svg"), "{path}");
    }
    for path in ["/", "/m/BK0001", "/admin/login"] {
        let (_, doc) = page(&app, path, None).await;
        let icons: Vec<&str> = doc
            .select(&Selector::parse("link[rel=icon]").unwrap())
            .filter_map(|l| l.value().attr("href"))
            .collect();
        assert_eq!(icons, ["/favicon.svg"], "{path}");
    }
}
