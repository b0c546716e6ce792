//! The audit log: recording (batched, off the request path) and reading.
//!
//! Handlers hand events to [`AuditLog::record`], which only queues them. One
//! writer task drains the queue and writes whatever has gathered in a single
//! transaction, together with the tokens' last-used times. Readers call
//! [`AuditLog::flush`] first, so a page always shows what came before it.

use std::collections::HashMap;

use tokio::sync::{mpsc, oneshot};

use super::db::{now, Db};
use crate::error::AppError;
use crate::model::audit::{AuditAction, AuditEventView, AuditQuery};
use crate::model::time::parse_date;

/// Queue length before `record` starts waiting for the writer.
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
    /// When it happened; filled in by `record` when zero.
    pub at: i64,
}

impl NewEvent {
    pub fn new(user_id: i64, action: AuditAction) -> Self {
        Self {
            user_id,
            action: Some(action),
            ..Self::default()
        }
    }

    pub fn client(mut self, meta: &super::context::ClientMeta) -> Self {
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
}

enum Msg {
    Event(NewEvent),
    /// An API request: its event, and its token's last use.
    TokenUsed(NewEvent),
    Flush(oneshot::Sender<()>),
}

/// The handle through which everything is recorded. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    tx: mpsc::Sender<Msg>,
}

impl AuditLog {
    /// Starts the writer task.
    pub fn spawn(db: Db) -> Self {
        let (tx, rx) = mpsc::channel(QUEUE);
        tokio::spawn(writer(db, rx));
        Self { tx }
    }

    fn send(&self, msg: Msg) {
        if let Err(mpsc::error::TrySendError::Full(msg)) = self.tx.try_send(msg) {
            // Overloaded: wait for room rather than drop an event.
            let tx = self.tx.clone();
            tokio::spawn(async move {
                let _ = tx.send(msg).await;
            });
        }
    }

    /// Queues an event.
    pub fn record(&self, mut event: NewEvent) {
        if event.at == 0 {
            event.at = now();
        }
        self.send(Msg::Event(event));
    }

    /// Queues the event of a request made with a token; writing it also
    /// sets the token's last-used time and address.
    pub fn record_token_use(&self, mut event: NewEvent) {
        if event.at == 0 {
            event.at = now();
        }
        self.send(Msg::TokenUsed(event));
    }

    /// Waits until everything queued before this call is written.
    pub async fn flush(&self) {
        let (done, wait) = oneshot::channel();
        if self.tx.send(Msg::Flush(done)).await.is_ok() {
            let _ = wait.await;
        }
    }
}

/// How long the writer lets a small batch grow before writing it: fewer,
/// larger transactions under load, at the cost of this much delay (readers
/// flush first, so they never wait for it). Measured on 2 cores: 3 ms gave
/// an API/healthz throughput ratio of 0.56–0.58, 10 ms 0.65.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

async fn writer(db: Db, mut rx: mpsc::Receiver<Msg>) {
    let mut batch = Vec::with_capacity(BATCH);
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let flush_waiting = batch.iter().any(|m| matches!(m, Msg::Flush(_)));
        if !flush_waiting && batch.len() < BATCH / 4 {
            tokio::time::sleep(GATHER).await;
            let room = BATCH - batch.len();
            if !rx.is_empty() {
                rx.recv_many(&mut batch, room).await;
            }
        }
        let mut events = Vec::new();
        let mut used: HashMap<i64, (i64, Option<String>)> = HashMap::new();
        let mut waiting = Vec::new();
        for msg in batch.drain(..) {
            match msg {
                Msg::Event(e) => events.push(e),
                Msg::TokenUsed(e) => {
                    if let Some(token_id) = e.token_id {
                        used.insert(token_id, (e.at, e.ip.clone()));
                    }
                    events.push(e);
                }
                Msg::Flush(done) => waiting.push(done),
            }
        }
        if let Err(e) = write(&db, &events, &used).await {
            tracing::error!(error = %e, events = events.len(), "audit batch not written");
        }
        for done in waiting {
            let _ = done.send(());
        }
    }
}

/// Rows per multi-row INSERT (11 values each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 400;

