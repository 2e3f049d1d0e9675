//! Content routes over HTTP: ETag/304 on the marker route, titles, shelves,
//! events by range, tours with stops, and the OpenAPI document.

use pustaka_api::{
    ErrorCode, EventResponse, MarkerOverlay, MediaKind, MediaRole, Page, ShelfResponse, TargetKind,
    TitleDetail, TitleSummary, TourResponse, TourSummary,
};

use crate::helpers::spawn_app;

#[tokio::test]
async fn marker_etag_gives_304_and_cache_control() {
    let app = spawn_app(true).await;
    let resp = app.get("/api/v1/markers/BK0001").await;
    assert_eq!(resp.status(), 200);
    let etag = resp.headers()["etag"].to_str().unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.len() > 10, "{etag}");
    let cc = resp.headers()["cache-control"].to_str().unwrap();
    assert!(cc.contains("max-age="), "{cc}");

    let again = app
        .client
        .get(format!("{}/api/v1/markers/BK0001", app.base))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(again.headers()["etag"].to_str().unwrap(), etag);
    assert!(again.bytes().await.unwrap().is_empty());

    // A list containing the tag, and the weak form, match too.
    let weak = app
        .client
        .get(format!("{}/api/v1/markers/BK0001", app.base))
        .header("If-None-Match", format!("\"nope\", W/{etag}"))
        .send()
        .await
        .unwrap();
    assert_eq!(weak.status(), 304);

    // Another language is another representation with another tag.
    let en = app
        .client
        .get(format!("{}/api/v1/markers/BK0001?lang=en", app.base))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(en.status(), 200);
    assert_ne!(en.headers()["etag"].to_str().unwrap(), etag);
}

