//! Accounts in the database.

use super::db::{now, Db};
use crate::error::AppError;

/// What sign-in needs to know about an account.
pub struct LoginRow {
    pub id: i64,
    pub password_hash: String,
    pub disabled: bool,
}

impl std::fmt::Debug for LoginRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoginRow")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Creates an account. The first account on an empty database becomes an
/// administrator (decided inside the insert, so two first sign-ups cannot
/// both win). Returns the new id.
pub async fn create(
    db: &Db,
    handle: &str,
    email: &str,
    password_hash: &str,
    force_admin: bool,
) -> Result<i64, AppError> {
    let now = now();
    let result = sqlx::query_scalar!(
        r#"INSERT INTO users (handle, email, password_hash, display_name, is_admin, created_at, updated_at)
           VALUES (?, ?, ?, '', (? OR NOT EXISTS (SELECT 1 FROM users)), ?, ?)
           RETURNING id"#,
        handle,
        email,
        password_hash,
        force_admin,
        now,
        now
    )
    .fetch_one(db)
    .await;
    match result {
        Ok(id) => Ok(id),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            if e.message().contains("users.handle") {
                Err(AppError::invalid(
                    "handle",
                    "That handle is taken. Choose another.",
                ))
            } else {
                Err(AppError::invalid(
                    "email",
                    "An account with that e-mail address exists.",
                ))
            }
        }
        Err(e) => Err(e.into()),
    }
}

/// Finds an account by handle or e-mail (ignoring case).
pub async fn find_for_login(db: &Db, login: &str) -> Result<Option<LoginRow>, AppError> {
    let login = login.trim();
    let row = sqlx::query!(
        r#"SELECT id AS "id!", password_hash, disabled AS "disabled: bool" FROM users
           WHERE handle = lower(?) OR lower(email) = lower(?)"#,
        login,
        login
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| LoginRow {
        id: r.id,
        password_hash: r.password_hash,
        disabled: r.disabled,
    }))
}

/// Finds an account id by handle.
pub async fn id_by_handle(db: &Db, handle: &str) -> Result<Option<i64>, AppError> {
    Ok(sqlx::query_scalar!(
        r#"SELECT id AS "id!" FROM users WHERE handle = lower(?)"#,
        handle
    )
    .fetch_optional(db)
    .await?)
}

/// A user's profile as stored.
#[derive(Debug, Clone)]
pub struct Profile {
    pub id: i64,
    pub handle: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    pub created_at: i64,
}

/// Reads a profile.
pub async fn profile(db: &Db, id: i64) -> Result<Profile, AppError> {
    sqlx::query_as!(
        Profile,
        r#"SELECT id AS "id!", handle, email, first_name, last_name, display_name, avatar_url, created_at
           FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::NotFound("User".into()))
}

/// Writes the names and avatar URL of a profile.
pub async fn update_profile(db: &Db, p: &Profile) -> Result<(), AppError> {
    let now = now();
    sqlx::query!(
        "UPDATE users SET first_name = ?, last_name = ?, display_name = ?, avatar_url = ?, updated_at = ?
         WHERE id = ?",
        p.first_name,
        p.last_name,
        p.display_name,
        p.avatar_url,
        now,
        p.id
    )
    .execute(db)
    .await?;
    Ok(())
}
