//! One span per request: a request id (also sent back as `X-Request-Id`,
//! so a user's report can be matched to the log), the method, the route's
//! pattern, the path (never the query string, which can hold a mailed
//! link's secret) and, once answered, the status (and the time taken, in
//! the line that says it was answered). Every log line
//! written while the request is handled carries the id.

use std::time::Instant;

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use tracing::Instrument;

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// The request's id, for handlers that want to name it.
#[derive(Debug, Clone)]
pub struct RequestId(pub String);

/// A fresh id: 16 hex digits.
fn fresh() -> String {
    format!("{:016x}", rand::random::<u64>())
}

/// An id handed on by a proxy in front (nginx's `$request_id`) is kept when
/// it is short and plain; anything else is replaced.
fn usable(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')))
    .then(|| s.to_owned())
}

pub async fn trace(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(&HEADER)
        .and_then(usable)
        .unwrap_or_else(fresh);
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or("unmatched", axum::extract::MatchedPath::as_str)
        .to_owned();
    let span = tracing::info_span!(
        "request",
        id = %id,
        method = %req.method(),
        route = %route,
        path = %req.uri().path(),
        status = tracing::field::Empty,
    );
    req.extensions_mut().insert(RequestId(id.clone()));
    let started = Instant::now();
    let mut res = next.run(req).instrument(span.clone()).await;
    let status = res.status().as_u16();
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    span.record("status", status);
    span.in_scope(|| {
        if status >= 500 {
            tracing::warn!(status, ms, "answered");
        } else {
            tracing::debug!(status, ms, "answered");
        }
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut().insert(HEADER, v);
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plain_id_from_a_proxy_is_kept_and_anything_else_replaced() {
        let keep = HeaderValue::from_static("f3a9c2-01.b_7");
        assert_eq!(usable(&keep).as_deref(), Some("f3a9c2-01.b_7"));
        for bad in ["", "has space", "semi;colon", &"x".repeat(65)] {
            assert_eq!(
                usable(&HeaderValue::from_str(bad).unwrap()),
                None,
                "{bad:?}"
            );
        }
        let id = fresh();
        assert_eq!(id.len(), 16);
        assert!(id.bytes().all(|b| b.is_ascii_hexdigit()));
    }
}
