//! The audit writer's own connection when the database is an SQLite file:
//! each batch is one write transaction, run on a blocking thread, of
//! multi-row INSERTs prepared once.
//!
//! Through sqlx every statement is a hop to its connection's thread and
//! back, and a batch's last, partial chunk was a statement built and
//! parsed again every batch. The statements are the ones the sqlx path
//! runs (which PostgreSQL and a database in memory still use), so both
//! write the same rows.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Duration;

use rusqlite::types::ToSql;
use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use super::batch::{LastUse, Written, INSERT_GUARDED};
use crate::server::events::{NewEvent, INSERT_INTO};
use crate::server::tokens::quota::Stored;
use crate::server::tokens::{tokens_seen, UsedFrom, INSERT_IP, TRIM_IPS};

/// A connection to the file, opened when first needed and again after one
/// fails.
pub(super) struct FileWriter {
    path: PathBuf,
    conn: Option<Connection>,
}

impl FileWriter {
    pub(super) fn new(path: PathBuf) -> Self {
        Self { path, conn: None }
    }

    pub(super) fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Writes `events`, the tokens' last uses and their addresses in one
    /// transaction; returns the counts the tokens' rows now hold. Nothing
    /// is written when it fails.
    pub(super) fn write(
        &mut self,
        events: &[NewEvent],
        used: &HashMap<i64, LastUse>,
        from: &UsedFrom,
    ) -> rusqlite::Result<Written> {
        let mut conn = match self.conn.take() {
            Some(c) => c,
            None => open(&self.path)?,
        };
        let out = write_on(&mut conn, events, used, from);
        // A connection that failed may be broken: the next batch opens
        // another.
        if out.is_ok() {
            self.conn = Some(conn);
        }
        out
    }
}

/// As the pool's connections are (`db::connect`): a commit is on disk
/// before it returns, foreign keys hold, writers wait for each other.
fn open(path: &std::path::Path) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(conn)
}

fn write_on(
    conn: &mut Connection,
    events: &[NewEvent],
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
) -> rusqlite::Result<Written> {
    match write_tx(conn, events, used, from, false) {
        // One event of a user deleted meanwhile fails the whole batch (its
        // foreign key): write it again with each event guarded.
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY =>
        {
            write_tx(conn, events, used, from, true)
        }
        out => out,
    }
}

/// Rows per multi-row INSERT, largest first: a batch goes as full chunks
/// of each size in turn, so every statement is one of three, prepared
/// once. (One row per statement costs SQLite far more: each seeks every
/// index from its root, where a multi-row INSERT goes on from the last.)
const CHUNKS: [usize; 3] = [256, 16, 1];

/// The columns of an event ([`INSERT_INTO`]).
const COLUMNS: usize = 12;

/// The INSERT of `rows` events, with numbered parameters.
fn insert_sql(rows: usize) -> String {
    let row = format!("({})", ["?"; COLUMNS].join(", "));
    format!("{INSERT_INTO} VALUES {}", vec![row; rows].join(", "))
}

/// An event's values, in the order of [`INSERT_INTO`]'s columns
/// (`action`: its action's stored name).
fn values<'a>(e: &'a NewEvent, action: &'a &'static str) -> [&'a dyn ToSql; COLUMNS] {
    [
        &e.user_id,
        &e.at,
        action,
        &e.token_id,
        &e.token_label,
        &e.method,
        &e.host,
        &e.path,
        &e.status,
        &e.ip,
        &e.user_agent,
        &e.detail,
    ]
}

