//! Rate limiting of failed sign-ins and of wrong current passwords, counted
//! so that guessing is slow without handing strangers a way to lock a user
//! out (OWASP's device-cookie design):
//!
//! - per account *and source*: 5 failures in 15 minutes from one address
//!   (or one browser the account signed in from before, see
//!   [`super::device`]) and that source waits, with `Retry-After`;
//! - per address across accounts (20), against spraying one password;
//! - per account across all sources: counted, never a refusal. Past 10,
//!   attempts from browsers the account does not know are slowed (a
//!   doubling delay), while a known browser signs in at once;
//! - a signed-in user's wrong current passwords count for that user only,
//!   so strangers' failures never hold back a password change.
//!
//! Keyed by what was typed (not by whether an account exists), so a limit
//! reached says nothing about which accounts exist. Counted in the database
//! (`rate_limits`, keys stored as SHA-256), so failures spread over several
//! instances count as if they all hit one: a check is one indexed read, a
//! failure one upsert per key.

use std::time::Duration;

use sha2::{Digest, Sha256};

use super::db::Db;
use crate::error::AppError;
use crate::on_db;

/// Window in which failures are counted, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account from one source in a window.
pub const PER_SOURCE: u32 = 5;
/// Failures allowed per IP address (across accounts) in a window.
pub const PER_IP: u32 = 20;
/// Failures per account, from all sources, after which attempts from
/// browsers the account does not know are slowed.
pub const SLOW_AFTER: u32 = 10;
/// Wrong current passwords a signed-in user may type in a window.
pub const PER_USER: u32 = 5;

/// One thing counted: the SHA-256 of its name, and its limit (`None`:
/// counted, never refused).
#[derive(Clone)]
pub struct Key {
    digest: Vec<u8>,
    limit: Option<u32>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("limit", &self.limit).finish()
    }
}

fn key(name: &str, limit: Option<u32>) -> Key {
    Key {
        digest: Sha256::digest(name.as_bytes()).to_vec(),
        limit,
    }
}

/// The keys a sign-in attempt for `login` counts against: the account from
/// this source first (`device`: the id of a browser the account signed in
/// from before; otherwise the address), then the account as a whole, then
/// the address (only for browsers the account does not know).
pub fn sign_in_keys(login: &str, ip: Option<&str>, device: Option<&str>) -> Vec<Key> {
    let account = login.trim().to_lowercase();
    let source = match device {
        Some(d) => format!("device:{d}"),
        None => format!("ip:{}", ip.unwrap_or("unknown")),
    };
    let mut keys = vec![
        key(&format!("source:{account}|{source}"), Some(PER_SOURCE)),
        key(&format!("account:{account}"), None),
    ];
    if let (None, Some(ip)) = (device, ip) {
        keys.push(key(&format!("ip:{ip}"), Some(PER_IP)));
    }
    keys
}

/// The key of sign-up attempts from `ip` (each costs a password hash), at
/// most `limit` in a window.
pub fn sign_up_keys(ip: Option<&str>, limit: u32) -> Vec<Key> {
    vec![key(
        &format!("signup:{}", ip.unwrap_or("unknown")),
        Some(limit),
    )]
}

/// Sign-up mails to one address in a window (with a mail server, every
/// sign-up mails the address it names).
pub const SIGNUP_MAILS_PER_ADDRESS: u32 = 3;

/// The key of sign-up mails to `email` (as typed, ignoring case).
pub fn sign_up_mail_keys(email: &str) -> Vec<Key> {
    vec![key(
        &format!("signup-mail:{}", email.trim().to_lowercase()),
        Some(SIGNUP_MAILS_PER_ADDRESS),
    )]
}

/// Wrong passwords typed on one sign-up link's page in a window.
pub const SIGNUP_FINISH_TRIES: u32 = 5;

/// The key of wrong passwords typed with the sign-up link `secret`.
pub fn sign_up_finish_keys(secret: &str) -> Vec<Key> {
    vec![key(
        &format!("signup-finish:{secret}"),
        Some(SIGNUP_FINISH_TRIES),
    )]
}

/// Well-formed leaked-token reports taken from one address in a window.
pub const REVOKES_PER_IP: u32 = 60;

/// The key of leaked-token reports from `ip`.
pub fn revoke_keys(ip: Option<&str>) -> Vec<Key> {
    vec![key(
        &format!("revoke:{}", ip.unwrap_or("unknown")),
        Some(REVOKES_PER_IP),
    )]
}

