//! Cross-site request forgery protection: a state-changing request must come
//! from the site's own pages.
//!
//! Browsers say where a request comes from in `Sec-Fetch-Site` (modern) and
//! `Origin`. A request that carries neither was not sent by a browser on
//! behalf of another site (the REST API's clients, the CLI), so it cannot be
//! a forgery and passes; bearer tokens are never sent automatically anyway.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::state::AppState;

/// Refuses (403) unsafe requests that come from another origin.
pub async fn guard(State(state): State<AppState>, req: Request<Body>, next: Next) -> Response {
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(&req, state.settings.public_origin.as_deref()) {
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-origin request refused: this action must come from the site's own pages.",
        )
            .into_response()
    }
}

fn same_origin(req: &Request<Body>, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    match public_origin {
        Some(expected) => origin.eq_ignore_ascii_case(expected),
        None => {
            // Without PUBLIC_URL the site is wherever the browser reached it.
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
            let stripped = origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"));
            matches!((host, stripped), (Some(h), Some(o)) if h.eq_ignore_ascii_case(o))
        }
    }
}
