//! User administration in the database: list and search, create, edit,
//! disable and enable. No change may leave the site without an enabled
//! administrator: each guard is part of the statement that changes the row,
//! so two administrators acting at once cannot both pass it.

use super::account::LAST_ADMIN;
use super::db::{now, Db};
use crate::error::AppError;
use crate::model::account::AdminUser;

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

/// One page of users matching `search` (handle, e-mail or names), oldest
/// first, and how many match in all.
pub async fn list(db: &Db, search: &str, page: i64) -> Result<(Vec<AdminUser>, i64), AppError> {
    let pattern = like_pattern(search);
    let offset = (page.max(1) - 1) * PER_PAGE;
    let users = sqlx::query_as!(
        AdminUser,
        r#"SELECT id AS "id!", handle, email, first_name, last_name, display_name,
                  is_admin AS "is_admin: bool", disabled AS "disabled: bool", created_at
           FROM users
           WHERE handle LIKE ?1 ESCAPE '\' OR lower(email) LIKE ?1 ESCAPE '\'
              OR lower(first_name || ' ' || last_name || ' ' || display_name) LIKE ?1 ESCAPE '\'
           ORDER BY id
           LIMIT ?2 OFFSET ?3"#,
        pattern,
        PER_PAGE,
        offset
    )
    .fetch_all(db)
    .await?;
    let total = sqlx::query_scalar!(
        r#"SELECT count(*) AS "n!: i64" FROM users
           WHERE handle LIKE ?1 ESCAPE '\' OR lower(email) LIKE ?1 ESCAPE '\'
              OR lower(first_name || ' ' || last_name || ' ' || display_name) LIKE ?1 ESCAPE '\'"#,
        pattern
    )
    .fetch_one(db)
    .await?;
    Ok((users, total))
}

/// One user.
pub async fn get(db: &Db, id: i64) -> Result<AdminUser, AppError> {
    sqlx::query_as!(
        AdminUser,
        r#"SELECT id AS "id!", handle, email, first_name, last_name, display_name,
                  is_admin AS "is_admin: bool", disabled AS "disabled: bool", created_at
           FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::NotFound("User".into()))
}

/// Sets names, e-mail and role. Demoting the last enabled administrator is
/// refused.
pub async fn update(
    db: &Db,
    id: i64,
    [first, last, display]: &[String; 3],
    email: &str,
    is_admin: bool,
) -> Result<(), AppError> {
    let now = now();
    let done = sqlx::query!(
        r#"UPDATE users SET first_name = ?1, last_name = ?2, display_name = ?3, email = ?4,
                  is_admin = ?5, updated_at = ?6
           WHERE id = ?7
             AND (?5 = 1 OR is_admin = 0 OR disabled = 1
                  OR EXISTS (SELECT 1 FROM users o WHERE o.id != ?7 AND o.is_admin = 1 AND o.disabled = 0))"#,
        first,
        last,
        display,
        email,
        is_admin,
        now,
        id
    )
    .execute(db)
    .await;
    match done {
        Ok(d) if d.rows_affected() == 1 => Ok(()),
        Ok(_) => {
            get(db, id).await?;
            Err(AppError::Conflict(LAST_ADMIN.replace("You are", "This is")))
        }
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(AppError::invalid(
            "email",
            "An account with that e-mail address exists.",
        )),
        Err(e) => Err(e.into()),
    }
}

/// Disables (ending every session at once) or enables an account.
/// Disabling the last enabled administrator is refused.
pub async fn set_disabled(db: &Db, id: i64, disabled: bool) -> Result<(), AppError> {
    let now = now();
    let mut tx = db.begin().await?;
    let done = sqlx::query!(
        r#"UPDATE users SET disabled = ?1, updated_at = ?2
           WHERE id = ?3
             AND (?1 = 0 OR is_admin = 0
                  OR EXISTS (SELECT 1 FROM users o WHERE o.id != ?3 AND o.is_admin = 1 AND o.disabled = 0))"#,
        disabled,
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        drop(tx);
        get(db, id).await?;
        return Err(AppError::Conflict(LAST_ADMIN.replace("You are", "This is")));
    }
    if disabled {
        sqlx::query!("DELETE FROM sessions WHERE user_id = ?", id)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
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
