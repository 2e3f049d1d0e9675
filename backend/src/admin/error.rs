//! How a back-office request fails: [`PageError`] and the small standalone
//! HTML error page, shared by the page frame, the CSRF check and the guard.

use askama::Template;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Template)]
#[template(path = "admin/error.html")]
struct ErrorTemplate<'a> {
    status: u16,
    message: &'a str,
}

/// A small standalone HTML error page (used before a [`Page`](super::page::Page) can be built).
pub fn error_page(status: StatusCode, message: &str) -> Response {
    let html = ErrorTemplate {
        status: status.as_u16(),
        message,
    }
    .render()
    .unwrap_or_else(|_| message.to_owned());
    (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response()
}

/// An admin handler's failure, shown as an HTML page with its status.
#[derive(Debug)]
pub struct PageError {
    /// HTTP status.
    pub status: StatusCode,
    /// Message safe to show.
    pub message: String,
}

impl PageError {
    /// `404` with a message.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    /// `403` with a message.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::FORBIDDEN,
            message: message.into(),
        }
    }

    /// `400` with a message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }

    /// A logged `500` that shows nothing of the cause.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        tracing::error!(error = %e, "admin request failed");
        Self {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message: "Kesalahan server; coba lagi. / Server error; please try again.".into(),
        }
    }
}

impl From<sqlx::Error> for PageError {
    fn from(e: sqlx::Error) -> Self {
        Self::internal(e)
    }
}

impl From<anyhow::Error> for PageError {
    fn from(e: anyhow::Error) -> Self {
        Self::internal(format!("{e:#}"))
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        error_page(self.status, &self.message)
    }
}
