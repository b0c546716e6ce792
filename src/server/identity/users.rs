//! Accounts in the database.

use crate::error::{AppError, Reason};
use crate::server::db::{Db, Tx};
use crate::server::events;
use crate::server::events::NewEvent;
use crate::{on_db, on_tx};

pub use super::avatar::{avatar_location, avatar_png, set_avatar, AvatarChange};

/// The refusal for a handle someone gave up recently.
pub const HANDLE_HELD: &str =
    "That handle was in use recently and is still reserved. Choose another.";

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
/// first sign-ups cannot both win). `events(id)` describes it, written with
/// it. Returns the new id.
pub async fn create(
    db: &Db,
    handle: &str,
    email: &str,
    password_hash: &str,
    force_admin: bool,
    [first, last, display]: &[String; 3],
    events: impl FnOnce(i64) -> Vec<NewEvent>,
) -> Result<i64, AppError> {
    let now = db.now();
    // Under the accounts lock (PostgreSQL; SQLite's single writer on its
    // own): "no user yet" decides the first administrator, and a handle
    // given up recently is refused, with no other sign-up, rename or
    // deletion in between.
    let mut tx = events::begin_accounts(db).await?;
    let new = NewAccount {
        handle,
        email,
        password_hash,
        force_admin,
        names: [first, last, display],
    };
    match insert(&mut tx, &new, now).await {
        Ok(Some(id)) => {
            events::commit(tx, &events(id)).await?;
            Ok(id)
        }
        Ok(None) => Err(AppError::invalid("handle", HANDLE_HELD).because(Reason::HandleTaken)),
        Err(e) => {
            drop(tx);
            Err(clash(db, e, Some(handle)).await)
        }
    }
}

/// What [`insert`] writes.
pub(crate) struct NewAccount<'a> {
    pub handle: &'a str,
    pub email: &'a str,
    pub password_hash: &'a str,
    pub force_admin: bool,
    /// First, last and display name.
    pub names: [&'a String; 3],
}

/// Inserts an account in `tx`, which holds the accounts lock (see
/// [`audit::begin_accounts`]). `None` when the handle was given up
/// recently; a unique key's refusal comes back as the error ([`clash`]
/// says which).
pub(crate) async fn insert(
    tx: &mut Tx,
    new: &NewAccount<'_>,
    now: i64,
) -> Result<Option<i64>, sqlx::Error> {
    // SQLite: an id never used before (migration 0004); PostgreSQL: identity.
    let sql = tx.pick(
        "INSERT INTO users (id, handle, email, password_hash, first_name, last_name, display_name,
                            is_admin, created_at, updated_at)
         SELECT (SELECT seq + 1 FROM id_high_water WHERE name = 'users'),
                $1, $2, $3, $6, $7, $8, ($4 OR NOT EXISTS (SELECT 1 FROM users)), $5, $5
         WHERE NOT EXISTS (SELECT 1 FROM retired_handles WHERE handle = $1 AND until > $5)
         RETURNING id",
        "INSERT INTO users (handle, email, password_hash, first_name, last_name, display_name,
                            is_admin, created_at, updated_at)
         SELECT $1, $2, $3, $6, $7, $8, ($4 OR NOT EXISTS (SELECT 1 FROM users)), $5, $5
         WHERE NOT EXISTS (SELECT 1 FROM retired_handles WHERE handle = $1 AND until > $5)
         RETURNING id",
    );
    let [first, last, display] = new.names;
    on_tx!(&mut *tx, c => sqlx::query_scalar(sql)
        .bind(new.handle)
        .bind(new.email)
        .bind(new.password_hash)
        .bind(new.force_admin)
        .bind(now)
        .bind(first)
        .bind(last)
        .bind(display)
        .fetch_optional(c)
        .await)
}

/// Finds an account by handle or email (ignoring case).
pub async fn find_for_login(db: &Db, login: &str) -> Result<Option<LoginRow>, AppError> {
    let login = login.trim();
    let row: Option<(i64, String, bool)> = on_db!(db, p => sqlx::query_as(
        "SELECT id, password_hash, disabled FROM users
         WHERE handle = lower($1) OR lower(email) = lower($1)",
    )
    .bind(login)
    .fetch_optional(p)
    .await)?;
    Ok(row.map(|(id, password_hash, disabled)| LoginRow {
        id,
        password_hash,
        disabled,
    }))
}

