//! What a load balancer and an operator ask of any instance: `GET /livez`
//! (the process answers) and `GET /healthz` (the database answers and API
//! use is being recorded).

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::server::state::AppState;

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
