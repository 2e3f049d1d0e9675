//! `spawn_app`: a real server on 127.0.0.1:0 with a temporary data dir.

use pustaka_backend::startup::AppState;
use pustaka_backend::{Application, ServeConfig};

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
    let _ = rustls::crypto::ring::default_provider().install_default();
    let dir = tempfile::tempdir().expect("temp dir");
    let mut config = ServeConfig::for_tests(dir.path().to_path_buf(), demo);
    configure(&mut config);
    let app = Application::build(config).await.expect("server builds");
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    TestApp {
        base,
        client: reqwest::Client::new(),
        state,
        dir,
    }
}
