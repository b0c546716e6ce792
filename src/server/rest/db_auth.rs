//! `POST /internal/db-auth`: how a workspace database proxy checks the
//! password a client presents, so the database password is a real
//! credential. The proxy authenticates with `DB_PROXY_SECRET`; while that is
//! unset the path does not exist. It is not part of the public API (nor of
//! its OpenAPI document): only the proxy calls it.

use axum::extract::{FromRequest, Request, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};

use super::error::ApiError;
use super::json::ApiJson;
use crate::server::identity::db_password;
use crate::server::state::AppState;

/// What the proxy presents: the handle (the database user name) and the
/// password the client sent.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DbAuthRequest {
    pub user: String,
    pub password: String,
}

/// The account the password belongs to.
#[derive(Serialize)]
pub struct DbAuthResponse {
    pub user_id: i64,
    pub handle: String,
}

/// Checks a workspace database password: 404 while `DB_PROXY_SECRET` is
/// unset and 401 for a wrong proxy secret, both before the body is read.
pub async fn db_auth(
    State(state): State<AppState>,
    req: Request,
) -> Result<Json<DbAuthResponse>, ApiError> {
    let Some(secret) = state.settings.db_proxy_secret.as_ref() else {
        return Err(ApiError::not_found("That route"));
    };
    let presented = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    if !db_password::same(presented.as_bytes(), secret.expose().as_bytes()) {
        return Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_proxy_secret",
            "The proxy secret is missing or wrong.",
        ));
    }
    let ApiJson(body) = ApiJson::<DbAuthRequest>::from_request(req, &state).await?;
    let handle = body.user.trim().to_lowercase();
    let denied = || {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_credentials",
            "Wrong user name or password.",
        )
    };
    if handle.len() > 39 || body.password.len() > 128 {
        return Err(denied());
    }
    match db_password::verify(&state.db, &state.secrets, &handle, &body.password).await? {
        Some(user_id) => Ok(Json(DbAuthResponse { user_id, handle })),
        None => Err(denied()),
    }
}
