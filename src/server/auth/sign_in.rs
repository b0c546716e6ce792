//! Signing in with a handle or email and a password: the limits, the one
//! generic refusal, a new session and the audit, in one place.
//! `api::auth::login` only adapts it to the browser (cookies, 429, redirect).

use axum::http::HeaderValue;

use super::deps::Deps;
use super::device::{self, Device};
use super::{limiter, session};
use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::model::secret::Password;
use crate::on_db;
use crate::server::db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::identity::users;
use crate::server::kernel::client::ClientMeta;

/// How long an address the account signed in from stays familiar.
const NEW_SIGN_IN_SECS: i64 = 90 * 86_400;

/// Every failed sign-in says this, so it never tells which part was wrong.
pub const GENERIC: &str = "Invalid email, handle or password";

/// The cookies a successful sign-in sets: the new session, and the device
/// cookie that makes the browser known to the account.
pub struct SignedIn {
    pub session: HeaderValue,
    pub device: Option<HeaderValue>,
}

/// Signs in. `replacing` is the session the browser had (it ends: a new id
/// at every sign-in); `known` the device its cookie names, if any. A limit
/// reached is [`AppError::RateLimited`], anything else wrong the
/// [`GENERIC`] refusal.
pub async fn sign_in(
    state: &Deps<'_>,
    login: &str,
    password: Password,
    meta: &ClientMeta,
    replacing: Option<i64>,
    known: Option<Device>,
) -> Result<SignedIn, AppError> {
    let refused = || AppError::invalid("login", GENERIC).because(Reason::BadCredentials);
    let now = state.db.now();
    let too_long = login.len() > 254 || password.expose().chars().count() > 128;
    let row = if too_long {
        None
    } else {
        users::find_for_login(state.db, login).await?
    };
    // The browser counts as itself only for the account it signed in to.
    let known = known.filter(|d| row.as_ref().is_some_and(|r| r.id == d.user_id));
    let keys = limiter::sign_in_keys(
        login,
        row.as_ref().map(|r| r.id),
        meta.ip.as_deref(),
        known.as_ref().map(|d| d.id.as_str()),
    );
    // Counted before the hash, in one statement: a burst gets no more
    // guesses through than the limit.
    let verdict = state.login_limiter.take(&keys, now).await?;
    if let Some(retry_after) = verdict.retry_after {
        return Err(AppError::RateLimited(retry_after));
    }
    if too_long {
        return Err(refused());
    }
    // Strangers' guessing at this account slows browsers it does not know,
    // never refusing the right password.
    if known.is_none() {
        if let Some(wait) = limiter::slow_down(verdict.unlimited_failures) {
            tokio::time::sleep(wait).await;
        }
    }
    // The hash is checked even for an unknown account (against a dummy), so
    // the time taken tells nothing either. A server too busy to check it
    // gives the attempt back.
    let stored = row.as_ref().map(|r| r.password_hash.clone());
    let ok = match state.hasher.verify(password.0, stored).await {
        Ok(ok) => ok,
        Err(e) => {
            state.login_limiter.give_back(&keys).await?;
            return Err(e);
        }
    };
    match row {
        Some(r) if ok && !r.disabled => {
            state.login_limiter.succeed(&keys).await?;
            if let Some(old) = replacing {
                session::end(state.db, old, &[]).await?;
            }
            // A browser the account does not know, from an address it has
            // not signed in from lately: the owner hears of it.
            let mut event = NewEvent::new(r.id, AuditAction::SignIn).client(meta);
            if known.is_none()
                && !signed_in_from(state.db, r.id, meta.ip.as_deref(), now - NEW_SIGN_IN_SECS)
                    .await?
            {
                event = event.notify(Kind::NewSignIn);
            }
            let session = session::start(
                state.db,
                state.settings,
                r.id,
                meta.ip.as_deref(),
                meta.user_agent.as_deref(),
                &[event],
            )
            .await?;
            let device = known.unwrap_or_else(|| device::new(r.id));
            Ok(SignedIn {
                session,
                device: device::cookie(&device, state.settings, state.secrets),
            })
        }
        Some(r) => {
            let event = NewEvent::new(r.id, AuditAction::SignInFailed).client(meta);
            events::write(state.db, &[event]).await?;
            Err(refused())
        }
        None => Err(refused()),
    }
}

/// Whether the account signed up or signed in from `ip` since `since`.
async fn signed_in_from(
    db: &db::Db,
    id: i64,
    ip: Option<&str>,
    since: i64,
) -> Result<bool, AppError> {
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM audit_events
         WHERE user_id = $1 AND action IN ('sign_in', 'sign_up') AND ip IS NOT DISTINCT FROM $2
           AND created_at > $3
         LIMIT 1",
    )
    .bind(id)
    .bind(ip)
    .bind(since)
    .fetch_optional(p)
    .await)?
    .is_some())
}
