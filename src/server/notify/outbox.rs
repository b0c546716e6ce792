//! The mail worker: claims due notices, mails them, and records the
//! outcome, retrying with growing waits and giving up after the last.
//!
//! A claim marks rows as taken for a while (`claimed_until`), in one short
//! statement; on PostgreSQL `FOR UPDATE SKIP LOCKED` lets several instances
//! claim side by side without ever taking the same row, and on SQLite the
//! single writer does the same. A worker that dies mid-send leaves its
//! claim to run out, and the mail goes out later: nothing queued is lost.

use std::time::Duration;

use futures::StreamExt;

use super::compose;
use super::mailer::{Mailer, SendError, PARALLEL};
use crate::error::AppError;
use crate::model::notice::Kind;
use crate::server::db::{Db, Tx};
use crate::server::events::NoticeData;
use crate::server::events::WAKE;
use crate::server::kernel::secret_box::SecretBox;
use crate::{on_db, on_tx};

/// Seconds to wait before each retry; after the last, the notice fails.
pub const BACKOFF: [i64; 6] = [60, 5 * 60, 30 * 60, 3600, 3 * 3600, 6 * 3600];
/// Notices claimed at a time.
const CLAIM: i64 = 100;
/// How long a claim holds (a send that takes longer may be repeated).
const CLAIM_SECS: i64 = 300;
/// How often each instance looks for due mail without being woken (mail
/// queued by another instance, retries coming due).
const POLL: Duration = Duration::from_secs(5);

#[derive(sqlx::FromRow)]
struct Claimed {
    id: i64,
    user_id: Option<i64>,
    kind: String,
    to_addr: String,
    data: String,
    link_sealed: Option<Vec<u8>>,
    attempts: i64,
}

/// What the worker needs: the database, the mail server (none: notices are
/// held), the server key (for the links) and `PUBLIC_URL`.
pub struct Outbox {
    pub db: Db,
    pub mailer: Option<std::sync::Arc<Mailer>>,
    pub keys: std::sync::Arc<SecretBox>,
    pub base: String,
}

impl Outbox {
    /// Sends whatever is due, woken by commits that queue mail and every
    /// [`POLL`] otherwise. Runs for the life of the server.
    pub async fn run(self) {
        loop {
            let woken = WAKE.notified();
            loop {
                match self.deliver_due(self.db.now()).await {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::warn!(error = %e, "mail not sent: the database does not answer");
                        break;
                    }
                }
            }
            tokio::select! {
                () = woken => {}
                () = tokio::time::sleep(POLL) => {}
            }
        }
    }

    /// Claims up to a batch of notices due at `now`, mails them and records
    /// each outcome. Returns how many were claimed. Without a mail server,
    /// every queued notice becomes held instead.
    pub async fn deliver_due(&self, now: i64) -> Result<usize, AppError> {
        let Some(mailer) = &self.mailer else {
            on_db!(&self.db, p => sqlx::query("UPDATE notices SET state = 'held' WHERE state = 'queued'")
                .execute(p)
                .await
                .map(|d| d.rows_affected()))?;
            return Ok(0);
        };
        let claimed = self.claim(now).await?;
        let n = claimed.len();
        let outcomes: Vec<(i64, i64, Result<(), SendError>)> = futures::stream::iter(claimed)
            .map(|c| async move {
                let result = self.send_one(mailer, &c).await;
                (c.id, c.attempts, result)
            })
            .buffer_unordered(PARALLEL)
            .collect()
            .await;
        // One transaction for the batch's outcomes (one disk sync, not one
        // per mail).
        let mut tx = self.db.begin().await?;
        for (id, attempts, result) in outcomes {
            record(&mut tx, id, attempts, result, now).await?;
        }
        tx.commit().await?;
        Ok(n)
    }

    async fn claim(&self, now: i64) -> Result<Vec<Claimed>, AppError> {
        let sql = self.db.pick(
            "UPDATE notices SET claimed_until = $2
             WHERE id IN (SELECT id FROM notices
                          WHERE state = 'queued' AND next_attempt_at <= $1
                            AND (claimed_until IS NULL OR claimed_until < $1)
                          ORDER BY id LIMIT $3)
             RETURNING id, user_id, kind, to_addr, data, link_sealed, attempts",
            "UPDATE notices SET claimed_until = $2
             WHERE id IN (SELECT id FROM notices
                          WHERE state = 'queued' AND next_attempt_at <= $1
                            AND (claimed_until IS NULL OR claimed_until < $1)
                          ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)
             RETURNING id, user_id, kind, to_addr, data, link_sealed, attempts",
        );
        Ok(on_db!(&self.db, p => sqlx::query_as(sql)
            .bind(now)
            .bind(now + CLAIM_SECS)
            .bind(CLAIM)
            .fetch_all(p)
            .await)?)
    }

    async fn send_one(&self, mailer: &Mailer, c: &Claimed) -> Result<(), SendError> {
        let kind = Kind::parse(&c.kind).ok_or_else(|| SendError::permanent("unknown kind"))?;
        let data: NoticeData = serde_json::from_str(&c.data)
            .map_err(|_| SendError::permanent("the notice could not be read"))?;
        // A sign-up's link has no account yet: it is sealed for NO_ACCOUNT.
        let owner = c
            .user_id
            .unwrap_or(crate::server::kernel::secret_box::NO_ACCOUNT);
        let link = match &c.link_sealed {
            Some(sealed) => Some(
                self.keys
                    .try_open(owner, sealed)
                    .ok_or_else(|| SendError::permanent("the link could not be opened"))?,
            ),
            None => None,
        };
        // A link's secret is dropped a day after it was made (or once
        // sent): a mail retried later would carry a dead link.
        let carries_link = matches!(
            kind,
            Kind::VerifyEmail | Kind::PasswordReset | Kind::FinishSignUp
        );
        if carries_link && link.is_none() {
            return Err(SendError::permanent(
                "its link expired before it could be sent (a new one can be asked for)",
            ));
        }
        let mail = compose::mail(kind, &data, &self.base, link.as_deref());
        mailer.send(&c.to_addr, &mail).await
    }
}

