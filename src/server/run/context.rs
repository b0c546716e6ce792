//! What a server function knows about the request it serves.

use axum::http::request::Parts;
use leptos::prelude::use_context;

use crate::error::AppError;
use crate::server::auth::session::{self, Session};
/// Server functions name it `context::ClientMeta`; it lives in
/// [`crate::server::kernel::client`].
pub use crate::server::kernel::client::ClientMeta;
use crate::server::state::AppState;

/// The shared state, provided to every server function and page render.
pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| gone("state"))
}

/// The request being served.
pub fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| gone("request"))
}

/// Every render and server function is given the state and the request
/// (`router::build`); they are missing only once the request's reactive
/// owner is gone, when the client closed the connection mid-render and a
/// resource of that render started afterwards. Nobody waits for its
/// answer then, so it is no server error (a load run that closes its
/// connections logged dozens of them).
fn gone(what: &str) -> AppError {
    tracing::debug!(what, "request ended before its work ran (client gone)");
    AppError::Internal
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

/// The message to show under the form posting to `action`, when the page
/// being rendered follows that form's refusal.
pub fn refusal_for_form(action: &str) -> Option<String> {
    let state = state().ok()?;
    let parts = parts().ok()?;
    crate::server::http::refusal::read(&parts.headers, &state.settings, &state.secrets)
        .filter(|r| r.action == action)
        .map(|r| r.message)
}