#[tokio::test]
async fn title_overlay_carries_the_ebook_link_only_when_there_is_one() {
    let app = spawn_app(true).await;
    let before: MarkerOverlay = app
        .get("/api/v1/markers/BK0001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(before.ebook_url, None);
    sqlx::query("UPDATE titles SET ebook_url = ? WHERE isbn13 = '9786020000011'")
        .bind("https://ebook.example.org/kancil.epub")
        .execute(&app.state.db)
        .await
        .unwrap();
    app.state.rendered.clear();
    let after: MarkerOverlay = app
        .get("/api/v1/markers/BK0001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        after.ebook_url.as_deref(),
        Some("https://ebook.example.org/kancil.epub")
    );
    // An event never carries one.
    let event: MarkerOverlay = app
        .get("/api/v1/markers/EV0001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(event.ebook_url, None);
}

#[tokio::test]
async fn overlay_carries_media_with_type_size_and_dimensions() {
    let app = spawn_app(true).await;
    let o: MarkerOverlay = app
        .get("/api/v1/markers/BK0001")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o.languages.len(), 2);
    assert_eq!(
        o.web_url.as_deref(),
        Some(&*format!("{}/m/BK0001", app.base))
    );
    let cover = o
        .media
        .iter()
        .find(|m| m.role == MediaRole::Cover)
        .expect("cover");
    assert_eq!(cover.kind, MediaKind::Image);
    assert_eq!(cover.mime, "image/png");
    assert_eq!((cover.width, cover.height), (Some(600), Some(900)));
    let bytes = app
        .client
        .get(&cover.url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(bytes.len() as u64, cover.size_bytes);
    let preview = cover.preview_url.as_deref().expect("thumbnail");
    let thumb = app.client.get(preview).send().await.unwrap();
    assert_eq!(thumb.headers()["content-type"], "image/jpeg");
    assert!(cover.alt.as_deref().unwrap().contains("Si Kancil"));
}

#[tokio::test]
async fn tour_stop_markers_resolve_with_their_tour() {
    let app = spawn_app(true).await;
    let o: MarkerOverlay = app
        .get("/api/v1/markers/TR0002?lang=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(o.kind, TargetKind::TourStop);
    assert!(o.title.contains("stop 2/3"), "{}", o.title);
    let tour_id = o.tour_id.expect("tour id");

    let tours: Vec<TourSummary> = app.get("/api/v1/tours").await.json().await.unwrap();
    assert_eq!(tours.len(), 1);
    assert_eq!(tours[0].stop_count, 3);
    let t: TourResponse = app
        .get(&format!("/api/v1/tours/{tour_id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(t.name, "Jejak Cerita Rakyat");
    let codes: Vec<_> = t
        .stops
        .iter()
        .map(|s| s.marker_code.clone().unwrap())
        .collect();
    assert_eq!(codes, ["TR0001", "TR0002", "TR0003"]);
    let q = t.stops[0].question.as_ref().expect("question");
    assert_eq!(q.choices.iter().filter(|c| c.correct).count(), 1);
    assert!(q.choices.iter().all(|c| c.feedback.is_some()));
    let badge = t.stops[0].badge.as_ref().expect("badge");
    assert_eq!(badge.name, "Penjelajah Rak");
    assert!(badge.image.is_some());
    assert!(t.stops[1].badge.is_none());
    assert_eq!(app.get("/api/v1/tours/999").await.status(), 404);
}

#[tokio::test]
async fn titles_list_search_and_detail() {
    let app = spawn_app(true).await;
    let page: Page<TitleSummary> = app
        .get("/api/v1/titles?limit=2")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page.total, 4);
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0].title, "Asal Mula Danau Toba",
        "ordered by title"
    );
    let found: Page<TitleSummary> = app
        .get("/api/v1/titles?q=kancil")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(found.total, 1);
    let id = found.items[0].id;
    let en: TitleDetail = app
        .get(&format!("/api/v1/titles/{id}?lang=en"))
        .await
        .json()
        .await
        .unwrap();
    assert!(en.synopsis.unwrap().contains("crocodiles"));
    assert_eq!(en.isbn13.as_deref(), Some("9786020000011"));
    assert_eq!(app.get("/api/v1/titles?limit=0").await.status(), 400);
    assert_eq!(app.get("/api/v1/titles/424242").await.status(), 404);
    for (bad, code) in [
        ("/api/v1/titles/abc", ErrorCode::InvalidPath),
        ("/api/v1/titles?lang=fr", ErrorCode::InvalidQuery),
        ("/api/v1/markers/BK0001?lang=xx", ErrorCode::InvalidQuery),
    ] {
        let resp = app.get(bad).await;
        assert_eq!(resp.status(), 400, "{bad}");
        let body: pustaka_api::ApiErrorBody = resp.json().await.unwrap();
        assert_eq!(body.error.code, code, "{bad}");
    }
}

#[tokio::test]
async fn shelves_feature_their_titles_in_order() {
    let app = spawn_app(true).await;
    let shelves: Vec<ShelfResponse> = app
        .get("/api/v1/shelves?lang=en")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shelves.len(), 1);
    assert_eq!(shelves[0].name, "Folk Tales");
    let titles: Vec<_> = shelves[0]
        .featured
        .iter()
        .map(|t| t.title.as_str())
        .collect();
    assert_eq!(titles[..2], ["Si Kancil dan Buaya", "Malin Kundang"]);
    assert!(shelves[0].featured.iter().all(|t| t.cover.is_some()));
}

#[tokio::test]
async fn events_by_date_range_in_wib() {
    let app = spawn_app(true).await;
    let day: Vec<EventResponse> = app
        .get("/api/v1/events?from=2026-12-05&to=2026-12-05")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(day.len(), 1);
    assert_eq!(day[0].title, "Dongeng Sabtu Pagi");
    assert_eq!(day[0].starts_at, "2026-12-05T09:00:00+07:00");
    assert!(
        day[0]
            .calendar_url
            .ends_with(&format!("/events/{}.ics", day[0].id))
    );
    assert_eq!(day[0].media[0].role, MediaRole::Poster);

    // 02:30 UTC on the 5th is 09:30 WIB: the storytelling is still running.
    let utc: Vec<EventResponse> = app
        .get("/api/v1/events?from=2026-12-05T02:30:00Z&to=2026-12-31")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(utc.len(), 2);
    let none: Vec<EventResponse> = app
        .get("/api/v1/events?from=2027-06-01&to=2027-06-30")
        .await
        .json()
        .await
        .unwrap();
    assert!(none.is_empty());
    assert_eq!(app.get("/api/v1/events?from=kemarin").await.status(), 400);
    assert_eq!(
        app.get("/api/v1/events?from=2026-12-10&to=2026-12-01")
            .await
            .status(),
        400
    );
}

/// The API's routes, method and path under `/api/v1`: the contract the app
/// and the OpenAPI document are held to.
const API_ROUTES: &[(&str, &str)] = &[
    ("get", "/markers/{code}"),
    ("get", "/titles"),
    ("get", "/titles/{id}"),
    ("get", "/shelves"),
    ("get", "/shelves/{id}"),
    ("get", "/events"),
    ("get", "/events/{id}"),
    ("get", "/tours"),
    ("get", "/tours/{id}"),
    ("post", "/scans"),
    ("get", "/openapi.json"),
];

/// The served document is OpenAPI 3.1 (read by `oas3`, a parser of its own),
/// describes exactly the API's routes, and carries the limits the server uses.
#[tokio::test]
async fn openapi_document_lists_the_routes() {
    let app = spawn_app(false).await;
    let text = app.get("/api/v1/openapi.json").await.text().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["openapi"], "3.1.0");
    let spec = oas3::from_json(&text).expect("an OpenAPI 3.1 document");
    assert_eq!(spec.validate_version().unwrap().minor, 1);
    let mut described: Vec<(String, String)> = spec
        .operations()
        .map(|(path, method, _)| (method.as_str().to_lowercase(), path))
        .collect();
    described.sort();
    let mut expected: Vec<(String, String)> = API_ROUTES
        .iter()
        .map(|(m, p)| ((*m).to_owned(), (*p).to_owned()))
        .collect();
    expected.sort();
    assert_eq!(described, expected);
    assert_eq!(
        doc["servers"][0]["url"],
        format!("{}/api/v1", app.base).as_str()
    );
    // Limits written as literals in the schema attributes match the constants.
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["ScanBatch"]["properties"]["scans"]["maxItems"],
        pustaka_api::MAX_SCANS_PER_BATCH
    );
    let limit = doc["paths"]["/titles"]["get"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "limit")
        .unwrap();
    assert_eq!(
        limit["schema"]["maximum"],
        pustaka_backend::api::content::MAX_PAGE_LIMIT
    );
    // Conditional GET is described on the content routes.
    let ok = &doc["paths"]["/titles/{id}"]["get"]["responses"];
    assert!(ok["304"].is_object(), "{ok}");
    assert!(ok["200"]["headers"]["ETag"].is_object(), "{ok}");
}

