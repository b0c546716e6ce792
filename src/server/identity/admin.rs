//! User administration in the database: list and search, create, edit,
//! disable and enable. No change may leave the site without an enabled
//! administrator: each guard is part of the statement that changes the row,
//! so two administrators acting at once cannot both pass it.

use super::account::LAST_ADMIN_OTHER;
use super::users::clash;
use crate::error::{AppError, Reason};
use crate::model::account::AdminUser;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::{on_db, on_tx};

/// The columns of an [`AdminUser`].
const VIEW: &str = "SELECT id, handle, email, first_name, last_name, display_name, is_admin,
                           disabled, created_at, email_verified
                    FROM users";

/// Users per page of the list.
pub const PER_PAGE: i64 = 20;

/// Escapes `%`, `_` and `\` for a `LIKE … ESCAPE '\'` pattern.
fn like_pattern(search: &str) -> String {
    let mut p = String::from("%");
    for c in search.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// One page of users matching `search` (handle, email or names), oldest
/// first, and how many match in all.
pub async fn list(db: &Db, search: &str, page: i64) -> Result<(Vec<AdminUser>, i64), AppError> {
    let pattern = like_pattern(search);
    let offset = (page.max(1) - 1) * PER_PAGE;
    const MATCHES: &str = r"handle LIKE $1 ESCAPE '\' OR lower(email) LIKE $1 ESCAPE '\'
        OR lower(first_name || ' ' || last_name || ' ' || display_name) LIKE $1 ESCAPE '\'";
    let sql = format!("{VIEW} WHERE {MATCHES} ORDER BY id LIMIT $2 OFFSET $3");
    let users = on_db!(db, p => sqlx::query_as(&sql)
        .bind(&pattern)
        .bind(PER_PAGE)
        .bind(offset)
        .fetch_all(p)
        .await)?;
    let sql = format!("SELECT count(*) FROM users WHERE {MATCHES}");
    let total = on_db!(db, p => sqlx::query_scalar(&sql).bind(&pattern).fetch_one(p).await)?;
    Ok((users, total))
}

/// One user.
pub async fn get(db: &Db, id: i64) -> Result<AdminUser, AppError> {
    let sql = format!("{VIEW} WHERE id = $1");
    on_db!(db, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await)?
        .ok_or_else(|| AppError::NotFound("User".into()))
}

/// Sets names, email and role. Demoting the last enabled administrator is
/// refused. `events` are written with the change.
pub async fn update(
    db: &Db,
    id: i64,
    [first, last, display]: &[String; 3],
    email: &str,
    is_admin: bool,
    events: &[NewEvent],
) -> Result<(), AppError> {
    let now = db.now();
    // Under the accounts lock, two administrators demoting each other at
    // once cannot both see the other as the one left.
    let mut tx = events::begin_accounts(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, display_name = $3, email = $4,
                          is_admin = $5, updated_at = $6
         WHERE id = $7
           AND ($5 OR NOT is_admin OR disabled
                OR EXISTS (SELECT 1 FROM users o WHERE o.id != $7 AND o.is_admin AND NOT o.disabled))",
    )
    .bind(first)
    .bind(last)
    .bind(display)
    .bind(email)
    .bind(is_admin)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()));
    match done {
        Ok(1) => Ok(events::commit(tx, events).await?),
        Ok(_) => {
            drop(tx);
            get(db, id).await?;
            Err(AppError::conflict(Reason::LastAdmin, LAST_ADMIN_OTHER))
        }
        Err(e) => {
            drop(tx);
            Err(clash(db, e, None).await)
        }
    }
}

/// Disables (ending every session at once) or enables an account.
/// Disabling the last enabled administrator is refused. `events` are
/// written with the change.
pub async fn set_disabled(
    db: &Db,
    id: i64,
    disabled: bool,
    events: &[NewEvent],
) -> Result<(), AppError> {
    let now = db.now();
    let mut tx = events::begin_accounts(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET disabled = $1, updated_at = $2
         WHERE id = $3
           AND (NOT $1 OR NOT is_admin
                OR EXISTS (SELECT 1 FROM users o WHERE o.id != $3 AND o.is_admin AND NOT o.disabled))",
    )
    .bind(disabled)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    if done != 1 {
        drop(tx);
        get(db, id).await?;
        return Err(AppError::conflict(Reason::LastAdmin, LAST_ADMIN_OTHER));
    }
    if disabled {
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1")
            .bind(id)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
    }
    events::commit(tx, events).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_pattern_escapes_wildcards() {
        assert_eq!(like_pattern(" Ada "), "%ada%");
        assert_eq!(like_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }
}
