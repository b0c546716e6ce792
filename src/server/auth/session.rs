//! Browser sessions, kept in the database.
//!
//! The cookie carries a random secret; the database keeps its SHA-256. A
//! session ends after `SESSION_IDLE_MINUTES` without use or
//! `SESSION_MAX_HOURS` after sign-in, and at once on sign-out.

use axum::http::{header, HeaderMap, HeaderValue};
use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::model::user::CurrentUser;
use crate::server::config::Settings;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;
use crate::{on_db, on_tx};

/// How often (seconds) `last_seen_at` is written, at most.
const TOUCH_EVERY: i64 = 60;

/// A signed-in session and its user.
#[derive(Debug, Clone)]
pub struct Session {
    pub id: i64,
    pub user: CurrentUser,
}

/// The cookie's name: `__Host-` only works (and is only allowed) over https.
pub fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-session"
    } else {
        "session"
    }
}

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// A `Set-Cookie` value as every cookie of this app is set: the whole
/// site, not for scripts, sent on top-level navigation from elsewhere, and
/// `Secure` over https. `None` if `value` cannot go in a header.
pub(crate) fn set_cookie(
    settings: &Settings,
    name: &str,
    value: &str,
    max_age: i64,
) -> Option<HeaderValue> {
    let secure = if settings.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .ok()
}

fn cookie(settings: &Settings, value: &str, max_age: i64) -> HeaderValue {
    // Built only from a fixed name and alphanumeric characters.
    set_cookie(settings, cookie_name(settings), value, max_age)
        .unwrap_or_else(|| HeaderValue::from_static(""))
}

/// The `Set-Cookie` value that removes the session cookie.
pub fn clearing_cookie(settings: &Settings) -> HeaderValue {
    cookie(settings, "", 0)
}

/// The value of the request's cookie `name`, if it sent one.
pub fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The session secret from the request's cookies, if any.
pub fn secret_from(headers: &HeaderMap, settings: &Settings) -> Option<String> {
    cookie_value(headers, cookie_name(settings))
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map(str::to_owned)
}

/// Starts a new session (always a new id: sign-in never reuses one), with
/// `events`, and returns its `Set-Cookie` value.
pub async fn start(
    db: &Db,
    settings: &Settings,
    user_id: i64,
    ip: Option<&str>,
    user_agent: Option<&str>,
    events: &[NewEvent],
) -> Result<HeaderValue, AppError> {
    let secret = Alphanumeric.sample_string(&mut rand::rng(), 43);
    let digest = hash(&secret);
    let now = db.now();
    let expires = now + settings.session_max_secs;
    let mut tx = events::begin(db).await?;
    on_tx!(&mut tx, c => sqlx::query(
        "INSERT INTO sessions (secret_hash, user_id, created_at, last_seen_at, expires_at, ip, user_agent)
         VALUES ($1, $2, $3, $3, $4, $5, $6)",
    )
    .bind(&digest[..])
    .bind(user_id)
    .bind(now)
    .bind(expires)
    .bind(ip)
    .bind(user_agent)
    .execute(c)
    .await
    .map(|d| d.rows_affected()))?;
    events::commit(tx, events).await?;
    Ok(cookie(settings, &secret, settings.session_max_secs))
}

