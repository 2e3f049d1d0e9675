//! The Pustaka AR content server: library content in SQLite, the marker-resolve
//! API for the app, and (as the issues land) media, web fallback pages and the
//! back office.

/// JSON routes for the app under `/api/v1`.
pub mod api;
/// Server configuration (command line and environment).
pub mod config;
/// Database access: connecting, migrating, queries.
pub mod db;
/// The demo library seeded by `serve --demo`.
pub mod demo;
/// The server's error type and its HTTP rendering.
pub mod error;
/// Building the router and running the server.
pub mod startup;

pub use config::ServeConfig;
pub use startup::{Application, build_router};
