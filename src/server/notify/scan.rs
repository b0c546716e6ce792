//! The periodic checks that find something to tell: tokens coming up to
//! their expiry, and tokens used from an address they had not been used
//! from lately. Each notice is recorded on the token in the transaction
//! that queues it, so a restart or a second instance never repeats one.
//! Each scan runs under the audit lock, taken first like every change of
//! tokens (the audit writer updates the same rows: the same order means no
//! deadlock), which also keeps two instances' scans from overlapping.

use std::time::Duration;

use crate::error::AppError;
use crate::model::notice::Kind;
use crate::model::token::label;
use crate::on_tx;
use crate::server::db::{Db, Tx};
use crate::server::events;
use crate::server::events::{queue, wake, Notice, NoticeData};

const DAY: i64 = 86_400;
/// When each reminder is due, before expiry: stage 1, 2 and 3.
const BEFORE: [i64; 3] = [7 * DAY, DAY, 0];

/// Every minute, for the life of the server.
pub async fn run(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        let now = db.now();
        if let Err(e) = expiring(&db, now).await {
            tracing::warn!(error = %e, "expiry reminders not checked");
        }
        if let Err(e) = new_addresses(&db, now).await {
            tracing::warn!(error = %e, "new token addresses not checked");
        }
    }
}

#[derive(sqlx::FromRow)]
struct Expiring {
    id: i64,
    user_id: i64,
    name: String,
    prefix: String,
    last_four: String,
    expires_at: i64,
    born: i64,
    reminded: i64,
}

/// The reminder stage a token is in at `now`: 0 none yet, 1 within seven
/// days, 2 within a day, 3 expired.
fn stage(expires_at: i64, now: i64) -> i64 {
    BEFORE
        .iter()
        .rposition(|before| now >= expires_at - before)
        .map_or(0, |i| i as i64 + 1)
}

/// Queues the expiry reminders due at `now` (the clock is a parameter for
/// the tests). A reminder whose moment came before the token was made or
/// regenerated is skipped: a token made with 3 days left gets only the
/// 1-day and expiry mails. Returns how many were queued.
pub async fn expiring(db: &Db, now: i64) -> Result<usize, AppError> {
    let mut tx = events::begin(db).await?;
    let due: Vec<Expiring> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT id, user_id, name, prefix, last_four, expires_at,
                COALESCE(rotated_at, created_at) AS born, reminded
         FROM api_tokens
         WHERE expires_at IS NOT NULL AND reminded < 3 AND deactivated_at IS NULL
           AND expires_at <= $1",
    )
    .bind(now + BEFORE[0])
    .fetch_all(c)
    .await)?;
    let mut notices = Vec::new();
    for t in due {
        let stage = stage(t.expires_at, now);
        if stage <= t.reminded {
            continue;
        }
        let marked = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE api_tokens SET reminded = $1 WHERE id = $2 AND reminded < $1",
        )
        .bind(stage)
        .bind(t.id)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
        let window_opened = t.expires_at - BEFORE[(stage - 1) as usize];
        if marked == 0 || (stage < 3 && t.born >= window_opened) {
            continue;
        }
        notices.push(Notice::new(
            t.user_id,
            Kind::TokenExpiring,
            NoticeData {
                at: now,
                token_id: Some(t.id),
                token: Some(label(&t.name, &t.prefix, &t.last_four)),
                expires_at: Some(t.expires_at),
                stage: Some(stage as u8),
                ..NoticeData::default()
            },
        ));
    }
    queue_and_commit(tx, &notices).await
}

#[derive(sqlx::FromRow)]
struct Seen {
    token_id: i64,
    ip: String,
    first_seen_at: i64,
    user_id: i64,
    name: String,
    prefix: String,
    last_four: String,
    noticed_at: Option<i64>,
    /// Whether the token had been used from another address first.
    known_before: bool,
}

/// Queues a notice for each token used from an address it was not among
/// its recent ones (not on its very first use), at most one a day per
/// token. Returns how many were queued.
pub async fn new_addresses(db: &Db, now: i64) -> Result<usize, AppError> {
    let mut tx = events::begin(db).await?;
    let seen: Vec<Seen> = on_tx!(&mut tx, c => sqlx::query_as(
        "SELECT i.token_id, i.ip, i.first_seen_at, t.user_id, t.name, t.prefix, t.last_four,
                t.new_ip_noticed_at AS noticed_at,
                EXISTS (SELECT 1 FROM token_ips o
                        WHERE o.token_id = i.token_id AND o.ip != i.ip
                          AND (o.checked OR o.first_seen_at < i.first_seen_at)) AS known_before
         FROM token_ips i JOIN api_tokens t ON t.id = i.token_id
         WHERE NOT i.checked
         ORDER BY i.token_id, i.first_seen_at",
    )
    .fetch_all(c)
    .await)?;
    let mut notices: Vec<Notice> = Vec::new();
    let mut noticed: Vec<i64> = Vec::new();
    for s in seen {
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE token_ips SET checked = $1 WHERE token_id = $2 AND ip = $3",
        )
        .bind(true)
        .bind(s.token_id)
        .bind(&s.ip)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
        let recently = s.noticed_at.is_some_and(|at| at > now - DAY);
        if !s.known_before || recently || noticed.contains(&s.token_id) {
            continue;
        }
        on_tx!(&mut tx, c => sqlx::query("UPDATE api_tokens SET new_ip_noticed_at = $1 WHERE id = $2")
            .bind(now)
            .bind(s.token_id)
            .execute(c)
            .await
            .map(|d| d.rows_affected()))?;
        noticed.push(s.token_id);
        notices.push(Notice::new(
            s.user_id,
            Kind::TokenNewIp,
            NoticeData {
                at: s.first_seen_at,
                token_id: Some(s.token_id),
                token: Some(label(&s.name, &s.prefix, &s.last_four)),
                ip: Some(s.ip),
                ..NoticeData::default()
            },
        ));
    }
    queue_and_commit(tx, &notices).await
}

/// Writes what a scan found in its transaction, commits, and wakes the
/// mail worker when there is something to send; returns how many.
async fn queue_and_commit(mut tx: Tx, notices: &[Notice]) -> Result<usize, AppError> {
    queue(&mut tx, notices).await?;
    tx.commit().await?;
    if !notices.is_empty() {
        wake();
    }
    Ok(notices.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_follow_the_clock() {
        let exp = 100 * DAY;
        assert_eq!(stage(exp, exp - 8 * DAY), 0);
        assert_eq!(stage(exp, exp - 7 * DAY), 1);
        assert_eq!(stage(exp, exp - 2 * DAY), 1);
        assert_eq!(stage(exp, exp - DAY), 2);
        assert_eq!(stage(exp, exp - 1), 2);
        assert_eq!(stage(exp, exp), 3);
        assert_eq!(stage(exp, exp + 30 * DAY), 3);
    }
}
