//! `POST /api/v1/tokens/revoke`: whoever finds a token (a person, a secret
//! scanner) can kill it without signing in. The answer is the same whether
//! or not the token existed, so it tells nothing about any token.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use super::error::{ApiError, ErrorBody};
use super::json::ApiJson;
use super::tokens::RevokeRequest;
use crate::model::audit::AuditAction;
use crate::server::auth::limiter;

use crate::server::events::NewEvent;
use crate::server::kernel::client::ClientMeta;
use crate::server::kernel::token_secret::PlainToken;
use crate::server::state::AppState;
use crate::server::tokens;

/// The one answer.
#[derive(Serialize, ToSchema)]
pub struct RevokeAccepted {
    /// Always `accepted`.
    pub status: &'static str,
}

/// Revokes a leaked token: if it is valid, it is deactivated at once (a
/// secret replaced by Regenerate stops working) and its owner's audit log
/// records the report with the reporter's address. No authentication; at
/// most 60 well-formed reports per address in 15 minutes.
#[utoipa::path(post, path = "/api/v1/tokens/revoke", tag = "tokens",
    request_body = RevokeRequest,
    responses((status = 202, body = RevokeAccepted, description = "Whether or not the token existed"),
              (status = 422, body = ErrorBody), (status = 429, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    req: axum::extract::Request,
) -> Result<(StatusCode, Json<RevokeAccepted>), ApiError> {
    let meta = ClientMeta::from_request(req.headers(), req.extensions());
    let ApiJson(body) =
        <ApiJson<RevokeRequest> as axum::extract::FromRequest<AppState>>::from_request(req, &state)
            .await?;
    let accepted = (
        StatusCode::ACCEPTED,
        Json(RevokeAccepted { status: "accepted" }),
    );
    // Junk (wrong prefix, length or checksum) costs nothing: no lookup, no
    // count.
    let Some(token) = PlainToken::parse(body.token.trim(), &state.settings.token_prefix) else {
        return Ok(accepted);
    };
    let keys = limiter::revoke_keys(meta.ip.as_deref());
    state.auth().limit(&keys).await?;
    // The owner is filled in by `revoke_leaked`; the address is the reporter's.
    let event = NewEvent::new(0, AuditAction::TokenRevokedLeaked).client(&meta);
    tokens::revoke_leaked(&state.db, &token, event).await?;
    Ok(accepted)
}
