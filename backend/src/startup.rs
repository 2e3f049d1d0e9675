//! Building the router and running the server (the `Application` pattern:
//! bind first, so tests on port 0 can ask which port they got).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tower_http::timeout::RequestBodyTimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::api::scans::{RateLimiter, WebVisits};
use crate::media::store::{BlobStore, MediaStore, SCRATCH_DIR};
use crate::rendered::RenderedCache;
use crate::{ServeConfig, admin, api, calendar, db, demo, headers, media, web};

/// The media store's folder inside the data dir.
pub const MEDIA_DIR: &str = "media";

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The SQLite pool.
    pub db: SqlitePool,
    /// The configuration the server started with.
    pub config: Arc<ServeConfig>,
    /// Base URL for absolute links (media, pages, calendars), without a trailing
    /// slash: `--public-url`, or `http://{bound address}`.
    pub public_url: Arc<str>,
    /// The media store.
    pub store: Arc<dyn BlobStore>,
    /// Rendered overlays and code pages (the scan and visit hot paths).
    pub rendered: Arc<RenderedCache>,
    /// Rate limit of `POST /api/v1/scans`.
    pub scan_limiter: Arc<RateLimiter>,
    /// Visits of code pages counted as web scans (deduplicated).
    pub web_visits: Arc<WebVisits>,
}

/// The whole router for a given state.
pub fn build_router(state: AppState) -> Router {
    Router::new()
        .route("/", get(web::home::home_page))
        .route("/healthz", get(api::health))
        .route("/favicon.svg", get(web::favicon))
        .route("/favicon.ico", get(web::favicon))
        .nest(
            pustaka_api::API_PREFIX,
            api::router()
                .fallback(api_not_found)
                .method_not_allowed_fallback(api_method_not_allowed),
        )
        .route("/media/{file}", get(media::serve::get_media))
        .route("/media/captions/{file}", get(media::captions::get_captions))
        .route("/media/tracks/{file}", get(media::captions::get_tracks))
        .route("/m/{code}", get(web::marker_page))
        .route("/m/{code}/{*rest}", get(web::marker_page_fallback))
        .route("/events.ics", get(calendar::get_calendar))
        .route("/events/{file}", get(calendar::get_event_ics))
        .merge(web::ar::router(state.config.web_app.as_deref()))
        .merge(admin::router(state.clone()))
        .layer(RequestBodyTimeoutLayer::new(
            state.config.limits.body_timeout(),
        ))
        .layer(axum::middleware::from_fn_with_state(
            Arc::new(headers::SecurityHeaders::new(&state.public_url)),
            headers::add,
        ))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// Unknown `/api/v1/...` paths answer in the API's JSON error envelope.
async fn api_not_found() -> crate::error::AppError {
    crate::error::AppError::api(pustaka_api::ErrorCode::RouteNotFound, "no such API route")
}

/// A known `/api/v1/...` path with the wrong method answers in the envelope too.
async fn api_method_not_allowed() -> crate::error::AppError {
    crate::error::AppError::api(
        pustaka_api::ErrorCode::MethodNotAllowed,
        "method not allowed on this route",
    )
}

/// A server that has bound its port and opened its database but not started serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    state: AppState,
    /// HTTPS (`--tls-cert`/`--tls-key`), else plain HTTP.
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Application {
    /// Opens the database (creating and migrating it), seeds the demo when asked,
    /// and binds the listening socket.
    ///
    /// # Errors
    /// An unwritable data dir, a failed migration, or a port already in use,
    /// each with a message naming the cause.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Self> {
        // Flags that name files are checked before anything is created.
        if let Some(dir) = &config.web_app
            && !dir.join("index.html").is_file()
        {
            anyhow::bail!(
                "--web-app {}: no index.html there; build the web app with `cargo xtask web`",
                dir.display()
            );
        }
        let tls = match config.tls.files() {
            Some((cert, key)) => Some(crate::tls::server_config(cert, key)?),
            None => None,
        };
        let pool = db::connect_and_migrate(&config.data_dir).await?;
        admin::start_sessions(&pool)
            .await
            .context("creating the staff session table")?;
        let media_dir = config.data_dir.join(MEDIA_DIR);
        let store = match &config.media_store {
            None => MediaStore::local(&media_dir)
                .with_context(|| format!("cannot create media store {}", media_dir.display()))?,
            Some(url) => MediaStore::from_url(url, &media_dir.join(SCRATCH_DIR))
                .map_err(|e| anyhow::anyhow!("cannot open media store: {e}"))?,
        };
        tracing::info!(media.store = store.describe(), "media store");
        let store: Arc<dyn BlobStore> = Arc::new(media::hot::HotMedia::new(Arc::new(store)));
        // Leftovers of a crash go before serving, then every hour.
        let temp_dir = config.data_dir.join(admin::uploads::TEMP_DIR);
        media::sweep::sweep_once(&pool, store.as_ref(), &temp_dir, media::sweep::LEFTOVER_AGE)
            .await
            .context("sweeping leftovers of interrupted uploads")?;
        media::sweep::start_periodic(pool.clone(), store.clone(), temp_dir);
        let seed_options = demo::SeedOptions {
            trailer: config.demo_trailer,
            ..Default::default()
        };
        if config.demo
            && demo::seed_once_with(&pool, store.clone(), &seed_options)
                .await
                .context("seeding the demo library")?
        {
            tracing::info!("seeded the demo library");
        }
        let listener = TcpListener::bind(config.bind).await.with_context(|| {
            format!(
                "cannot listen on {} (is the port already in use?)",
                config.bind
            )
        })?;
        let addr = listener.local_addr()?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let public_url: Arc<str> = match &config.public_url {
            Some(u) => u.trim_end_matches('/').into(),
            None => format!("{scheme}://{addr}").into(),
        };
        let state = AppState {
            db: pool,
            config: Arc::new(config),
            public_url,
            store,
            rendered: Arc::new(RenderedCache::default()),
            scan_limiter: Arc::new(RateLimiter::default()),
            web_visits: Arc::new(WebVisits::default()),
        };
        Ok(Self {
            listener,
            router: build_router(state.clone()),
            addr,
            state,
            tls,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Whether the server speaks HTTPS (`--tls-cert`/`--tls-key`).
    pub fn is_https(&self) -> bool {
        self.tls.is_some()
    }

    /// The handler state (tests use its pool).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C / SIGTERM, under the configured connection
    /// timeouts and caps ([`crate::server`]).
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let limits = self.state.config.limits.clone();
        crate::server::serve(
            self.listener,
            self.router,
            &limits,
            self.tls,
            shutdown_signal(),
        )
        .await
        .context("server failed")
    }
}

/// Completes on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
