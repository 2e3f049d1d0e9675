//! `spawn_app`: a real server on 127.0.0.1:0 with a temporary data dir
//! (`pustaka_test_support::server::TestServer`), plus a client.

use pustaka_backend::ServeConfig;
use pustaka_backend::startup::AppState;
use pustaka_test_support::server::{Library, TestServerBuilder};

/// A running test server.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// The server's state (pool, media store) for direct setup.
    pub state: AppState,
    /// Kept so the data dir lives as long as the server.
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent")
    }
}

pub async fn spawn_app(demo: bool) -> TestApp {
    spawn_app_with(demo, |_| {}).await
}

/// `spawn_app` with a change to the test configuration first.
pub async fn spawn_app_with(demo: bool, configure: impl FnOnce(&mut ServeConfig)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let library = if demo { Library::Demo } else { Library::Empty };
    let server = TestServerBuilder::new(library)
        .data_dir(dir.path())
        .configure(configure)
        .start()
        .await;
    let app = TestApp {
        base: server.base_url().to_owned(),
        client: reqwest::Client::new(),
        state: server.state().clone(),
        dir,
    };
    // Serves until the test's runtime ends, as every server here always has.
    server.detach();
    app
}

/// Moves the demo's events (5 and 12 December 2026, both Saturdays) eleven
/// years on, to the Saturdays 5 and 12 December 2037, so tests of how an
/// upcoming event is shown do not depend on today's date (a past event is
/// marked over and leaves the calendar feed).
pub async fn demo_events_upcoming(app: &TestApp) {
    sqlx::query(
        "UPDATE events SET starts_at = replace(starts_at, '2026-12-', '2037-12-'),
                           ends_at = replace(ends_at, '2026-12-', '2037-12-')",
    )
    .execute(&app.state.db)
    .await
    .expect("demo events moved");
    app.state.rendered.clear();
}
