//! The resolver: asks the content server what each library code stands for.
//!
//! reqwest needs a tokio reactor, which Bevy's task pools are not, so this
//! module owns one small tokio runtime for the whole app and talks to it
//! through channels (the reqwest maintainers' advice for non-tokio hosts).

use std::collections::HashMap;
use std::time::Duration;

use bevy::prelude::*;
use crossbeam_channel::{Receiver, Sender, unbounded};
use pustaka_api::MarkerOverlay;
use pustaka_markers::payload::ScannedContent;

use crate::scanning::Detections;
use crate::{AppConfig, AppSystems};

/// Give up connecting after this long (the library's Wi-Fi can be slow, not dead).
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Give up on a whole request after this long.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(8);

/// What the app knows about one code.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolution {
    /// Asked, no answer yet.
    Pending,
    /// The server's overlay for it.
    Ready(MarkerOverlay),
    /// The server does not know the code (404).
    NotFound,
    /// The server could not be reached or failed; the message says how.
    Failed(String),
}

/// Resolutions by canonical marker code.
#[derive(Resource, Debug, Default)]
pub struct Resolutions(pub HashMap<String, Resolution>);

/// The net plugin's runtime and channels.
#[derive(Resource)]
pub struct Net {
    runtime: tokio::runtime::Runtime,
    client: reqwest::Client,
    tx: Sender<(String, Resolution)>,
    rx: Receiver<(String, Resolution)>,
}

impl Net {
    /// Starts the runtime (one worker thread) and the HTTP client.
    ///
    /// # Errors
    /// When the runtime or the TLS client cannot be built.
    pub fn new() -> anyhow::Result<Self> {
        // reqwest is built without a bundled crypto provider; use ring's.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("net")
            .enable_all()
            .build()?;
        let client = reqwest::Client::builder()
            .connect_timeout(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("pustaka-ar/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let (tx, rx) = unbounded();
        Ok(Self {
            runtime,
            client,
            tx,
            rx,
        })
    }

    /// Starts resolving `code` against `server_url`; the answer arrives through [`collect_resolutions`].
    pub fn resolve(&self, server_url: &str, code: &str) {
        let url = format!("{server_url}{}/markers/{code}", pustaka_api::API_PREFIX);
        let client = self.client.clone();
        let tx = self.tx.clone();
        let code = code.to_string();
        self.runtime.spawn(async move {
            let result = fetch_overlay(&client, &url).await;
            let _ = tx.send((code, result));
        });
    }
}

/// Fetches one overlay (the app's HTTP client, usable from any tokio context).
pub async fn fetch_overlay(client: &reqwest::Client, url: &str) -> Resolution {
    match client.get(url).send().await {
        Ok(resp) if resp.status() == reqwest::StatusCode::NOT_FOUND => Resolution::NotFound,
        Ok(resp) if resp.status().is_success() => match resp.json::<MarkerOverlay>().await {
            Ok(o) => Resolution::Ready(o),
            Err(e) => Resolution::Failed(format!("bad answer: {e}")),
        },
        Ok(resp) => Resolution::Failed(format!("server answered {}", resp.status())),
        Err(e) => Resolution::Failed(e.to_string()),
    }
}

/// The net plugin. Without a working runtime the app still runs, showing codes unresolved.
pub fn plugin(app: &mut App) {
    match Net::new() {
        Ok(net) => {
            app.insert_resource(net);
        }
        Err(e) => error!(error = %e, "network disabled"),
    }
    app.init_resource::<Resolutions>().add_systems(
        Update,
        (request_resolutions, collect_resolutions)
            .chain()
            .in_set(AppSystems::Resolve),
    );
}

fn request_resolutions(
    detections: Res<Detections>,
    net: Option<Res<Net>>,
    config: Res<AppConfig>,
    mut resolutions: ResMut<Resolutions>,
) {
    let Some(net) = net else { return };
    if !detections.is_changed() {
        return;
    }
    for seen in &detections.codes {
        if let ScannedContent::Library { code, .. } = &seen.content
            && !resolutions.0.contains_key(code.as_str())
        {
            resolutions
                .0
                .insert(code.as_str().to_string(), Resolution::Pending);
            net.resolve(&config.server_url, code.as_str());
        }
    }
}

/// Moves finished answers from the runtime into [`Resolutions`].
pub fn collect_resolutions(net: Option<Res<Net>>, mut resolutions: ResMut<Resolutions>) {
    let Some(net) = net else { return };
    while let Ok((code, r)) = net.rx.try_recv() {
        if let Resolution::Failed(e) = &r {
            warn!(marker.code = %code, error = %e, "resolve failed");
        }
        resolutions.0.insert(code, r);
    }
}
