//! API tokens in the database, and the check every API request goes through.

use super::db::{now, Db};
use super::token_secret::{PlainToken, TokenHash};
use super::users::Profile;
use crate::error::AppError;
use crate::model::token::{limit_notice, TokenStatus, TokenView};

/// All of a user's tokens, newest first.
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<TokenView>, AppError> {
    Ok(sqlx::query_as!(
        TokenView,
        r#"SELECT id AS "id!", name, prefix, last_four, created_at, expires_at,
                  deactivated_at IS NOT NULL AS "deactivated!: bool",
                  last_used_at, last_used_ip
           FROM api_tokens WHERE user_id = ? ORDER BY id DESC"#,
        user_id
    )
    .fetch_all(db)
    .await?)
}

/// One of the user's tokens; another user's token is simply not found.
pub async fn get(db: &Db, user_id: i64, id: i64) -> Result<TokenView, AppError> {
    sqlx::query_as!(
        TokenView,
        r#"SELECT id AS "id!", name, prefix, last_four, created_at, expires_at,
                  deactivated_at IS NOT NULL AS "deactivated!: bool",
                  last_used_at, last_used_ip
           FROM api_tokens WHERE user_id = ? AND id = ?"#,
        user_id,
        id
    )
    .fetch_optional(db)
    .await?
    .ok_or_else(|| AppError::NotFound("Token".into()))
}

/// How many tokens the user holds (deleted ones are gone; all others count).
pub async fn count(db: &Db, user_id: i64) -> Result<i64, AppError> {
    Ok(
        sqlx::query_scalar!("SELECT COUNT(*) FROM api_tokens WHERE user_id = ?", user_id)
            .fetch_one(db)
            .await?,
    )
}

/// Stores a new token unless the user already holds `max`. The count and the
/// insert are one statement, so concurrent requests cannot pass the limit.
pub async fn insert(
    db: &Db,
    user_id: i64,
    name: &str,
    token: &PlainToken,
    prefix: &str,
    expires_at: Option<i64>,
    max: u32,
) -> Result<i64, AppError> {
    let hash = token.hash().0.to_vec();
    let last_four = token.last_four();
    let now = now();
    let max = i64::from(max);
    let id = sqlx::query_scalar!(
        r#"INSERT INTO api_tokens (id, user_id, name, token_hash, prefix, last_four, created_at, expires_at)
           SELECT (SELECT seq + 1 FROM id_high_water WHERE name = 'api_tokens'),
                  ?1, ?2, ?3, ?4, ?5, ?6, ?7
           WHERE (SELECT COUNT(*) FROM api_tokens WHERE user_id = ?1) < ?8
           RETURNING id AS "id!""#,
        user_id,
        name,
        hash,
        prefix,
        last_four,
        now,
        expires_at,
        max
    )
    .fetch_optional(db)
    .await?;
    id.ok_or_else(|| AppError::Conflict(limit_notice(max as u32)))
}

/// Deactivates or activates one of the user's tokens. An expired token
/// cannot be activated.
pub async fn set_active(
    db: &Db,
    user_id: i64,
    id: i64,
    active: bool,
) -> Result<TokenView, AppError> {
    let token = get(db, user_id, id).await?;
    let now = now();
    if active && token.status(now) == TokenStatus::Expired {
        return Err(AppError::Conflict(
            "This token has expired and cannot be activated again.".into(),
        ));
    }
    let deactivated_at = (!active).then_some(now);
    sqlx::query!(
        "UPDATE api_tokens SET deactivated_at = ? WHERE user_id = ? AND id = ?",
        deactivated_at,
        user_id,
        id
    )
    .execute(db)
    .await?;
    get(db, user_id, id).await
}

/// Deletes one of the user's tokens for good; returns what it was.
pub async fn delete(db: &Db, user_id: i64, id: i64) -> Result<TokenView, AppError> {
    let token = get(db, user_id, id).await?;
    sqlx::query!(
        "DELETE FROM api_tokens WHERE user_id = ? AND id = ?",
        user_id,
        id
    )
    .execute(db)
    .await?;
    Ok(token)
}

/// `name (ast_…k3Qz)`, or just the mask: how the audit log names a token.
pub fn label(name: &str, prefix: &str, last_four: &str) -> String {
    if name.is_empty() {
        format!("{prefix}_…{last_four}")
    } else {
        format!("{name} ({prefix}_…{last_four})")
    }
}

/// What the API knows about the token that authenticated a request, and
/// about its owner (read in the same query, so that `GET /api/v1/user`
/// needs no second one).
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    pub label: String,
    pub expires_at: Option<i64>,
    pub deactivated: bool,
    pub user_disabled: bool,
    pub user: Profile,
}

/// Looks a token and its owner up by the token's hash: one indexed query.
pub async fn find_by_hash(db: &Db, hash: &TokenHash) -> Result<Option<TokenOwner>, AppError> {
    let digest = hash.0.as_slice();
    let row = sqlx::query!(
        r#"SELECT t.id AS "id!", t.name, t.prefix, t.last_four, t.expires_at,
                  t.deactivated_at IS NOT NULL AS "deactivated!: bool",
                  u.id AS "user_id!", u.disabled AS "user_disabled: bool", u.handle, u.email,
                  u.first_name, u.last_name, u.display_name, u.avatar_url, u.avatar_file, u.created_at
           FROM api_tokens t JOIN users u ON u.id = t.user_id
           WHERE t.token_hash = ?"#,
        digest
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| TokenOwner {
        token_id: r.id,
        label: label(&r.name, &r.prefix, &r.last_four),
        expires_at: r.expires_at,
        deactivated: r.deactivated,
        user_disabled: r.user_disabled,
        user: Profile {
            id: r.user_id,
            handle: r.handle,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            display_name: r.display_name,
            avatar_url: r.avatar_url,
            avatar_file: r.avatar_file,
            created_at: r.created_at,
        },
    }))
}

/// Remembers a generated token for the session until it is saved.
pub async fn set_pending(db: &Db, session_id: i64, token: &PlainToken) -> Result<(), AppError> {
    let hash = token.hash().0.to_vec();
    let now = now();
    sqlx::query!(
        "INSERT INTO pending_tokens (session_id, token_hash, created_at) VALUES (?, ?, ?)
         ON CONFLICT (session_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at",
        session_id,
        hash,
        now
    )
    .execute(db)
    .await?;
    Ok(())
}

/// Takes the session's pending token if it is this one (and was generated
/// within the last day). Each generated token can be saved once.
pub async fn take_pending(db: &Db, session_id: i64, token: &PlainToken) -> Result<bool, AppError> {
    let hash = token.hash().0.to_vec();
    let since = now() - 86_400;
    let done = sqlx::query!(
        "DELETE FROM pending_tokens WHERE session_id = ? AND token_hash = ? AND created_at > ?",
        session_id,
        hash,
        since
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected() == 1)
}