/// Refuses a handle an account has, or one given up recently (reserved).
pub async fn check_handle_free(db: &Db, handle: &str, now: i64) -> Result<(), AppError> {
    let (taken, held): (bool, bool) = on_db!(db, p => sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM users WHERE handle = $1),
                EXISTS (SELECT 1 FROM retired_handles WHERE handle = $1 AND until > $2)",
    )
    .bind(handle)
    .bind(now)
    .fetch_one(p)
    .await)?;
    if taken {
        Err(AppError::invalid("handle", HANDLE_TAKEN).because(Reason::HandleTaken))
    } else if held {
        Err(AppError::invalid("handle", HANDLE_HELD).because(Reason::HandleTaken))
    } else {
        Ok(())
    }
}

/// The refusal of a handle another account has.
pub const HANDLE_TAKEN: &str = "That handle is taken. Choose another.";

/// Finds an account id by handle.
pub async fn id_by_handle(db: &Db, handle: &str) -> Result<Option<i64>, AppError> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT id FROM users WHERE handle = lower($1)")
        .bind(handle)
        .fetch_optional(p)
        .await)?,
    )
}

/// A user's profile as stored.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Profile {
    pub id: i64,
    pub handle: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    /// An uploaded avatar's name (a row of `avatars`).
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

/// Reads a profile.
pub async fn profile(db: &Db, id: i64) -> Result<Profile, AppError> {
    on_db!(db, p => sqlx::query_as(
        "SELECT id, handle, email, first_name, last_name, display_name, avatar_url,
                avatar_file, created_at
         FROM users WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(p)
    .await)?
    .ok_or_else(|| AppError::NotFound("User".into()))
}

/// Sets the names given (`[first, last, display]`); `None` leaves one as it
/// is, so two clients changing different names do not undo each other.
/// `event` is written with the change.
pub async fn update_names(
    db: &Db,
    id: i64,
    [first, last, display]: [Option<&str>; 3],
    event: NewEvent,
) -> Result<(), AppError> {
    let now = db.now();
    let mut tx = events::begin(db).await?;
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET first_name = COALESCE($1, first_name), last_name = COALESCE($2, last_name),
                          display_name = COALESCE($3, display_name), updated_at = $4
         WHERE id = $5",
    )
    .bind(first)
    .bind(last)
    .bind(display)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    events::commit(tx, &[event]).await?;
    Ok(())
}

/// The unique keys of `users` (named alike in both databases' migrations).
const HANDLE_KEY: &str = "users_handle_key";
const EMAIL_KEY: &str = "users_email_key";

/// Maps a failed write to `users` to the field a unique key refused, by the
/// key's name. PostgreSQL names the key in the error; SQLite does not tell
/// its clients, so there the key is found by asking which of `handle` and
/// `email` another account now holds.
pub(crate) async fn clash(db: &Db, e: sqlx::Error, handle: Option<&str>) -> AppError {
    let Some(named) = crate::server::db::unique_constraint(&e) else {
        return e.into();
    };
    let key = match named {
        Some(name) => name,
        None => {
            let handle_taken = match handle {
                Some(h) => id_by_handle(db, h).await.ok().flatten().is_some(),
                None => false,
            };
            if handle_taken {
                HANDLE_KEY.to_owned()
            } else {
                EMAIL_KEY.to_owned()
            }
        }
    };
    match key.as_str() {
        HANDLE_KEY => AppError::invalid("handle", HANDLE_TAKEN).because(Reason::HandleTaken),
        EMAIL_KEY => AppError::invalid("email", EMAIL_TAKEN).because(Reason::EmailTaken),
        _ => e.into(),
    }
}

/// The refusal of an email address another account has.
pub const EMAIL_TAKEN: &str = "An account with that email address exists.";

/// Saves the profile form: the three names and the email address, with
/// the events that describe the change.
pub async fn save_profile(
    db: &Db,
    id: i64,
    [first, last, display]: &[String; 3],
    email: &str,
    events: &[NewEvent],
    notices: Vec<crate::server::events::Notice>,
) -> Result<(), AppError> {
    let now = db.now();
    let mut tx = events::begin(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET first_name = $1, last_name = $2, display_name = $3, email = $4,
                          updated_at = $5
         WHERE id = $6",
    )
    .bind(first)
    .bind(last)
    .bind(display)
    .bind(email)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()));
    match done {
        Ok(_) => Ok(events::commit_with(tx, events, notices).await?),
        Err(e) => {
            drop(tx);
            Err(clash(db, e, None).await)
        }
    }
}

/// The stored password hash of an account.
pub async fn password_hash(db: &Db, id: i64) -> Result<String, AppError> {
    on_db!(db, p => sqlx::query_scalar("SELECT password_hash FROM users WHERE id = $1")
        .bind(id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::Unauthorized)
}
