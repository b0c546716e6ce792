//! The server of `METRICS_ADDR`: `GET /metrics`, with the gauges read from
//! the shared state at each scrape.

use axum::extract::State;
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

use crate::server::kernel::metrics::Gauges;
use crate::server::state::AppState;

/// The router of `METRICS_ADDR`: `GET /metrics`, nothing else.
pub fn router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(serve))
        .with_state(state)
}

async fn serve(State(state): State<AppState>) -> Response {
    let Some(metrics) = state.metrics.as_ref() else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let mut res = metrics
        .render(&Gauges {
            audit_queued: state.audit.queued(),
            audit_dropped: state.audit.dropped(),
            pool: state.db.pool_use(),
            hashing: state.hasher.usage(),
        })
        .into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
