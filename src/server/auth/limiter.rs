//! Rate limiting of sign-ins, sign-ups, password resets and wrong current
//! passwords, counted so that guessing is slow without handing strangers a
//! way to lock a user out (OWASP's device-cookie design):
//!
//! - per account *and source*: 5 attempts in 15 minutes from one address
//!   (or one browser the account signed in from before, see
//!   [`super::device`]) and that source waits, with `Retry-After`;
//! - per address across accounts (20), against spraying one password;
//! - per account across all sources: counted, never a refusal. Past 10,
//!   attempts from browsers the account does not know are slowed (a
//!   doubling delay), while a known browser signs in at once;
//! - a signed-in user's wrong current passwords count for that user only,
//!   so strangers' failures never hold back a password change.
//!
//! An attempt is counted *before* the password hash it costs, in one
//! statement that also says whether it may go on ([`LoginLimiter::take`]),
//! so a burst of attempts sent at once gets no more through than one sent
//! after another. A right password gives its attempt back.
//!
//! An account that exists is counted by its id, whichever of its handle or
//! address was typed; a name no account has is counted as typed (ignoring
//! case), so the limits work alike for both. Counted in the database
//! (`rate_limits`, keys stored as SHA-256), so attempts spread over several
//! instances count as if they all hit one.

pub use super::limit_keys::{
    confirmation_keys, current_password_keys, email_change_keys, reset_account_keys, reset_ip_keys,
    reset_name_keys, revoke_keys, sign_in_keys, sign_up_finish_keys, sign_up_keys,
    sign_up_mail_keys, slow_down, Key, CONFIRMATIONS_PER_ADDRESS, EMAIL_CHANGES_PER_USER, PER_IP,
    PER_SOURCE, PER_USER, RESETS_PER_ACCOUNT, RESETS_PER_IP, REVOKES_PER_IP, SIGNUP_FINISH_TRIES,
    SIGNUP_MAILS_PER_ADDRESS, SIGNUP_MAILS_PER_SOURCE, SLOW_AFTER, WINDOW_SECS,
};
use crate::error::AppError;
use crate::server::db::Db;
use crate::{on_db, on_tx};

/// What the counts say about an attempt.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Seconds to wait when a limit is reached.
    pub retry_after: Option<u64>,
    /// Attempts counted before this one against the keys without a limit
    /// (the account as a whole), in the current window.
    pub unlimited_failures: u32,
}

/// The statement that counts one attempt against `n` keys: `$1` now, `$2`
/// the window, `$3…` the keys. Each key's row comes back with its count
/// after this attempt.
fn take_statement(n: usize) -> String {
    let rows: Vec<String> = (0..n).map(|i| format!("(${}, $1, 1)", i + 3)).collect();
    format!(
        "INSERT INTO rate_limits (key, window_start, failures) VALUES {}
         ON CONFLICT (key) DO UPDATE SET
             failures = CASE WHEN rate_limits.window_start + $2 <= $1 THEN 1
                             ELSE rate_limits.failures + 1 END,
             window_start = CASE WHEN rate_limits.window_start + $2 <= $1 THEN $1
                                 ELSE rate_limits.window_start END
         RETURNING key, window_start, failures",
        rows.join(", ")
    )
}

/// Counts attempts in the database all instances share.
#[derive(Debug, Clone)]
pub struct LoginLimiter {
    db: Db,
}