/// The live session behind the request's cookie, if there is one. Ended,
/// idle, expired sessions and those of disabled users count as none.
pub async fn current(
    db: &Db,
    settings: &Settings,
    headers: &HeaderMap,
) -> Result<Option<Session>, AppError> {
    let Some(secret) = secret_from(headers, settings) else {
        return Ok(None);
    };
    let digest = hash(&secret);
    let now = db.now();
    let idle_since = now - settings.session_idle_secs;
    let row: Option<SessionUserRow> = on_db!(db, p => sqlx::query_as(
        "SELECT s.id, s.last_seen_at, u.id AS user_id, u.handle, u.email, u.display_name,
                u.is_admin, u.avatar_url, u.avatar_file, u.email_verified
         FROM sessions s JOIN users u ON u.id = s.user_id
         WHERE s.secret_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3 AND NOT u.disabled",
    )
    .bind(&digest[..])
    .bind(now)
    .bind(idle_since)
    .fetch_optional(p)
    .await)?;
    let Some(row) = row else {
        return Ok(None);
    };
    if now - row.last_seen_at >= TOUCH_EVERY {
        on_db!(db, p => sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id = $2")
            .bind(now)
            .bind(row.id)
            .execute(p)
            .await
            .map(|d| d.rows_affected()))?;
    }
    Ok(Some(Session {
        id: row.id,
        user: CurrentUser {
            id: row.user_id,
            handle: row.handle,
            email: row.email,
            display_name: row.display_name,
            is_admin: row.is_admin,
            avatar: crate::server::identity::users::avatar_location(
                row.avatar_file.as_deref(),
                row.avatar_url.as_deref(),
                None,
            ),
            unread_notices: 0,
            email_verified: row.email_verified,
        },
    }))
}

/// Ends a session on the server, with `events`.
pub async fn end(db: &Db, session_id: i64, events: &[NewEvent]) -> Result<(), AppError> {
    let mut tx = events::begin(db).await?;
    on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE id = $1")
        .bind(session_id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    events::commit(tx, events).await?;
    Ok(())
}

/// Removes sessions that can no longer be used.
pub async fn purge_expired(db: &Db, settings: &Settings) -> Result<u64, AppError> {
    let now = db.now();
    let idle_since = now - settings.session_idle_secs;
    let done = on_db!(db, p => sqlx::query(
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
    )
    .bind(now)
    .bind(idle_since)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(done)
}

/// The row [`current`] reads.
#[derive(sqlx::FromRow)]
struct SessionUserRow {
    id: i64,
    last_seen_at: i64,
    user_id: i64,
    handle: String,
    email: String,
    display_name: String,
    is_admin: bool,
    avatar_url: Option<String>,
    avatar_file: Option<String>,
    email_verified: bool,
}

/// A live session as the Security page lists it.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub id: i64,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// The user's live sessions, most recently used first.
pub async fn list(db: &Db, settings: &Settings, user_id: i64) -> Result<Vec<SessionRow>, AppError> {
    let now = db.now();
    let idle_since = now - settings.session_idle_secs;
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT id, created_at, last_seen_at, ip, user_agent FROM sessions
         WHERE user_id = $1 AND expires_at > $2 AND last_seen_at > $3
         ORDER BY last_seen_at DESC, id DESC",
    )
    .bind(user_id)
    .bind(now)
    .bind(idle_since)
    .fetch_all(p)
    .await)?)
}

/// Ends one of the user's sessions, with `event` (to which it adds which);
/// `false` when it is not theirs or gone.
pub async fn end_own(
    db: &Db,
    user_id: i64,
    session_id: i64,
    event: NewEvent,
) -> Result<bool, AppError> {
    let mut tx = events::begin(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2")
        .bind(session_id)
        .bind(user_id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    if done != 1 {
        return Ok(false);
    }
    events::commit(tx, &[event.detail(format!("Session {session_id}"))]).await?;
    Ok(true)
}

/// Ends every session of the user except `keep`, with `event` (to which it
/// adds how many, when any ended); returns how many ended.
pub async fn end_others(
    db: &Db,
    user_id: i64,
    keep: i64,
    event: NewEvent,
) -> Result<u64, AppError> {
    let mut tx = events::begin(db).await?;
    let done = on_tx!(&mut tx, c => sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id != $2")
        .bind(user_id)
        .bind(keep)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    let events = if done > 0 {
        vec![event.detail(format!("All other sessions ({done})"))]
    } else {
        Vec::new()
    };
    events::commit(tx, &events).await?;
    Ok(done)
}
