//! The database: opening it with the right settings and migrating it.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// The database pool the whole server shares.
pub type Db = SqlitePool;

/// The URL used when `DATABASE_URL` is not set.
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}/account-settings.db", data_dir.display())
}

/// Opens (creating if needed) and migrates the database.
///
/// SQLite runs in WAL mode with `synchronous=FULL`: a change whose response
/// was sent survives a crash or power loss. Foreign keys are enforced and
/// writers wait up to five seconds for each other instead of failing.
pub async fn connect(url: &str) -> Result<Db, String> {
    if !url.starts_with("sqlite:") {
        return Err(format!(
            "DATABASE_URL: only sqlite: URLs are supported by this build (got a {} URL)",
            url.split(':').next().unwrap_or("malformed")
        ));
    }
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("DATABASE_URL: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(|e| format!("DATABASE_URL: cannot open the database: {e}"))?;
    sqlx::migrate!("./migrations")
        .run(&pool)
        .await
        .map_err(|e| format!("database migration failed: {e}"))?;
    Ok(pool)
}

/// Unix seconds now, UTC.
pub fn now() -> i64 {
    crate::model::time::now()
}