async fn write(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, (i64, Option<String>)>,
) -> Result<(), sqlx::Error> {
    if events.is_empty() && used.is_empty() {
        return Ok(());
    }
    match write_batch(db, events, used).await {
        Ok(()) => Ok(()),
        // One event of a user deleted meanwhile fails the whole batch (its
        // foreign key): write the rest one by one, skipping such events.
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
            write_guarded(db, events, used).await
        }
        Err(e) => Err(e),
    }
}

/// The fast path: a few multi-row INSERTs and the last-used updates, in one
/// transaction.
async fn write_batch(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, (i64, Option<String>)>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for chunk in events.chunks(ROWS_PER_INSERT) {
        // Built at run time because the number of rows varies; every value
        // is a bound parameter.
        let mut insert = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
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
        insert.build().execute(&mut *tx).await?;
    }
    update_last_used(&mut tx, used).await?;
    tx.commit().await
}

/// The slow path: one guarded INSERT per event.
async fn write_guarded(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, (i64, Option<String>)>,
) -> Result<(), sqlx::Error> {
    let mut tx = db.begin().await?;
    for e in events {
        let action = e.action.map(AuditAction::as_str).unwrap_or("unknown");
        sqlx::query!(
            "INSERT INTO audit_events
               (user_id, created_at, action, token_id, token_label, method, path, status, ip, user_agent, detail)
             SELECT ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ? WHERE EXISTS (SELECT 1 FROM users WHERE id = ?)",
            e.user_id,
            e.at,
            action,
            e.token_id,
            e.token_label,
            e.method,
            e.path,
            e.status,
            e.ip,
            e.user_agent,
            e.detail,
            e.user_id
        )
        .execute(&mut *tx)
        .await?;
    }
    update_last_used(&mut tx, used).await?;
    tx.commit().await
}