impl LoginLimiter {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Counts an attempt against every key and says whether it may go on,
    /// before any work it costs. The count is one statement, and each
    /// attempt decides by the count its own statement returned: however
    /// many arrive at once, no more than a key's limit go on. An attempt
    /// a limit refuses is not counted (its transaction is rolled back), so
    /// a source that waits out its window is let in again, and refusals do
    /// not spill into the other keys.
    pub async fn take(&self, keys: &[Key], now: i64) -> Result<Verdict, AppError> {
        if keys.is_empty() {
            return Ok(Verdict::default());
        }
        // One order for every attempt, so concurrent ones lock their
        // shared rows in the same order (no deadlock on PostgreSQL).
        let mut sorted: Vec<&Key> = keys.iter().collect();
        sorted.sort_by(|a, b| a.digest.cmp(&b.digest));
        sorted.dedup_by(|a, b| a.digest == b.digest);
        let sql = take_statement(sorted.len());
        let mut tx = self.db.begin().await?;
        let rows: Vec<(Vec<u8>, i64, i64)> = on_tx!(&mut tx, c => {
            let mut q = sqlx::query_as(&sql).bind(now).bind(WINDOW_SECS);
            for k in &sorted {
                q = q.bind(&k.digest);
            }
            q.fetch_all(c).await
        })?;
        let mut verdict = Verdict::default();
        for (digest, start, count) in rows {
            let Some(k) = sorted.iter().find(|k| k.digest == digest) else {
                continue;
            };
            match k.limit {
                Some(limit) if count > i64::from(limit) => {
                    let wait = (start + WINDOW_SECS - now).max(1) as u64;
                    verdict.retry_after = Some(verdict.retry_after.unwrap_or(0).max(wait));
                }
                Some(_) => {}
                None => {
                    let before = u32::try_from(count - 1).unwrap_or(u32::MAX);
                    verdict.unlimited_failures = verdict.unlimited_failures.max(before);
                }
            }
        }
        if verdict.retry_after.is_some() {
            tx.rollback().await?;
        } else {
            tx.commit().await?;
        }
        Ok(verdict)
    }

