//! Rate limiting of failed sign-ins (and current-password checks), per
//! account name and per IP address.
//!
//! Keyed by what was typed (not by whether an account exists), so a limit
//! reached says nothing about which accounts exist. Counted in the database
//! (`rate_limits`, keys stored as SHA-256), so failures spread over several
//! instances count as if they all hit one: a check is one indexed read, a
//! failure one upsert per key.

use sha2::{Digest, Sha256};

use super::db::Db;
use crate::error::AppError;
use crate::on_db;

/// Window in which failures are counted, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account name in a window.
pub const PER_ACCOUNT: u32 = 5;
/// Failures allowed per IP address in a window.
pub const PER_IP: u32 = 20;

/// One thing limited: the SHA-256 of its name, and its limit.
#[derive(Clone)]
pub struct Key {
    digest: Vec<u8>,
    limit: u32,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("limit", &self.limit).finish()
    }
}

fn key(name: &str, limit: u32) -> Key {
    Key {
        digest: Sha256::digest(name.as_bytes()).to_vec(),
        limit,
    }
}

/// The keys one sign-in attempt counts against, with their limits; the
/// account's first.
pub fn keys(login: &str, ip: Option<&str>) -> Vec<Key> {
    let mut keys = vec![key(
        &format!("account:{}", login.trim().to_lowercase()),
        PER_ACCOUNT,
    )];
    if let Some(ip) = ip {
        keys.push(key(&format!("ip:{ip}"), PER_IP));
    }
    keys
}

/// Counts failed sign-ins in the database all instances share.
#[derive(Debug, Clone)]
pub struct LoginLimiter {
    db: Db,
}

impl LoginLimiter {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// `Some(seconds)` when any key is over its limit: try again after that.
    /// One read for all the keys.
    pub async fn check(&self, keys: &[Key], now: i64) -> Result<Option<u64>, AppError> {
        let Some(first) = keys.first() else {
            return Ok(None);
        };
        // At most two keys (the account and the address).
        let second = keys.get(1).unwrap_or(first);
        let rows: Vec<(Vec<u8>, i64, i64)> = on_db!(&self.db, p => sqlx::query_as(
            "SELECT key, window_start, failures FROM rate_limits WHERE key = $1 OR key = $2",
        )
        .bind(&first.digest)
        .bind(&second.digest)
        .fetch_all(p)
        .await)?;
        let wait = rows
            .iter()
            .filter_map(|(digest, start, failures)| {
                let limit = keys.iter().find(|k| &k.digest == digest)?.limit;
                let ends = start + WINDOW_SECS;
                (*failures >= i64::from(limit) && ends > now).then_some(ends - now)
            })
            .max();
        Ok(wait.map(|secs| secs.max(1) as u64))
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

    /// Forgets the account's failures after a successful sign-in.
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
        (LoginLimiter::new(db), dir)
    }

    #[tokio::test]
    async fn account_limit_blocks_until_window_ends() {
        let (l, _dir) = limiter().await;
        let k = keys("Ada", Some("10.0.0.1"));
        for _ in 0..PER_ACCOUNT {
            assert_eq!(l.check(&k, 1000).await.unwrap(), None);
            l.fail(&k, 1000).await.unwrap();
        }
        assert_eq!(l.check(&k, 1000).await.unwrap(), Some(WINDOW_SECS as u64));
        assert_eq!(
            l.check(&k, 1000 + 60).await.unwrap(),
            Some((WINDOW_SECS - 60) as u64)
        );
        // Same name, other case, other address: still the same account.
        let other = keys("ADA ", Some("10.0.0.2"));
        assert!(l.check(&other, 1000).await.unwrap().is_some());
        assert_eq!(l.check(&k, 1000 + WINDOW_SECS).await.unwrap(), None);
        // A failure after the window starts a new one.
        l.fail(&k, 1000 + WINDOW_SECS).await.unwrap();
        assert_eq!(l.check(&k, 1000 + WINDOW_SECS).await.unwrap(), None);
    }

    #[tokio::test]
    async fn ip_limit_spans_accounts() {
        let (l, _dir) = limiter().await;
        for i in 0..PER_IP {
            l.fail(&keys(&format!("user{i}"), Some("10.0.0.9")), 5)
                .await
                .unwrap();
        }
        let new = keys("someone-new", Some("10.0.0.9"));
        assert!(l.check(&new, 6).await.unwrap().is_some());
        let elsewhere = keys("someone-new", Some("10.0.0.8"));
        assert_eq!(l.check(&elsewhere, 6).await.unwrap(), None);
    }

    #[tokio::test]
    async fn success_clears_the_account_and_sweep_the_old_windows() {
        let (l, _dir) = limiter().await;
        let k = keys("ada", None);
        for _ in 0..PER_ACCOUNT - 1 {
            l.fail(&k, 0).await.unwrap();
        }
        l.succeed(&k).await.unwrap();
        l.fail(&k, 0).await.unwrap();
        assert_eq!(l.check(&k, 0).await.unwrap(), None);
        assert_eq!(l.sweep(WINDOW_SECS).await.unwrap(), 1);
    }

    #[test]
    fn keys_show_nothing_of_what_was_typed() {
        let k = keys("secret-login@example.com", Some("10.1.2.3"));
        let shown = format!("{k:?}");
        assert!(!shown.contains("secret-login") && !shown.contains("10.1.2.3"));
    }
}
