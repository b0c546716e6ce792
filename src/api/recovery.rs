//! Links mailed to a person: confirming an email address, and setting a
//! new password after forgetting it (SPEC §12).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::secret::Password;

/// Whether this server can mail a password-reset link (sign-in offers
/// **Forgot password?** only then).
#[server]
pub async fn password_reset_open() -> Result<bool, AppError> {
    Ok(crate::server::run::context::state()?.mailer.is_some())
}

/// Mails a link to choose a new password to the account `login` names (an
/// email address or handle). The answer is the same whether or not there
/// is such an account.
#[server]
pub async fn request_password_reset(login: String) -> Result<String, AppError> {
    use crate::server::auth::reset;
    use crate::server::run::context;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    match reset::request(&state.auth(), &login, &meta).await {
        Ok(()) => Ok(reset::ASKED.to_owned()),
        Err(AppError::RateLimited(s)) => Err(super::auth::ssr::too_many(s)),
        Err(e) => Err(e),
    }
}

/// Sets a new password with a mailed link; every session ends, and the
/// browser goes on to sign in.
#[server]
pub async fn reset_password(token: String, new_password: Password) -> Result<(), AppError> {
    use crate::server::auth::reset;
    use crate::server::run::context;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    reset::reset(&state.auth(), token.trim(), new_password, &meta).await?;
    leptos_axum::redirect("/login?reset=done");
    Ok(())
}

/// Whether a password-reset link still works (the page says so before
/// asking for a password).
#[server]
pub async fn check_reset_link(token: String) -> Result<(), AppError> {
    use crate::server::auth::links;

    use crate::server::run::context;
    let state = context::state()?;
    links::peek(
        &state.db,
        links::Purpose::ResetPassword,
        token.trim(),
        state.db.now(),
    )
    .await?;
    Ok(())
}

/// The address a confirmation link is for, while the link works.
#[server]
pub async fn check_email_link(token: String) -> Result<String, AppError> {
    use crate::server::auth::links;

    use crate::server::run::context;
    let state = context::state()?;
    let link = links::peek(
        &state.db,
        links::Purpose::VerifyEmail,
        token.trim(),
        state.db.now(),
    )
    .await?;
    link.email
        .ok_or_else(|| AppError::invalid("token", links::NOT_VALID))
}

/// Opens a confirmation link: the address becomes the account's.
#[server]
pub async fn confirm_email(token: String) -> Result<String, AppError> {
    use crate::server::auth::verify;
    use crate::server::run::context;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let signed_in = context::session().await?.map(|s| s.user.id);
    let email = verify::confirm(&state.auth(), token.trim(), signed_in, &meta).await?;
    leptos_axum::redirect(if signed_in.is_some() {
        "/settings/profile?confirmed=1"
    } else {
        "/login?confirmed=1"
    });
    Ok(email)
}

/// Mails the address waiting to be confirmed a new link; returns it.
#[server]
pub async fn resend_email_confirmation() -> Result<String, AppError> {
    use crate::server::auth::verify;
    use crate::server::run::context;
    let s = context::require_session().await?;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    verify::resend(&state.auth(), s.user.id, &meta).await
}

/// Gives up a change of address that was not confirmed.
#[server]
pub async fn cancel_email_change() -> Result<(), AppError> {
    use crate::server::auth::links;
    use crate::server::run::context;
    let s = context::require_session().await?;
    let state = context::state()?;
    if !s.user.email_verified {
        return Err(AppError::conflict(
            crate::error::Reason::EmailUnconfirmed,
            "Your address is not confirmed yet: confirm it, or change it on this page.",
        ));
    }
    links::cancel(&state.db, s.user.id, links::Purpose::VerifyEmail).await?;
    Ok(())
}