    /// Gives an attempt counted by [`LoginLimiter::take`] back to every key:
    /// it succeeded, or the server could not try it (too busy).
    pub async fn give_back(&self, keys: &[Key]) -> Result<(), AppError> {
        for k in keys {
            on_db!(&self.db, p => sqlx::query(
                "UPDATE rate_limits SET failures = failures - 1 WHERE key = $1 AND failures > 0",
            )
            .bind(&k.digest)
            .execute(p)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// After the password was right: forgets the failures of the attempt's
    /// source (its first key) and gives the attempt back to the others. The
    /// account's count across sources keeps its failures: they are
    /// strangers' guessing, not this source's.
    pub async fn succeed(&self, keys: &[Key]) -> Result<(), AppError> {
        let Some((first, rest)) = keys.split_first() else {
            return Ok(());
        };
        on_db!(&self.db, p => sqlx::query("DELETE FROM rate_limits WHERE key = $1")
            .bind(&first.digest)
            .execute(p)
            .await
            .map(|_| ()))?;
        self.give_back(rest).await
    }

    /// Removes windows that have ended; returns how many.
    pub async fn sweep(&self, now: i64) -> Result<u64, AppError> {
        // On PostgreSQL in key order, skipping rows an attempt holds: the
        // order [`LoginLimiter::take`] locks them in, so the two never
        // deadlock.
        let sql = self.db.pick(
            "DELETE FROM rate_limits WHERE window_start <= $1",
            "DELETE FROM rate_limits WHERE key IN (
                 SELECT key FROM rate_limits WHERE window_start <= $1
                 ORDER BY key FOR UPDATE SKIP LOCKED)",
        );
        Ok(on_db!(&self.db, p => sqlx::query(sql)
        .bind(now - WINDOW_SECS)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn limiter() -> (LoginLimiter, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/limits.db", dir.path().display());
        let db = crate::server::db::connect(&url).await.unwrap();
        crate::server::db::migrate(&db).await.unwrap();
        (LoginLimiter::new(db), dir)
    }

    #[tokio::test]
    async fn a_source_waits_after_its_attempts_and_others_do_not() {
        let (l, _dir) = limiter().await;
        let k = sign_in_keys("Ada", None, Some("10.0.0.1"), None);
        for _ in 0..PER_SOURCE {
            assert_eq!(l.take(&k, 1000).await.unwrap().retry_after, None);
        }
        assert_eq!(
            l.take(&k, 1000).await.unwrap().retry_after,
            Some(WINDOW_SECS as u64)
        );
        assert_eq!(
            l.take(&k, 1000 + 60).await.unwrap().retry_after,
            Some((WINDOW_SECS - 60) as u64)
        );
        // Same name, other case, same address: the same source.
        let same = sign_in_keys("ADA ", None, Some("10.0.0.1"), None);
        assert!(l.take(&same, 1000).await.unwrap().retry_after.is_some());
        // Another address, or a browser Ada signed in from: not held back;
        // the refused attempts were not counted against the account.
        let other = sign_in_keys("ada", None, Some("10.0.0.2"), None);
        let verdict = l.take(&other, 1000).await.unwrap();
        assert_eq!(verdict.retry_after, None);
        assert_eq!(verdict.unlimited_failures, PER_SOURCE);
        let known = sign_in_keys("ada", None, Some("10.0.0.1"), Some("d1"));
        assert_eq!(l.take(&known, 1000).await.unwrap().retry_after, None);
        // The window ends; an attempt after it starts a new one.
        assert_eq!(
            l.take(&k, 1000 + WINDOW_SECS).await.unwrap().retry_after,
            None
        );
    }

    #[tokio::test]
    async fn an_account_counts_as_one_whichever_name_was_typed() {
        let (l, _dir) = limiter().await;
        for _ in 0..PER_SOURCE {
            l.take(&sign_in_keys("ada", Some(7), Some("10.0.0.1"), None), 5)
                .await
                .unwrap();
        }
        let by_email = sign_in_keys("ada@example.com", Some(7), Some("10.0.0.1"), None);
        assert!(l.take(&by_email, 5).await.unwrap().retry_after.is_some());
    }

    #[tokio::test]
    async fn ip_limit_spans_accounts() {
        let (l, _dir) = limiter().await;
        for i in 0..PER_IP {
            let k = sign_in_keys(&format!("user{i}"), None, Some("10.0.0.9"), None);
            assert_eq!(l.take(&k, 5).await.unwrap().retry_after, None);
        }
        let new = sign_in_keys("someone-new", None, Some("10.0.0.9"), None);
        assert!(l.take(&new, 6).await.unwrap().retry_after.is_some());
        let elsewhere = sign_in_keys("someone-new", None, Some("10.0.0.8"), None);
        assert_eq!(l.take(&elsewhere, 6).await.unwrap().retry_after, None);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn attempts_at_once_get_no_more_through_than_the_limit() {
        let (l, _dir) = limiter().await;
        let k = sign_in_keys("ada", None, Some("10.0.0.1"), None);
        let tries = (0..40).map(|_| {
            let (l, k) = (l.clone(), k.clone());
            tokio::spawn(async move { l.take(&k, 100).await.unwrap().retry_after })
        });
        let mut through = 0;
        for t in futures::future::join_all(tries).await {
            if t.unwrap().is_none() {
                through += 1;
            }
        }
        assert_eq!(through, PER_SOURCE);
    }

    #[tokio::test]
    async fn success_clears_the_source_and_gives_the_attempt_back() {
        let (l, _dir) = limiter().await;
        let k = sign_in_keys("ada", None, None, None);
        for _ in 0..PER_SOURCE - 1 {
            l.take(&k, 0).await.unwrap();
        }
        l.take(&k, 0).await.unwrap();
        l.succeed(&k).await.unwrap();
        // The source starts again; the account keeps the failures (not the
        // attempt that succeeded).
        let verdict = l.take(&k, 0).await.unwrap();
        assert_eq!(verdict.retry_after, None);
        assert_eq!(verdict.unlimited_failures, PER_SOURCE - 1);
        assert_eq!(l.sweep(WINDOW_SECS).await.unwrap(), 2);
    }
}
