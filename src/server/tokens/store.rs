//! Tokens in the database: saving, listing, deactivating, deleting, and
//! the secret of a token just made, held for the session that made it.

use crate::error::{AppError, Reason};
use crate::model::notice::Kind;
use crate::model::scope::Scopes;
use crate::model::token::{label, limit_notice, TokenStatus, TokenView};
use crate::server::db::{Backend, Db};
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::kernel::token_secret::PlainToken;
use crate::{on_db, on_tx};

/// The columns of a [`TokenView`].
const VIEW: &str = "SELECT id, name, prefix, last_four, created_at, expires_at,
                           deactivated_at IS NOT NULL AS deactivated, last_used_at, last_used_ip,
                           scopes, platform_scopes, rotated_at
                    FROM api_tokens";

/// All of a user's tokens, newest first, with their recent addresses.
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<TokenView>, AppError> {
    let sql = format!("{VIEW} WHERE user_id = $1 ORDER BY id DESC");
    let mut tokens: Vec<TokenView> =
        on_db!(db, p => sqlx::query_as(&sql).bind(user_id).fetch_all(p).await)?;
    super::ips::attach(db, user_id, None, &mut tokens).await?;
    Ok(tokens)
}

/// One of the user's tokens; another user's token is simply not found.
pub async fn get(db: &Db, user_id: i64, id: i64) -> Result<TokenView, AppError> {
    let sql = format!("{VIEW} WHERE user_id = $1 AND id = $2");
    let token: TokenView =
        on_db!(db, p => sqlx::query_as(&sql).bind(user_id).bind(id).fetch_optional(p).await)?
            .ok_or_else(|| AppError::NotFound("Token".into()))?;
    let mut one = vec![token];
    super::ips::attach(db, user_id, Some(id), &mut one).await?;
    Ok(one.remove(0))
}

/// How many tokens the user holds (deleted ones are gone; all others count).
pub async fn count(db: &Db, user_id: i64) -> Result<i64, AppError> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT COUNT(*) FROM api_tokens WHERE user_id = $1")
        .bind(user_id)
        .fetch_one(p)
        .await)?,
    )
}

/// A token about to be stored.
pub struct NewToken<'a> {
    pub name: &'a str,
    pub token: &'a PlainToken,
    pub prefix: &'a str,
    pub expires_at: Option<i64>,
    pub scopes: Scopes,
    /// The operator's scopes, space-separated (checked against
    /// `PLATFORM_CONFIG` by the caller).
    pub platform_scopes: &'a str,
}

/// Stores a new token unless the user already holds `max`, with `event`
/// (to which the token is added). On PostgreSQL the owner's row is locked
/// first, so concurrent saves for one user take turns; on SQLite the count
/// and the insert are one statement of the one writer.
pub async fn insert(
    db: &Db,
    user_id: i64,
    new: NewToken<'_>,
    max: u32,
    event: NewEvent,
) -> Result<i64, AppError> {
    let NewToken {
        name,
        token,
        prefix,
        expires_at,
        scopes,
        platform_scopes,
    } = new;
    let hash = token.hash().0.to_vec();
    let last_four = token.last_four();
    let now = db.now();
    let limit = i64::from(max);
    let mut tx = events::begin(db).await?;
    if tx.backend() == Backend::Postgres {
        on_tx!(&mut tx, c => sqlx::query("SELECT 1 FROM users WHERE id = $1 FOR UPDATE")
            .bind(user_id)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
    }
    // SQLite: the id is one never used before (migration 0004); PostgreSQL:
    // the identity sequence never hands one out twice.
    let sql = tx.pick(
        "INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, last_four, created_at, expires_at, scopes, platform_scopes)
         SELECT (SELECT seq + 1 FROM id_high_water WHERE name = 'api_tokens'),
                $1, $2, $3, $4, $5, $6, $7, $9, $10
         WHERE (SELECT COUNT(*) FROM api_tokens WHERE user_id = $1) < $8
         RETURNING id",
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, last_four, created_at, expires_at, scopes, platform_scopes)
         SELECT $1, $2, $3, $4, $5, $6, $7, $9, $10
         WHERE (SELECT COUNT(*) FROM api_tokens WHERE user_id = $1) < $8
         RETURNING id",
    );
    let id: Option<i64> = on_tx!(&mut tx, c => sqlx::query_scalar(sql)
        .bind(user_id)
        .bind(name)
        .bind(&hash)
        .bind(prefix)
        .bind(last_four)
        .bind(now)
        .bind(expires_at)
        .bind(limit)
        .bind(scopes.bits())
        .bind(platform_scopes)
        .fetch_optional(c)
        .await)?;
    let Some(id) = id else {
        return Err(AppError::conflict(Reason::TokenLimit, limit_notice(max)));
    };
    let event = event
        .token(id, label(name, prefix, last_four))
        .notify(Kind::TokenCreated);
    events::commit(tx, &[event]).await?;
    Ok(id)
}

