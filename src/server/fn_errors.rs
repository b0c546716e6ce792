//! Server functions answer every failure with 500 unless told otherwise;
//! this gives each [`AppError`] its own status (401, 404, 409, 422, …), so
//! clients, logs and tests see what kind of failure it was.

use axum::body::Body;
use axum::http::StatusCode;
use axum::response::Response;

use crate::error::AppError;

/// Largest error body looked at (errors are a few hundred bytes).
const MAX_ERROR_BODY: usize = 64 * 1024;

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
    if let Ok(e) = serde_json::from_slice::<AppError>(&bytes) {
        parts.status = e.status();
        if let AppError::RateLimited(seconds) = e {
            parts
                .headers
                .insert(axum::http::header::RETRY_AFTER, seconds.into());
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}
