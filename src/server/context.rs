//! What a server function knows about the request it serves.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use axum::http::header;
use axum::http::request::Parts;
use leptos::prelude::use_context;

use super::session::{self, Session};
use super::state::AppState;
use crate::error::AppError;

/// The shared state, provided to every server function and page render.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| AppError::internal("AppState missing from context"))
}

/// The request being served.
pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| AppError::internal("request parts missing from context"))
}

/// Where a request came from, as the audit log and the sessions list show it.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientMeta {
    pub fn of(parts: &Parts) -> Self {
        Self::from_request(&parts.headers, &parts.extensions)
    }

    pub fn from_request(headers: &axum::http::HeaderMap, ext: &axum::http::Extensions) -> Self {
        let ip = ext
            .get::<ConnectInfo<SocketAddr>>()
            .map(|ConnectInfo(addr)| addr.ip().to_string());
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        Self { ip, user_agent }
    }
}

/// The signed-in session, if any.
pub async fn session() -> Result<Option<Session>, AppError> {
    let state = state()?;
    let parts = parts()?;
    session::current(&state.db, &state.settings, &parts.headers).await
}

/// The signed-in session, or [`AppError::Unauthorized`].
pub async fn require_session() -> Result<Session, AppError> {
    session().await?.ok_or(AppError::Unauthorized)
}
