//! What tells the token check's cache (`tokens::cache`) that a token, a
//! replaced secret or a user may have changed, so that a token stopped on
//! any instance is refused by every instance at once.
//!
//! - **This process:** every transaction's commit ([`Tx::commit`]) moves
//!   the [`Changes`] generation on; an entry cached under an older one is
//!   not used again.
//! - **SQLite:** triggers (migration 0014) count every such change in
//!   `token_epoch`, made by any process (the CLI included); [`watch_sqlite`]
//!   reads that one row every [`POLL_EVERY`] and moves the generation on
//!   when it moved. Each read proves that every change committed before it
//!   began is seen.
//! - **PostgreSQL:** the same triggers `NOTIFY account_settings_tokens`;
//!   [`listen`] moves the generation on for each notification. It also
//!   asks its connection a trivial question every [`PING_EVERY`]: an answer
//!   proves that every notification committed before the question was sent
//!   has arrived.
//!
//! On both, the cache is used only within [`TRUSTED_FOR`] of the last such
//! proof, so when the connection drops or hangs, the database is locked for
//! long, or the server restarts, the cache is bypassed (every check reads
//! the database, as without a cache) until the watcher is back; it then
//! starts empty.
//!
//! [`Tx::commit`]: super::Tx::commit

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgListener, PgPoolOptions};
use sqlx::PgPool;

/// The channel the triggers notify.
pub const CHANNEL: &str = "account_settings_tokens";

/// How the listener's connection names itself to the server (and to the
/// test that drops it).
pub const LISTENER_NAME: &str = "account-settings token listener";

/// How often the listener proves its connection is live.
pub const PING_EVERY: Duration = Duration::from_millis(200);

/// How often the SQLite watcher reads the count of changes: another
/// process's change is seen within this time.
pub const POLL_EVERY: Duration = Duration::from_millis(50);

/// How long after the last proof the cache may be used: a change committed
/// on another instance is seen here within this time even when its
/// notification is lost.
pub const TRUSTED_FOR: Duration = Duration::from_millis(700);

/// The generation of this process's view of the tokens, and (PostgreSQL)
/// when the listener last proved it had every notification. Cloning shares
/// it.
#[derive(Clone, Debug)]
pub struct Changes(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    generation: AtomicU64,
    /// Whether a watcher must vouch for the cache (it always does once the
    /// server runs; a `Db` without one, e.g. of the command line, trusts
    /// its own commits alone).
    listened: AtomicBool,
    /// Milliseconds after `base` of the last proof; 0: none yet.
    proved_at: AtomicU64,
    base: Instant,
}

impl Default for Changes {
    fn default() -> Self {
        Self(Arc::new(Inner {
            generation: AtomicU64::new(1),
            listened: AtomicBool::new(false),
            proved_at: AtomicU64::new(0),
            base: Instant::now(),
        }))
    }
}

impl Changes {
    /// The current generation: an entry cached under another is stale.
    pub fn generation(&self) -> u64 {
        self.0.generation.load(Ordering::Acquire)
    }

    /// Something may have changed: every cached entry is stale.
    pub fn bump(&self) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
    }

    /// Whether the cache may be used now: always without a listener, else
    /// within [`TRUSTED_FOR`] of the listener's last proof.
    pub fn trusted(&self) -> bool {
        if !self.0.listened.load(Ordering::Acquire) {
            return true;
        }
        let proved = self.0.proved_at.load(Ordering::Acquire);
        proved != 0 && self.millis(Instant::now()) < proved + millis(TRUSTED_FOR)
    }

    fn millis(&self, at: Instant) -> u64 {
        // At least 1, so that 0 keeps meaning "never".
        u64::try_from(at.duration_since(self.0.base).as_millis())
            .unwrap_or(u64::MAX)
            .max(1)
    }

    /// The listener had every notification committed before `at`.
    fn proved(&self, at: Instant) {
        self.0
            .proved_at
            .fetch_max(self.millis(at), Ordering::AcqRel);
    }

    /// The listener is not listening: nothing is trusted until it proves
    /// itself again.
    fn distrust(&self) {
        self.0.proved_at.store(0, Ordering::Release);
    }
}

fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

