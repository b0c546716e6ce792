//! The REST API under `/api/v1`, authenticated by bearer tokens.

pub mod audit;
pub mod auth;
pub mod db_auth;
mod doc;
pub mod error;
pub mod json;
pub mod revoke;
pub mod tokens;
pub mod user;

use axum::extract::State;
use axum::http::StatusCode;
use axum::middleware;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Json, Router};
use utoipa::OpenApi;

use super::run::state::AppState;
pub use doc::ApiDoc;
use error::ApiError;

/// The `/api/v1` routes.
pub fn router(state: AppState) -> Router<AppState> {
    let authenticated = Router::new()
        .route("/user", get(user::get_user).patch(user::patch_user))
        .route("/tokens", get(tokens::list_tokens))
        .route(
            "/tokens/{id}",
            get(tokens::get_token).delete(tokens::delete_token),
        )
        .route("/tokens/{id}/rotate", post(tokens::rotate_token))
        .route("/tokens/self/rotate", post(tokens::rotate_self))
        .route("/audit-log", get(audit::list_audit))
        .route_layer(middleware::from_fn_with_state(state, auth::require_token));
    Router::new()
        .route("/openapi.json", get(openapi_json))
        .route("/tokens/revoke", post(revoke::revoke))
        .merge(authenticated)
        .fallback(|| async { ApiError::not_found("That API route") })
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "The OpenAPI 3 document", body = Object)))]
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// 200 whenever the process answers; touches no database (liveness, and the
/// baseline `make bench` compares the API with).
#[utoipa::path(get, path = "/livez", tag = "meta",
    responses((status = 200, description = "The process answers", body = String, content_type = "text/plain")))]
pub async fn livez() -> &'static str {
    "ok"
}

/// 200 when the database answers and API use is being recorded.
#[utoipa::path(get, path = "/healthz", tag = "meta",
    responses((status = 200, description = "The database answers and the audit writer runs",
               body = String, content_type = "text/plain"),
              (status = 503, description = "The database does not answer, or the audit writer has stopped",
               body = String, content_type = "text/plain")))]
pub async fn healthz(State(state): State<AppState>) -> impl IntoResponse {
    // An instance that no longer records API use must not take traffic.
    if !state.audit.is_alive() {
        return (StatusCode::SERVICE_UNAVAILABLE, "audit writer stopped");
    }
    // A load balancer must hear "no" in time, not wait on a dead database.
    let answer = tokio::time::timeout(std::time::Duration::from_secs(1), state.db.ping()).await;
    match answer {
        Ok(Ok(())) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::error!("health check failed: the database did not answer within 1 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
