//! `GET /api/v1/scopes`: every scope a token can carry, the built-in ones
//! and the operator's (`PLATFORM_CONFIG`), with what each allows.

use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;

use crate::model::scope::Scope;
use crate::server::state::AppState;

/// The scopes a token can be given.
#[derive(Serialize, ToSchema)]
pub struct ScopeList {
    pub scopes: Vec<ScopeBody>,
}

/// One scope.
#[derive(Serialize, ToSchema)]
pub struct ScopeBody {
    /// As in a token's `scopes` and in `X-Auth-Scopes`.
    pub name: String,
    pub description: String,
    /// `true` for this app's own scopes, `false` for the platform's.
    pub built_in: bool,
}

/// Lists every scope a token can carry. Any valid token may ask.
#[utoipa::path(get, path = "/api/v1/scopes", tag = "tokens",
    security(("bearer" = [])),
    responses((status = 200, body = ScopeList)))]
pub async fn list_scopes(State(state): State<AppState>) -> Json<ScopeList> {
    let built_in = Scope::ALL.iter().map(|s| ScopeBody {
        name: s.as_str().to_owned(),
        description: s.describe().to_owned(),
        built_in: true,
    });
    let platform = state.settings.platform.scopes.iter().map(|s| ScopeBody {
        name: s.name.clone(),
        description: s.description.clone(),
        built_in: false,
    });
    Json(ScopeList {
        scopes: built_in.chain(platform).collect(),
    })
}