/// Password-reset requests one address may make in a window.
pub const RESETS_PER_IP: u32 = 10;
/// Password-reset requests for one account in a window.
pub const RESETS_PER_ACCOUNT: u32 = 3;

/// The keys of a password-reset request for `login` from `ip`.
pub fn reset_keys(login: &str, ip: Option<&str>) -> Vec<Key> {
    vec![
        key(
            &format!("reset-account:{}", login.trim().to_lowercase()),
            Some(RESETS_PER_ACCOUNT),
        ),
        key(
            &format!("reset-ip:{}", ip.unwrap_or("unknown")),
            Some(RESETS_PER_IP),
        ),
    ]
}

/// The key of a signed-in user's current-password checks.
pub fn current_password_keys(user_id: i64) -> Vec<Key> {
    vec![key(&format!("current:{user_id}"), Some(PER_USER))]
}

/// What the counts say about an attempt.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Seconds to wait when a limit is reached.
    pub retry_after: Option<u64>,
    /// Failures counted against the keys without a limit (the account as a
    /// whole), in the current window.
    pub unlimited_failures: u32,
}

/// How long an attempt from a browser the account does not know waits once
/// the account has `failures` from all sources: nothing up to
/// [`SLOW_AFTER`], then 1 s, doubling with each failure, at most 30 s.
pub fn slow_down(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(SLOW_AFTER)?;
    Some(Duration::from_secs(1u64 << over.min(5)).min(Duration::from_secs(30)))
}

/// Counts failures in the database all instances share.
#[derive(Debug, Clone)]
pub struct LoginLimiter {
    db: Db,
}