async fn update_last_used(
    tx: &mut sqlx::Transaction<'_, sqlx::Sqlite>,
    used: &HashMap<i64, (i64, Option<String>)>,
) -> Result<(), sqlx::Error> {
    for (token_id, (at, ip)) in used {
        sqlx::query!(
            "UPDATE api_tokens SET last_used_at = ?, last_used_ip = ? WHERE id = ?",
            at,
            ip,
            token_id
        )
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

/// Deletes events older than the retention period; returns how many.
pub async fn purge_older_than(db: &Db, days: u32) -> Result<u64, AppError> {
    let cutoff = now() - i64::from(days) * 86_400;
    let done = sqlx::query!("DELETE FROM audit_events WHERE created_at < ?", cutoff)
        .execute(db)
        .await?;
    Ok(done.rows_affected())
}

/// One page of events, newest first, with the cursors of its neighbours.
pub struct Page {
    pub events: Vec<AuditEventView>,
    /// Older events exist: pass as `before`.
    pub next: Option<i64>,
    /// Newer events exist: pass as `after`.
    pub prev: Option<i64>,
}

/// Reads one page of a user's events, newest first; `limit` is clamped to
/// 1..=500. `q.after` pages towards newer events, otherwise `q.before`
/// towards older ones.
///
/// Every page is a short walk of one index, whatever the log's size: the
/// statement names only the filters in use, so SQLite picks the index that
/// matches them (`user_id` with the action, the token, both, or neither, then
/// the id), and the date range becomes a range of ids (see [`id_range`]).
pub async fn page(db: &Db, user_id: i64, q: &AuditQuery, limit: i64) -> Result<Page, AppError> {
    let limit = limit.clamp(1, 500);
    let (from, to) = date_range(q)?;
    let (lo, hi) = id_range(db, from, to).await?;
    let mut sql = sqlx::QueryBuilder::<sqlx::Sqlite>::new(
        "SELECT id, created_at, action, token_label AS token, method, path, status, ip,
                user_agent, detail
         FROM audit_events WHERE user_id = ",
    );
    sql.push_bind(user_id);
    if !q.action.is_empty() {
        sql.push(" AND action = ").push_bind(q.action.as_str());
    }
    if let Some(token_id) = q.token_id {
        sql.push(" AND token_id = ").push_bind(token_id);
    }
    // The id range holds the dates' events and a few around them (see
    // `id_range`); the times themselves pick the right ones.
    if from > 0 {
        sql.push(" AND created_at >= ").push_bind(from);
    }
    if to < i64::MAX {
        sql.push(" AND created_at < ").push_bind(to);
    }
    let newer = q.after.is_some();
    match q.after {
        Some(after) => sql
            .push(" AND id > ")
            .push_bind(after.max(lo - 1))
            .push(" AND id < ")
            .push_bind(hi)
            .push(" ORDER BY id ASC"),
        None => sql
            .push(" AND id >= ")
            .push_bind(lo)
            .push(" AND id < ")
            .push_bind(q.before.unwrap_or(i64::MAX).min(hi))
            .push(" ORDER BY id DESC"),
    };
    sql.push(" LIMIT ").push_bind(limit + 1);
    let mut rows: Vec<AuditEventView> = sql.build_query_as().fetch_all(db).await?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if newer {
        rows.reverse();
        return Ok(Page {
            prev: more.then(|| rows.first().map(|e| e.id)).flatten(),
            next: rows.last().map(|e| e.id),
            events: rows,
        });
    }
    Ok(Page {
        next: more.then(|| rows.last().map(|e| e.id)).flatten(),
        prev: q.before.and_then(|_| rows.first().map(|e| e.id)),
        events: rows,
    })
}

/// How far an event's time may precede that of an event written before it.
/// Times are taken when an event is queued and ids when it is written, so
/// they run in nearly the same order: requests finishing at the same moment
/// on different threads, or the CLI writing beside the server, swap places by
/// far less than a second. (A clock set back by more than this can hide
/// events from a date filter near the change.)
const OUT_OF_ORDER: i64 = 60;

/// Ids `[lo, hi)` that hold every event recorded in `[from, to)`, from two
/// seeks in the `created_at` index instead of a walk over every event in
/// between. Since times are out of id order by at most [`OUT_OF_ORDER`], an
/// event before `from - OUT_OF_ORDER` has a smaller id than any event in the
/// range, and one at or after `to + OUT_OF_ORDER` a larger one. The range may
/// also hold events of the minute around each end; the page query's own time
/// conditions leave those out.
async fn id_range(db: &Db, from: i64, to: i64) -> Result<(i64, i64), AppError> {
    let lo = if from <= 0 {
        0
    } else {
        let early = from.saturating_sub(OUT_OF_ORDER);
        let before = sqlx::query_scalar!(
            r#"SELECT id AS "id!" FROM audit_events WHERE created_at < ?
               ORDER BY created_at DESC, id DESC LIMIT 1"#,
            early
        )
        .fetch_optional(db)
        .await?;
        before.map_or(0, |id| id + 1)
    };
    let hi = if to == i64::MAX {
        i64::MAX
    } else {
        let late = to.saturating_add(OUT_OF_ORDER);
        let after = sqlx::query_scalar!(
            r#"SELECT id AS "id!" FROM audit_events WHERE created_at >= ?
               ORDER BY created_at, id LIMIT 1"#,
            late
        )
        .fetch_optional(db)
        .await?;
        after.unwrap_or(i64::MAX)
    };
    Ok((lo, hi))
}

/// The `[from, to)` range of a query's dates, whole days, UTC.
pub fn date_range(q: &AuditQuery) -> Result<(i64, i64), AppError> {
    let from = if q.from.trim().is_empty() {
        0
    } else {
        parse_date(&q.from)
            .ok_or_else(|| AppError::invalid("from", "Enter the date as YYYY-MM-DD."))?
    };
    let to = if q.to.trim().is_empty() {
        i64::MAX
    } else {
        parse_date(&q.to).ok_or_else(|| AppError::invalid("to", "Enter the date as YYYY-MM-DD."))?
            + 86_400
    };
    if from >= to {
        return Err(AppError::invalid(
            "to",
            "The end date is before the start date.",
        ));
    }
    if !q.action.is_empty() && AuditAction::from_name(&q.action).is_none() {
        return Err(AppError::invalid("action", "Unknown action."));
    }
    Ok((from, to))
}
