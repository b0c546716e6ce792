//! Connections of their own for the one query every API request makes: the
//! token check.
//!
//! sqlx's pool tests each connection it takes back with a round trip (on
//! SQLite a hop to the connection's thread and back; on PostgreSQL a
//! message to the server and its answer) and spawns a task to do so: on the
//! API's hot path that doubled the work of the query itself. These
//! connections are taken and given back without either. One that fails is
//! dropped, and a new one is opened when needed.

use std::sync::Mutex;
use std::time::Duration;

use sqlx::{ConnectOptions, PgConnection, SqliteConnection};
use tokio::sync::Semaphore;

use super::Db;
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

/// At most `size` connections, opened as needed with the pool's options.
pub struct Lookups {
    db: Db,
    idle: Mutex<Vec<LookupConn>>,
    permits: Semaphore,
}

/// How long opening a connection may take before the request fails.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

impl Lookups {
    pub fn new(db: Db, size: usize) -> Self {
        Self {
            db,
            idle: Mutex::new(Vec::with_capacity(size)),
            permits: Semaphore::new(size.max(1)),
        }
    }

    /// Runs `f` on a connection; the connection goes back for the next
    /// caller only if `f` succeeded (a failed one may be broken). Once the
    /// pool is closed (shutting down), so are these.
    pub async fn run<T, F>(&self, f: F) -> Result<T, sqlx::Error>
    where
        F: AsyncFnOnce(&mut LookupConn) -> Result<T, sqlx::Error>,
    {
        if on_db!(&self.db, p => p.is_closed()) {
            if let Ok(mut idle) = self.idle.lock() {
                idle.clear();
            }
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
        let opened = match &self.db {
            Db::Sqlite(p) => {
                let options = p.connect_options();
                tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .map(|c| c.map(LookupConn::Sqlite))
            }
            Db::Postgres(p) => {
                let options = p.connect_options();
                tokio::time::timeout(CONNECT_TIMEOUT, options.connect())
                    .await
                    .map(|c| c.map(LookupConn::Postgres))
            }
        };
        opened.map_err(|_| sqlx::Error::PoolTimedOut)?
    }
}