impl LoginLimiter {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// What the keys' counts say: one read for all of them (at most three).
    pub async fn check(&self, keys: &[Key], now: i64) -> Result<Verdict, AppError> {
        let Some(first) = keys.first() else {
            return Ok(Verdict::default());
        };
        let at = |i: usize| &keys.get(i).unwrap_or(first).digest;
        let rows: Vec<(Vec<u8>, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT key, window_start, failures FROM rate_limits WHERE key IN ($1, $2, $3)",
        )
        .bind(at(0))
        .bind(at(1))
        .bind(at(2))
        .fetch_all(p)
        .await)?;
        let mut verdict = Verdict::default();
        for (digest, start, failures) in rows {
            let Some(k) = keys.iter().find(|k| k.digest == digest) else {
                continue;
            };
            let ends = start + WINDOW_SECS;
            if ends <= now {
                continue;
            }
            match k.limit {
                Some(limit) if failures >= i64::from(limit) => {
                    let wait = (ends - now).max(1) as u64;
                    verdict.retry_after = Some(verdict.retry_after.unwrap_or(0).max(wait));
                }
                Some(_) => {}
                None => {
                    verdict.unlimited_failures = verdict
                        .unlimited_failures
                        .max(u32::try_from(failures).unwrap_or(u32::MAX));
                }
            }
        }
        Ok(verdict)
    }

    /// Counts a failure against every key: a new window when the last one
    /// has ended. One statement per key, so concurrent failures all count.
    pub async fn fail(&self, keys: &[Key], now: i64) -> Result<(), AppError> {
        for k in keys {
            on_db!(&self.db, p => sqlx::query(
                "INSERT INTO rate_limits (key, window_start, failures) VALUES ($1, $2, 1)
                 ON CONFLICT (key) DO UPDATE SET
                     failures = CASE WHEN rate_limits.window_start + $3 <= $2 THEN 1
                                     ELSE rate_limits.failures + 1 END,
                     window_start = CASE WHEN rate_limits.window_start + $3 <= $2 THEN $2
                                         ELSE rate_limits.window_start END",
            )
            .bind(&k.digest)
            .bind(now)
            .bind(WINDOW_SECS)
            .execute(p)
            .await
            .map(|_| ()))?;
        }
        Ok(())
    }

    /// Forgets the failures of the attempt's source (its first key) after
    /// it got the password right. The account's count across sources stays:
    /// it is strangers' guessing, not this source's.
    pub async fn succeed(&self, keys: &[Key]) -> Result<(), AppError> {
        if let Some(k) = keys.first() {
            on_db!(&self.db, p => sqlx::query("DELETE FROM rate_limits WHERE key = $1")
                .bind(&k.digest)
                .execute(p)
                .await
                .map(|_| ()))?;
        }
        Ok(())
    }

    /// Removes windows that have ended; returns how many.
    pub async fn sweep(&self, now: i64) -> Result<u64, AppError> {
        Ok(on_db!(&self.db, p => sqlx::query(
            "DELETE FROM rate_limits WHERE window_start <= $1",
        )
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
    async fn a_source_waits_after_its_failures_and_others_do_not() {
        let (l, _dir) = limiter().await;
        let k = sign_in_keys("Ada", Some("10.0.0.1"), None);
        for _ in 0..PER_SOURCE {
            assert_eq!(l.check(&k, 1000).await.unwrap().retry_after, None);
            l.fail(&k, 1000).await.unwrap();
        }
        assert_eq!(
            l.check(&k, 1000).await.unwrap().retry_after,
            Some(WINDOW_SECS as u64)
        );
        assert_eq!(
            l.check(&k, 1000 + 60).await.unwrap().retry_after,
            Some((WINDOW_SECS - 60) as u64)
        );
        // Same name, other case, same address: the same source.
        let same = sign_in_keys("ADA ", Some("10.0.0.1"), None);
        assert!(l.check(&same, 1000).await.unwrap().retry_after.is_some());
        // Another address, or a browser Ada signed in from: not held back.
        let other = sign_in_keys("ada", Some("10.0.0.2"), None);
        let verdict = l.check(&other, 1000).await.unwrap();
        assert_eq!(verdict.retry_after, None);
        assert_eq!(verdict.unlimited_failures, PER_SOURCE);
        let known = sign_in_keys("ada", Some("10.0.0.1"), Some("d1"));
        assert_eq!(l.check(&known, 1000).await.unwrap().retry_after, None);
        // The window ends; a failure after it starts a new one.
        assert_eq!(
            l.check(&k, 1000 + WINDOW_SECS).await.unwrap(),
            Verdict::default()
        );
        l.fail(&k, 1000 + WINDOW_SECS).await.unwrap();
        assert_eq!(
            l.check(&k, 1000 + WINDOW_SECS).await.unwrap().retry_after,
            None
        );
    }

    #[tokio::test]
    async fn ip_limit_spans_accounts() {
        let (l, _dir) = limiter().await;
        for i in 0..PER_IP {
            l.fail(
                &sign_in_keys(&format!("user{i}"), Some("10.0.0.9"), None),
                5,
            )
            .await
            .unwrap();
        }
        let new = sign_in_keys("someone-new", Some("10.0.0.9"), None);
        assert!(l.check(&new, 6).await.unwrap().retry_after.is_some());
        let elsewhere = sign_in_keys("someone-new", Some("10.0.0.8"), None);
        assert_eq!(l.check(&elsewhere, 6).await.unwrap().retry_after, None);
    }

    #[tokio::test]
    async fn success_clears_the_source_and_sweep_the_old_windows() {
        let (l, _dir) = limiter().await;
        let k = sign_in_keys("ada", None, None);
        for _ in 0..PER_SOURCE - 1 {
            l.fail(&k, 0).await.unwrap();
        }
        l.succeed(&k).await.unwrap();
        l.fail(&k, 0).await.unwrap();
        let verdict = l.check(&k, 0).await.unwrap();
        assert_eq!(verdict.retry_after, None);
        assert_eq!(verdict.unlimited_failures, PER_SOURCE);
        assert_eq!(l.sweep(WINDOW_SECS).await.unwrap(), 2);
    }

    #[test]
    fn unknown_browsers_slow_down_past_the_account_ceiling() {
        assert_eq!(slow_down(SLOW_AFTER - 1), None);
        assert_eq!(slow_down(SLOW_AFTER), Some(Duration::from_secs(1)));
        assert_eq!(slow_down(SLOW_AFTER + 2), Some(Duration::from_secs(4)));
        assert_eq!(slow_down(SLOW_AFTER + 50), Some(Duration::from_secs(30)));
    }

    #[test]
    fn keys_show_nothing_of_what_was_typed() {
        let k = sign_in_keys("secret-login@example.com", Some("10.1.2.3"), None);
        let shown = format!("{k:?}");
        assert!(!shown.contains("secret-login") && !shown.contains("10.1.2.3"));
    }
}
