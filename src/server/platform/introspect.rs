//! `POST /oauth/introspect` (RFC 7662): a service of the platform that
//! holds a token asks what it is. The service authenticates with HTTP Basic
//! (its client id and secret, see [`super::services`]); the token comes as
//! the form field `token`. The check is `/api/v1`'s (one lookup, the event
//! queued, the token's rate limit), and each service is limited per minute
//! (`SERVICE_RATE_LIMIT_PER_MINUTE`, per instance).
//!
//! - A valid token: `active`, `scope`, `sub` (the user id), `username` (the
//!   handle), `email`, `exp` (absent for a token that never expires), `iat`,
//!   `token_type` (`Bearer`) and `client_id` (the token's id).
//! - Anything else, a token over its hourly limit included:
//!   `{"active": false}`, and nothing more.
//! - A missing, wrong or revoked service credential: 401 `invalid_client`.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::{json, Value};

use super::services;
use crate::server::kernel::client::ClientMeta;
use crate::server::kernel::window::Taken;
use crate::server::rest::auth::{self, Seen};
use crate::server::state::AppState;

/// Where the route is.
pub const PATH: &str = "/oauth/introspect";

/// The largest form read (a token is under a hundred bytes).
const MAX_BODY: usize = 8 * 1024;

/// An OAuth error answer (RFC 6749 §5.2).
fn oauth_error(status: StatusCode, code: &str, description: &str) -> Response {
    let mut res = (
        status,
        Json(json!({ "error": code, "error_description": description })),
    )
        .into_response();
    no_store(res.headers_mut());
    res
}

fn no_store(headers: &mut HeaderMap) {
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The client id and secret of `Authorization: Basic …` (each
/// form-encoded, RFC 6749 §2.3.1).
fn basic(headers: &HeaderMap) -> Option<(String, String)> {
    use base64::Engine;
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    let (id, secret) = decoded.split_once(':')?;
    let unform = |s: &str| {
        url::form_urlencoded::parse(format!("x={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((unform(id)?, unform(secret)?))
}

/// The handler.
pub async fn introspect(State(state): State<AppState>, req: Request<Body>) -> Response {
    let refused = || {
        let mut res = oauth_error(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            "The service's credential is missing, wrong or revoked.",
        );
        res.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(r#"Basic realm="introspection", charset="UTF-8""#),
        );
        res
    };
    let Some((client_id, secret)) = basic(req.headers()) else {
        return refused();
    };
    let caller = match services::authenticate(&state.db, &client_id, &secret).await {
        Ok(Some(caller)) => caller,
        Ok(None) => return refused(),
        Err(e) => {
            tracing::error!(error = %e, "service check failed");
            return oauth_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "server_error",
                "The server could not check the request.",
            );
        }
    };
    let now = state.db.now();
    match state.service_limits.take(caller.id, now) {
        Taken::No { retry_after } => {
            let mut res = oauth_error(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                "This service has made its requests for this minute.",
            );
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
            return res;
        }
        Taken::Yes { first } => {
            if first {
                // Once a minute per service: when it was last used.
                let db = state.db.clone();
                tokio::spawn(async move {
                    if let Err(e) = services::mark_used(&db, caller.id).await {
                        tracing::warn!(error = %e, "could not record a service's use");
                    }
                });
            }
        }
    }
    let meta = ClientMeta::from_request(req.headers(), req.extensions());
    let form_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(|v| {
            v.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
    if form_type != Some(true) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Send the token as a form: Content-Type: application/x-www-form-urlencoded, token=….",
        );
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return oauth_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request",
                "The form is larger than the server takes.",
            )
        }
    };
    let token = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned());
    let Some(token) = token.filter(|t| !t.trim().is_empty()) else {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "The form has no token field.",
        );
    };
    let seen = Seen {
        at: now,
        meta,
        method: "POST".to_owned(),
        host: None,
        path: PATH.to_owned(),
    };
    let answer: Value = match auth::check_secret(&state, Some(token.trim()), &seen).await {
        Ok(passed) => {
            let mut body = json!({
                "active": true,
                "scope": passed.scope_names().join(" "),
                "sub": passed.user.id.to_string(),
                "username": passed.user.handle,
                "email": passed.user.email,
                "iat": passed.issued_at,
                "token_type": "Bearer",
                "client_id": passed.token_id.to_string(),
            });
            if let Some(exp) = passed.stops {
                body["exp"] = exp.into();
            }
            passed.record(&state, &seen, StatusCode::OK.as_u16()).await;
            body
        }
        Err(_) => json!({ "active": false }),
    };
    let mut res = Json(answer).into_response();
    no_store(res.headers_mut());
    res
}
