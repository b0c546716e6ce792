//! The database: SQLite (embedded, the default) or PostgreSQL (several
//! instances), chosen at run time by `DATABASE_URL`, opened with the right
//! settings and migrated. [`Db::now`] is the server's one clock.
//!
//! Rules for queries (one text for both databases wherever the two agree):
//! - placeholders are `$1`, `$2`, … (SQLite accepts them too);
//! - integers are `i64` (`INTEGER` / `BIGINT`), times unix seconds;
//! - flags are `bool` (`INTEGER` 0/1 / `BOOLEAN`): compare with `NOT x`,
//!   never with `= 1`;
//! - where the two differ (ids, locks), [`Db::backend`] picks the text.
//!
//! [`on_db!`](crate::on_db) and [`on_tx!`](crate::on_tx) run the same code against whichever pool or
//! transaction is in use, each with its own driver's types.

pub mod changes;
pub mod clock;
mod connect;
pub mod copy;
mod lookup;
mod pool;

pub use changes::Changes;
pub use clock::Clock;
pub use connect::{connect, default_url, migrate, redact_url};
pub use lookup::{sqlite_file, LookupConn, Lookups};
pub use pool::{unique_constraint, Backend, Db, Lock, Pool, Tx, TxConn};
