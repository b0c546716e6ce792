//! Sign-up by mail (SPEC §12). With a mail server, signing up answers the
//! same whether or not an account has the address, and makes no account
//! yet:
//!
//! - an address no account has gets a link (24 hours, once) to a page
//!   where the password chosen is typed again, and the account is made;
//! - an address an account has gets a mail telling its owner (who may have
//!   forgotten), and nothing else happens.
//!
//! Asking for the password again on the link's page means a sign-up someone
//! else made with this address (and their password) cannot become an
//! account in its owner's name just because the owner opened the mail.
//! Each link keeps its own handle and password; none replaces another.
//! Mails to one address are limited per window, per source and in all
//! (ignoring case), whether or not an account has it; past a limit the
//! answer is the same and nothing is sent, so the limit tells nothing
//! either, and strangers at one address cannot use up the owner's mails.

use super::deps::Deps;
use super::limiter;
use super::links;
use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::model::secret::Password;
use crate::model::validate;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::events::{Notice, NoticeData};
use crate::server::identity::users::{self, NewAccount};
use crate::server::kernel::client::ClientMeta;
use crate::server::kernel::password;
use crate::server::kernel::secret_box::NO_ACCOUNT;
use crate::{on_db, on_tx};

/// How long a sign-up link works.
pub const VALID_SECS: i64 = 24 * 3600;

pub const NOT_VALID: &str =
    "This link is not valid. Check that you opened all of it, or sign up again.";
pub const USED: &str = "This link was already used, and its account made. Sign in.";
pub const EXPIRED: &str = "This link has expired. Sign up again.";
pub const WRONG_PASSWORD: &str = "That is not the password you chose when you signed up.";
pub const EMAIL_GONE: &str =
    "An account with this address was made after this link was sent. Sign in instead.";

fn handle_gone(handle: &str) -> String {
    format!("While this link waited, the handle {handle} was taken. Sign up again with another.")
}

/// A sign-up waiting for its link. The password's hash stays out of `Debug`.
#[derive(Clone, sqlx::FromRow)]
pub struct Pending {
    pub handle: String,
    pub email: String,
    password_hash: String,
}

