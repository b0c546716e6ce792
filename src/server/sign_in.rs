//! Signing in with a handle or e-mail and a password: the limits, the one
//! generic refusal, a new session and the audit, in one place.
//! `api::auth::login` only adapts it to the browser (cookie, 429, redirect).

use axum::http::HeaderValue;

use super::audit::{self, NewEvent};
use super::client::ClientMeta;
use super::state::AppState;
use super::{db, limiter, password, session, users};
use crate::error::AppError;
use crate::model::audit::AuditAction;
use crate::model::secret::Password;

/// Every failed sign-in says this, so it never tells which part was wrong.
pub const GENERIC: &str = "Invalid email, handle or password";

/// Signs in; returns the new session's cookie. `replacing` is the session
/// the browser had (it ends: a new id at every sign-in). A limit reached is
/// [`AppError::RateLimited`], anything else wrong the [`GENERIC`] refusal.
pub async fn sign_in(
    state: &AppState,
    login: &str,
    password: Password,
    meta: &ClientMeta,
    replacing: Option<i64>,
) -> Result<HeaderValue, AppError> {
    let refused = || AppError::invalid("login", GENERIC);
    let now = db::now();
    let keys = limiter::keys(login, meta.ip.as_deref());
    if let Some(retry_after) = state.login_limiter.check(&keys, now).await? {
        return Err(AppError::RateLimited(retry_after));
    }
    if login.len() > 254 || password.expose().chars().count() > 128 {
        state.login_limiter.fail(&keys, now).await?;
        return Err(refused());
    }
    let row = users::find_for_login(&state.db, login).await?;
    // The hash is checked even for an unknown account (against a dummy), so
    // the time taken tells nothing either.
    let ok = password::verify(password.0, row.as_ref().map(|r| r.password_hash.clone())).await?;
    match row {
        Some(r) if ok && !r.disabled => {
            state.login_limiter.succeed(&keys).await?;
            if let Some(old) = replacing {
                session::end(&state.db, old, &[]).await?;
            }
            session::start(
                &state.db,
                &state.settings,
                r.id,
                meta.ip.as_deref(),
                meta.user_agent.as_deref(),
                &[NewEvent::new(r.id, AuditAction::SignIn).client(meta)],
            )
            .await
        }
        Some(r) => {
            state.login_limiter.fail(&keys, now).await?;
            let event = NewEvent::new(r.id, AuditAction::SignInFailed).client(meta);
            audit::write(&state.db, &[event]).await?;
            Err(refused())
        }
        None => {
            state.login_limiter.fail(&keys, now).await?;
            Err(refused())
        }
    }
}