#[tokio::test]
async fn inactive_markers_are_not_found_everywhere() {
    let app = spawn_app(true).await;
    sqlx::query("UPDATE markers SET active = 0 WHERE code = 'BK0002'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let resp = app.get("/api/v1/markers/BK0002").await;
    assert_eq!(resp.status(), 404);
    let body: pustaka_api::ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::MarkerNotFound);
    assert_eq!(app.get("/m/BK0002").await.status(), 404);
    assert_eq!(app.get("/api/v1/markers/BK0001").await.status(), 200);
}

/// Every route the OpenAPI document describes answers for real (so the
/// document names no route the router lacks).
#[tokio::test]
async fn every_documented_route_is_served() {
    let app = spawn_app(true).await;
    let doc: serde_json::Value = app.get("/api/v1/openapi.json").await.json().await.unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert_eq!(paths.len(), 11, "{:?}", paths.keys());
    for (path, item) in paths {
        for method in item.as_object().unwrap().keys() {
            let url = format!(
                "{}/api/v1{}",
                app.base,
                path.replace("{code}", "BK0001").replace("{id}", "1")
            );
            let resp = match method.as_str() {
                "get" => app.client.get(&url).send().await.unwrap(),
                "post" => app
                    .client
                    .post(&url)
                    .json(&pustaka_api::ScanBatch { scans: vec![] })
                    .send()
                    .await
                    .unwrap(),
                other => panic!("unexpected method {other}"),
            };
            assert!(
                resp.status().is_success(),
                "{method} {path} → {}",
                resp.status()
            );
        }
    }
}