impl std::fmt::Debug for Pending {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending")
            .field("handle", &self.handle)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// What a sign-up did.
#[derive(Debug, PartialEq, Eq)]
pub enum SignedUp {
    /// The address was mailed (with a mail server): see [`request`].
    Mailed,
    /// The account was made (without one), with this id.
    Created(i64),
}

/// Signs up from `/signup`. Every attempt counts against its source
/// address before anything else (each costs a password hash), in one
/// statement, so a burst makes no more accounts than the limit.
pub async fn sign_up(
    state: &Deps<'_>,
    handle: &str,
    email: &str,
    password: Password,
    meta: &ClientMeta,
) -> Result<SignedUp, AppError> {
    if !state.settings.allow_signup {
        return Err(AppError::Forbidden);
    }
    let keys = limiter::sign_up_keys(meta.ip.as_deref(), state.settings.signups_per_address);
    state.limit(&keys).await?;
    let handle = validate::handle(handle)?;
    let email = validate::email(email)?;
    password::check_new(password.expose(), "password")?;
    let hashed = if state.mailer.is_some() {
        request(state, &handle, &email, password, meta)
            .await
            .map(|()| SignedUp::Mailed)
    } else {
        match state.hasher.hash(password.0).await {
            Ok(hash) => users::create(
                state.db,
                &handle,
                &email,
                &hash,
                false,
                &Default::default(),
                |id| vec![NewEvent::new(id, AuditAction::SignUp).client(meta)],
            )
            .await
            .map(SignedUp::Created),
            Err(e) => Err(e),
        }
    };
    // A server too busy to hash gives the attempt back.
    if let Err(AppError::Busy(_)) = hashed {
        state.login_limiter.give_back(&keys).await?;
    }
    hashed
}

/// Takes a sign-up of `handle` (free, checked here), `email` and
/// `password` (both valid) and mails the address: a link when no account
/// has it, a word to its owner when one does. Answers the same either way,
/// also past the limit of mails to the address, when it sends nothing.
pub async fn request(
    state: &Deps<'_>,
    handle: &str,
    email: &str,
    password: Password,
    meta: &ClientMeta,
) -> Result<(), AppError> {
    let db = &state.db;
    users::check_handle_free(db, handle, state.db.now()).await?;
    // Hashed whether or not an account has the address, and whether or not
    // anything is sent, so every answer takes as long.
    let hash = state.hasher.hash(password.0).await?;
    let at = state.db.now();
    let keys = limiter::sign_up_mail_keys(email, meta.ip.as_deref());
    if state
        .login_limiter
        .take(&keys, at)
        .await?
        .retry_after
        .is_some()
    {
        return Ok(());
    }
    let data = NoticeData {
        at,
        ip: meta.ip.clone(),
        agent: meta.user_agent.clone(),
        email: Some(email.to_owned()),
        ..NoticeData::default()
    };
    let owner: Option<i64> = on_db!(db, p => sqlx::query_scalar(
        "SELECT id FROM users WHERE lower(email) = lower($1)",
    )
    .bind(email)
    .fetch_optional(p)
    .await)?;
    if let Some(owner) = owner {
        return events::send(db, &[Notice::new(owner, Kind::SignUpAttempt, data)]).await;
    }
    let secret = links::new_secret();
    let mut tx = db.begin().await?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO signup_links (token_hash, handle, email, password_hash, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(links::hash(&secret))
    .bind(handle)
    .bind(email)
    .bind(&hash)
    .bind(at)
    .bind(at + VALID_SECS)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let notice = Notice {
        user_id: None,
        kind: Kind::FinishSignUp,
        to: Some(email.to_owned()),
        data: NoticeData {
            handle: Some(handle.to_owned()),
            valid_minutes: Some(VALID_SECS / 60),
            ..data
        },
        link_sealed: Some(state.secrets.seal(NO_ACCOUNT, &secret)?),
    };
    events::queue(&mut tx, &[notice]).await?;
    tx.commit().await?;
    events::wake();
    Ok(())
}

/// Why a link does not work, in words for the page.
async fn refusal(db: &Db, secret: &str, now: i64) -> AppError {
    let found = on_db!(db, p => sqlx::query_as(
        "SELECT used_at, expires_at FROM signup_links WHERE token_hash = $1",
    )
    .bind(links::hash(secret))
    .fetch_optional(p)
    .await);
    links::refused(found, now, [NOT_VALID, USED, EXPIRED])
}

/// The sign-up the link `secret` finishes, if it still works.
pub async fn peek(db: &Db, secret: &str, now: i64) -> Result<Pending, AppError> {
    if !links::well_formed(secret) {
        return Err(AppError::invalid("token", NOT_VALID).because(Reason::LinkNotValid));
    }
    let found: Option<Pending> = on_db!(db, p => sqlx::query_as(
        "SELECT handle, email, password_hash FROM signup_links
         WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2",
    )
    .bind(links::hash(secret))
    .bind(now)
    .fetch_optional(p)
    .await)?;
    match found {
        Some(p) => Ok(p),
        None => Err(refusal(db, secret, now).await),
    }
}

/// Finishes the sign-up of the link `secret` when `password` is the one
/// chosen: the account is made (its address confirmed; the first account
/// an administrator), the link used, and other links to the address
/// dropped. Returns the new account's id.
pub async fn finish(
    state: &Deps<'_>,
    secret: &str,
    password: Password,
    meta: &ClientMeta,
) -> Result<i64, AppError> {
    let db = &state.db;
    let pending = peek(db, secret, state.db.now()).await?;
    let keys = limiter::sign_up_finish_keys(secret);
    state.limit(&keys).await?;
    let hash = pending.password_hash.clone();
    let right = match state.hasher.verify(password.0, Some(hash)).await {
        Ok(right) => right,
        Err(e) => {
            state.login_limiter.give_back(&keys).await?;
            return Err(e);
        }
    };
    if !right {
        return Err(AppError::invalid("password", WRONG_PASSWORD).because(Reason::WrongPassword));
    }
    let at = state.db.now();
    let mut tx = events::begin_accounts(db).await?;
    let used = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE signup_links SET used_at = $1
         WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(at)
    .bind(links::hash(secret))
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    if used != 1 {
        drop(tx);
        return Err(refusal(db, secret, at).await);
    }
    let empty = String::new();
    let new = NewAccount {
        handle: &pending.handle,
        email: &pending.email,
        password_hash: &pending.password_hash,
        force_admin: false,
        names: [&empty, &empty, &empty],
    };
    let id = match users::insert(&mut tx, &new, at).await {
        Ok(Some(id)) => id,
        Ok(None) => {
            return Err(AppError::invalid("token", handle_gone(&pending.handle))
                .because(Reason::HandleTaken))
        }
        Err(e) => {
            drop(tx);
            return Err(match users::clash(db, e, Some(&pending.handle)).await {
                e if e.reason() == Some(Reason::HandleTaken) => {
                    AppError::invalid("token", handle_gone(&pending.handle))
                        .because(Reason::HandleTaken)
                }
                e if e.reason() == Some(Reason::EmailTaken) => {
                    AppError::invalid("token", EMAIL_GONE).because(Reason::EmailTaken)
                }
                other => other,
            });
        }
    };
    // Other sign-ups of this address can no longer finish.
    on_tx!(&mut tx, c => sqlx::query(
        "DELETE FROM signup_links WHERE lower(email) = lower($1) AND used_at IS NULL",
    )
    .bind(&pending.email)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let event = NewEvent::new(id, AuditAction::SignUp)
        .client(meta)
        .detail("Address confirmed by the link mailed to it");
    events::commit(tx, &[event]).await?;
    Ok(id)
}

/// Forgets sign-up links a day after they stopped working, and the mails
/// that carried them two days after they were sent (no account holds that
/// address, so it is not kept the 180 days other notices are); returns how
/// many links.
pub async fn purge(db: &Db, now: i64) -> Result<u64, AppError> {
    let n = on_db!(db, p => sqlx::query("DELETE FROM signup_links WHERE expires_at < $1")
        .bind(now - 86_400)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?;
    on_db!(db, p => sqlx::query(
        "DELETE FROM notices WHERE kind = $1 AND state != 'queued' AND created_at < $2",
    )
    .bind(Kind::FinishSignUp.as_str())
    .bind(now - 2 * 86_400)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(n)
}