/// Deactivates or activates one of the user's tokens, with `event` (to
/// which the token is added). An expired token cannot be activated.
pub async fn set_active(
    db: &Db,
    user_id: i64,
    id: i64,
    active: bool,
    event: NewEvent,
) -> Result<TokenView, AppError> {
    let token = get(db, user_id, id).await?;
    let now = db.now();
    if active && token.status(now) == TokenStatus::Expired {
        return Err(AppError::conflict(
            Reason::TokenExpired,
            "This token has expired and cannot be activated again.",
        ));
    }
    let deactivated_at = (!active).then_some(now);
    let mut tx = events::begin(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query("UPDATE api_tokens SET deactivated_at = $1 WHERE user_id = $2 AND id = $3")
        .bind(deactivated_at)
        .bind(user_id)
        .bind(id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    if done == 0 {
        return Err(AppError::NotFound("Token".into()));
    }
    let event = event.token(id, label(&token.name, &token.prefix, &token.last_four));
    events::commit(tx, &[event]).await?;
    get(db, user_id, id).await
}

/// Deletes one of the user's tokens for good, with `event` (to which the
/// token is added); returns what it was.
pub async fn delete(
    db: &Db,
    user_id: i64,
    id: i64,
    event: NewEvent,
) -> Result<TokenView, AppError> {
    let token = get(db, user_id, id).await?;
    let mut tx = events::begin(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query("DELETE FROM api_tokens WHERE user_id = $1 AND id = $2")
        .bind(user_id)
        .bind(id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    if done == 0 {
        return Err(AppError::NotFound("Token".into()));
    }
    let event = event
        .token(id, label(&token.name, &token.prefix, &token.last_four))
        .notify(Kind::TokenDeleted);
    events::commit(tx, &[event]).await?;
    Ok(token)
}

/// Remembers a generated token for the session until it is saved.
pub async fn set_pending(db: &Db, session_id: i64, token: &PlainToken) -> Result<(), AppError> {
    let hash = token.hash().0.to_vec();
    let now = db.now();
    on_db!(db, p => sqlx::query(
        "INSERT INTO pending_tokens (session_id, token_hash, created_at) VALUES ($1, $2, $3)
         ON CONFLICT (session_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
    )
    .bind(session_id)
    .bind(&hash)
    .bind(now)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(())
}

/// Takes the session's pending token if it is this one (and was generated
/// within the last day). Each generated token can be saved once.
pub async fn take_pending(db: &Db, session_id: i64, token: &PlainToken) -> Result<bool, AppError> {
    let hash = token.hash().0.to_vec();
    let since = db.now() - 86_400;
    let done = on_db!(db, p => sqlx::query(
        "DELETE FROM pending_tokens WHERE session_id = $1 AND token_hash = $2 AND created_at > $3",
    )
    .bind(session_id)
    .bind(&hash)
    .bind(since)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(done == 1)
}
