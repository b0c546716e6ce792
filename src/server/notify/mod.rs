//! Notices (SPEC §12): written in the transaction of the change they
//! report (the outbox), mailed by a worker ([`outbox`]), listed on the
//! Notifications page. Expiry reminders and new-address notices come from
//! periodic scans ([`scan`]).
//!
//! Most notices ride on an audit event ([`NewEvent::notify`]): the event's
//! token, address and browser become the notice's, and [`events::commit`]
//! writes both. Notices to another address than the account's (the old one
//! after a change, the one a deleted account had) or with a one-time link
//! are queued with [`events::queue`] in the same transaction.
//!
//! [`NewEvent::notify`]: crate::server::events::NewEvent::notify
//! [`events::commit`]: crate::server::events::commit
//! [`events::queue`]: crate::server::events::queue

pub mod compose;
pub mod mailer;
pub mod outbox;
pub mod scan;

pub use mailer::{Mail, Mailer, SmtpUrl};

use super::db::Db;
use crate::error::AppError;
use crate::model::notice::{Delivery, Kind, NoticeView};
use crate::on_db;
use crate::server::events::NoticeData;

#[derive(sqlx::FromRow)]
struct ListRow {
    id: i64,
    kind: String,
    data: String,
    state: String,
    created_at: i64,
    read_at: Option<i64>,
}

/// How many of the person's latest notices the page lists.
pub const LISTED: i64 = 50;

/// The person's latest notices, newest first.
pub async fn list(db: &Db, user_id: i64) -> Result<Vec<NoticeView>, AppError> {
    let rows: Vec<ListRow> = on_db!(db, p => sqlx::query_as(
        "SELECT id, kind, data, state, created_at, read_at FROM notices
         WHERE user_id = $1 ORDER BY id DESC LIMIT $2",
    )
    .bind(user_id)
    .bind(LISTED)
    .fetch_all(p)
    .await)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let kind = Kind::parse(&r.kind)?;
            let data: NoticeData = serde_json::from_str(&r.data).ok()?;
            Some(NoticeView {
                id: r.id,
                kind,
                summary: compose::subject(kind, &data),
                created_at: r.created_at,
                delivery: Delivery::parse(&r.state).unwrap_or(Delivery::Queued),
                read: r.read_at.is_some(),
            })
        })
        .collect())
}

/// How many of the person's notices are unread.
pub async fn unread(db: &Db, user_id: i64) -> Result<i64, AppError> {
    Ok(on_db!(db, p => sqlx::query_scalar(
        "SELECT COUNT(*) FROM notices WHERE user_id = $1 AND read_at IS NULL",
    )
    .bind(user_id)
    .fetch_one(p)
    .await)?)
}

/// Marks every notice of the person read.
pub async fn mark_read(db: &Db, user_id: i64, now: i64) -> Result<u64, AppError> {
    Ok(on_db!(db, p => sqlx::query(
        "UPDATE notices SET read_at = $1 WHERE user_id = $2 AND read_at IS NULL",
    )
    .bind(now)
    .bind(user_id)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?)
}

/// The bits of the optional kinds the person turned off.
pub async fn mail_off(db: &Db, user_id: i64) -> Result<i64, AppError> {
    on_db!(db, p => sqlx::query_scalar("SELECT mail_off FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::Unauthorized)
}

/// Turns one optional kind's mail on or off.
pub async fn set_mail(db: &Db, user_id: i64, kind: Kind, on: bool) -> Result<i64, AppError> {
    let bit = kind
        .bit()
        .ok_or_else(|| AppError::invalid("kind", "Security mail cannot be turned off."))?;
    let sql = if on {
        "UPDATE users SET mail_off = mail_off & ~$1 WHERE id = $2 RETURNING mail_off"
    } else {
        "UPDATE users SET mail_off = mail_off | $1 WHERE id = $2 RETURNING mail_off"
    };
    on_db!(db, p => sqlx::query_scalar(sql)
        .bind(bit)
        .bind(user_id)
        .fetch_optional(p)
        .await)?
    .ok_or(AppError::Unauthorized)
}

/// Drops notices past their use: read or not, those older than 180 days
/// once mailed or given up, and the sealed links of any older than a day.
pub async fn purge(db: &Db, now: i64) -> Result<u64, AppError> {
    let old = now - 180 * 86_400;
    let day = now - 86_400;
    let n = on_db!(db, p => sqlx::query(
        "DELETE FROM notices WHERE created_at < $1 AND state != 'queued'",
    )
    .bind(old)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    on_db!(db, p => sqlx::query(
        "UPDATE notices SET link_sealed = NULL WHERE link_sealed IS NOT NULL AND created_at < $1",
    )
    .bind(day)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    Ok(n)
}
