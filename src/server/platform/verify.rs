//! `/auth/verify`: forward auth for a reverse proxy in front of the
//! platform's services (nginx `auth_request`, Traefik ForwardAuth, Caddy
//! `forward_auth`, Envoy's HTTP `ext_authz`). The proxy passes the request
//! it holds; the answer is 200 with who the token belongs to, or the §4
//! refusal (401 with `WWW-Authenticate`, 429), and each check is one audit
//! event of the token with the original method, host and path. The same
//! check as `/api/v1` (one lookup, the event queued, the same rate limit);
//! no body is read. The operator's rules (`PLATFORM_CONFIG`, see
//! `config::platform`) say which scope each request needs: 403
//! `insufficient_scope` without it.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::server::config::platform::Decision;
use crate::server::kernel::client::ClientMeta;
use crate::server::rest::auth::{self, Passed, Seen};
use crate::server::rest::error::ApiError;
use crate::server::state::AppState;

/// Where the route is; Envoy's `ext_authz` appends the original path to it.
pub const PATH: &str = "/auth/verify";

/// The longest method, host and path kept of what a proxy sends.
const MAX_METHOD: usize = 32;
const MAX_HOST: usize = 255;
const MAX_PATH: usize = 2_048;

/// The handler, for every method (Envoy sends the original one).
pub async fn verify(State(state): State<AppState>, req: Request<Body>) -> Response {
    let seen = match original(&req) {
        Ok((method, host, path)) => Seen {
            at: state.db.now(),
            meta: ClientMeta::from_request(req.headers(), req.extensions()),
            method,
            host,
            path,
        },
        Err(refused) => return refused.into_response(),
    };
    let platform = &state.settings.platform;
    let Some(decision) = platform.decide(seen.host.as_deref(), &seen.method, &seen.path) else {
        return bad("a path").into_response();
    };
    let passed = match auth::check(&state, req.headers(), &seen).await {
        Ok(passed) => passed,
        Err(refused) => return refused,
    };
    let refusal = match decision {
        Decision::AnyToken => None,
        Decision::Scope(needed) if passed.has(&needed) => None,
        Decision::Scope(needed) => Some(ApiError::lacks(needed.name())),
        Decision::NoRule => Some(ApiError::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "No rule of the platform allows this request.",
        )),
    };
    if let Some(refusal) = refusal {
        let status = refusal.status.as_u16();
        let mut res = refusal.into_response();
        passed.write_headers(res.headers_mut());
        passed.record(&state, &seen, status).await;
        return res;
    }
    let mut res = StatusCode::OK.into_response();
    identify(&passed, res.headers_mut());
    passed.write_headers(res.headers_mut());
    passed.record(&state, &seen, StatusCode::OK.as_u16()).await;
    res
}

/// 400: what the proxy sent about the original request is unreadable.
fn bad(what: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_request",
        format!("The proxy sent {what} that cannot be read."),
    )
}

/// The identity headers a proxy copies to the service behind it: always all
/// five, so that a proxy copying them replaces whatever the client sent
/// under those names.
fn identify(passed: &Passed, headers: &mut HeaderMap) {
    const USER_ID: HeaderName = HeaderName::from_static("x-auth-user-id");
    const HANDLE: HeaderName = HeaderName::from_static("x-auth-handle");
    const EMAIL: HeaderName = HeaderName::from_static("x-auth-email");
    const TOKEN_ID: HeaderName = HeaderName::from_static("x-auth-token-id");
    const SCOPES: HeaderName = HeaderName::from_static("x-auth-scopes");
    let h = &passed.headers;
    for (name, value) in [
        (USER_ID, &h.user_id),
        (HANDLE, &h.handle),
        (EMAIL, &h.email),
        (TOKEN_ID, &h.token_id),
        (SCOPES, &h.scopes),
    ] {
        headers.insert(name, value.clone());
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// The method, host and path of the request the proxy is asking about:
/// nginx's `X-Original-Method` / `X-Original-URI`, Traefik's and Caddy's
/// `X-Forwarded-Method` / `X-Forwarded-Uri` / `X-Forwarded-Host`, or
/// (Envoy) the request itself, whose path goes on after [`PATH`]. The query
/// is left out, as in every audit event: it may carry secrets.
fn original(req: &Request<Body>) -> Result<(String, Option<String>, String), ApiError> {
    let h = req.headers();
    let text = |names: &[&str]| {
        names
            .iter()
            .find_map(|n| h.get(*n))
            .map(|v| v.to_str().map(str::trim))
    };
    let method = match text(&["x-original-method", "x-forwarded-method"]) {
        Some(Ok(m)) => m.to_owned(),
        Some(Err(_)) => return Err(bad("a method")),
        None => req.method().to_string(),
    };
    if method.is_empty()
        || method.len() > MAX_METHOD
        || !method.bytes().all(|b| b.is_ascii_alphabetic() || b == b'-')
    {
        return Err(bad("a method"));
    }
    let host = match text(&["x-forwarded-host", "x-original-host"]) {
        Some(Ok(v)) => Some(v),
        Some(Err(_)) => return Err(bad("a host")),
        None => h.get(header::HOST).and_then(|v| v.to_str().ok()),
    };
    // A list of hosts (several proxies): the first is the client's.
    let host = host
        .and_then(|v| v.split(',').next())
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_ascii_lowercase);
    if host
        .as_deref()
        .is_some_and(|v| v.len() > MAX_HOST || !v.bytes().all(|b| b.is_ascii_graphic()))
    {
        return Err(bad("a host"));
    }
    let uri = match text(&["x-original-uri", "x-forwarded-uri"]) {
        Some(Ok(v)) => v.to_owned(),
        Some(Err(_)) => return Err(bad("a path")),
        None => {
            let own = req
                .extensions()
                .get::<axum::extract::OriginalUri>()
                .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned());
            match own.strip_prefix(PATH) {
                Some(rest) if rest.starts_with('/') => rest.to_owned(),
                _ => "/".to_owned(),
            }
        }
    };
    let path = uri.split(['?', '#']).next().unwrap_or_default();
    if !path.starts_with('/')
        || path.len() > MAX_PATH
        || !path.bytes().all(|b| b.is_ascii_graphic())
    {
        return Err(bad("a path"));
    }
    Ok((method.to_ascii_uppercase(), host, path.to_owned()))
}
