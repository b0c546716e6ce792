//! A new password: saved, every other session ended and reset links mailed
//! before dropped, in one transaction with its audit event.

use crate::error::AppError;
use crate::model::notice::Kind;
use crate::on_tx;
use crate::server::db::Db;
use crate::server::events::{self, NewEvent};

/// Sets a new password hash and ends every session of the account except
/// `keep`, in one transaction with `event` (to which it adds how many
/// sessions ended). Returns that number.
pub async fn set_password(
    db: &Db,
    id: i64,
    hash: &str,
    keep: Option<i64>,
    event: NewEvent,
) -> Result<u64, AppError> {
    let now = db.now();
    let mut tx = events::begin(db).await?;
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET password_hash = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(hash)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let ended = on_tx!(&mut tx, c => sqlx::query(
        "DELETE FROM sessions WHERE user_id = $1 AND id IS DISTINCT FROM $2",
    )
    .bind(id)
    .bind(keep)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    // Reset links mailed before stop working with the new password.
    super::links::drop_unused(&mut tx, id, super::links::Purpose::ResetPassword).await?;
    let event = event
        .detail(format!("Other sessions ended: {ended}"))
        .notify(Kind::PasswordChanged);
    events::commit(tx, &[event]).await?;
    Ok(ended)
}
