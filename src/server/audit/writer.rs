//! The writer of queued API events: one task that writes whatever has
//! gathered in a single transaction, with the tokens' last use, recent
//! addresses and rate-limit counts.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::batch::{LastUse, Written, INSERT_GUARDED, UPDATE_LAST_USED};
use super::file_writer::FileWriter;
use crate::server::db::{Db, Lock, Tx};
use crate::server::events::{insert, NewEvent};
use crate::server::tokens::quota::{ApiLimits, Counted, Stored};
use crate::server::tokens::{record_ips, UsedFrom};
use crate::{on_db, on_tx};

pub(super) enum Msg {
    /// A refused API request.
    Event(NewEvent),
    /// An API request: its event, and its token's last use.
    TokenUsed(NewEvent),
    Flush(oneshot::Sender<()>),
}

/// Most messages written in one transaction.
pub(super) const BATCH: usize = 2_000;

/// How long the writer lets a small batch grow before writing it: fewer,
/// larger transactions under load, at the cost of this much delay (readers
/// flush first, so they never wait for it). Measured on 2 cores: 3 ms gave
/// an API/healthz throughput ratio of 0.56–0.58, 10 ms 0.65.
const GATHER: std::time::Duration = std::time::Duration::from_millis(10);

pub(super) async fn writer(
    db: Db,
    limits: Arc<ApiLimits>,
    dropped: Arc<AtomicU64>,
    mut rx: mpsc::Receiver<Msg>,
) {
    let mut file = crate::server::db::sqlite_file(&db).map(FileWriter::new);
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
        let mut used: HashMap<i64, LastUse> = HashMap::new();
        let mut from = UsedFrom::new();
        let mut waiting = Vec::new();
        for msg in batch.drain(..) {
            match msg {
                Msg::Event(e) => events.push(e),
                Msg::TokenUsed(e) => {
                    if let Some(token_id) = e.token_id {
                        used.entry(token_id)
                            .or_insert_with(|| LastUse::new(token_id, &e))
                            .add(token_id, &e);
                        if let Some(ip) = &e.ip {
                            let seen = from.entry((token_id, ip.clone())).or_insert((e.at, e.at));
                            seen.0 = seen.0.min(e.at);
                            seen.1 = seen.1.max(e.at);
                        }
                    }
                    events.push(e);
                }
                Msg::Flush(done) => waiting.push(done),
            }
        }
        let count = events.len();
        let written = match file.take() {
            Some(w) => {
                let (w, given, uses, out) = write_file(&db, w, events, used, from).await;
                (file, events, used) = (Some(w), given, uses);
                out
            }
            None => write_queued(&db, &events, &used, &from)
                .await
                .map_err(|e| e.to_string()),
        };
        let rows = match written {
            Ok(rows) => rows,
            Err(e) => {
                tracing::error!(error = %e, events = count, "audit batch not written");
                dropped.fetch_add(count as u64, Ordering::Relaxed);
                HashMap::new()
            }
        };
        // Written or not, these requests no longer wait in memory: the
        // rows count them from now on.
        let counted: Vec<Counted> = used
            .iter()
            .map(|(&token_id, u)| Counted {
                token_id,
                window: u.window,
                count: u.count,
                written: rows.get(&token_id).copied(),
            })
            .collect();
        limits.settle(&counted, db.now());
        for done in waiting {
            let _ = done.send(());
        }
    }
}

/// A batch through the writer's own connection to the SQLite file, on a
/// blocking thread; hands back the writer and what it was given.
async fn write_file(
    db: &Db,
    mut w: FileWriter,
    events: Vec<NewEvent>,
    used: HashMap<i64, LastUse>,
    from: UsedFrom,
) -> (
    FileWriter,
    Vec<NewEvent>,
    HashMap<i64, LastUse>,
    Result<Written, String>,
) {
    // As sqlx's pool does once closed (the server is stopping).
    if on_db!(db, p => p.is_closed()) {
        return (w, events, used, Err("the database is closed".into()));
    }
    if events.is_empty() && used.is_empty() {
        return (w, events, used, Ok(Written::new()));
    }
    let path = w.path().to_owned();
    let done = tokio::task::spawn_blocking(move || {
        let out = w.write(&events, &used, &from).map_err(|e| e.to_string());
        (w, events, used, out)
    })
    .await;
    done.unwrap_or_else(|e| {
        (
            FileWriter::new(path),
            Vec::new(),
            HashMap::new(),
            Err(format!("the audit writer's thread failed: {e}")),
        )
    })
}

async fn write_queued(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
) -> Result<Written, sqlx::Error> {
    if events.is_empty() && used.is_empty() {
        return Ok(Written::new());
    }
    match write_batch(db, events, used, from).await {
        Ok(rows) => Ok(rows),
        // One event of a user deleted meanwhile fails the whole batch (its
        // foreign key): write the rest one by one, skipping such events.
        Err(sqlx::Error::Database(e)) if e.is_foreign_key_violation() => {
            write_guarded(db, events, used, from).await
        }
        Err(e) => Err(e),
    }
}

/// The fast path: a few multi-row INSERTs and the last-used updates, in one
/// transaction. On PostgreSQL the audit lock is held from the first id drawn
/// to the commit, so events become visible in id order and a reader paging
/// by id never passes one that commits later.
async fn write_batch(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
) -> Result<Written, sqlx::Error> {
    let mut tx = db.begin().await?;
    if !events.is_empty() {
        tx.lock(Lock::Audit).await?;
    }
    insert(&mut tx, events).await?;
    finish(tx, used, from).await
}

/// Writes the batch's last uses, addresses and rate-limit counts in `tx`
/// and commits; returns the counts the rows now hold.
async fn finish(
    mut tx: Tx,
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
) -> Result<Written, sqlx::Error> {
    let rows = update_last_used(&mut tx, used).await?;
    record_ips(&mut tx, from).await?;
    tx.commit_usage().await?;
    Ok(rows)
}

/// The slow path: one guarded INSERT per event.
async fn write_guarded(
    db: &Db,
    events: &[NewEvent],
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
) -> Result<Written, sqlx::Error> {
    let mut tx = db.begin().await?;
    tx.lock(Lock::Audit).await?;
    for e in events {
        on_tx!(&mut tx, c => sqlx::query(INSERT_GUARDED.as_str())
        .bind(e.user_id)
        .bind(e.at)
        .bind(e.action_name())
        .bind(e.token_id)
        .bind(e.token_label.as_deref())
        .bind(e.method.as_deref())
        .bind(e.host.as_deref())
        .bind(e.path.as_deref())
        .bind(e.status)
        .bind(e.ip.as_deref())
        .bind(e.user_agent.as_deref())
        .bind(e.detail.as_deref())
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    }
    finish(tx, used, from).await
}

async fn update_last_used(
    tx: &mut Tx,
    used: &HashMap<i64, LastUse>,
) -> Result<Written, sqlx::Error> {
    let mut rows = Written::new();
    for (token_id, u) in used {
        let row: Option<(i64, i64)> = on_tx!(&mut *tx, c => sqlx::query_as(UPDATE_LAST_USED)
        .bind(u.at)
        .bind(u.ip.as_deref())
        .bind(token_id)
        .bind(u.window)
        .bind(i64::from(u.count))
        .fetch_optional(c)
        .await)?;
        if let Some((window, used)) = row {
            rows.insert(*token_id, Stored { window, used });
        }
    }
    Ok(rows)
}
