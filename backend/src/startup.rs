//! Building the router and running the server (the `Application` pattern:
//! bind first, so tests on port 0 can ask which port they got).

use std::net::SocketAddr;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use axum::routing::get;
use sqlx::SqlitePool;
use tokio::net::TcpListener;
use tower_http::trace::TraceLayer;

use crate::{ServeConfig, api, db, demo};

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    /// The SQLite pool.
    pub db: SqlitePool,
    /// The configuration the server started with.
    pub config: Arc<ServeConfig>,
}

/// The whole router for a given state.
pub fn build_router(state: AppState) -> Router {
    Router::new()
        .route("/healthz", get(api::health))
        .nest(pustaka_api::API_PREFIX, api::router())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}

/// A server that has bound its port and opened its database but not started serving.
pub struct Application {
    listener: TcpListener,
    router: Router,
    addr: SocketAddr,
    state: AppState,
}

impl Application {
    /// Opens the database (creating and migrating it), seeds the demo when asked,
    /// and binds the listening socket.
    ///
    /// # Errors
    /// An unwritable data dir, a failed migration, or a port already in use,
    /// each with a message naming the cause.
    pub async fn build(config: ServeConfig) -> anyhow::Result<Self> {
        let pool = db::connect_and_migrate(&config.data_dir).await?;
        if config.demo
            && demo::seed_once(&pool)
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
        let state = AppState {
            db: pool,
            config: Arc::new(config),
        };
        Ok(Self {
            listener,
            router: build_router(state.clone()),
            addr,
            state,
        })
    }

    /// The address actually bound (useful with port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The handler state (tests use its pool).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until Ctrl-C / SIGTERM.
    ///
    /// # Errors
    /// I/O errors of the listener.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("server failed")
    }
}

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
