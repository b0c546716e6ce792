//! Opening the database `DATABASE_URL` names, with the right settings for
//! each kind, and migrating it; URLs and errors made fit for a message.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};

use super::pool::{Backend, Db, Pool};

/// The URL used when `DATABASE_URL` is not set.
pub fn default_url(data_dir: &Path) -> String {
    format!("sqlite://{}/account-settings.db", data_dir.display())
}

/// `url` with any password replaced, fit for a message.
pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".into();
    };
    let (authority, tail) = match rest.find(['/', '?']) {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let authority = match authority.rsplit_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:***@{host}"),
            None => format!("{userinfo}@{host}"),
        },
        None => authority.to_owned(),
    };
    // Query parameters may carry a password too (`?password=`).
    let tail = match tail.split_once('?') {
        Some((path, _)) => format!("{path}?…"),
        None => tail.to_owned(),
    };
    format!("{scheme}://{authority}{tail}")
}

/// Opens (creating if needed) and migrates the database `url` names:
/// `sqlite://…` or `postgres://…` / `postgresql://…`.
pub async fn connect(url: &str) -> Result<Db, String> {
    let db = if url.starts_with("sqlite:") {
        Db::sqlite(open_sqlite(url).await?)
    } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        Db::postgres(open_postgres(url).await?)
    } else {
        return Err(format!(
            "DATABASE_URL: expected sqlite://… or postgres://…, got {}",
            redact_url(url)
        ));
    };
    migrate(&db).await?;
    Ok(db)
}

/// SQLite runs in WAL mode with `synchronous=FULL`: a change whose response
/// was sent survives a crash or power loss. Foreign keys are enforced and
/// writers wait up to five seconds for each other instead of failing.
async fn open_sqlite(url: &str) -> Result<SqlitePool, String> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| format!("DATABASE_URL: {e}"))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full)
        .foreign_keys(true)
        .busy_timeout(Duration::from_secs(5));
    owner_only(options.get_filename())?;
    // A new file being set up by another process at this moment (WAL mode
    // is switched on under an exclusive lock, with no busy wait) answers
    // "database is locked" for a moment: wait and try again.
    let mut tries = 0;
    loop {
        // No ping before each use: the file cannot have gone away the way a
        // server's connection can, and the ping is a round trip to the
        // connection's thread on every query (measured: a tenth of the API's
        // throughput).
        let opened = SqlitePoolOptions::new()
            .max_connections(pool_size(8))
            .test_before_acquire(false)
            .connect_with(options.clone())
            .await;
        match opened {
            Ok(pool) => return Ok(pool),
            Err(sqlx::Error::Database(e))
                if matches!(e.code().as_deref(), Some("5" | "6")) && tries < 50 =>
            {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20 + 10 * tries)).await;
            }
            Err(e) => return Err(format!("DATABASE_URL: cannot open the database: {e}")),
        }
    }
}

/// `DATABASE_MAX_CONNECTIONS` (at least 2: the audit writer holds one while
/// it writes), or `default`.
fn pool_size(default: u32) -> u32 {
    std::env::var("DATABASE_MAX_CONNECTIONS")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
        .map_or(default, |n| n.clamp(2, 1_000))
}

/// Makes the database file readable by its owner only (it holds password
/// hashes and sealed secrets): created so when new, narrowed when an older
/// install left it open to others. SQLite gives the `-wal` and `-shm` files
/// it makes beside it the same mode.
fn owner_only(path: &Path) -> Result<(), String> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        if path.as_os_str().is_empty() || path.to_str() == Some(":memory:") {
            return Ok(());
        }
        let created = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(path);
        match created {
            Ok(_) => return Ok(()),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
            Err(e) => {
                return Err(format!(
                    "DATABASE_URL: cannot create {}: {e}",
                    path.display()
                ))
            }
        }
        for file in [path.to_owned(), wal_of(path, "-wal"), wal_of(path, "-shm")] {
            let Ok(meta) = std::fs::metadata(&file) else {
                continue;
            };
            if meta.permissions().mode() & 0o077 != 0 {
                let narrowed =
                    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600));
                if let Err(e) = narrowed {
                    tracing::warn!(file = %file.display(), error = %e, "could not make the database file private");
                }
            }
        }
    }
    Ok(())
}

/// `path` with `suffix` added to its file name.
#[cfg(unix)]
fn wal_of(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    name.into()
}

/// PostgreSQL: a request waits at most 5 s for a connection, and the pool
/// gives up on a server that does not answer within 5 s at start.
async fn open_postgres(url: &str) -> Result<PgPool, String> {
    let options = PgConnectOptions::from_str(url).map_err(|e| {
        format!(
            "DATABASE_URL: not a valid PostgreSQL URL ({}): {}",
            redact_url(url),
            redact_error(&e.to_string(), url)
        )
    })?;
    PgPoolOptions::new()
        .max_connections(pool_size(16))
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await
        .map_err(|e| {
            format!(
                "DATABASE_URL: cannot connect to {}: {}",
                redact_url(url),
                redact_error(&e.to_string(), url)
            )
        })
}

/// An error's text with the URL's password taken out, should a driver ever
/// repeat it.
fn redact_error(text: &str, url: &str) -> String {
    match password_of(url) {
        Some(pw) if !pw.is_empty() => text.replace(&pw, "***"),
        _ => text.to_owned(),
    }
}

fn password_of(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?']).next()?;
    let userinfo = authority.rsplit_once('@')?.0;
    Some(userinfo.split_once(':')?.1.to_owned())
}

/// Applies the migrations of the database in use. On PostgreSQL sqlx holds
/// an advisory lock while it migrates, so instances starting together on an
/// empty database migrate it once.
///
/// On SQLite sqlx takes no such lock: two processes opening a new file at
/// once (a server and a CLI command, say) would both apply the first
/// migration and one would fail. Each migration runs in a transaction, so
/// the loser changed nothing; it tries again and finds what the other
/// applied.
pub async fn migrate(db: &Db) -> Result<(), String> {
    use sqlx::migrate::MigrateError;
    let mut tries = 0;
    loop {
        let done = match &db.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await,
        };
        match done {
            Ok(()) => return Ok(()),
            Err(MigrateError::Execute(_) | MigrateError::ExecuteMigration(..))
                if db.backend() == Backend::Sqlite && tries < 50 =>
            {
                tries += 1;
                tokio::time::sleep(Duration::from_millis(20 + 10 * tries)).await;
            }
            Err(e) => return Err(format!("database migration failed: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        let url = "postgres://app:s3cret@db.example:5432/accounts?sslmode=require&password=x";
        let shown = redact_url(url);
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(!shown.contains("password=x"), "{shown}");
        assert_eq!(shown, "postgres://app:***@db.example:5432/accounts?…");
        assert_eq!(
            redact_url("postgres://app@db/x"),
            "postgres://app@db/x".to_owned()
        );
        assert_eq!(password_of(url).as_deref(), Some("s3cret"));
        assert_eq!(redact_error("bad s3cret", url), "bad ***");
    }
}
