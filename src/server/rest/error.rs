//! The REST API's error body: `{"error": {"code": "...", "message": "..."}}`.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::AppError;
use crate::model::scope::Scope;

/// An API failure with its status, machine-readable code and message.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// The scope the token lacked (403 `insufficient_scope`).
    pub scope: Option<String>,
    /// Seconds until a rate limit lets the client in again (429).
    pub retry_after: Option<u64>,
}

/// The error envelope, as documented in the OpenAPI document.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// `invalid_token`, `token_expired`, `token_deactivated`,
    /// `token_rotated`, `insufficient_scope`, `not_found`, `conflict`,
    /// `invalid_request`, `payload_too_large`, `rate_limited`, `internal`.
    pub code: String,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            scope: None,
            retry_after: None,
        }
    }

    /// 403: the token works, but may not do this (RFC 6750 §3.1).
    pub fn insufficient_scope(scope: Scope) -> Self {
        Self::lacks(scope.as_str())
    }

    /// 403 `insufficient_scope` for a scope of any kind (the operator's
    /// too), by name.
    pub fn lacks(scope: &str) -> Self {
        Self {
            scope: Some(scope.to_owned()),
            ..Self::new(
                StatusCode::FORBIDDEN,
                "insufficient_scope",
                format!("This token lacks the {scope} scope."),
            )
        }
    }

    pub fn unauthorized(code: &'static str, message: &str) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} was not found."),
        )
    }

    /// 429: the token has made its requests for this window.
    pub fn rate_limited(quota: crate::server::tokens::quota::Quota) -> Self {
        let minutes = quota.reset_secs.div_ceil(60);
        Self {
            retry_after: Some(quota.reset_secs),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!(
                    "This token has made its {} requests for this hour; try again in {minutes} minute{}.",
                    quota.limit,
                    if minutes == 1 { "" } else { "s" }
                ),
            )
        }
    }

    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_request", message)
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        let status = e.status();
        let code = match &e {
            AppError::Unauthorized => "invalid_token",
            AppError::Forbidden => "forbidden",
            AppError::NotFound(_) => "not_found",
            AppError::Invalid {
                reason: crate::error::Reason::TooLarge,
                ..
            } => "payload_too_large",
            AppError::Invalid { .. } => "invalid_request",
            AppError::Conflict { .. } => "conflict",
            AppError::RateLimited(_) => "rate_limited",
            AppError::Busy(_) => "unavailable",
            AppError::Internal | AppError::ServerFn(_) => "internal",
        };
        let message = match &e {
            AppError::Invalid {
                field: Some(f),
                message,
                ..
            } => format!("{f}: {message}"),
            other => other.to_string(),
        };
        let retry_after = match e {
            AppError::RateLimited(secs) | AppError::Busy(secs) => Some(secs),
            _ => None,
        };
        Self {
            retry_after,
            ..Self::new(status, code, message)
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message,
            },
        };
        let mut res = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static(r#"Bearer error="invalid_token""#),
            );
        }
        if let Some(scope) = &self.scope {
            let value = format!(r#"Bearer error="insufficient_scope", scope="{scope}""#);
            if let Ok(v) = HeaderValue::from_str(&value) {
                res.headers_mut().insert(header::WWW_AUTHENTICATE, v);
            }
        }
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
