//! The REST API under `/api/v1`, authenticated by bearer tokens.

pub mod audit;
pub mod auth;
pub mod db_auth;
mod doc;
pub mod error;
pub mod json;
pub mod meta;
pub mod revoke;
pub mod scopes;
pub mod tokens;
pub mod user;

use axum::middleware;
use axum::routing::{get, post};
use axum::Router;

use super::state::AppState;
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
        .route("/scopes", get(scopes::list_scopes))
        .route_layer(middleware::from_fn_with_state(state, auth::require_token));
    Router::new()
        .route("/openapi.json", get(doc::openapi_json))
        .route("/tokens/revoke", post(revoke::revoke))
        .merge(authenticated)
        .fallback(|| async { ApiError::not_found("That API route") })
}
