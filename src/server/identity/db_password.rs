//! The workspace database password: one per user, shown again on the
//! Profile page (so it is sealed with the server key, not hashed), rotated
//! on request, and checked by the workspace database proxy through
//! `POST /internal/db-auth`.

use rand::distr::{Alphanumeric, SampleString};

use crate::error::AppError;
use crate::server::db::{Db, Tx};
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::kernel::secret_box::SecretBox;
use crate::{on_db, on_tx};

/// Length of a generated password: ~190 bits, alphanumeric so it needs no
/// escaping inside a connection string.
const LENGTH: usize = 32;

fn generate() -> String {
    Alphanumeric.sample_string(&mut rand::rng(), LENGTH)
}

/// The user's password, made on first use.
pub async fn get_or_create(db: &Db, keys: &SecretBox, user_id: i64) -> Result<String, AppError> {
    if let Some((sealed, key_id)) = stored(db, user_id).await? {
        return keys.open_by(user_id, &sealed, key_id.as_deref());
    }
    // Two first views at once: only one password is kept, both show it.
    let mut tx = db.begin().await?;
    store(&mut tx, keys, user_id, &generate(), true).await?;
    tx.commit().await?;
    let (sealed, key_id) = stored(db, user_id)
        .await?
        .ok_or_else(|| AppError::internal("database password not stored"))?;
    keys.open_by(user_id, &sealed, key_id.as_deref())
}

/// Replaces the password, with `event`; the old one stops verifying at once.
pub async fn rotate(
    db: &Db,
    keys: &SecretBox,
    user_id: i64,
    event: NewEvent,
) -> Result<String, AppError> {
    let password = generate();
    let mut tx = events::begin(db).await?;
    let done = store(&mut tx, keys, user_id, &password, false).await?;
    if done == 0 {
        return Err(AppError::Unauthorized);
    }
    events::commit(tx, &[event]).await?;
    Ok(password)
}

/// Seals `password` and stores it with the id of its key (`first_only`:
/// only where none is stored yet); returns the rows changed.
async fn store(
    tx: &mut Tx,
    keys: &SecretBox,
    user_id: i64,
    password: &str,
    first_only: bool,
) -> Result<u64, AppError> {
    let sealed = keys.seal(user_id, password)?;
    let sql = if first_only {
        "UPDATE users SET db_password_enc = $1, db_password_key = $2
         WHERE id = $3 AND db_password_enc IS NULL"
    } else {
        "UPDATE users SET db_password_enc = $1, db_password_key = $2 WHERE id = $3"
    };
    Ok(on_tx!(tx, c => sqlx::query(sql)
        .bind(&sealed)
        .bind(keys.id())
        .bind(user_id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?)
}

/// The sealed password and the id of the key that sealed it.
async fn stored(db: &Db, user_id: i64) -> Result<Option<(Vec<u8>, Option<String>)>, AppError> {
    let row: Option<(Option<Vec<u8>>, Option<String>)> = on_db!(db, p => sqlx::query_as(
        "SELECT db_password_enc, db_password_key FROM users WHERE id = $1",
    )
    .bind(user_id)
    .fetch_optional(p)
    .await)?;
    Ok(row.and_then(|(sealed, key_id)| sealed.map(|s| (s, key_id))))
}

/// Checks a handle and password as the database proxy presents them;
/// returns the user's id when they match an enabled account.
pub async fn verify(
    db: &Db,
    keys: &SecretBox,
    handle: &str,
    password: &str,
) -> Result<Option<i64>, AppError> {
    let row: Option<(i64, Option<Vec<u8>>, Option<String>)> = on_db!(db, p => sqlx::query_as(
        "SELECT id, db_password_enc, db_password_key FROM users
         WHERE handle = lower($1) AND NOT disabled",
    )
    .bind(handle)
    .fetch_optional(p)
    .await)?;
    let Some((id, Some(sealed), key_id)) = row else {
        return Ok(None);
    };
    let expected = keys.open_by(id, &sealed, key_id.as_deref())?;
    Ok(same(expected.as_bytes(), password.as_bytes()).then_some(id))
}

/// Compares without stopping at the first difference.
pub fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The connection string the Profile page shows.
pub fn connection_string(handle: &str, password: &str, workspace_domain: &str) -> String {
    format!("postgres://{handle}:{password}@{handle}.{workspace_domain}:9193/{handle}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_passwords_are_long_and_differ() {
        let (a, b) = (generate(), generate());
        assert_eq!(a.len(), LENGTH);
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a, b);
    }

    #[test]
    fn same_compares_whole_values() {
        assert!(same(b"abc", b"abc"));
        assert!(!same(b"abc", b"abd"));
        assert!(!same(b"abc", b"abcd"));
    }

    #[test]
    fn connection_string_has_the_spec_shape() {
        assert_eq!(
            connection_string("ada", "pw", "db.example.com"),
            "postgres://ada:pw@ada.db.example.com:9193/ada"
        );
    }
}
