//! `AppError`: every failure a handler can return, and how it becomes a response.
//!
//! API errors are English, with a stable machine code ([`ErrorCode`]) that the
//! app localises; the web pages render their own localised HTML instead.
//!
//! One way per status: every 4xx is [`AppError::Api`], whose status follows
//! from its code ([`ErrorCode::http_status`]); every 5xx is
//! [`AppError::Internal`], opaque to the client and logged once, here.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use pustaka_api::{ApiError, ApiErrorBody, ErrorCode};

/// A handler's error.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A client error with a code and an English message safe to show; the
    /// status follows from the code ([`ErrorCode::http_status`]).
    #[error("{code}: {message}")]
    Api {
        /// The machine code.
        code: ErrorCode,
        /// English explanation.
        message: String,
    },
    /// A server fault (a database failure, a bug): an opaque 500 `internal`.
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
            AppError::Internal(_) => ErrorCode::Internal,
        }
    }
}

/// Database errors are server faults (`?` on a query in a handler); the
/// `sqlx::Error` stays inside, so a caller can `downcast` to tell them apart.
impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Serialisation errors are bugs: a wire type that cannot be written.
impl From<serde_json::Error> for AppError {
    fn from(e: serde_json::Error) -> Self {
        AppError::Internal(e.into())
    }
}

/// Shorthand for handler results.
pub type Result<T, E = AppError> = std::result::Result<T, E>;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let code = self.code();
        let message = match self {
            AppError::Api { message, .. } => message,
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
