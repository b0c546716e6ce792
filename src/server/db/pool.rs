//! The pool the server shares and its transactions, on either database:
//! [`Db`], [`Tx`], the row locks, and the macros that run one piece of code
//! on whichever driver is in use.

use super::changes::Changes;
use super::clock::Clock;
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool, Transaction};

/// The database pool the whole server shares, and the clock every time
/// it writes is read from. Cheap to clone.
#[derive(Clone, Debug)]
pub struct Db {
    pub pool: Pool,
    clock: Clock,
    changes: Changes,
}

/// The pool of one database or the other.
#[derive(Clone, Debug)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Which database a [`Db`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A transaction on either database, with its pool's clock; dropped
/// without [`Tx::commit`], it rolls back.
pub struct Tx {
    pub conn: TxConn,
    clock: Clock,
    changes: Changes,
}

/// The transaction of one database or the other.
pub enum TxConn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$p` bound to the pool, once per database kind (each
/// arm compiles against its own driver).
#[macro_export]
macro_rules! on_db {
    ($db:expr, $p:ident => $body:expr) => {
        match &($db).pool {
            $crate::server::db::Pool::Sqlite($p) => $body,
            $crate::server::db::Pool::Postgres($p) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
#[macro_export]
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match &mut ($tx).conn {
            $crate::server::db::TxConn::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::server::db::TxConn::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// Advisory locks (PostgreSQL) that serialise the few writes whose rule
/// spans rows no single row lock covers. SQLite has one writer at a time
/// and needs none of them.
#[derive(Clone, Copy, Debug)]
#[repr(i64)]
pub enum Lock {
    /// Who is an administrator, which handles are taken or reserved: sign-up,
    /// user creation, handle changes, account deletion, role and
    /// disable changes.
    Accounts = 0x6163_6374,
    /// Audit ids committed in id order (so paging by id misses nothing).
    Audit = 0x6175_6474,
    /// Periodic housekeeping: one instance at a time.
    Housekeeping = 0x686f_7573,
}

impl Db {
    /// `pool`, on the system's clock.
    pub fn new(pool: Pool) -> Self {
        Self {
            pool,
            clock: Clock::system(),
            changes: Changes::default(),
        }
    }

    pub fn sqlite(pool: SqlitePool) -> Self {
        Self::new(Pool::Sqlite(pool))
    }

    pub fn postgres(pool: PgPool) -> Self {
        Self::new(Pool::Postgres(pool))
    }

    /// The same pool on `clock` (a test's, which it moves forward).
    pub fn with_clock(self, clock: Clock) -> Self {
        Self { clock, ..self }
    }

    /// Unix seconds now, by this pool's clock: the one time source of the
    /// server (sessions, links, limits, reminders, every row's times).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// What tells the token cache that tokens or users changed.
    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// The pool's connections: open, idle, and the most it opens.
    pub fn pool_use(&self) -> (u32, u32, u32) {
        on_db!(self, p => (
            p.size(),
            u32::try_from(p.num_idle()).unwrap_or(u32::MAX),
            p.options().get_max_connections(),
        ))
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    /// The statement for this database: `sqlite` or `postgres`.
    pub fn pick<'a>(&self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        match self.pool {
            Pool::Sqlite(_) => sqlite,
            Pool::Postgres(_) => postgres,
        }
    }

    fn tx(&self, conn: TxConn) -> Tx {
        Tx {
            conn,
            clock: self.clock.clone(),
            changes: self.changes.clone(),
        }
    }

    pub async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(self.tx(match &self.pool {
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin().await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await?),
        }))
    }

    /// Begins a transaction holding `lock` until it ends (PostgreSQL); on
    /// SQLite a write transaction (`BEGIN IMMEDIATE`), which already
    /// excludes every other writer.
    pub async fn begin_locked(&self, lock: Lock) -> Result<Tx, sqlx::Error> {
        let mut tx = self.tx(match &self.pool {
            Pool::Sqlite(p) => TxConn::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxConn::Postgres(p.begin().await?),
        });
        tx.lock(lock).await?;
        Ok(tx)
    }

    /// Takes `lock` if no other instance holds it, for as long as the
    /// returned transaction lives; `None` when another holds it. On SQLite
    /// (one process) always taken.
    pub async fn try_lock(&self, lock: Lock) -> Result<Option<Tx>, sqlx::Error> {
        let mut tx = self.begin().await?;
        if let TxConn::Postgres(t) = &mut tx.conn {
            let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                .bind(lock as i64)
                .fetch_one(&mut **t)
                .await?;
            if !taken {
                return Ok(None);
            }
        }
        Ok(Some(tx))
    }

    pub async fn close(&self) {
        on_db!(self, p => p.close().await)
    }

    /// Whether the database answers a trivial query.
    pub async fn ping(&self) -> Result<(), sqlx::Error> {
        on_db!(self, p => sqlx::query("SELECT 1").execute(p).await.map(|d| d.rows_affected()))?;
        Ok(())
    }
}

impl Tx {
    pub fn backend(&self) -> Backend {
        match self.conn {
            TxConn::Sqlite(_) => Backend::Sqlite,
            TxConn::Postgres(_) => Backend::Postgres,
        }
    }

    /// Unix seconds now, by the pool's clock ([`Db::now`]).
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// The statement for this database: `sqlite` or `postgres`.
    pub fn pick<'a>(&self, sqlite: &'a str, postgres: &'a str) -> &'a str {
        match self.conn {
            TxConn::Sqlite(_) => sqlite,
            TxConn::Postgres(_) => postgres,
        }
    }

    /// Takes `lock` until the transaction ends (PostgreSQL only).
    pub async fn lock(&mut self, lock: Lock) -> Result<(), sqlx::Error> {
        if let TxConn::Postgres(t) = &mut self.conn {
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(lock as i64)
                .execute(&mut **t)
                .await?;
        }
        Ok(())
    }

    /// Commits; then a token check on this instance reads the database
    /// again rather than its cache (the transaction may have stopped a
    /// token: see [`Changes`]).
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        let changes = self.changes.clone();
        self.commit_usage().await?;
        changes.bump();
        Ok(())
    }

    /// Commits a transaction that changed no token's standing and no
    /// user: only when tokens were used (the audit writer's batches), so
    /// the token cache stays.
    pub async fn commit_usage(self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(t) => t.commit().await,
            TxConn::Postgres(t) => t.commit().await,
        }
    }

    /// Rolls back now (dropping a transaction leaves it to the pool, which
    /// holds its locks a moment longer).
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self.conn {
            TxConn::Sqlite(t) => t.rollback().await,
            TxConn::Postgres(t) => t.rollback().await,
        }
    }
}

/// The name of the unique constraint (or unique index) a failed statement
/// broke, if that is what failed. PostgreSQL names it; SQLite does not
/// report it to its clients, so there the caller passes the keys it
/// knows and the first that now clashes is named (see
/// [`crate::server::identity::users::clash`]).
pub fn unique_constraint(err: &sqlx::Error) -> Option<Option<String>> {
    match err {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            Some(d.constraint().map(str::to_owned))
        }
        _ => None,
    }
}
