//! The handle and the account as a whole (SPEC §7): renaming, the
//! reservation of handles given up, and deleting the account.

use super::users::{clash, HANDLE_HELD};
use crate::error::{AppError, Reason};
use crate::model::notice::Kind;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::events::{Notice, NoticeData};
use crate::{on_db, on_tx};

/// How long a handle given up by a rename stays reserved.
pub const HANDLE_RESERVED_SECS: i64 = 30 * 86_400;

/// Renames an account. The old handle stays reserved for its owner for
/// [`HANDLE_RESERVED_SECS`]; a handle someone else gave up recently is refused.
/// `event` (to which the old and new handle are added) is written with it.
pub async fn change_handle(
    db: &Db,
    id: i64,
    new: &str,
    event: NewEvent,
) -> Result<String, AppError> {
    let now = db.now();
    // The accounts lock (SQLite: the write lock, taken at once) keeps a
    // sign-up from taking either handle while this moves them.
    let mut tx = events::begin_accounts(db).await?;
    let old: String = on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE users SET updated_at = $1 WHERE id = $2 RETURNING handle",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(c)
    .await)?
    .ok_or(AppError::Unauthorized)?;
    if old == new {
        return Err(AppError::invalid("handle", "That is already your handle."));
    }
    let held_by_other = on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>(HELD_BY_OTHER)
        .bind(new)
        .bind(now)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .is_some();
    if held_by_other {
        return Err(AppError::invalid("handle", HANDLE_HELD).because(Reason::HandleTaken));
    }
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM retired_handles WHERE handle = $1")
        .bind(new)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    let renamed = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET handle = $1, updated_at = $2 WHERE id = $3",
    )
    .bind(new)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()));
    if let Err(e) = renamed {
        drop(tx);
        return Err(clash(db, e, Some(new)).await);
    }
    let until = now + HANDLE_RESERVED_SECS;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO retired_handles (handle, user_id, retired_at, until) VALUES ($1, $2, $3, $4)
         ON CONFLICT (handle) DO UPDATE SET user_id = excluded.user_id,
             retired_at = excluded.retired_at, until = excluded.until",
    )
    .bind(&old)
    .bind(id)
    .bind(now)
    .bind(until)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    events::commit(tx, &[event.detail(format!("{old} → {new}"))]).await?;
    Ok(old)
}

/// A row when someone other than `$3` gave up the handle `$1` before `$2`.
const HELD_BY_OTHER: &str = "SELECT until FROM retired_handles
                             WHERE handle = $1 AND until > $2 AND user_id IS DISTINCT FROM $3";

/// Whether someone other than `user_id` gave up `handle` recently.
pub async fn handle_reserved_by_other(
    db: &Db,
    handle: &str,
    user_id: i64,
) -> Result<bool, AppError> {
    let now = db.now();
    Ok(on_db!(db, p => sqlx::query_scalar::<_, i64>(HELD_BY_OTHER)
        .bind(handle)
        .bind(now)
        .bind(user_id)
        .fetch_optional(p)
        .await)?
    .is_some())
}

/// The message for an action that would leave no administrator.
pub const LAST_ADMIN: &str =
    "You are the last administrator. Make another user an administrator first.";
/// The same refusal, said to an administrator about another account.
pub const LAST_ADMIN_OTHER: &str =
    "This is the last administrator. Make another user an administrator first.";

/// Deletes an account and everything of it (tokens, sessions, pending tokens,
/// avatars, audit events cascade) in one transaction, and keeps the handle
/// reserved. The last enabled administrator cannot be deleted.
pub async fn delete_account(db: &Db, id: i64) -> Result<(), AppError> {
    let now = db.now();
    // Under the accounts lock, two administrators deleting themselves at
    // once cannot both see the other as the one left. The audit lock too:
    // the account's events and tokens go with it, and the queue's writer
    // (which holds that lock) may be writing to them.
    let mut tx = events::begin_accounts(db).await?;
    let gone: Option<(String, String)> = on_tx!(&mut tx, c => sqlx::query_as(
        "DELETE FROM users
         WHERE id = $1
           AND (NOT is_admin OR disabled
                OR EXISTS (SELECT 1 FROM users o WHERE o.id != $1 AND o.is_admin AND NOT o.disabled))
         RETURNING handle, email",
    )
    .bind(id)
    .fetch_optional(c)
    .await)?;
    let Some((handle, email)) = gone else {
        drop(tx);
        let exists =
            on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(p)
            .await)?
            .is_some();
        return if exists {
            Err(AppError::conflict(Reason::LastAdmin, LAST_ADMIN))
        } else {
            Err(AppError::NotFound("User".into()))
        };
    };
    // The workspace address stays out of others' reach for a while; the
    // row names nobody (the account is gone).
    let until = now + HANDLE_RESERVED_SECS;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO retired_handles (handle, user_id, retired_at, until) VALUES ($1, NULL, $2, $3)
         ON CONFLICT (handle) DO UPDATE SET user_id = NULL, retired_at = excluded.retired_at,
             until = excluded.until",
    )
    .bind(&handle)
    .bind(now)
    .bind(until)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    // Told at the address it had (the notice outlives the account).
    let notice = Notice {
        user_id: None,
        kind: Kind::AccountDeleted,
        to: Some(email),
        data: NoticeData {
            at: now,
            ..NoticeData::default()
        },
        link_sealed: None,
    };
    events::commit_with(tx, &[], vec![notice]).await?;
    Ok(())
}
