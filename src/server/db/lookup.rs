//! Connections of their own for the one query every API request makes: the
//! token check.
//!
//! sqlx's pool tests each connection it takes back with a round trip (on
//! SQLite a hop to the connection's thread and back; on PostgreSQL a
//! message to the server and its answer) and spawns a task to do so: on the
//! API's hot path that doubled the work of the query itself. These
//! connections are taken and given back without either. One that fails is
//! dropped, and a new one is opened when needed.
//!
//! On an SQLite file the check goes further: it runs in place, on the
//! request's own thread ([`InPlace`]), instead of being handed to a
//! connection's thread and back. A read of one row by an index takes a few
//! microseconds and, in WAL mode, never waits for a writer; the two thread
//! switches it saves were most of the API's cost on SQLite (measured with
//! `perf`: the kernel's task switching led the profile).

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use sqlx::{ConnectOptions, PgConnection, SqliteConnection};
use tokio::sync::Semaphore;

use super::pool::{Db, Pool};
use crate::on_db;

/// One connection, of either kind.
pub enum LookupConn {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs `$body` with `$c` bound to the lookup connection (`&mut`), once per
/// database kind.
#[macro_export]
macro_rules! on_lookup {
    ($conn:expr, $c:ident => $body:expr) => {
        match $conn {
            $crate::server::db::LookupConn::Sqlite($c) => $body,
            $crate::server::db::LookupConn::Postgres($c) => $body,
        }
    };
}

/// At most `size` connections, opened as needed with the pool's options;
/// on an SQLite file, connections used in place.
pub struct Lookups {
    db: Db,
    in_place: Option<InPlace>,
    idle: Mutex<Vec<LookupConn>>,
    permits: Semaphore,
}

/// SQLite connections that run their statements on the calling thread.
/// Each call holds one for a few microseconds, so there are never more than
/// the runtime's threads.
pub struct InPlace {
    path: PathBuf,
    idle: Mutex<Vec<rusqlite::Connection>>,
}

impl InPlace {
    /// Runs `f` on a connection (kept for the next call if `f` succeeded).
    pub fn run<T>(
        &self,
        f: impl FnOnce(&rusqlite::Connection) -> rusqlite::Result<T>,
    ) -> rusqlite::Result<T> {
        let idle = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        if out.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(conn);
            }
        }
        out
    }

    fn open(&self) -> rusqlite::Result<rusqlite::Connection> {
        use rusqlite::OpenFlags;
        // The file exists (the pool made and migrated it); this connection
        // only ever reads.
        let conn = rusqlite::Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        conn.pragma_update(None, "query_only", true)?;
        Ok(conn)
    }
}

/// The file of an SQLite database: `None` for PostgreSQL and for a
/// database in memory (which only sqlx's connections share).
pub fn sqlite_file(db: &Db) -> Option<PathBuf> {
    let Pool::Sqlite(p) = &db.pool else {
        return None;
    };
    let options = p.connect_options();
    let path = options.get_filename();
    let file = !path.as_os_str().is_empty()
        && path.to_str() != Some(":memory:")
        && !path.to_string_lossy().starts_with("file:");
    file.then(|| path.to_owned())
}

/// How long opening a connection may take before the request fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Lookups {
    pub fn new(db: Db, size: usize) -> Self {
        let in_place = sqlite_file(&db).map(|path| InPlace {
            path,
            idle: Mutex::new(Vec::new()),
        });
        Self {
            db,
            in_place,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size.max(1)),
        }
    }

    /// Whether the database has been closed (the server is stopping).
    pub fn closed(&self) -> bool {
        let closed = on_db!(&self.db, p => p.is_closed());
        if closed {
            // Let go of the file and the server's connections.
            if let Some(i) = &self.in_place {
                if let Ok(mut idle) = i.idle.lock() {
                    idle.clear();
                }
            }
            if let Ok(mut idle) = self.idle.lock() {
                idle.clear();
            }
        }
        closed
    }

    /// What tells the token cache that tokens or users changed.
    pub fn changes(&self) -> &super::changes::Changes {
        self.db.changes()
    }

    /// The in-place connections, on an SQLite file.
    pub fn in_place(&self) -> Option<&InPlace> {
        self.in_place.as_ref()
    }

    /// Runs `f` on a connection; the connection goes back for the next
    /// caller only if `f` succeeded (a failed one may be broken). Once the
    /// pool is closed (shutting down), so are these.
    pub async fn run<T, F>(&self, f: F) -> Result<T, sqlx::Error>
    where
        F: AsyncFnOnce(&mut LookupConn) -> Result<T, sqlx::Error>,
    {
        if self.closed() {
            return Err(sqlx::Error::PoolClosed);
        }
        let _permit = self
            .permits
            .acquire()
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        let idle = self.idle.lock().map(|mut v| v.pop()).unwrap_or(None);
        let mut conn = match idle {
            Some(c) => c,
            None => self.open().await?,
        };
        let out = f(&mut conn).await;
        if out.is_ok() {
            if let Ok(mut idle) = self.idle.lock() {
                idle.push(conn);
            }
        }
        out
    }

    async fn open(&self) -> Result<LookupConn, sqlx::Error> {
        let opened = match &self.db.pool {
            Pool::Sqlite(p) => {
                let options = p.connect_options();
                tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .map(|c| c.map(LookupConn::Sqlite))
            }
            Pool::Postgres(p) => {
                let options = p.connect_options();
                tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .map(|c| c.map(LookupConn::Postgres))
            }
        };
        opened.map_err(|_| sqlx::Error::PoolTimedOut)?
    }
}
