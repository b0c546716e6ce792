//! The audit log: recording and reading.
//!
//! An account event is written in the transaction of the change it
//! describes ([`begin`] … [`commit`]), so the two commit together. API
//! requests are many: their events are queued ([`AuditLog`]) and one writer
//! task writes whatever has gathered in a single transaction, together with
//! the tokens' last-used times and recent addresses. Readers call [`AuditLog::flush`] first, so a
//! page always shows what came before it; reading is in [`page`](mod@page).

pub mod export;
mod page;
mod writer;

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

pub use self::page::{date_range, page, Page};
use super::db::{now, Db, Lock, Tx};
use super::notify::{self, Notice};
use super::tokens::quota::ApiLimits;
use crate::error::AppError;
use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::{on_db, on_tx};

/// Queue length before API requests wait for the writer.
const QUEUE: usize = 65_536;
/// Most messages written in one transaction.
const BATCH: usize = 2_000;

/// One event to record. Never holds a secret: tokens appear only as their
/// label (name and prefix…last4).
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub user_id: i64,
    pub action: Option<AuditAction>,
    pub token_id: Option<i64>,
    pub token_label: Option<String>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// When it happened; the present when left at zero.
    pub at: i64,
    /// The notice this event sends its owner (see [`notify`]).
    pub notice: Option<Kind>,
}

impl NewEvent {
    pub fn new(user_id: i64, action: AuditAction) -> Self {
        Self {
            user_id,
            action: Some(action),
            ..Self::default()
        }
    }

    pub fn client(mut self, meta: &super::http::client::ClientMeta) -> Self {
        self.ip = meta.ip.clone();
        self.user_agent = meta.user_agent.clone();
        self
    }

    pub fn token(mut self, id: i64, label: String) -> Self {
        self.token_id = Some(id);
        self.token_label = Some(label);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// Sends the account's owner a notice of `kind` about this event,
    /// written with it.
    pub fn notify(mut self, kind: Kind) -> Self {
        self.notice = Some(kind);
        self
    }
}

enum Msg {
    /// A refused API request.
    Event(NewEvent),
    /// An API request: its event, and its token's last use.
    TokenUsed(NewEvent),
    Flush(oneshot::Sender<()>),
}

/// The queue of API-request events. Cheap to clone. (Account events are not
/// queued: they are written with their change, see [`begin`] and
/// [`commit`].)
#[derive(Clone)]
pub struct AuditLog {
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
        let writer = tokio::spawn(writer::writer(db, limits, dropped.clone(), rx)).abort_handle();
        Self {
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
            event.at = now();
        }
        self.send(Msg::TokenUsed(event)).await;
    }

    /// Queues the event of a refused API request, waiting for room like
    /// [`AuditLog::record_token_use`].
    pub async fn record_api(&self, mut event: NewEvent) {
        if event.at == 0 {
            event.at = now();
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

/// Begins the transaction of an account change, whose events [`commit`]
/// writes with it: no change without its record, no record without its
/// change. The audit lock is taken first, before any row lock, in the same
/// order as the queue's writer takes it (a change that locked a token row
/// and then waited for the audit lock could deadlock with a writer holding
/// the lock and updating that token's last use). On SQLite: the write lock.
pub async fn begin(db: &Db) -> Result<Tx, sqlx::Error> {
    db.begin_locked(Lock::Audit).await
}

/// [`begin`], under the accounts lock as well (always taken before the
/// audit lock).
pub async fn begin_accounts(db: &Db) -> Result<Tx, sqlx::Error> {
    let mut tx = db.begin_locked(Lock::Accounts).await?;
    tx.lock(Lock::Audit).await?;
    Ok(tx)
}

/// Writes the events that describe the change made in `tx`, and the
/// notices they ask for, and commits them all together. Events without a
/// time get the present.
pub async fn commit(tx: Tx, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    commit_with(tx, events, Vec::new()).await
}

/// [`commit`], with `notices` of its own besides those of the events.
pub async fn commit_with(
    mut tx: Tx,
    events: &[NewEvent],
    mut notices: Vec<Notice>,
) -> Result<(), sqlx::Error> {
    let at = now();
    let events: Vec<NewEvent> = events
        .iter()
        .cloned()
        .map(|mut e| {
            if e.at == 0 {
                e.at = at;
            }
            e
        })
        .collect();
    insert(&mut tx, &events).await?;
    notices.extend(events.iter().filter_map(Notice::of_event));
    notify::queue(&mut tx, &notices).await?;
    tx.commit().await?;
    if !notices.is_empty() {
        notify::wake();
    }
    Ok(())
}

/// Writes `events` at once in a transaction of their own (events that
/// describe no change, such as a failed sign-in).
pub async fn write(db: &Db, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    commit(begin(db).await?, events).await
}

/// Rows per multi-row INSERT (11 values each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 400;

/// A few multi-row INSERTs of `events` in `tx`.
pub(super) async fn insert(tx: &mut Tx, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        on_tx!(&mut *tx, c => {
            // Built at run time because the number of rows varies; every
            // value is a bound parameter.
            let mut insert = sqlx::QueryBuilder::new(
                "INSERT INTO audit_events
                   (user_id, created_at, action, token_id, token_label, method, path, status, ip, user_agent, detail) ",
            );
            insert.push_values(chunk, |mut row, e| {
                row.push_bind(e.user_id)
                    .push_bind(e.at)
                    .push_bind(e.action.map(AuditAction::as_str).unwrap_or("unknown"))
                    .push_bind(e.token_id)
                    .push_bind(e.token_label.as_deref())
                    .push_bind(e.method.as_deref())
                    .push_bind(e.path.as_deref())
                    .push_bind(e.status)
                    .push_bind(e.ip.as_deref())
                    .push_bind(e.user_agent.as_deref())
                    .push_bind(e.detail.as_deref());
            });
            // Only the full chunk's statement is kept prepared: one per
            // count of rows would fill each connection's statement cache
            // with large statements (about 100 MB across the pool, measured
            // as resident memory under API load).
            insert
                .build()
                .persistent(chunk.len() == ROWS_PER_INSERT)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
    }
    Ok(())
}

/// Deletes events older than the retention period; returns how many.
pub async fn purge_older_than(db: &Db, days: u32) -> Result<u64, AppError> {
    let cutoff = now() - i64::from(days) * 86_400;
    let done = on_db!(db, p => sqlx::query("DELETE FROM audit_events WHERE created_at < $1")
        .bind(cutoff)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))?;
    Ok(done)
}