/// Starts the watcher of an SQLite pool: from now on the cache is used
/// only while it vouches for it. It stops when the pool closes.
pub fn watch_sqlite(pool: &sqlx::SqlitePool, changes: &Changes) {
    changes.0.listened.store(true, Ordering::Release);
    let pool = pool.clone();
    let changes = changes.clone();
    tokio::spawn(async move {
        let mut seen: Option<i64> = None;
        let mut told = false;
        let closed = pool.close_event();
        tokio::pin!(closed);
        loop {
            let asked = Instant::now();
            let read = tokio::time::timeout(
                TRUSTED_FOR / 2,
                sqlx::query_scalar::<_, i64>("SELECT n FROM token_epoch WHERE id = 1")
                    .fetch_one(&pool),
            )
            .await;
            match read {
                Ok(Ok(n)) => {
                    if seen != Some(n) {
                        changes.bump();
                        seen = Some(n);
                    }
                    changes.proved(asked);
                    told = false;
                }
                failed => {
                    changes.distrust();
                    if !told {
                        let why = match failed {
                            Ok(Err(e)) => e.to_string(),
                            _ => "no answer in time".to_owned(),
                        };
                        tracing::warn!(error = %why, "token watcher cannot read the database: the token cache is bypassed until it can");
                        told = true;
                    }
                }
            }
            tokio::select! {
                () = tokio::time::sleep_until((asked + POLL_EVERY).into()) => {}
                () = &mut closed => break,
            }
        }
        changes.distrust();
    });
}

/// Starts the listener of a PostgreSQL pool: from now on the cache is used
/// only while it vouches for it. It stops when the pool closes.
pub fn listen(pool: &PgPool, changes: &Changes) {
    changes.0.listened.store(true, Ordering::Release);
    let options = (*pool.connect_options())
        .clone()
        .application_name(LISTENER_NAME);
    // A pool of one of its own: the listener holds its connection for
    // good, and the main pool keeps all of its own.
    let own = PgPoolOptions::new()
        .max_connections(1)
        .min_connections(0)
        .acquire_timeout(Duration::from_secs(5))
        .connect_lazy_with(options);
    let main = pool.clone();
    let changes = changes.clone();
    tokio::spawn(async move {
        let mut backoff = Duration::from_millis(100);
        while !main.is_closed() {
            match listen_once(&own, &main, &changes).await {
                Ok(()) => break,
                Err(e) => {
                    changes.distrust();
                    tracing::warn!(error = %e, "token listener lost its connection: the token cache is bypassed until it is back");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(backoff) => {}
                () = main.close_event() => break,
            }
            backoff = (backoff * 2).min(Duration::from_secs(5));
        }
        changes.distrust();
        own.close().await;
    });
}

/// Listens until the connection fails (`Err`) or the main pool closes.
async fn listen_once(own: &PgPool, main: &PgPool, changes: &Changes) -> Result<(), sqlx::Error> {
    let mut listener = PgListener::connect_with(own).await?;
    // A lost connection is this loop's to notice, not sqlx's to hide.
    listener.eager_reconnect(false);
    listener.listen(CHANNEL).await?;
    // Whatever changed while nobody listened: start from nothing.
    changes.bump();
    let mut next_ping = Instant::now();
    let closed = main.close_event();
    tokio::pin!(closed);
    loop {
        let wait = next_ping.saturating_duration_since(Instant::now());
        tokio::select! {
            () = &mut closed => return Ok(()),
            got = tokio::time::timeout(wait, listener.try_recv()) => match got {
                Ok(Ok(Some(_))) => {
                    changes.bump();
                    continue;
                }
                Ok(Ok(None)) => {
                    return Err(sqlx::Error::Io(std::io::Error::new(
                        std::io::ErrorKind::ConnectionAborted,
                        "the connection was lost",
                    )))
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {}
            },
        }
        // Time to prove the connection: a notification committed before
        // this moment arrives before the answer.
        let asked = Instant::now();
        let answer = tokio::time::timeout(
            TRUSTED_FOR / 2,
            sqlx::query("SELECT 1").execute(&mut listener),
        )
        .await;
        match answer {
            Ok(Ok(_)) => {}
            Ok(Err(e)) => return Err(e),
            Err(_) => return Err(sqlx::Error::PoolTimedOut),
        }
        // Notifications that came with the answer wait in a buffer.
        while listener.next_buffered().is_some() {
            changes.bump();
        }
        changes.proved(asked);
        next_ping = asked + PING_EVERY;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_a_listener_the_cache_is_trusted() {
        let c = Changes::default();
        assert!(c.trusted());
        let g = c.generation();
        c.bump();
        assert_eq!(c.generation(), g + 1);
    }

    #[test]
    fn a_listener_must_prove_itself_and_is_distrusted_when_lost() {
        let c = Changes::default();
        c.0.listened.store(true, Ordering::Release);
        assert!(!c.trusted(), "nothing proved yet");
        c.proved(Instant::now());
        assert!(c.trusted());
        c.distrust();
        assert!(!c.trusted());
        // A proof older than TRUSTED_FOR vouches for nothing.
        c.0.proved_at.store(1, Ordering::Release);
        std::thread::sleep(TRUSTED_FOR + Duration::from_millis(20));
        assert!(!c.trusted());
    }
}
