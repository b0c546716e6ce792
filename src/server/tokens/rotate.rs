//! A token's secret replaced (regenerate, with a grace for the old one),
//! reported as leaked, or left unused too long.

use super::store::get;
use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::model::rotation::renewed_expiry;
use crate::model::time::rfc3339;
use crate::model::token::label;
use crate::model::token::TokenView;
use crate::server::config::Settings;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::server::kernel::token_secret::PlainToken;
use crate::{on_db, on_tx};

#[derive(sqlx::FromRow)]
struct Current {
    name: String,
    prefix: String,
    last_four: String,
    created_at: i64,
    rotated_at: Option<i64>,
    expires_at: Option<i64>,
    deactivated: bool,
}

/// A regenerated token: its new secret (shown once) and its row.
pub struct Rotated {
    pub secret: PlainToken,
    pub token: TokenView,
    /// Until when the old secret works (`None`: it stopped at once).
    pub old_valid_until: Option<i64>,
}

/// Gives one of the user's tokens a new secret, with `event` (to which the
/// token and both secrets' last four are added). The old secret keeps
/// working for `grace` seconds; the token keeps its name, scopes, row and
/// history, and gets as long a life as before, counted from now. Expired
/// and deactivated tokens are refused.
pub async fn rotate(
    db: &Db,
    settings: &Settings,
    user_id: i64,
    id: i64,
    grace: i64,
    event: NewEvent,
) -> Result<Rotated, AppError> {
    let (prefix, policy) = (&settings.token_prefix, &settings.policy);
    let now = db.now();
    let mut tx = events::begin(db).await?;
    let sql = tx.pick(
        "SELECT name, prefix, last_four, created_at, rotated_at, expires_at,
                deactivated_at IS NOT NULL AS deactivated
         FROM api_tokens WHERE user_id = $1 AND id = $2",
        "SELECT name, prefix, last_four, created_at, rotated_at, expires_at,
                deactivated_at IS NOT NULL AS deactivated
         FROM api_tokens WHERE user_id = $1 AND id = $2 FOR UPDATE",
    );
    let current: Current = on_tx!(&mut tx, c => sqlx::query_as(sql)
        .bind(user_id)
        .bind(id)
        .fetch_optional(c)
        .await)?
    .ok_or_else(|| AppError::NotFound("Token".into()))?;
    if current.expires_at.is_some_and(|e| e <= now) {
        return Err(AppError::conflict(
            Reason::TokenExpired,
            "This token has expired and cannot be regenerated: make a new one.",
        ));
    }
    if current.deactivated {
        return Err(AppError::conflict(
            Reason::TokenDeactivated,
            "This token is deactivated: activate it before regenerating it.",
        ));
    }
    let secret = PlainToken::generate(prefix);
    let since = current.rotated_at.unwrap_or(current.created_at);
    let expires_at = renewed_expiry(since, current.expires_at, now, policy);
    let valid_until = now + grace;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO retired_token_secrets (token_hash, token_id, last_four, valid_until)
         SELECT token_hash, id, last_four, $1 FROM api_tokens WHERE id = $2",
    )
    .bind(valid_until)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let new_four = secret.last_four();
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE api_tokens SET token_hash = $1, last_four = $2, expires_at = $3, rotated_at = $4,
                               reminded = 0
         WHERE id = $5",
    )
    .bind(secret.hash().0.as_slice())
    .bind(new_four)
    .bind(expires_at)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    let mut detail = format!("…{} → …{new_four}", current.last_four);
    if grace > 0 {
        detail.push_str(&format!(
            "; the old secret works until {}",
            rfc3339(valid_until)
        ));
    }
    let event = event
        .token(id, label(&current.name, &current.prefix, new_four))
        .detail(detail);
    events::commit(tx, &[event]).await?;
    Ok(Rotated {
        secret,
        token: get(db, user_id, id).await?,
        old_valid_until: (grace > 0).then_some(valid_until),
    })
}

#[derive(sqlx::FromRow)]
struct Revoked {
    id: i64,
    user_id: i64,
    name: String,
    prefix: String,
    last_four: String,
}

