//! The Advanced page: change handle, delete the account.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::HandlePreview;
use crate::model::secret::Password;

/// Checks a new handle and says what would change; changes nothing.
#[server]
pub async fn preview_handle(handle: String) -> Result<HandlePreview, AppError> {
    use crate::model::account::{masked_connection, workspace_host};
    use crate::model::validate;
    use crate::server::identity::{account, users};
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let new = validate::handle(&handle)?;
    if new == s.user.handle {
        return Err(AppError::invalid("handle", "That is already your handle."));
    }
    if users::id_by_handle(&state.db, &new)
        .await?
        .is_some_and(|id| id != s.user.id)
    {
        return Err(AppError::invalid(
            "handle",
            "That handle is taken. Choose another.",
        ));
    }
    if account::handle_reserved_by_other(&state.db, &new, s.user.id).await? {
        return Err(
            AppError::invalid("handle", crate::server::identity::users::HANDLE_HELD)
                .because(crate::error::Reason::HandleTaken),
        );
    }
    let domain = &state.settings.workspace_domain;
    Ok(HandlePreview {
        old_host: workspace_host(&s.user.handle, domain),
        new_host: workspace_host(&new, domain),
        new_connection: masked_connection(&new, domain),
        old: s.user.handle,
        new,
        reserved_days: (account::HANDLE_RESERVED_SECS / 86_400) as u32,
    })
}

/// Changes the handle (after the preview was confirmed).
#[server]
pub async fn change_handle(handle: String) -> Result<String, AppError> {
    use crate::model::{audit::AuditAction, validate};
    use crate::server::events::NewEvent;
    use crate::server::identity::account;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let new = validate::handle(&handle)?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::HandleChanged).client(&meta);
    account::change_handle(&state.db, s.user.id, &new, event).await?;
    Ok(new)
}

/// Deletes the account: the handle typed exactly and the current password.
/// Everything of it goes in one transaction; the browser is signed out.
#[server]
pub async fn delete_account(handle: String, current_password: Password) -> Result<(), AppError> {
    use crate::server::auth::session;
    use crate::server::identity::account;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    if handle != s.user.handle {
        return Err(AppError::invalid(
            "confirm_handle",
            "Type your handle exactly as shown.",
        ));
    }
    crate::server::auth::reauth::verify_current(
        &state.auth(),
        s.user.id,
        current_password.0,
        "delete_password",
    )
    .await?;
    // Events still queued for this user must not outlive the deletion.
    state.audit.flush().await;
    // The avatar goes with the account (a row that cascades).
    account::delete_account(&state.db, s.user.id).await?;
    tracing::info!(user_id = s.user.id, "account deleted");
    leptos::prelude::expect_context::<leptos_axum::ResponseOptions>().append_header(
        axum::http::header::SET_COOKIE,
        session::clearing_cookie(&state.settings),
    );
    leptos_axum::redirect("/login?deleted=1");
    Ok(())
}
