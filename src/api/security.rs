//! The Security page: change password, active sessions.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::SessionView;
use crate::model::secret::Password;

/// Changes the password; every other session of the account ends.
/// Returns how many sessions ended.
#[server]
pub async fn change_password(
    current_password: Password,
    new_password: Password,
) -> Result<u64, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::kernel::password as pw;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    crate::server::auth::reauth::verify_current(
        &state.auth(),
        s.user.id,
        current_password.0.clone(),
        "current_password",
    )
    .await?;
    pw::check_new(new_password.expose(), "new_password")?;
    if new_password == current_password {
        return Err(AppError::invalid(
            "new_password",
            "The new password must differ from the current one.",
        ));
    }
    let new_hash = state.hasher.hash(new_password.0).await?;
    let event = NewEvent::new(s.user.id, AuditAction::PasswordChanged).client(&meta);
    crate::server::auth::password::set_password(&state.db, s.user.id, &new_hash, Some(s.id), event)
        .await
}

/// The account's live sessions, this one marked.
#[server]
pub async fn list_sessions() -> Result<Vec<SessionView>, AppError> {
    use crate::model::agent;
    use crate::server::auth::session;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let rows = session::list(&state.db, &state.settings, s.user.id).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let ua = r.user_agent.unwrap_or_default();
            SessionView {
                id: r.id,
                device: agent::summary(&ua),
                user_agent: ua,
                ip: r.ip,
                created_at: r.created_at,
                last_seen_at: r.last_seen_at,
                current: r.id == s.id,
            }
        })
        .collect())
}

/// Signs out one of the account's other sessions.
#[server]
pub async fn end_session(id: i64) -> Result<(), AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::auth::session;
    use crate::server::events::NewEvent;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    if id == s.id {
        return Err(AppError::invalid(
            "session",
            "This is the session you are using: use Sign out in the account menu.",
        ));
    }
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::SessionSignedOut).client(&meta);
    if !session::end_own(&state.db, s.user.id, id, event).await? {
        return Err(AppError::NotFound("Session".into()));
    }
    Ok(())
}

/// Signs out every session of the account but this one; returns how many.
#[server]
pub async fn end_other_sessions() -> Result<u64, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::auth::session;
    use crate::server::events::NewEvent;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::SessionSignedOut).client(&meta);
    session::end_others(&state.db, s.user.id, s.id, event).await
}
