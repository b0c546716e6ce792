//! The Tokens page: list, generate, save, regenerate, deactivate/activate,
//! delete.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::rotation::RegeneratedToken;
use crate::model::secret::Password;
use crate::model::token::{GeneratedToken, TokenView, TokensPage};

/// An account whose address is not confirmed yet makes no tokens.
#[cfg(feature = "ssr")]
fn require_confirmed(user: &crate::model::user::CurrentUser) -> Result<(), AppError> {
    if user.email_verified {
        Ok(())
    } else {
        Err(AppError::conflict(
            crate::error::Reason::EmailUnconfirmed,
            format!(
                "Confirm your email address first: open the link we sent to {}. \
             Profile can send it again.",
                user.email
            ),
        ))
    }
}

/// The user's tokens and the operator's policy.
#[server]
pub async fn list_tokens() -> Result<TokensPage, AppError> {
    use crate::server::run::context;
    use crate::server::tokens;
    let state = context::state()?;
    let s = context::require_session().await?;
    // Last-used times are written with the audit batch: show current ones.
    state.audit.flush().await;
    Ok(TokensPage {
        tokens: tokens::list(&state.db, s.user.id).await?,
        policy: state.settings.policy,
        platform: state.settings.platform.scopes.clone(),
        now: state.db.now(),
    })
}

/// Generates a token for the *API token* field. It is not valid until saved;
/// the server remembers only its hash, for this session, until then.
#[server]
pub async fn generate_token() -> Result<GeneratedToken, AppError> {
    use crate::server::kernel::token_secret::PlainToken;
    use crate::server::run::context;
    use crate::server::tokens;
    let state = context::state()?;
    let s = context::require_session().await?;
    require_confirmed(&s.user)?;
    let max = state.settings.policy.max_per_user;
    if tokens::count(&state.db, s.user.id).await? >= i64::from(max) {
        return Err(AppError::conflict(
            crate::error::Reason::TokenLimit,
            crate::model::token::limit_notice(max),
        ));
    }
    let token = PlainToken::generate(&state.settings.token_prefix);
    tokens::set_pending(&state.db, s.id, &token).await?;
    Ok(GeneratedToken {
        secret: token.expose().to_owned(),
    })
}

/// Saves the generated token: from now on it authenticates the API.
/// `scopes`: scope names separated by spaces, at least one (the form
/// offers the `:read` ones by default).
#[server]
pub async fn save_token(
    secret: Password,
    name: String,
    expiry: String,
    expires_on: String,
    scopes: String,
) -> Result<TokenView, AppError> {
    use crate::model::{audit::AuditAction, token::Expiry, validate};
    use crate::server::events::NewEvent;
    use crate::server::kernel::token_secret::PlainToken;
    use crate::server::run::context;
    use crate::server::tokens;

    let state = context::state()?;
    let s = context::require_session().await?;
    require_confirmed(&s.user)?;
    let name = validate::token_name(&name)?;
    let (scopes, platform_scopes) = state.settings.platform.split_scopes(&scopes)?;
    let expires_at =
        Expiry::parse(&expiry, &expires_on)?.resolve(state.db.now(), &state.settings.policy)?;
    let generate_first = || AppError::invalid("secret", "Press Generate to create a token first.");
    let token = PlainToken::parse(secret.expose().trim(), &state.settings.token_prefix)
        .ok_or_else(generate_first)?;
    if !tokens::take_pending(&state.db, s.id, &token).await? {
        return Err(generate_first());
    }
    let prefix = &state.settings.token_prefix;
    let meta = context::ClientMeta::of(&context::parts()?);
    let saved = tokens::insert(
        &state.db,
        s.user.id,
        tokens::NewToken {
            name: &name,
            token: &token,
            prefix,
            expires_at,
            scopes,
            platform_scopes: &platform_scopes,
        },
        state.settings.policy.max_per_user,
        NewEvent::new(s.user.id, AuditAction::TokenCreated).client(&meta),
    )
    .await;
    let id = match saved {
        Ok(id) => id,
        Err(e) => {
            // Refused (the limit was reached meanwhile) or failed: the
            // generated token stays pending, so a retry needs no new one.
            tokens::set_pending(&state.db, s.id, &token).await?;
            return Err(e);
        }
    };
    tokens::get(&state.db, s.user.id, id).await
}

/// Gives a token a new secret, shown once; the old one keeps working for
/// `grace` seconds (0: it stops at once).
#[server]
pub async fn regenerate_token(id: i64, grace: i64) -> Result<RegeneratedToken, AppError> {
    use crate::model::{audit::AuditAction, rotation};
    use crate::server::events::NewEvent;
    use crate::server::run::context;
    use crate::server::tokens;
    let state = context::state()?;
    let s = context::require_session().await?;
    let grace = rotation::grace(grace)?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::TokenRegenerated).client(&meta);
    let r = tokens::rotate(&state.db, &state.settings, s.user.id, id, grace, event).await?;
    Ok(RegeneratedToken {
        secret: r.secret.expose().to_owned(),
        token: r.token,
        old_valid_until: r.old_valid_until,
    })
}

/// Deactivates (`active = false`) or activates a token.
#[server]
pub async fn set_token_active(id: i64, active: bool) -> Result<TokenView, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::run::context;
    use crate::server::tokens;
    let state = context::state()?;
    let s = context::require_session().await?;
    let action = if active {
        AuditAction::TokenActivated
    } else {
        AuditAction::TokenDeactivated
    };
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, action).client(&meta);
    tokens::set_active(&state.db, s.user.id, id, active, event).await
}

/// Deletes a token for good.
#[server]
pub async fn delete_token(id: i64) -> Result<(), AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::run::context;
    use crate::server::tokens;
    let state = context::state()?;
    let s = context::require_session().await?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::TokenDeleted).client(&meta);
    tokens::delete(&state.db, s.user.id, id, event).await?;
    Ok(())
}
