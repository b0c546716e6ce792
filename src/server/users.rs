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

/// Creates an account with its names (first, last, display; empty ones are
/// filled in later on the Profile page). The first account on an empty
/// database becomes an administrator (decided inside the insert, so two
/// first sign-ups cannot both win). Returns the new id.
pub async fn create(
    db: &Db,
    handle: &str,
    email: &str,
    password_hash: &str,
    force_admin: bool,
    [first, last, display]: &[String; 3],
) -> Result<i64, AppError> {
    let now = now();
    // A handle given up recently is refused in the same statement that
    // inserts, so a sign-up cannot slip in beside a rename. The id is one
    // never used before (migration 0004).
    let result = sqlx::query_scalar!(
        r#"INSERT INTO users (id, handle, email, password_hash, first_name, last_name, display_name,
                              is_admin, created_at, updated_at)
           SELECT (SELECT seq + 1 FROM id_high_water WHERE name = 'users'),
                  ?1, ?2, ?3, ?6, ?7, ?8, (?4 OR NOT EXISTS (SELECT 1 FROM users)), ?5, ?5
           WHERE NOT EXISTS (SELECT 1 FROM retired_handles WHERE handle = ?1 AND until > ?5)
           RETURNING id AS "id!""#,
        handle,
        email,
        password_hash,
        force_admin,
        now,
        first,
        last,
        display
    )
    .fetch_optional(db)
    .await;
    match result {
        Ok(Some(id)) => Ok(id),
        Ok(None) => Err(AppError::invalid("handle", super::account::HANDLE_HELD)),
        Err(e) => Err(unique_violation(e)),
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
    /// An uploaded avatar's file name under `DATA_DIR/avatars`.
    pub avatar_file: Option<String>,
    pub created_at: i64,
}

impl Profile {
    /// Where the avatar picture is (see [`avatar_location`]).
    pub fn avatar(&self, origin: Option<&str>) -> Option<String> {
        avatar_location(
            self.avatar_file.as_deref(),
            self.avatar_url.as_deref(),
            origin,
        )
    }
}

/// Where an avatar picture is: the uploaded file (under `origin` when given,
/// else as a path) or the https address; `None` for initials.
pub fn avatar_location(
    file: Option<&str>,
    url: Option<&str>,
    origin: Option<&str>,
) -> Option<String> {
    match (file, url) {
        (Some(file), _) => Some(format!("{}/avatars/{file}", origin.unwrap_or(""))),
        (None, url) => url.map(str::to_owned),
    }
}

/// Reads a profile.
pub async fn profile(db: &Db, id: i64) -> Result<Profile, AppError> {
    sqlx::query_as!(
        Profile,
        r#"SELECT id AS "id!", handle, email, first_name, last_name, display_name, avatar_url,
                  avatar_file, created_at
           FROM users WHERE id = ?"#,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::NotFound("User".into()))
}

/// Sets the names given (`[first, last, display]`); `None` leaves one as it
/// is, so two clients changing different names do not undo each other.
pub async fn update_names(
    db: &Db,
    id: i64,
    [first, last, display]: [Option<&str>; 3],
) -> Result<(), AppError> {
    let now = now();
    sqlx::query!(
        "UPDATE users SET first_name = COALESCE(?, first_name), last_name = COALESCE(?, last_name),
                          display_name = COALESCE(?, display_name), updated_at = ?
         WHERE id = ?",
        first,
        last,
        display,
        now,
        id
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Maps a unique-constraint violation on `users` to the field it concerns.
pub(super) fn unique_violation(e: sqlx::Error) -> AppError {
    match e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            if d.message().contains("users.handle") {
                AppError::invalid("handle", "That handle is taken. Choose another.")
            } else {
                AppError::invalid("email", "An account with that e-mail address exists.")
            }
        }
        e => e.into(),
    }
}

/// Saves the profile form: the three names and the e-mail address.
pub async fn save_profile(
    db: &Db,
    id: i64,
    [first, last, display]: &[String; 3],
    email: &str,
) -> Result<(), AppError> {
    let now = now();
    sqlx::query!(
        "UPDATE users SET first_name = ?, last_name = ?, display_name = ?, email = ?, updated_at = ?
         WHERE id = ?",
        first,
        last,
        display,
        email,
        now,
        id
    )
    .execute(db)
    .await
    .map_err(unique_violation)?;
    Ok(())
}

/// What the avatar becomes.
pub enum AvatarChange<'a> {
    Url(&'a str),
    File(&'a str),
    Remove,
}

/// Sets or removes the avatar; returns the uploaded file it replaced (to be
/// deleted once this has committed).
pub async fn set_avatar(
    db: &Db,
    id: i64,
    change: AvatarChange<'_>,
) -> Result<Option<String>, AppError> {
    let (url, file) = match change {
        AvatarChange::Url(u) => (Some(u), None),
        AvatarChange::File(f) => (None, Some(f)),
        AvatarChange::Remove => (None, None),
    };
    let now = now();
    let mut tx = db.begin().await?;
    // Write first (see change_handle), then read what is replaced.
    let old = sqlx::query_scalar!(
        "UPDATE users SET updated_at = ? WHERE id = ? RETURNING avatar_file",
        now,
        id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::Unauthorized)?;
    sqlx::query!(
        "UPDATE users SET avatar_url = ?, avatar_file = ?, updated_at = ? WHERE id = ?",
        url,
        file,
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(old)
}

/// The stored password hash of an account.
pub async fn password_hash(db: &Db, id: i64) -> Result<String, AppError> {
    sqlx::query_scalar!("SELECT password_hash FROM users WHERE id = ?", id)
        .fetch_optional(db)
        .await?
        .ok_or(AppError::Unauthorized)
}

/// Sets a new password hash and ends every session of the account except
/// `keep`, in one transaction.
pub async fn set_password(
    db: &Db,
    id: i64,
    hash: &str,
    keep: Option<i64>,
) -> Result<u64, AppError> {
    let now = now();
    let mut tx = db.begin().await?;
    sqlx::query!(
        "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?",
        hash,
        now,
        id
    )
    .execute(&mut *tx)
    .await?;
    let ended = sqlx::query!(
        "DELETE FROM sessions WHERE user_id = ? AND id IS NOT ?",
        id,
        keep
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    Ok(ended)
}
