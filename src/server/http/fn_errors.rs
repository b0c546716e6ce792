//! Server functions answer every failure with 500 unless told otherwise;
//! this gives each [`AppError`] its own status (401, 404, 409, 422, …), so
//! clients, logs and tests see what kind of failure it was.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::{AppError, Reason};
use leptos::server_fn::error::ServerFnErrorErr;

/// Largest error body looked at (errors are a few hundred bytes).
pub(crate) const MAX_ERROR_BODY: usize = 64 * 1024;

/// Replaces the blanket 500 of a server function's error with the status
/// its [`AppError`] stands for.
pub async fn status(res: Response) -> Response {
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let Ok(e) = serde_json::from_slice::<AppError>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    // Arguments that do not decode are the client's mistake: 422, said as
    // an input error the page can show.
    let e = match e {
        AppError::ServerFn(ServerFnErrorErr::Args(m)) => AppError::Invalid {
            field: None,
            reason: Reason::Invalid,
            message: format!("The request's fields could not be read: {m}."),
        },
        AppError::ServerFn(ServerFnErrorErr::MissingArg(m)) => AppError::Invalid {
            field: None,
            reason: Reason::Invalid,
            message: format!("The request lacks a field: {m}."),
        },
        e => {
            parts.status = e.status();
            if let AppError::RateLimited(seconds) | AppError::Busy(seconds) = e {
                parts
                    .headers
                    .insert(axum::http::header::RETRY_AFTER, seconds.into());
            }
            return Response::from_parts(parts, Body::from(bytes));
        }
    };
    parts.status = e.status();
    let body = serde_json::to_vec(&e).unwrap_or_default();
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}
