//! Bearer-token authentication for `/api/v1`, and the audit of every request
//! made with a token.
//!
//! The check: shape and checksum first (no I/O), then one indexed lookup of
//! the SHA-256. Then the token's rate limit (see [`tokens::quota`]), counted in
//! memory. The audit event, the last-used update and the rate-limit count
//! are queued, not written, so they cost the request next to nothing.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Request};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use crate::model::audit::AuditAction;
use crate::model::scope::{Scope, Scopes};

use crate::server::events::NewEvent;
use crate::server::identity::users::Profile;
use crate::server::kernel::client::ClientMeta;
use crate::server::kernel::token_secret::PlainToken;
use crate::server::state::AppState;
use crate::server::tokens;
use crate::server::tokens::quota::Quota;

/// The token and user behind an authenticated API request.
#[derive(Debug, Clone)]
pub struct ApiCaller {
    pub user_id: i64,
    pub token_id: i64,
    pub scopes: Scopes,
    /// The owner's profile as read when the token was checked.
    pub user: std::sync::Arc<Profile>,
}

impl ApiCaller {
    /// Refuses the request (403 `insufficient_scope`) unless the token
    /// carries `scope`. Every handler calls it first.
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(scope) {
            Ok(())
        } else {
            Err(ApiError::insufficient_scope(scope))
        }
    }
}

/// The caller of a route that needs the scope `Scope::ALL[SCOPE]`
/// (`Authorized<{ Scope::UserWrite as usize }>`). Extracted before the
/// body, so a token without the scope is refused before its request is
/// read.
pub struct Authorized<const SCOPE: usize>(pub ApiCaller);

impl<const SCOPE: usize, S: Send + Sync> axum::extract::FromRequestParts<S> for Authorized<SCOPE> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<Self, ApiError> {
        let caller = parts
            .extensions
            .get::<ApiCaller>()
            .cloned()
            .ok_or_else(|| {
                tracing::error!("an API route without the token middleware");
                ApiError::from(crate::error::AppError::Internal)
            })?;
        caller.require(Scope::ALL[SCOPE])?;
        Ok(Self(caller))
    }
}

/// The request a token is checked for, as its audit event names it: this
/// app's own API request, or the platform request a proxy asks about
/// (`/auth/verify`).
pub struct Seen {
    pub meta: ClientMeta,
    pub method: String,
    /// The platform's host; `None` for this app's own API.
    pub host: Option<String>,
    pub path: String,
    pub at: i64,
}

impl Seen {
    /// The audit event of `action` by `token` of `user_id`, answered
    /// with `status`.
    fn event(
        &self,
        user_id: i64,
        action: AuditAction,
        token: (i64, String),
        status: u16,
    ) -> NewEvent {
        let mut e = NewEvent::new(user_id, action)
            .client(&self.meta)
            .token(token.0, token.1);
        e.method = Some(self.method.clone());
        e.host = self.host.clone();
        e.path = Some(self.path.clone());
        e.status = Some(i64::from(status));
        e.at = self.at;
        e
    }
}

/// A token that passed the check, its owner, and its rate-limit standing.
pub struct Passed {
    pub user: std::sync::Arc<Profile>,
    pub token_id: i64,
    /// How the audit log names the token.
    pub label: String,
    pub scopes: Scopes,
    /// The operator's scopes it carries, space-separated.
    pub platform_scopes: std::sync::Arc<str>,
    /// When the secret used stops working: the token's expiry, or sooner
    /// the end of a replaced secret's grace.
    pub stops: Option<i64>,
    /// When the secret used was made.
    pub issued_at: i64,
    pub quota: Option<Quota>,
    /// The owner and token as header values (see `tokens::lookup`).
    pub headers: std::sync::Arc<tokens::OwnerHeaders>,
}

/// When the secret presented stops working.
const TOKEN_EXPIRES_AT: axum::http::HeaderName =
    axum::http::HeaderName::from_static("token-expires-at");

impl Passed {
    fn new(owner: tokens::TokenOwner, quota: Option<Quota>) -> Self {
        Self {
            stops: owner.stops(),
            headers: owner.headers,
            issued_at: owner.issued_at,
            user: owner.user,
            token_id: owner.token_id,
            label: owner.label,
            scopes: owner.scopes,
            platform_scopes: owner.platform_scopes,
            quota,
        }
    }

    /// Whether the token carries `scope`.
    pub fn has(&self, scope: &crate::server::config::platform::Needed) -> bool {
        use crate::server::config::platform::Needed;
        match scope {
            Needed::BuiltIn(s) => self.scopes.contains(*s),
            Needed::Platform(name) => self.platform_scopes.split(' ').any(|s| s == name),
        }
    }

    /// Every scope it carries, built-in ones first.
    pub fn scope_names(&self) -> Vec<&str> {
        let mut names = self.scopes.names();
        names.extend(self.platform_scopes.split(' ').filter(|s| !s.is_empty()));
        names
    }

    /// Writes the token's expiry and rate-limit headers on an answer.
    pub fn write_headers(&self, headers: &mut axum::http::HeaderMap) {
        if let Some(expires) = &self.headers.stops {
            headers.insert(TOKEN_EXPIRES_AT, expires.clone());
        }
        if let Some(quota) = &self.quota {
            quota.write(headers);
        }
    }

