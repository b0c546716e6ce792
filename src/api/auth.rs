//! Sign-up, sign-in, sign-out and "who am I".

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::secret::Password;
use crate::model::user::CurrentUser;

#[cfg(feature = "ssr")]
pub(crate) mod ssr {
    use axum::http::{header, HeaderValue};
    use leptos::prelude::expect_context;
    use leptos_axum::ResponseOptions;

    pub fn set_cookie(value: HeaderValue) {
        expect_context::<ResponseOptions>().append_header(header::SET_COOKIE, value);
    }

    /// Signs a new account in (ending the browser's earlier session: one
    /// session each) and goes to its profile.
    pub async fn start_session(
        state: &crate::server::state::AppState,
        user_id: i64,
        meta: &crate::server::kernel::client::ClientMeta,
    ) -> Result<(), crate::error::AppError> {
        use crate::server::auth::{device, session};
        use crate::server::run::context;
        let cookie = session::start(
            &state.db,
            &state.settings,
            user_id,
            meta.ip.as_deref(),
            meta.user_agent.as_deref(),
            &[],
        )
        .await?;
        if let Some(earlier) = context::session().await? {
            session::end(&state.db, earlier.id, &[]).await?;
        }
        set_cookie(cookie);
        if let Some(known) = device::cookie(&device::new(user_id), &state.settings, &state.secrets)
        {
            set_cookie(known);
        }
        leptos_axum::redirect("/settings/profile");
        Ok(())
    }

    /// Answers 429 with `Retry-After`.
    pub fn too_many(retry_after: u64) -> crate::error::AppError {
        let res = expect_context::<ResponseOptions>();
        res.set_status(axum::http::StatusCode::TOO_MANY_REQUESTS);
        if let Ok(v) = HeaderValue::from_str(&retry_after.to_string()) {
            res.insert_header(header::RETRY_AFTER, v);
        }
        crate::error::AppError::RateLimited(retry_after)
    }
}

/// The signed-in user, if any.
#[server]
pub async fn get_me() -> Result<Option<CurrentUser>, AppError> {
    use crate::server::notify;
    use crate::server::run::context;
    let Some(s) = context::session().await? else {
        return Ok(None);
    };
    let state = context::state()?;
    let mut user = s.user;
    user.unread_notices = notify::unread(&state.db, user.id).await?;
    Ok(Some(user))
}

/// Whether sign-up is open on this server.
#[server]
pub async fn signup_open() -> Result<bool, AppError> {
    Ok(crate::server::run::context::state()?.settings.allow_signup)
}

/// Creates an account and signs it in; with a mail server, mails the
/// address instead (see `server::signup`) and answers the same whether or
/// not an account has it.
#[server]
pub async fn signup(handle: String, email: String, password: Password) -> Result<(), AppError> {
    use crate::server::auth::signup;
    use crate::server::run::context;

    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    match signup::sign_up(&state.auth(), &handle, &email, password, &meta).await {
        Ok(signup::SignedUp::Mailed) => {
            leptos_axum::redirect("/signup/sent");
            Ok(())
        }
        Ok(signup::SignedUp::Created(user_id)) => ssr::start_session(&state, user_id, &meta).await,
        Err(AppError::RateLimited(s)) => Err(ssr::too_many(s)),
        Err(e) => Err(e),
    }
}

/// The handle and address a sign-up link is for, while it works.
#[server]
pub async fn check_signup_link(token: String) -> Result<(String, String), AppError> {
    use crate::server::auth::signup;

    use crate::server::run::context;
    let state = context::state()?;
    let pending = signup::peek(&state.db, token.trim(), state.db.now()).await?;
    Ok((pending.handle, pending.email))
}

/// Finishes a sign-up with its mailed link and the password chosen, and
/// signs the new account in.
#[server]
pub async fn finish_signup(token: String, password: Password) -> Result<(), AppError> {
    use crate::server::auth::signup;
    use crate::server::run::context;
    let state = context::state()?;
    if !state.settings.allow_signup {
        return Err(AppError::Forbidden);
    }
    let meta = context::ClientMeta::of(&context::parts()?);
    match signup::finish(&state.auth(), token.trim(), password, &meta).await {
        Ok(user_id) => ssr::start_session(&state, user_id, &meta).await,
        Err(AppError::RateLimited(s)) => Err(ssr::too_many(s)),
        Err(e) => Err(e),
    }
}

/// Signs in with a handle or email and a password. Every failure gives the
/// same message, so it never tells which part was wrong.
#[server]
pub async fn login(login: String, password: Password) -> Result<(), AppError> {
    use crate::server::auth::{device, sign_in};
    use crate::server::run::context;

    let state = context::state()?;
    let parts = context::parts()?;
    let meta = context::ClientMeta::of(&parts);
    let known = device::read(&parts.headers, &state.settings, &state.secrets);
    let replacing = context::session().await?.map(|s| s.id);
    match sign_in::sign_in(&state.auth(), &login, password, &meta, replacing, known).await {
        Ok(signed_in) => {
            ssr::set_cookie(signed_in.session);
            if let Some(device) = signed_in.device {
                ssr::set_cookie(device);
            }
            leptos_axum::redirect("/settings/profile");
            Ok(())
        }
        Err(AppError::RateLimited(retry_after)) => Err(ssr::too_many(retry_after)),
        Err(e) => Err(e),
    }
}

/// Ends the session on the server and clears the cookie.
#[server]
pub async fn logout() -> Result<(), AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::auth::session;
    use crate::server::events::NewEvent;
    use crate::server::run::context;

    let state = context::state()?;
    if let Some(s) = context::session().await? {
        let meta = context::ClientMeta::of(&context::parts()?);
        let event = NewEvent::new(s.user.id, AuditAction::SignOut).client(&meta);
        session::end(&state.db, s.id, &[event]).await?;
    }
    ssr::set_cookie(session::clearing_cookie(&state.settings));
    leptos_axum::redirect("/login");
    Ok(())
}
