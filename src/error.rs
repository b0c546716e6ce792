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
        reason: Reason,
        message: String,
    },
    /// The request conflicts with the current state (a limit, a duplicate).
    #[error("{message}")]
    Conflict { reason: Reason, message: String },
    /// Too many attempts; try again after the given number of seconds.
    #[error("Too many attempts. Try again in {0} seconds.")]
    RateLimited(u64),
    /// The server is too busy to do this now (password hashes queued);
    /// try again after the given number of seconds.
    #[error("The server is busy. Try again in a moment.")]
    Busy(u64),
    /// Something failed on the server; details are in the server log only.
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    /// The request itself failed (network, encoding). Shown in words, never
    /// as the transport's own text.
    #[error("{}", transport_message(.0))]
    ServerFn(ServerFnErrorErr),
}

/// Why a request was refused, for code to decide by: the server's status
/// and the page's reaction depend on this, never on the message, which is
/// for people (and may be reworded). Sent to the browser with the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// The value breaks its field's rule (length, characters, format, range).
    Invalid,
    /// The upload is over its size limit (answered 413).
    TooLarge,
    /// The picture is over its pixel limit.
    TooManyPixels,
    /// The upload is not a picture that can be read.
    Unreadable,
    /// Sign-in refused: which part was wrong is never said.
    BadCredentials,
    /// The current password (or a link's password) typed is not the one.
    WrongPassword,
    /// Another account has the handle (or keeps it reserved).
    HandleTaken,
    /// Another account has the email address.
    EmailTaken,
    /// A mailed link already used.
    LinkUsed,
    /// A mailed link past its end.
    LinkExpired,
    /// A mailed link that is not (or no longer) valid.
    LinkNotValid,
    /// At the limit of tokens per user.
    TokenLimit,
    /// The token has expired (it cannot be activated or regenerated).
    TokenExpired,
    /// The token is deactivated (activate it first).
    TokenDeactivated,
    /// The account's email address is not confirmed yet.
    EmailUnconfirmed,
    /// No address is waiting to be confirmed.
    NothingToConfirm,
    /// The same request was made a moment ago.
    TooSoon,
    /// The server sends no mail.
    NoMail,
    /// The change would leave no administrator.
    LastAdmin,
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
            reason: Reason::Invalid,
            message: message.into(),
        }
    }

    /// A refusal by the current state, for `reason`.
    pub fn conflict(reason: Reason, message: impl Into<String>) -> Self {
        Self::Conflict {
            reason,
            message: message.into(),
        }
    }

    /// The same error, for `reason` (input and conflict errors only).
    pub fn because(mut self, why: Reason) -> Self {
        if let Self::Invalid { reason, .. } | Self::Conflict { reason, .. } = &mut self {
            *reason = why;
        }
        self
    }

    /// Why the request was refused, for input and conflict errors.
    pub fn reason(&self) -> Option<Reason> {
        match self {
            Self::Invalid { reason, .. } | Self::Conflict { reason, .. } => Some(*reason),
            _ => None,
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
            Self::Invalid {
                reason: Reason::TooLarge,
                ..
            } => StatusCode::PAYLOAD_TOO_LARGE,
            Self::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Conflict { .. } => StatusCode::CONFLICT,
            Self::RateLimited(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
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