/// Revokes the token whose secret this is, reported as leaked by whoever
/// holds it (`event` is the report, with the reporter's address): a
/// token's current secret deactivates the token; an old secret still in its
/// grace stops working. Anything else changes nothing. Whether something was
/// revoked is returned for the tests; the API answers the same either way.
pub async fn revoke_leaked(db: &Db, token: &PlainToken, event: NewEvent) -> Result<bool, AppError> {
    let now = db.now();
    let hash = token.hash();
    let mut tx = events::begin(db).await?;
    let current: Option<Revoked> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE api_tokens SET deactivated_at = $1
         WHERE token_hash = $2 AND deactivated_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
         RETURNING id, user_id, name, prefix, last_four",
    )
    .bind(now)
    .bind(hash.0.as_slice())
    .fetch_optional(c)
    .await)?;
    let deactivated = current.is_some();
    let (revoked, detail) = match current {
        Some(t) => (t, "Reported as leaked: the token was deactivated"),
        None => {
            let old: Option<Revoked> = on_tx!(&mut tx, c => sqlx::query_as(
                "UPDATE retired_token_secrets SET valid_until = $1
                 WHERE token_hash = $2 AND valid_until > $1
                 RETURNING token_id AS id,
                           (SELECT user_id FROM api_tokens WHERE id = token_id) AS user_id,
                           (SELECT name FROM api_tokens WHERE id = token_id) AS name,
                           (SELECT prefix FROM api_tokens WHERE id = token_id) AS prefix,
                           last_four",
            )
            .bind(now)
            .bind(hash.0.as_slice())
            .fetch_optional(c)
            .await)?;
            match old {
                Some(t) => (t, "Reported as leaked: the replaced secret stopped working"),
                None => return Ok(false),
            }
        }
    };
    let event = NewEvent {
        user_id: revoked.user_id,
        ..event
    }
    .token(
        revoked.id,
        label(&revoked.name, &revoked.prefix, &revoked.last_four),
    )
    .detail(detail);
    let event = if deactivated {
        event.notify(Kind::TokenDeactivated)
    } else {
        event
    };
    events::commit(tx, &[event]).await?;
    Ok(true)
}

/// Deactivates every active token unused for `days` days (never used:
/// since it was made or regenerated), each with an audit event that says
/// why; `now` is the clock (the tests move it). Returns how many.
pub async fn deactivate_idle(db: &Db, days: u32, now: i64) -> Result<usize, AppError> {
    let cutoff = now - i64::from(days) * 86_400;
    let mut tx = events::begin(db).await?;
    let idle: Vec<Revoked> = on_tx!(&mut tx, c => sqlx::query_as(
        "UPDATE api_tokens SET deactivated_at = $1
         WHERE deactivated_at IS NULL AND (expires_at IS NULL OR expires_at > $1)
           AND COALESCE(last_used_at, created_at) < $2 AND COALESCE(rotated_at, 0) < $2
         RETURNING id, user_id, name, prefix, last_four",
    )
    .bind(now)
    .bind(cutoff)
    .fetch_all(c)
    .await)?;
    let events: Vec<NewEvent> = idle
        .iter()
        .map(|t| {
            let mut e = NewEvent::new(t.user_id, AuditAction::TokenDeactivatedIdle)
                .token(t.id, label(&t.name, &t.prefix, &t.last_four))
                .detail(format!("Not used for {days} days"))
                .notify(Kind::TokenDeactivated);
            e.at = now;
            e
        })
        .collect();
    events::commit(tx, &events).await?;
    Ok(events.len())
}

/// Forgets replaced secrets whose grace ended more than 90 days ago (they
/// then answer as unknown rather than as replaced). Returns how many.
pub async fn forget_retired(db: &Db, now: i64) -> Result<u64, AppError> {
    let cutoff = now - 90 * 86_400;
    Ok(
        on_db!(db, p => sqlx::query("DELETE FROM retired_token_secrets WHERE valid_until < $1")
        .bind(cutoff)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?,
    )
}
