//! Confirming an email address (SPEC §12): a new address takes effect
//! only once the link mailed to it is opened; until then the account keeps
//! the old one. (A new account's first address is confirmed before the
//! account exists: see `server::signup`.)

use super::deps::Deps;
use super::limiter;
use super::links::{self, Purpose};
use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;

use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::events::{Notice, NoticeData};
use crate::server::identity::users::clash;
use crate::server::kernel::client::ClientMeta;
use crate::{on_db, on_tx};

/// How soon another confirmation mail may be asked for.
pub const RESEND_AFTER_SECS: i64 = 60;

/// The refusal of a link opened while signed in to another account.
pub const OTHER_ACCOUNT: &str = "This link is for another account. Sign out, then open it again.";

/// Counts a change of address `user_id` asks for (429 past the limit):
/// each one mails, or says whether an account has the address.
pub async fn count_change(state: &Deps<'_>, user_id: i64) -> Result<(), AppError> {
    let keys = limiter::email_change_keys(user_id);
    state.limit(&keys).await
}

/// Makes a confirmation link for `email`; the account's address changes
/// once it is opened. The answer is the same whether or not another
/// account has the address (ignoring case): then its owner is told
/// instead, and the link, never mailed, cannot be opened. Past the limit
/// of mails to the address, nothing is sent either.
pub async fn request(
    state: &Deps<'_>,
    user_id: i64,
    email: &str,
    meta: &ClientMeta,
) -> Result<(), AppError> {
    let at = state.db.now();
    let owner = on_db!(&state.db, p => sqlx::query_scalar::<_, i64>(
        "SELECT id FROM users WHERE lower(email) = lower($1) AND id != $2",
    )
    .bind(email)
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    let keys = limiter::confirmation_keys(email);
    // (Counted whether or not an account has the address.)
    let over = state
        .login_limiter
        .take(&keys, at)
        .await?
        .retry_after
        .is_some();
    let data = NoticeData {
        at,
        ip: meta.ip.clone(),
        agent: meta.user_agent.clone(),
        ..NoticeData::default()
    };
    let mut tx = state.db.begin().await?;
    let link = links::create(
        &mut tx,
        state.secrets,
        user_id,
        Purpose::VerifyEmail,
        Some(email),
        data.clone(),
        // Past the limit nothing is mailed: the link mailed before keeps
        // working.
        !over,
    )
    .await?;
    let notice = match owner {
        _ if over => None,
        None => Some(link),
        Some(owner) => Some(Notice::new(
            owner,
            Kind::EmailClaimAttempt,
            NoticeData {
                email: Some(email.to_owned()),
                ..data
            },
        )),
    };
    if let Some(notice) = notice {
        events::queue(&mut tx, &[notice]).await?;
    }
    tx.commit().await?;
    events::wake();
    Ok(())
}

/// Mails the waiting address a new link (the old one stops working).
pub async fn resend(state: &Deps<'_>, user_id: i64, meta: &ClientMeta) -> Result<String, AppError> {
    let Some((email, made)) = links::pending_email(state.db, user_id).await? else {
        return Err(AppError::conflict(
            Reason::NothingToConfirm,
            "No address is waiting to be confirmed.",
        ));
    };
    if made > state.db.now() - RESEND_AFTER_SECS {
        return Err(AppError::conflict(
            Reason::TooSoon,
            "A link was sent less than a minute ago. Check your inbox (and spam folder) first.",
        ));
    }
    count_change(state, user_id).await?;
    request(state, user_id, &email, meta).await?;
    Ok(email)
}

/// Opens a confirmation link: the account's address becomes the one it
/// was sent to (and counts as confirmed), the change is in the audit log,
/// and the previous address is told. `signed_in` is the browser's account,
/// if any: a link of another account is refused without being used.
pub async fn confirm(
    state: &Deps<'_>,
    secret: &str,
    signed_in: Option<i64>,
    meta: &ClientMeta,
) -> Result<String, AppError> {
    let at = state.db.now();
    let db = &state.db;
    let mut tx = events::begin(db).await?;
    let link = links::take(db, &mut tx, Purpose::VerifyEmail, secret, at).await?;
    if signed_in.is_some_and(|id| id != link.user_id) {
        return Err(AppError::invalid("token", OTHER_ACCOUNT));
    }
    let new = link
        .email
        .ok_or_else(|| AppError::invalid("token", links::NOT_VALID))?;
    let old: String = on_tx!(&mut tx, c => sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(link.user_id)
        .fetch_one(c)
        .await)?;
    let done = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET email = $1, email_verified = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(&new)
    .bind(true)
    .bind(at)
    .bind(link.user_id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()));
    if let Err(e) = done {
        drop(tx);
        return Err(clash(db, e, None).await);
    }
    let mut events = Vec::new();
    let mut notices = Vec::new();
    if old != new {
        events.push(
            NewEvent::new(link.user_id, AuditAction::EmailChanged)
                .client(meta)
                .detail(format!(
                    "{old} → {new} (confirmed by the link mailed to it)"
                )),
        );
        notices.push(Notice {
            user_id: Some(link.user_id),
            kind: Kind::EmailChanged,
            to: Some(old),
            data: NoticeData {
                at,
                email: Some(new.clone()),
                ip: meta.ip.clone(),
                agent: meta.user_agent.clone(),
                ..NoticeData::default()
            },
            link_sealed: None,
        });
    }
    events::commit_with(tx, &events, notices).await?;
    Ok(new)
}
