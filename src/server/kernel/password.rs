//! Password hashing: argon2id (m=19 MiB, t=2, p=1), always off the async
//! runtime because one hash takes tens of milliseconds of CPU and 19 MiB
//! of memory. Hashes run through one [`Hasher`] per server: a few at a
//! time (about one per core), a short queue behind them, and past that a
//! refusal ([`AppError::Busy`], 503 with `Retry-After`), so a burst of
//! sign-ins cannot take the server's memory or starve everything else.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::AppError;

/// What a refusal for a full queue tells the client to wait, in seconds.
pub const BUSY_RETRY_SECS: u64 = 1;

fn argon2() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_now(password: &str) -> Result<String, AppError> {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(AppError::internal)
}

fn verify_now(password: &str, stored: Option<&str>) -> bool {
    let known = stored.is_some();
    let stored = stored.unwrap_or_else(|| dummy_hash());
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    argon2()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && known
}

/// Runs password hashes `workers` at a time, with at most `queue` waiting.
pub struct Hasher {
    slots: Arc<Semaphore>,
    workers: usize,
    queue: usize,
    waiting: AtomicUsize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
    refused: AtomicU64,
}

impl std::fmt::Debug for Hasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hasher")
            .field("workers", &self.workers)
            .field("queue", &self.queue)
            .finish_non_exhaustive()
    }
}

/// What a [`Hasher`] is doing, for `/metrics` and the tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HasherUse {
    pub workers: usize,
    pub running: usize,
    pub waiting: usize,
    /// The most hashes that ran at once since start.
    pub peak: usize,
    /// Hashes refused because the queue was full, since start.
    pub refused: u64,
}

/// A place taken in a count (waiting or running); given up when dropped,
/// also when the request is dropped while waiting or the work panics.
struct InQueue<'a>(&'a AtomicUsize);

impl Drop for InQueue<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Hasher {
    /// `workers` hashes at once (at least 1) and `queue` waiting.
    pub fn new(workers: usize, queue: usize) -> Self {
        let workers = workers.max(1);
        Self {
            slots: Arc::new(Semaphore::new(workers)),
            workers,
            queue,
            waiting: AtomicUsize::new(0),
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
            refused: AtomicU64::new(0),
        }
    }

    /// One worker per core the process may use.
    pub fn default_workers() -> usize {
        std::thread::available_parallelism().map_or(2, usize::from)
    }

    pub fn usage(&self) -> HasherUse {
        HasherUse {
            workers: self.workers,
            running: self.running.load(Ordering::SeqCst),
            waiting: self.waiting.load(Ordering::SeqCst),
            peak: self.peak.load(Ordering::SeqCst),
            refused: self.refused.load(Ordering::SeqCst),
        }
    }

    /// Runs `work` on a blocking thread once a worker is free. The worker
    /// stays taken until the work ends, even when the request that asked
    /// for it is gone, so no more than `workers` ever run.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, AppError> {
        let slot = match self.slots.clone().try_acquire_owned() {
            Ok(slot) => slot,
            Err(_) => {
                if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    self.refused.fetch_add(1, Ordering::SeqCst);
                    return Err(AppError::Busy(BUSY_RETRY_SECS));
                }
                let _place = InQueue(&self.waiting);
                self.slots
                    .clone()
                    .acquire_owned()
                    .await
                    .map_err(AppError::internal)?
            }
        };
        let (running, peak) = (self.running.clone(), self.peak.clone());
        tokio::task::spawn_blocking(move || {
            // Both given up even if the work panics, the count first (locals
            // drop in reverse order), so the next hash never overlaps it.
            let _slot = slot;
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let _running = InQueue(&running);
            work()
        })
        .await
        .map_err(AppError::internal)
    }

    /// Hashes a password into a PHC string.
    pub async fn hash(&self, password: String) -> Result<String, AppError> {
        self.run(move || hash_now(&password)).await?
    }

    /// Checks a password against a stored hash. With no stored hash
    /// (unknown user) it still does the work of one check, so timing does
    /// not tell whether an account exists.
    pub async fn verify(&self, password: String, stored: Option<String>) -> Result<bool, AppError> {
        self.run(move || verify_now(&password, stored.as_deref()))
            .await
    }
}

/// Whether a password is among the common ones of 12 or more characters
/// (ignoring case; see the list's header for where it comes from).
pub fn is_common(password: &str) -> bool {
    static LIST: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            include_str!("common-passwords.txt")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect()
        });
    LIST.contains(password.to_lowercase().as_str())
}

/// The rules for a new password: [`crate::model::validate::password`] plus the list of
/// common ones, which only the server holds.
pub fn check_new(password: &str, field: &str) -> Result<(), AppError> {
    crate::model::validate::password(password, field)?;
    if is_common(password) {
        return Err(AppError::invalid(
            field,
            "This password is one of the most common ones. Choose another.",
        ));
    }
    Ok(())
}

/// A hash of a random password nobody knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let secret = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(secret.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let hasher = Hasher::new(1, 0);
        let h = hasher.hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(hasher
            .verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!hasher
            .verify("wrong horse battery".into(), Some(h))
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn past_the_workers_and_the_queue_hashes_are_refused_as_busy() {
        let hasher = Hasher::new(1, 1);
        let all = (0..6).map(|i| hasher.hash(format!("password number {i}")));
        let results = futures::future::join_all(all).await;
        let busy = results
            .iter()
            .filter(|r| matches!(r, Err(AppError::Busy(BUSY_RETRY_SECS))))
            .count();
        let hashed = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!((hashed, busy), (2, 4), "{results:?}");
        let usage = hasher.usage();
        assert_eq!((usage.peak, usage.refused), (1, 4));
        assert_eq!((usage.running, usage.waiting), (0, 0));
        // Once the queue is free, hashes run again.
        assert!(hasher.hash("one more password".into()).await.is_ok());
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(is_common("qwerty123456"));
        assert!(is_common("QWERTY123456"));
        // Long enough for the length rule, and common all the same.
        assert!(is_common("password1234"));
        assert!(is_common("Leavemealone"));
        assert!(!is_common("correct horse battery staple"));
        assert_eq!(
            check_new("1qaz2wsx3edc", "password").unwrap_err().field(),
            Some("password")
        );
        assert!(check_new("correct horse battery staple", "password").is_ok());
        assert!(check_new("short", "password").is_err());
    }

    #[tokio::test]
    async fn verify_without_user_is_false() {
        let hasher = Hasher::new(1, 0);
        assert!(!hasher.verify("anything at all".into(), None).await.unwrap());
    }
}
