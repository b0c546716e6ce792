//! `/api/v1/tokens`: list, read, delete and regenerate the owner's tokens,
//! and the unauthenticated report of a leaked token.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::{ApiCaller, Authorized};
use super::error::{ApiError, ErrorBody};
use super::json::ApiJson;
use crate::model::audit::AuditAction;
use crate::model::rotation;
use crate::model::scope::Scope;
use crate::model::time::rfc3339;
use crate::model::token::{RecentIp, TokenStatus, TokenView};

use crate::server::events::NewEvent;
use crate::server::state::AppState;
use crate::server::tokens;

/// A token, without its secret.
#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub created_at: String,
    /// `null` for a token that never expires.
    pub expires_at: Option<String>,
    pub last_used_at: Option<String>,
    pub last_used_ip: Option<String>,
    pub status: TokenStatus,
    /// What the token may do: `user:read`, `user:write`, `tokens:read`,
    /// `tokens:write`, `audit:read`, and the platform's own scopes
    /// (`GET /api/v1/scopes`).
    pub scopes: Vec<String>,
    /// When its secret was last regenerated.
    pub regenerated_at: Option<String>,
}

impl TokenBody {
    fn new(t: &TokenView, now: i64) -> Self {
        Self {
            id: t.id,
            name: t.name.clone(),
            prefix: t.prefix.clone(),
            last_four: t.last_four.clone(),
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
            last_used_ip: t.last_used_ip.clone(),
            status: t.status(now),
            scopes: t.scope_names().into_iter().map(str::to_owned).collect(),
            regenerated_at: t.rotated_at.map(rfc3339),
        }
    }
}

/// An address a token was used from.
#[derive(Serialize, ToSchema)]
pub struct RecentIpBody {
    pub ip: String,
    pub first_seen_at: String,
    pub last_seen_at: String,
}

impl From<&RecentIp> for RecentIpBody {
    fn from(r: &RecentIp) -> Self {
        Self {
            ip: r.ip.clone(),
            first_seen_at: rfc3339(r.first_seen_at),
            last_seen_at: rfc3339(r.last_seen_at),
        }
    }
}

/// One token, with where it was used.
#[derive(Serialize, ToSchema)]
pub struct TokenDetailBody {
    #[serde(flatten)]
    pub token: TokenBody,
    /// The last 5 distinct client addresses, latest first.
    pub recent_ips: Vec<RecentIpBody>,
}

/// A regenerated token: its new secret, shown this once.
#[derive(Serialize, ToSchema)]
pub struct RotatedBody {
    /// The new secret. It is not shown again.
    pub token: String,
    /// Until when the old secret keeps working; `null`: it stopped at once.
    pub old_secret_valid_until: Option<String>,
    pub details: TokenBody,
}

/// How long the old secret keeps working.
#[derive(Deserialize, ToSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct RotateRequest {
    /// 0 (the default: at once) to 604800 (7 days).
    pub grace_seconds: Option<i64>,
}

/// A secret found where it should not be.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeRequest {
    /// The whole token.
    pub token: String,
}

fn token_id(id: &str) -> Result<i64, ApiError> {
    id.parse().map_err(|_| ApiError::not_found("Token"))
}

/// The token owner's tokens, newest first. Scope: `tokens:read`.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = ["tokens:read"])),
    extensions(("x-required-scopes" = json!(["tokens:read"]))),
    responses((status = 200, body = [TokenBody]), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::TokensRead as usize }>,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    let now = state.db.now();
    state.audit.flush().await;
    let list = tokens::list(&state.db, caller.user_id).await?;
    Ok(Json(list.iter().map(|t| TokenBody::new(t, now)).collect()))
}

/// One of the owner's tokens, with the addresses it was used from. Scope:
/// `tokens:read`.
#[utoipa::path(get, path = "/api/v1/tokens/{id}", tag = "tokens",
    security(("bearer" = ["tokens:read"])),
    extensions(("x-required-scopes" = json!(["tokens:read"]))),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 200, body = TokenDetailBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_token(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::TokensRead as usize }>,
    Path(id): Path<String>,
) -> Result<Json<TokenDetailBody>, ApiError> {
    let id = token_id(&id)?;
    state.audit.flush().await;
    let t = tokens::get(&state.db, caller.user_id, id).await?;
    Ok(Json(TokenDetailBody {
        recent_ips: t.recent_ips.iter().map(Into::into).collect(),
        token: TokenBody::new(&t, state.db.now()),
    }))
}

/// Deletes one of the owner's tokens. Scope: `tokens:write`; a token may
/// always delete itself (a leaked token can kill itself).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    extensions(("x-required-scopes" = json!(["tokens:write"]))),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
              (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id = token_id(&id)?;
    if id != caller.token_id {
        caller.require(Scope::TokensWrite)?;
    }
    let event =
        NewEvent::new(caller.user_id, AuditAction::TokenDeleted).detail("Deleted through the API");
    tokens::delete(&state.db, caller.user_id, id, event).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Gives one of the owner's tokens a new secret (same name, scopes and
/// lifetime length); the old one works for `grace_seconds` more. Scope:
/// `tokens:write`.
#[utoipa::path(post, path = "/api/v1/tokens/{id}/rotate", tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    extensions(("x-required-scopes" = json!(["tokens:write"]))),
    params(("id" = i64, Path, description = "The token's id")),
    request_body(content = Option<RotateRequest>),
    responses((status = 201, body = RotatedBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
              (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn rotate_token(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::TokensWrite as usize }>,
    Path(id): Path<String>,
    body: Option<ApiJson<RotateRequest>>,
) -> Result<(StatusCode, Json<RotatedBody>), ApiError> {
    let id = token_id(&id)?;
    rotate(&state, &caller, id, body).await
}

/// Gives the token that authenticates this call a new secret, so a job can
/// renew its own credential. Scope: `tokens:write`.
#[utoipa::path(post, path = "/api/v1/tokens/self/rotate", tag = "tokens",
    security(("bearer" = ["tokens:write"])),
    extensions(("x-required-scopes" = json!(["tokens:write"]))),
    request_body(content = Option<RotateRequest>),
    responses((status = 201, body = RotatedBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 409, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn rotate_self(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::TokensWrite as usize }>,
    body: Option<ApiJson<RotateRequest>>,
) -> Result<(StatusCode, Json<RotatedBody>), ApiError> {
    rotate(&state, &caller, caller.token_id, body).await
}

async fn rotate(
    state: &AppState,
    caller: &ApiCaller,
    id: i64,
    body: Option<ApiJson<RotateRequest>>,
) -> Result<(StatusCode, Json<RotatedBody>), ApiError> {
    let grace = body.and_then(|b| b.0.grace_seconds).unwrap_or(0);
    let grace = rotation::grace(grace)?;
    let event = NewEvent::new(caller.user_id, AuditAction::TokenRegenerated);
    let r = tokens::rotate(&state.db, &state.settings, caller.user_id, id, grace, event).await?;
    Ok((
        StatusCode::CREATED,
        Json(RotatedBody {
            token: r.secret.expose().to_owned(),
            old_secret_valid_until: r.old_valid_until.map(rfc3339),
            details: TokenBody::new(&r.token, state.db.now()),
        }),
    ))
}
