//! One-time links sent by mail: confirming an email address (24 hours)
//! and setting a new password (30 minutes). Only the SHA-256 of a link's
//! secret is stored; the secret travels sealed in the outbox until the mail
//! is sent. Each link works once. A new address to confirm replaces the
//! one waiting; a new reset link leaves the earlier ones working (someone
//! else asking must not break the link the owner is about to open), and
//! setting the password with one ends them all.

use rand::RngCore;
use sha2::{Digest, Sha256};

use crate::error::{AppError, Reason};
use crate::model::notice::Kind;
use crate::server::db::{Db, Tx};
use crate::server::events::{Notice, NoticeData};
use crate::server::kernel::secret_box::{to_hex, SecretBox};
use crate::{on_db, on_tx};

/// What a link is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    VerifyEmail,
    ResetPassword,
}

impl Purpose {
    fn as_str(self) -> &'static str {
        match self {
            Purpose::VerifyEmail => "verify_email",
            Purpose::ResetPassword => "reset_password",
        }
    }

    /// How long a link stays valid.
    pub fn valid_secs(self) -> i64 {
        match self {
            Purpose::VerifyEmail => 24 * 3600,
            Purpose::ResetPassword => 30 * 60,
        }
    }

    fn kind(self) -> Kind {
        match self {
            Purpose::VerifyEmail => Kind::VerifyEmail,
            Purpose::ResetPassword => Kind::PasswordReset,
        }
    }
}

pub const NOT_VALID: &str =
    "This link is not valid. Check that you opened all of it, or ask for a new one.";
pub const USED: &str = "This link was already used. Ask for a new one if you still need it.";
pub const EXPIRED: &str = "This link has expired. Ask for a new one.";

/// A link's secret: 32 random bytes as 64 hex digits.
pub(crate) fn new_secret() -> String {
    let mut raw = [0u8; 32];
    rand::rng().fill_bytes(&mut raw);
    to_hex(&raw)
}

