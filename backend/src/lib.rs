//! The Pustaka AR content server: library content in SQLite, the marker-resolve
//! API for the app, and (as the issues land) media, web fallback pages and the
//! back office.
// The OpenAPI document is one large `serde_json::json!` literal.
#![recursion_limit = "512"]

// Modules whose own `//!` docs link to their items get `//` one-liners here,
// not `///`: rustdoc resolves a module's inner docs in this file's scope when
// the module has outer docs too, and those links would break.

// The back office under `/admin` (staff login, roles, content editing).
pub mod admin;
/// JSON routes for the app under `/api/v1`.
pub mod api;
/// The iCalendar feed of events.
pub mod calendar;
/// Catalogue import: MARC21 (ISO 2709, MARC-8 and UTF-8), MARCXML, SLiMS CSV.
pub mod catalog;
/// Server configuration (command line and environment).
pub mod config;
/// Database access: connecting, migrating, queries.
pub mod db;
/// The demo library seeded by `serve --demo`.
pub mod demo;
// The server's error type and its HTTP rendering.
pub mod error;
// Security headers on every response (CSP, nosniff, HSTS, ...).
pub mod headers;
/// Media: content-addressed store, ingest pipeline, Range serving.
pub mod media;
// Rendered overlays and code pages, reused for a short time.
pub mod rendered;
// The public texts (web.ftl) and an event's time in words.
pub mod texts;
// The connection loop: header/body timeouts and connection caps.
pub mod server;
/// Building the router and running the server.
pub mod startup;
/// HTTPS with the library's own certificate (rustls).
pub mod tls;
/// The web pages: the landing page `/`, the fallback page `/m/{code}`, and
/// the AR web app under `/ar/`.
pub mod web;
/// WIB (UTC+07:00) time helpers.
pub mod wib;

pub use config::ServeConfig;
pub use startup::{Application, build_router};
