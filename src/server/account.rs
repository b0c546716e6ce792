//! The handle and the account as a whole (SPEC §7): renaming, the
//! reservation of handles given up, and deleting the account.

use super::db::{now, Db};
use super::users::unique_violation;
use crate::error::AppError;

/// The refusal for a handle someone gave up recently.
pub const HANDLE_HELD: &str =
    "That handle was in use recently and is still reserved. Choose another.";

/// How long a handle given up by a rename stays reserved.
pub const HANDLE_RESERVED_SECS: i64 = 30 * 86_400;

/// Renames an account. The old handle stays reserved for its owner for
/// [`HANDLE_RESERVED_SECS`]; a handle someone else gave up recently is refused.
pub async fn change_handle(db: &Db, id: i64, new: &str) -> Result<String, AppError> {
    let now = now();
    let mut tx = db.begin().await?;
    // Write first: the transaction takes the write lock at once (waiting
    // politely), rather than failing to upgrade a read later.
    let old = sqlx::query_scalar!(
        "UPDATE users SET updated_at = ? WHERE id = ? RETURNING handle",
        now,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::Unauthorized)?;
    if old == new {
        return Err(AppError::invalid("handle", "That is already your handle."));
    }
    let held_by_other = sqlx::query_scalar!(
        r#"SELECT 1 AS "x!: i64" FROM retired_handles
           WHERE handle = ? AND until > ? AND user_id IS NOT ?"#,
        new,
        now,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .is_some();
    if held_by_other {
        return Err(AppError::invalid("handle", HANDLE_HELD));
    }
    sqlx::query!("DELETE FROM retired_handles WHERE handle = ?", new)
        .execute(&mut *tx)
        .await?;
    sqlx::query!(
        "UPDATE users SET handle = ?, updated_at = ? WHERE id = ?",
        new,
        now,
        id
    )
    .execute(&mut *tx)
    .await
    .map_err(unique_violation)?;
    let until = now + HANDLE_RESERVED_SECS;
    sqlx::query!(
        "INSERT INTO retired_handles (handle, user_id, retired_at, until) VALUES (?, ?, ?, ?)
         ON CONFLICT (handle) DO UPDATE SET user_id = excluded.user_id,
             retired_at = excluded.retired_at, until = excluded.until",
        old,
        id,
        now,
        until
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}

/// Whether someone other than `user_id` gave up `handle` recently.
pub async fn handle_reserved_by_other(
    db: &Db,
    handle: &str,
    user_id: i64,
) -> Result<bool, AppError> {
    let now = now();
    Ok(sqlx::query_scalar!(
        r#"SELECT 1 AS "x!: i64" FROM retired_handles WHERE handle = ? AND until > ? AND user_id IS NOT ?"#,
        handle,
        now,
        user_id
    )
    .fetch_optional(db)
    .await?
    .is_some())
}

/// The message for an action that would leave no administrator.
pub const LAST_ADMIN: &str =
    "You are the last administrator. Make another user an administrator first.";

/// Deletes an account and everything of it (tokens, sessions, pending tokens,
/// audit events cascade) in one transaction, and keeps the handle reserved.
/// The last enabled administrator cannot be deleted. Returns the avatar file
/// to remove.
pub async fn delete_account(db: &Db, id: i64) -> Result<Option<String>, AppError> {
    let now = now();
    let mut tx = db.begin().await?;
    let row = sqlx::query!(
        r#"DELETE FROM users
           WHERE id = ?
             AND (is_admin = 0 OR disabled = 1
                  OR EXISTS (SELECT 1 FROM users o WHERE o.id != ? AND o.is_admin = 1 AND o.disabled = 0))
           RETURNING handle, avatar_file"#,
        id,
        id
    )
    .fetch_optional(&mut *tx)
    .await?;
    let Some(row) = row else {
        drop(tx);
        let exists = sqlx::query_scalar!(r#"SELECT 1 AS "x!: i64" FROM users WHERE id = ?"#, id)
            .fetch_optional(db)
            .await?
            .is_some();
        return if exists {
            Err(AppError::Conflict(LAST_ADMIN.to_owned()))
        } else {
            Err(AppError::NotFound("User".into()))
        };
    };
    // The workspace address stays out of others' reach for a while; the
    // row names nobody (the account is gone).
    let until = now + HANDLE_RESERVED_SECS;
    sqlx::query!(
        "INSERT INTO retired_handles (handle, user_id, retired_at, until) VALUES (?, NULL, ?, ?)
         ON CONFLICT (handle) DO UPDATE SET user_id = NULL, retired_at = excluded.retired_at,
             until = excluded.until",
        row.handle,
        now,
        until
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(row.avatar_file)
}