    /// Queues the audit event of the request, answered with `status`
    /// (which also marks the token used).
    pub async fn record(self, state: &AppState, seen: &Seen, status: u16) {
        let event = seen.event(
            self.user.id,
            AuditAction::ApiRequest,
            (self.token_id, self.label),
            status,
        );
        state.audit.record_token_use(event).await;
    }
}

/// Checks the bearer token in `headers` for `seen`, and takes one request
/// of its rate limit: the token and its standing, or the refusal to
/// answer (recorded in the owner's audit log when the token was real).
pub async fn check(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    seen: &Seen,
) -> Result<Passed, Response> {
    check_secret(state, bearer(headers), seen).await
}

/// The secret of `Authorization: Bearer …`, if that is what `headers` hold.
fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, secret) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| secret.trim())
}

/// [`check`] of a token's secret however it came (introspection reads it
/// from a form).
pub async fn check_secret(
    state: &AppState,
    secret: Option<&str>,
    seen: &Seen,
) -> Result<Passed, Response> {
    let owner = match authenticate(state, secret, seen.at).await {
        Ok(owner) => owner,
        Err(Rejected { error, owner }) => {
            if let Some(m) = &state.metrics {
                m.token_checked(match &owner {
                    Some((_, AuditAction::TokenRejectedExpired)) => "expired",
                    Some((_, AuditAction::TokenRejectedDeactivated)) => "deactivated",
                    Some((_, AuditAction::TokenRejectedRotated)) => "rotated",
                    _ => "invalid",
                });
            }
            if let Some((owner, action)) = owner {
                let token = (owner.token_id, owner.label);
                let event = seen.event(owner.user.id, action, token, error.status.as_u16());
                state.audit.record_api(event).await;
            }
            return Err(error.into_response());
        }
    };
    let quota = state.api_limits.take(owner.token_id, owner.rate, seen.at);
    if let Some(m) = &state.metrics {
        m.token_checked(match quota {
            Some(Err(_)) => "rate_limited",
            _ => "ok",
        });
    }
    match quota {
        Some(Err(quota)) => {
            let error = ApiError::rate_limited(quota);
            let token = (owner.token_id, owner.label.clone());
            let event = seen.event(
                owner.user.id,
                AuditAction::ApiRequest,
                token,
                error.status.as_u16(),
            );
            state.audit.record_api(event).await;
            let mut res = error.into_response();
            quota.write(res.headers_mut());
            Err(res)
        }
        quota => Ok(Passed::new(
            owner,
            quota.map(|q| q.unwrap_or_else(|refused| refused)),
        )),
    }
}

/// Middleware: authenticates, runs the handler, records the request.
pub async fn require_token(
    State(state): State<AppState>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let seen = Seen {
        at: state.db.now(),
        meta: ClientMeta::from_request(req.headers(), req.extensions()),
        method: req.method().to_string(),
        host: None,
        // Nested routers see a shortened URI; the audit log wants the real one.
        path: req
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| req.uri().path().to_owned(), |u| u.path().to_owned()),
    };
    let passed = match check(&state, req.headers(), &seen).await {
        Ok(passed) => passed,
        Err(refused) => return refused,
    };
    req.extensions_mut().insert(ApiCaller {
        user_id: passed.user.id,
        token_id: passed.token_id,
        scopes: passed.scopes,
        user: passed.user.clone(),
    });
    let mut res = next.run(req).await;
    passed.write_headers(res.headers_mut());
    let status = res.status().as_u16();
    passed.record(&state, &seen, status).await;
    res
}

struct Rejected {
    error: ApiError,
    /// The token's owner and what to record, when the token was real.
    owner: Option<(tokens::TokenOwner, AuditAction)>,
}

impl From<ApiError> for Rejected {
    fn from(error: ApiError) -> Self {
        Self { error, owner: None }
    }
}

async fn authenticate(
    state: &AppState,
    secret: Option<&str>,
    now: i64,
) -> Result<tokens::TokenOwner, Rejected> {
    let invalid = || {
        ApiError::unauthorized(
            "invalid_token",
            "The access token is missing, malformed or unknown.",
        )
    };
    let secret = secret.ok_or_else(invalid)?;
    let token = PlainToken::parse(secret, &state.settings.token_prefix).ok_or_else(invalid)?;
    let owner = tokens::find_by_hash(&state.lookups, &state.token_cache, &token.hash())
        .await
        .map_err(ApiError::from)?
        .ok_or_else(invalid)?;
    if owner.user_disabled {
        return Err(invalid().into());
    }
    if owner.expires_at.is_some_and(|e| e <= now) {
        return Err(Rejected {
            error: ApiError::unauthorized("token_expired", "The access token has expired."),
            owner: Some((owner, AuditAction::TokenRejectedExpired)),
        });
    }
    if owner.deactivated {
        return Err(Rejected {
            error: ApiError::unauthorized("token_deactivated", "The access token is deactivated."),
            owner: Some((owner, AuditAction::TokenRejectedDeactivated)),
        });
    }
    if owner.retired_until.is_some_and(|until| until <= now) {
        return Err(Rejected {
            error: ApiError::unauthorized(
                "token_rotated",
                "The access token was regenerated: use its new secret.",
            ),
            owner: Some((owner, AuditAction::TokenRejectedRotated)),
        });
    }
    Ok(owner)
}
