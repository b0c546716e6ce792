//! The audit log: recording and reading.
//!
//! An account event is written in the transaction of the change it
//! describes ([`events::begin`] … [`events::commit`]), so the two commit together. API
//! requests are many: their events are queued ([`AuditLog`]) and one writer
//! task writes whatever has gathered in a single transaction, together with
//! the tokens' last-used times and recent addresses. Readers call [`AuditLog::flush`] first, so a
//! page always shows what came before it; reading is in `page`.
//!
//! [`events::begin`]: crate::server::events::begin
//! [`events::commit`]: crate::server::events::commit

mod batch;
mod file_writer;
mod page;
mod writer;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

pub use self::page::{date_range, page, Page};
use super::db::{Clock, Db};
use super::tokens::quota::ApiLimits;
use crate::error::AppError;
use crate::on_db;
use crate::server::events::NewEvent;
use writer::Msg;

/// Queue length before API requests wait for the writer.
const QUEUE: usize = 65_536;

/// The queue of API-request events. Cheap to clone. (Account events are not
/// queued: they are written with their change, see
/// [`crate::server::events::begin`] and [`crate::server::events::commit`].)
#[derive(Clone)]
pub struct AuditLog {
    /// The time of an event queued without one.
    clock: Clock,
    tx: mpsc::Sender<Msg>,
    /// Events a failed batch did not write, or that found the writer gone
    /// (for `/metrics`).
    dropped: Arc<std::sync::atomic::AtomicU64>,
    /// Whether the writer's end has been logged (once per process).
    told: Arc<std::sync::atomic::AtomicBool>,
    writer: tokio::task::AbortHandle,
}

impl AuditLog {
    /// Starts the writer task, which also writes the API's rate-limit
    /// counts (`limits`).
    pub fn spawn(db: Db, limits: Arc<ApiLimits>) -> Self {
        Self::with_capacity(db, limits, QUEUE)
    }

    /// Starts a writer whose queue holds `capacity` events.
    pub fn with_capacity(db: Db, limits: Arc<ApiLimits>, capacity: usize) -> Self {
        let (tx, rx) = mpsc::channel(capacity);
        let dropped = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let clock = db.clock().clone();
        let writer = tokio::spawn(writer::writer(db, limits, dropped.clone(), rx)).abort_handle();
        Self {
            clock,
            tx,
            dropped,
            told: Arc::default(),
            writer,
        }
    }

    /// Sends `msg` to the writer; an event that finds the writer gone (it
    /// panicked, or its task was stopped) is counted as dropped, and the
    /// writer's end logged once.
    async fn send(&self, msg: Msg) {
        if self.tx.send(msg).await.is_err() {
            self.dropped
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            if !self.told.swap(true, std::sync::atomic::Ordering::Relaxed) {
                tracing::error!(
                    "the audit writer has stopped: API request events are not recorded \
                     (counted in audit_events_dropped_total; /healthz answers 503)"
                );
            }
        }
    }

    /// Whether the writer is still taking events (`/healthz` says 503 when
    /// not).
    pub fn is_alive(&self) -> bool {
        !self.tx.is_closed()
    }

    /// Stops the writer as a panic in it would: what the tests use to see
    /// that its end is counted, logged and reported by `/healthz`.
    #[doc(hidden)]
    pub fn stop_writer(&self) {
        self.writer.abort();
    }

    /// Queues the event of a request made with a token; writing it also
    /// sets the token's last-used time and address and counts the request
    /// against its rate limit (in the window of the event's time). With the queue full the
    /// request waits for room: API traffic slows to what the database
    /// writes, and no event is lost or left to a task of its own.
    pub async fn record_token_use(&self, mut event: NewEvent) {
        if event.at == 0 {
            event.at = self.clock.now();
        }
        self.send(Msg::TokenUsed(event)).await;
    }

    /// Queues the event of a refused API request, waiting for room like
    /// [`AuditLog::record_token_use`].
    pub async fn record_api(&self, mut event: NewEvent) {
        if event.at == 0 {
            event.at = self.clock.now();
        }
        self.send(Msg::Event(event)).await;
    }

    /// Messages queued and not yet taken by the writer.
    pub fn queued(&self) -> usize {
        self.tx.max_capacity() - self.tx.capacity()
    }

    /// Events not written since the start: by a failed batch, or for want
    /// of a writer.
    pub fn dropped(&self) -> u64 {
        self.dropped.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Waits until everything queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// Deletes events older than the retention period; returns how many.
pub async fn purge_older_than(db: &Db, days: u32) -> Result<u64, AppError> {
    let cutoff = db.now() - i64::from(days) * 86_400;
    let done = on_db!(db, p => sqlx::query("DELETE FROM audit_events WHERE created_at < $1")
        .bind(cutoff)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?;
    Ok(done)
}
