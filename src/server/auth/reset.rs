//! Forgot password (SPEC §12): a link mailed to the account's address sets
//! a new password and ends every session (API tokens keep working). Asking
//! answers the same whether or not the account exists, and is limited per
//! address and per account.

use super::deps::Deps;
use super::limiter;
use super::links::{self, Purpose};
use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::model::secret::Password;
use crate::on_tx;

use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::identity::users;
use crate::server::kernel::client::ClientMeta;
use crate::server::kernel::password;

/// What asking always answers.
pub const ASKED: &str = "If an account has that email address or handle, a link to choose a new \
                         password is on its way to the account's address. It works once, for 30 minutes.";

/// Mails a reset link to the account `login` names, if there is one (not
/// disabled). Limited per source address (429, for that address only) and
/// per account: past that, asking answers the same and sends nothing, so
/// strangers asking cannot keep the owner from a link. Earlier links keep
/// working.
pub async fn request(state: &Deps<'_>, login: &str, meta: &ClientMeta) -> Result<(), AppError> {
    if state.mailer.is_none() {
        return Err(AppError::conflict(
            Reason::NoMail,
            "This server does not send mail, so passwords cannot be reset by mail. Ask an administrator.",
        ));
    }
    let at = state.db.now();
    let keys = limiter::reset_ip_keys(meta.ip.as_deref());
    state.limit(&keys).await?;
    let login = login.trim();
    if login.is_empty() || login.len() > 254 {
        return Err(AppError::invalid(
            "login",
            "Enter your email address or handle.",
        ));
    }
    let account = users::find_for_login(state.db, login)
        .await?
        .filter(|r| !r.disabled);
    // Counted alike whether or not an account has the name.
    let per_account = match &account {
        Some(row) => limiter::reset_account_keys(row.id),
        None => limiter::reset_name_keys(login),
    };
    let over = state
        .login_limiter
        .take(&per_account, at)
        .await?
        .retry_after
        .is_some();
    let Some(row) = account else {
        return Ok(());
    };
    if over {
        return Ok(());
    }
    let tx = state.db.begin().await?;
    links::send(
        tx,
        state.secrets,
        row.id,
        Purpose::ResetPassword,
        None,
        meta,
    )
    .await
}

/// Sets a new password with a mailed link: the link is used, every session
/// of the account ends, and the change is in the audit log and mailed.
pub async fn reset(
    state: &Deps<'_>,
    secret: &str,
    new_password: Password,
    meta: &ClientMeta,
) -> Result<(), AppError> {
    let db = &state.db;
    // The link is checked before the (slow) hash, and used after it.
    let link = links::peek(db, Purpose::ResetPassword, secret, state.db.now()).await?;
    password::check_new(new_password.expose(), "new_password")?;
    let hash = state.hasher.hash(new_password.0).await?;
    let at = state.db.now();
    let mut tx = events::begin(db).await?;
    let taken = links::take(db, &mut tx, Purpose::ResetPassword, secret, at).await?;
    if taken.user_id != link.user_id {
        return Err(AppError::invalid("token", links::NOT_VALID));
    }
    // The other reset links of the account stop working with this one.
    links::drop_unused(&mut tx, taken.user_id, Purpose::ResetPassword).await?;
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(&hash)
    .bind(at)
    .bind(taken.user_id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let ended = on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(taken.user_id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    let event = NewEvent::new(taken.user_id, AuditAction::PasswordChanged)
        .client(meta)
        .detail(format!(
            "Reset with a link mailed to the account; sessions ended: {ended}"
        ))
        .notify(Kind::PasswordChanged);
    events::commit(tx, &[event]).await?;
    Ok(())
}
