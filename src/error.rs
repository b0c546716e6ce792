//! The one error type shared by the server and the browser.
//!
//! Its messages are written for the person using the app. Internal failures
//! are logged once on the server and reach the client only as [`AppError::Internal`],
//! so no database text, path or secret can leak through an error.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// Everything that can go wrong in a server function, as the user sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// Not signed in, or the session has ended.
    #[error("Please sign in to continue.")]
    Unauthorized,
    /// Signed in, but not allowed.
    #[error("You are not allowed to do that.")]
    Forbidden,
    /// The thing does not exist (or belongs to someone else).
    #[error("{0} was not found.")]
    NotFound(String),
    /// Bad input; `field` names the form field it belongs beside.
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    /// The request conflicts with the current state (a limit, a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts; try again after the given number of seconds.
    #[error("Too many attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    /// Something failed on the server; details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request itself failed (network, encoding). Shown in words, never
    /// as the transport's own text.
    #[error("{}", transport_message(.0))]
    ServerFn(ServerFnErrorErr),
}

/// What a failed request says to the person: the server could not be
/// reached, or the answer could not be understood.
pub const UNREACHABLE: &str = "Could not reach the server. Check your connection and try again.";

fn transport_message(e: &ServerFnErrorErr) -> &'static str {
    match e {
        ServerFnErrorErr::Request(_) => UNREACHABLE,
        _ => "Something went wrong on our side. Please try again.",
    }
}

impl AppError {
    /// An input error shown beside `field`.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Self::Invalid {
            field: Some(field.to_owned()),
            message: message.into(),
        }
    }

    /// The field this error belongs beside, if any.
    pub fn field(&self) -> Option<&str> {
        match self {
            Self::Invalid { field, .. } => field.as_deref(),
            _ => None,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        Self::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// The HTTP status that goes with the error.
    pub fn status(&self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Self::Unauthorized => StatusCode::UNAUTHORIZED,
            Self::Forbidden => StatusCode::FORBIDDEN,
            Self::NotFound(_) => StatusCode::NOT_FOUND,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Internal | Self::ServerFn(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Logs an internal failure once, at the boundary, and hides its text.
    #[track_caller]
    pub fn internal(err: impl std::fmt::Display) -> Self {
        let at = std::panic::Location::caller();
        tracing::error!(error = %err, location = %at, "internal error");
        Self::Internal
    }
}

#[cfg(feature = "ssr")]
impl From<sqlx::Error> for AppError {
    #[track_caller]
    fn from(err: sqlx::Error) -> Self {
        Self::internal(err)
    }
}
