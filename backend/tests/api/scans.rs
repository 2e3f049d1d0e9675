//! `POST /api/v1/scans` and the iCalendar feed.

use pustaka_api::{ClientKind, ScanAccepted, ScanBatch, ScanEvent};

use crate::helpers::{TestApp, spawn_app};

fn scan(code: &str, at: &str) -> ScanEvent {
    ScanEvent {
        code: code.into(),
        scanned_at: at.into(),
        client: ClientKind::Android,
    }
}

async fn post(app: &TestApp, body: &ScanBatch) -> reqwest::Response {
    app.client
        .post(format!("{}/api/v1/scans", app.base))
        .json(body)
        .send()
        .await
        .unwrap()
}

async fn stored(app: &TestApp) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM scan_events")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    n
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339()
}

#[tokio::test]
async fn batches_are_accepted_validated_and_capped() {
    let app = spawn_app(true).await;
    let ok = ScanBatch {
        scans: vec![scan("bk0001", &now()), scan("EV0001", &now())],
    };
    let resp = post(&app, &ok).await;
    assert_eq!(resp.status(), 202);
    assert_eq!(
        resp.json::<ScanAccepted>().await.unwrap(),
        ScanAccepted {
            accepted: 2,
            rejected: 0
        }
    );
    let (code,): (String,) = sqlx::query_as("SELECT code FROM scan_events ORDER BY id LIMIT 1")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(code, "BK0001", "stored canonical");

    // One bad scan rejects the batch; nothing of it is stored.
    for bad in [
        ScanBatch {
            scans: vec![scan("BK0002", &now()), scan("U!", &now())],
        },
        ScanBatch {
            scans: vec![scan("BK0002", "kemarin")],
        },
        ScanBatch {
            scans: vec![scan("BK0002", "2001-01-01T00:00:00Z")],
        },
    ] {
        assert_eq!(post(&app, &bad).await.status(), 400);
    }
    assert_eq!(stored(&app).await, 2);

    let too_many = ScanBatch {
        scans: (0..=pustaka_api::MAX_SCANS_PER_BATCH)
            .map(|_| scan("BK0001", &now()))
            .collect(),
    };
    assert_eq!(post(&app, &too_many).await.status(), 413);
    let huge = app
        .client
        .post(format!("{}/api/v1/scans", app.base))
        .header("content-type", "application/json")
        .body(vec![b' '; 100 * 1024])
        .send()
        .await
        .unwrap();
    assert_eq!(huge.status(), 413);
    let garbage = app
        .client
        .post(format!("{}/api/v1/scans", app.base))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(garbage.status(), 400);
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn only_scans_of_existing_markers_are_stored() {
    let app = spawn_app(true).await;
    // A deactivated marker still exists: its scans are worth counting (people
    // still scan an old poster), so they are stored.
    sqlx::query("UPDATE markers SET active = 0 WHERE code = 'BK0002'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let batch = ScanBatch {
        scans: vec![
            scan("BK0001", &now()),
            scan("ZZZZ99", &now()),
            scan("bk-0002", &now()),
            scan("ABCDEF", &now()),
            scan("ZZZZ99", &now()),
        ],
    };
    let resp = post(&app, &batch).await;
    assert_eq!(resp.status(), 202);
    assert_eq!(
        resp.json::<ScanAccepted>().await.unwrap(),
        ScanAccepted {
            accepted: 2,
            rejected: 3
        }
    );
    let codes: Vec<(String,)> = sqlx::query_as("SELECT code FROM scan_events ORDER BY id")
        .fetch_all(&app.state.db)
        .await
        .unwrap();
    let codes: Vec<_> = codes.into_iter().map(|(c,)| c).collect();
    assert_eq!(codes, ["BK0001", "BK0002"]);

    // A batch of unknown codes only: 202, nothing stored.
    let resp = post(
        &app,
        &ScanBatch {
            scans: vec![scan("QQQQ11", &now())],
        },
    )
    .await;
    assert_eq!(resp.status(), 202);
    let body: ScanAccepted = resp.json().await.unwrap();
    assert_eq!((body.accepted, body.rejected), (0, 1));
    assert_eq!(stored(&app).await, 2);
}

#[tokio::test]
async fn scans_are_rate_limited_per_client() {
    let app = spawn_app(false).await;
    let batch = ScanBatch {
        scans: vec![scan("BK0001", &now())],
    };
    let mut statuses = Vec::new();
    for _ in 0..(pustaka_backend::api::scans::RATE_LIMIT_PER_WINDOW + 2) {
        statuses.push(post(&app, &batch).await.status().as_u16());
    }
    let limit = pustaka_backend::api::scans::RATE_LIMIT_PER_WINDOW as usize;
    assert!(statuses[..limit].iter().all(|s| *s == 202), "{statuses:?}");
    assert!(statuses[limit..].iter().all(|s| *s == 429), "{statuses:?}");
}

#[tokio::test]
async fn calendar_feed_uses_wib() {
    let app = spawn_app(true).await;
    crate::helpers::demo_events_upcoming(&app).await;
    let resp = app.get("/events.ics?lang=en").await;
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/calendar")
    );
    let text = resp.text().await.unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"));
    assert!(text.contains("BEGIN:VTIMEZONE\r\nTZID:Asia/Jakarta\r\n"));
    assert!(text.contains("TZOFFSETTO:+0700"));
    assert!(
        text.contains("DTSTART;TZID=Asia/Jakarta:20371205T090000"),
        "{text}"
    );
    assert!(text.contains("DTEND;TZID=Asia/Jakarta:20371205T103000"));
    assert!(text.contains("SUMMARY:Saturday Morning Storytelling"));
    assert_eq!(text.matches("BEGIN:VEVENT").count(), 2);
    assert!(text.find("BEGIN:VTIMEZONE").unwrap() < text.find("BEGIN:VEVENT").unwrap());
    assert_eq!(app.get("/events/999.ics").await.status(), 404);
    assert_eq!(app.get("/events/..%2Fx.ics").await.status(), 404);
}