fn write_tx(
    conn: &mut Connection,
    events: &[NewEvent],
    used: &HashMap<i64, LastUse>,
    from: &UsedFrom,
    guarded: bool,
) -> rusqlite::Result<Written> {
    static SQL: std::sync::LazyLock<[String; 3]> =
        std::sync::LazyLock::new(|| CHUNKS.map(insert_sql));
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if guarded {
        let mut insert = tx.prepare_cached(&INSERT_GUARDED)?;
        for e in events {
            bind(&mut insert, &values(e, &e.action_name()))?;
            insert.raw_execute()?;
        }
    } else {
        let mut rest = events;
        for (size, sql) in CHUNKS.iter().zip(SQL.iter()) {
            if rest.len() < *size {
                continue;
            }
            let mut insert = tx.prepare_cached(sql)?;
            while rest.len() >= *size {
                let (chunk, tail) = rest.split_at(*size);
                for (row, e) in chunk.iter().enumerate() {
                    let action = e.action_name();
                    for (col, value) in values(e, &action).into_iter().enumerate() {
                        insert.raw_bind_parameter(row * COLUMNS + col + 1, value)?;
                    }
                }
                insert.raw_execute()?;
                rest = tail;
            }
        }
    }
    let mut rows = Written::new();
    {
        let mut update = tx.prepare_cached(super::batch::UPDATE_LAST_USED)?;
        for (token_id, u) in used {
            bind(
                &mut update,
                &[&u.at, &u.ip, token_id, &u.window, &i64::from(u.count)],
            )?;
            let mut answer = update.raw_query();
            if let Some(row) = answer.next()? {
                rows.insert(
                    *token_id,
                    Stored {
                        window: row.get(0)?,
                        used: row.get(1)?,
                    },
                );
            }
        }
    }
    {
        let limit = crate::model::token::RECENT_IPS as i64;
        let mut record = tx.prepare_cached(INSERT_IP)?;
        for ((token_id, ip), (first, last)) in from {
            bind(&mut record, &[token_id, ip, first, last])?;
            record.raw_execute()?;
        }
        let mut trim = tx.prepare_cached(TRIM_IPS)?;
        for token_id in &tokens_seen(from) {
            bind(&mut trim, &[token_id, &limit])?;
            trim.raw_execute()?;
        }
    }
    tx.commit()?;
    Ok(rows)
}

/// Binds `$1`, `$2`, … of a statement to `values[0]`, `values[1]`, … by
/// their numbers, as sqlx does: a number may appear more than once, and
/// in any order.
fn bind(stmt: &mut rusqlite::CachedStatement<'_>, values: &[&dyn ToSql]) -> rusqlite::Result<()> {
    for index in 1..=stmt.parameter_count() {
        let number = stmt
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|n| (1..=values.len()).contains(n))
            .ok_or(rusqlite::Error::InvalidParameterCount(index, values.len()))?;
        stmt.raw_bind_parameter(index, values[number - 1])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::audit::AuditAction;

    fn event(user_id: i64, n: i64) -> NewEvent {
        NewEvent {
            user_id,
            action: Some(AuditAction::ApiRequest),
            token_label: Some(format!("label {n}")),
            method: Some("GET".into()),
            path: Some(format!("/v1/things/{n}")),
            status: Some(200),
            at: 1_000 + n,
            ..NewEvent::default()
        }
    }

    /// Every chunk size at once (273 = 256 + 16 + 1), then the same with
    /// events of a user that is gone, which are skipped, not the batch.
    #[tokio::test]
    async fn a_batch_is_written_whole_in_every_chunk_size_and_a_gone_users_events_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/audit.db", dir.path().display());
        let db = crate::server::db::connect(&url).await.unwrap();
        let path = crate::server::db::sqlite_file(&db).unwrap();
        let conn = Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO users (id, handle, email, password_hash, first_name, last_name,
                                display_name, is_admin, created_at, updated_at)
             VALUES (7, 'ada', 'ada@example.com', 'x', 'Ada', 'L', 'Ada', 0, 1, 1)",
            [],
        )
        .unwrap();
        let mut w = FileWriter::new(path);
        let events: Vec<NewEvent> = (0..273).map(|n| event(7, n)).collect();
        w.write(&events, &HashMap::new(), &UsedFrom::new()).unwrap();
        let mut mixed: Vec<NewEvent> = (273..290).map(|n| event(7, n)).collect();
        mixed.insert(3, event(99, 0));
        w.write(&mixed, &HashMap::new(), &UsedFrom::new()).unwrap();

        let rows: Vec<(i64, i64, String, String)> = conn
            .prepare("SELECT user_id, created_at, token_label, path FROM audit_events ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(rows.len(), 290, "273 + 17 of user 7, none of user 99");
        for (n, row) in rows.iter().enumerate() {
            let n = n as i64;
            assert_eq!(
                row,
                &(
                    7,
                    1_000 + n,
                    format!("label {n}"),
                    format!("/v1/things/{n}")
                )
            );
        }
    }
}