pub(crate) fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Makes a link for `user_id` in `tx` and the notice that mails it: a
/// confirmation to the address it is for (`email`), a reset to the
/// account's address. With `replace`, their unused links of `purpose` end
/// (a new address to confirm replaces the one waiting; reset links add
/// up). `data` says who asked (its time is the link's).
pub async fn create(
    tx: &mut Tx,
    keys: &SecretBox,
    user_id: i64,
    purpose: Purpose,
    email: Option<&str>,
    data: NoticeData,
    replace: bool,
) -> Result<Notice, AppError> {
    let now = if data.at == 0 { tx.now() } else { data.at };
    let to = match purpose {
        Purpose::VerifyEmail => email,
        Purpose::ResetPassword => None,
    };
    let secret = new_secret();
    if replace {
        drop_unused(tx, user_id, purpose).await?;
    }
    on_tx!(&mut *tx, c => sqlx::query(
        "INSERT INTO account_links (token_hash, user_id, purpose, email, created_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash(&secret))
    .bind(user_id)
    .bind(purpose.as_str())
    .bind(email)
    .bind(now)
    .bind(now + purpose.valid_secs())
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(Notice {
        user_id: Some(user_id),
        kind: purpose.kind(),
        to: to.map(str::to_owned),
        data: NoticeData {
            at: now,
            email: email.map(str::to_owned),
            valid_minutes: Some(purpose.valid_secs() / 60),
            ..data
        },
        link_sealed: Some(keys.seal(user_id, &secret)?),
    })
}

/// Makes a link in `tx` (see [`create`]) for a request from `meta`, queues
/// its mail, commits, and wakes the mail worker.
pub async fn send(
    mut tx: Tx,
    keys: &SecretBox,
    user_id: i64,
    purpose: Purpose,
    email: Option<&str>,
    meta: &crate::server::kernel::client::ClientMeta,
) -> Result<(), AppError> {
    let data = NoticeData {
        ip: meta.ip.clone(),
        agent: meta.user_agent.clone(),
        ..NoticeData::default()
    };
    let replace = purpose == Purpose::VerifyEmail;
    let notice = create(&mut tx, keys, user_id, purpose, email, data, replace).await?;
    crate::server::events::queue(&mut tx, &[notice]).await?;
    tx.commit().await?;
    crate::server::events::wake();
    Ok(())
}

/// A link that still works: whose it is, and the address it confirms.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Link {
    pub user_id: i64,
    pub email: Option<String>,
}

/// The row of a link that did not work, if it has one.
#[derive(sqlx::FromRow)]
pub(crate) struct Found {
    used_at: Option<i64>,
    expires_at: i64,
}

/// Why a link does not work, in the page's words for each case (`[not
/// valid, used, expired]`), from what was `found` of it.
pub(crate) fn refused(
    found: Result<Option<Found>, sqlx::Error>,
    now: i64,
    [not_valid, used, expired]: [&str; 3],
) -> AppError {
    let (reason, message) = match found {
        Ok(Some(f)) if f.used_at.is_some() => (Reason::LinkUsed, used),
        Ok(Some(f)) if f.expires_at <= now => (Reason::LinkExpired, expired),
        Ok(_) => (Reason::LinkNotValid, not_valid),
        Err(e) => return e.into(),
    };
    AppError::invalid("token", message).because(reason)
}

/// Why a link does not work, in words for the page.
async fn refusal(db: &Db, purpose: Purpose, secret: &str, now: i64) -> AppError {
    let found = on_db!(db, p => sqlx::query_as(
        "SELECT used_at, expires_at FROM account_links WHERE token_hash = $1 AND purpose = $2",
    )
    .bind(hash(secret))
    .bind(purpose.as_str())
    .fetch_optional(p)
    .await);
    refused(found, now, [NOT_VALID, USED, EXPIRED])
}

pub(crate) fn well_formed(secret: &str) -> bool {
    secret.len() == 64 && secret.bytes().all(|b| b.is_ascii_hexdigit())
}

/// The link `secret` opens, if it still works (without using it).
pub async fn peek(db: &Db, purpose: Purpose, secret: &str, now: i64) -> Result<Link, AppError> {
    if !well_formed(secret) {
        return Err(AppError::invalid("token", NOT_VALID));
    }
    let link: Option<Link> = on_db!(db, p => sqlx::query_as(
        "SELECT user_id, email FROM account_links
         WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
    )
    .bind(hash(secret))
    .bind(purpose.as_str())
    .bind(now)
    .fetch_optional(p)
    .await)?;
    match link {
        Some(l) => Ok(l),
        None => Err(refusal(db, purpose, secret, now).await),
    }
}

/// Uses the link `secret` in `tx`: it works this once.
pub async fn take(
    db: &Db,
    tx: &mut Tx,
    purpose: Purpose,
    secret: &str,
    now: i64,
) -> Result<Link, AppError> {
    if !well_formed(secret) {
        return Err(AppError::invalid("token", NOT_VALID));
    }
    let link: Option<Link> = on_tx!(&mut *tx, c => sqlx::query_as(
        "UPDATE account_links SET used_at = $1
         WHERE token_hash = $2 AND purpose = $3 AND used_at IS NULL AND expires_at > $1
         RETURNING user_id, email",
    )
    .bind(now)
    .bind(hash(secret))
    .bind(purpose.as_str())
    .fetch_optional(c)
    .await)?;
    match link {
        Some(l) => Ok(l),
        None => Err(refusal(db, purpose, secret, now).await),
    }
}

/// The address waiting to be confirmed, and when its link was made.
pub async fn pending_email(db: &Db, user_id: i64) -> Result<Option<(String, i64)>, AppError> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT email, created_at FROM account_links
         WHERE user_id = $1 AND purpose = 'verify_email' AND used_at IS NULL AND email IS NOT NULL
         ORDER BY created_at DESC LIMIT 1",
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?)
}

/// Forgets the person's unused links of `purpose` in `tx`.
pub async fn drop_unused(tx: &mut Tx, user_id: i64, purpose: Purpose) -> Result<u64, AppError> {
    Ok(on_tx!(&mut *tx, c => sqlx::query(
        "DELETE FROM account_links WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?)
}

/// Forgets the person's unused links of `purpose`; returns how many.
pub async fn cancel(db: &Db, user_id: i64, purpose: Purpose) -> Result<u64, AppError> {
    Ok(on_db!(db, p => sqlx::query(
        "DELETE FROM account_links WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(purpose.as_str())
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?)
}
