//! What a server function knows about the request it serves.

use axum::http::request::Parts;
use leptos::prelude::use_context;

/// Server functions name it `context::ClientMeta`; it lives in
/// [`super::client`].
pub use super::client::ClientMeta;
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
