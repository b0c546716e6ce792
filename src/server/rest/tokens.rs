//! `GET /api/v1/tokens` and `DELETE /api/v1/tokens/{id}`.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::{Extension, Json};
use serde::Serialize;
use utoipa::ToSchema;

use super::auth::ApiCaller;
use super::error::{ApiError, ErrorBody};
use crate::model::audit::AuditAction;
use crate::model::time::rfc3339;
use crate::model::token::{TokenStatus, TokenView};
use crate::server::audit::NewEvent;
use crate::server::db::now;
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
}

impl TokenBody {
    fn new(t: TokenView, now: i64) -> Self {
        let status = t.status(now);
        Self {
            id: t.id,
            name: t.name,
            prefix: t.prefix,
            last_four: t.last_four,
            created_at: rfc3339(t.created_at),
            expires_at: t.expires_at.map(rfc3339),
            last_used_at: t.last_used_at.map(rfc3339),
            last_used_ip: t.last_used_ip,
            status,
        }
    }
}

/// The token owner's tokens, newest first.
#[utoipa::path(get, path = "/api/v1/tokens", tag = "tokens",
    security(("bearer" = [])),
    responses((status = 200, body = [TokenBody]), (status = 401, body = ErrorBody)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
) -> Result<Json<Vec<TokenBody>>, ApiError> {
    let now = now();
    let list = tokens::list(&state.db, caller.user_id).await?;
    Ok(Json(
        list.into_iter().map(|t| TokenBody::new(t, now)).collect(),
    ))
}

/// Deletes one of the owner's tokens (a leaked token can delete itself).
#[utoipa::path(delete, path = "/api/v1/tokens/{id}", tag = "tokens",
    security(("bearer" = [])),
    params(("id" = i64, Path, description = "The token's id")),
    responses((status = 204), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_token(
    State(state): State<AppState>,
    Extension(caller): Extension<ApiCaller>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: i64 = id.parse().map_err(|_| ApiError::not_found("Token"))?;
    let event =
        NewEvent::new(caller.user_id, AuditAction::TokenDeleted).detail("Deleted through the API");
    tokens::delete(&state.db, caller.user_id, id, event).await?;
    Ok(StatusCode::NO_CONTENT)
}