/// Records how sending notice `id` went, in `tx`.
async fn record(
    tx: &mut Tx,
    id: i64,
    attempts: i64,
    result: Result<(), SendError>,
    now: i64,
) -> Result<(), AppError> {
    let attempts = attempts + 1;
    let done = match result {
        Ok(()) => on_tx!(&mut *tx, p => sqlx::query(
            "UPDATE notices SET state = 'sent', sent_at = $1, attempts = $2, claimed_until = NULL,
                    link_sealed = NULL, last_error = NULL
             WHERE id = $3",
        )
        .bind(now)
        .bind(attempts)
        .bind(id)
        .execute(p)
        .await
        .map(|d| d.rows_affected())),
        Err(e) => {
            let wait = usize::try_from(attempts - 1)
                .ok()
                .and_then(|i| BACKOFF.get(i))
                .filter(|_| !e.permanent);
            let (state, next) = match wait {
                Some(w) => ("queued", now + w),
                None => ("failed", now),
            };
            tracing::warn!(notice = id, attempts, state, error = %e.text, "mail not delivered");
            on_tx!(&mut *tx, p => sqlx::query(
                "UPDATE notices SET state = $1, next_attempt_at = $2, attempts = $3,
                        claimed_until = NULL, last_error = $4
                 WHERE id = $5",
            )
            .bind(state)
            .bind(next)
            .bind(attempts)
            .bind(&e.text)
            .bind(id)
            .execute(p)
            .await
            .map(|d| d.rows_affected()))
        }
    };
    done?;
    Ok(())
}

/// Deliveries that were given up: how many, and the latest error.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Failed {
    pub count: i64,
    pub last_error: Option<String>,
}

pub async fn failed(db: &Db) -> Result<Failed, AppError> {
    Ok(on_db!(db, p => sqlx::query_as(
        "SELECT COUNT(*) AS count,
                (SELECT last_error FROM notices WHERE state = 'failed' ORDER BY id DESC LIMIT 1) AS last_error
         FROM notices WHERE state = 'failed'",
    )
    .fetch_one(p)
    .await)?)
}

/// Queues every failed delivery again, from a first attempt; returns how
/// many.
pub async fn retry_failed(db: &Db, now: i64) -> Result<u64, AppError> {
    let n = on_db!(db, p => sqlx::query(
        "UPDATE notices SET state = 'queued', attempts = 0, next_attempt_at = $1, last_error = NULL
         WHERE state = 'failed'",
    )
    .bind(now)
    .execute(p)
    .await
    .map(|d| d.rows_affected()))?;
    crate::server::events::wake();
    Ok(n)
}
