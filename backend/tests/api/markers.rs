//! `GET /api/v1/markers/{code}` and `/healthz`.

use pustaka_api::{ApiErrorBody, ErrorCode, Health, MarkerOverlay, TargetKind};

use crate::helpers::{TestApp, spawn_app};

/// `GET {path}` read as an overlay.
async fn overlay(app: &TestApp, path: &str) -> MarkerOverlay {
    app.get(path).await.json().await.unwrap()
}

#[tokio::test]
async fn health_reports_ok() {
    let app = spawn_app(false).await;
    let resp = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let h: Health = resp.json().await.unwrap();
    assert_eq!(h.status, "ok");
}

#[tokio::test]
async fn demo_codes_resolve_in_both_languages() {
    let app = spawn_app(true).await;
    let o = overlay(&app, "/api/v1/markers/bk0001").await;
    assert_eq!(o.code, "BK0001");
    assert_eq!(o.kind, TargetKind::Title);
    assert_eq!(o.title, "Si Kancil dan Buaya");
    assert!(o.body.as_deref().unwrap().contains("buaya"));
    let en = overlay(&app, "/api/v1/markers/bk0001?lang=en").await;
    assert!(en.body.as_deref().unwrap().contains("crocodiles"));

    let ev = overlay(&app, "/api/v1/markers/EV0001").await;
    assert_eq!(ev.kind, TargetKind::Event);
    assert!(
        ev.subtitle.as_deref().unwrap().contains("WIB"),
        "{:?}",
        ev.subtitle
    );
    assert!(ev.featured.is_empty());

    // A shelf carries its featured titles, in the librarians' order.
    let shelf = overlay(&app, "/api/v1/markers/RK0001").await;
    assert_eq!(shelf.kind, TargetKind::Shelf);
    let featured: Vec<&str> = shelf.featured.iter().map(|t| t.title.as_str()).collect();
    assert_eq!(featured[0], "Si Kancil dan Buaya", "{featured:?}");
    assert!(featured.contains(&"Malin Kundang"), "{featured:?}");
    assert!(shelf.featured.iter().all(|t| t.call_number.is_some()));
    assert!(o.featured.is_empty(), "a title has no featured titles");
}

#[tokio::test]
async fn unknown_is_404_and_malformed_is_400_with_json_body() {
    let app = spawn_app(true).await;
    let resp = app
        .client
        .get(format!("{}/api/v1/markers/ZZZZ99", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    let body: ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::MarkerNotFound);

    let resp = app
        .client
        .get(format!("{}/api/v1/markers/U!", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    let body: ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::InvalidMarkerCode);
}

#[tokio::test]
async fn demo_seed_runs_once() {
    let dir = tempfile::tempdir().unwrap();
    let pool = pustaka_backend::db::connect_and_migrate(dir.path())
        .await
        .unwrap();
    let store: std::sync::Arc<dyn pustaka_backend::media::store::BlobStore> = std::sync::Arc::new(
        pustaka_backend::media::store::MediaStore::local(&dir.path().join("media")).unwrap(),
    );
    assert!(
        pustaka_backend::demo::seed_once(&pool, store.clone())
            .await
            .unwrap()
    );
    assert!(
        !pustaka_backend::demo::seed_once(&pool, store)
            .await
            .unwrap()
    );
    let codes: Vec<String> = pustaka_backend::db::all_markers(&pool)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.code)
        .collect();
    assert_eq!(
        codes.len(),
        pustaka_backend::demo::DEMO_CODES.len() + pustaka_backend::demo::DEMO_EXTRA_CODES.len()
    );
    for code in pustaka_backend::demo::DEMO_CODES {
        assert!(codes.iter().any(|c| c == code), "{code} missing");
    }
}

#[tokio::test]
async fn unwritable_data_dir_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not-a-dir");
    std::fs::write(&file, b"x").unwrap();
    let err =
        pustaka_backend::Application::build(pustaka_backend::ServeConfig::for_tests(file, false))
            .await
            .err()
            .expect("must fail");
    assert!(
        format!("{err:#}").contains("cannot create data dir"),
        "{err:#}"
    );
}

#[tokio::test]
async fn port_in_use_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = pustaka_backend::ServeConfig::for_tests(dir.path().to_path_buf(), false);
    cfg.bind = taken.local_addr().unwrap();
    let err = pustaka_backend::Application::build(cfg)
        .await
        .err()
        .expect("must fail");
    assert!(format!("{err:#}").contains("already in use"), "{err:#}");
}

#[tokio::test]
async fn unknown_api_route_answers_in_the_json_envelope() {
    let app = crate::helpers::spawn_app(false).await;
    let resp = app.get("/api/v1/no-such-route").await;
    assert_eq!(resp.status(), 404);
    let body: pustaka_api::ApiErrorBody = resp.json().await.unwrap();
    assert_eq!(body.error.code, ErrorCode::RouteNotFound);
}
