//! `AppError`: every failure a handler can return, and how it becomes a response.
//!
//! API errors are English, with a stable machine code ([`ErrorCode`]) that the
//! app localises; the web pages render their own localised HTML instead.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pustaka_api::{ApiError, ApiErrorBody, ErrorCode};

/// A handler's error. 4xx variants carry an English message safe to show;
/// internal errors become an opaque 500 and are logged once, here.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client error with a specific code; the status follows from the code
    /// ([`ErrorCode::http_status`]).
    #[error("{code}: {message}")]
    Api {
        /// The machine code.
        code: ErrorCode,
        /// English explanation.
        message: String,
    },
    /// The thing asked for does not exist (generic code `not_found`).
    #[error("{0}")]
    NotFound(String),
    /// The request is malformed (generic code `bad_request`).
    #[error("{0}")]
    BadRequest(String),
    /// The request body is over the route's size limit (generic code `payload_too_large`).
    #[error("{0}")]
    PayloadTooLarge(String),
    /// The client sent too many requests in the rate-limit window (code `too_many_requests`).
    #[error("{0}")]
    TooManyRequests(String),
    /// A database failure.
    #[error(transparent)]
    Sqlx(#[from] sqlx::Error),
    /// Anything else unexpected.
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// A client error with a specific code and an English message.
    pub fn api(code: ErrorCode, message: impl Into<String>) -> Self {
        AppError::Api {
            code,
            message: message.into(),
        }
    }

    /// The machine code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            AppError::Api { code, .. } => *code,
            AppError::NotFound(_) => ErrorCode::NotFound,
            AppError::BadRequest(_) => ErrorCode::BadRequest,
            AppError::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            AppError::TooManyRequests(_) => ErrorCode::TooManyRequests,
            AppError::Sqlx(_) | AppError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// Shorthand for handler results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = match self {
            AppError::Api { message, .. }
            | AppError::NotFound(message)
            | AppError::BadRequest(message)
            | AppError::PayloadTooLarge(message)
            | AppError::TooManyRequests(message) => message,
            AppError::Sqlx(e) => {
                tracing::error!(error = %e, "database error");
                "internal server error".into()
            }
            AppError::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                "internal server error".into()
            }
        };
        let status =
            StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = ApiErrorBody {
            error: ApiError { code, message },
        };
        (status, Json(body)).into_response()
    }
}
