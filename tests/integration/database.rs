//! A fresh database for each test, on the database the suite runs against:
//! SQLite (a file in the test's temporary directory) unless
//! `TEST_DATABASE=postgres`, then a PostgreSQL database cloned from a
//! migrated template at `TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`). A PostgreSQL suite that
//! cannot reach its server fails; it never skips.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};

use sha2::{Digest, Sha256};
use sqlx::{Connection, PgConnection, Postgres, Sqlite};

/// A column type both drivers decode (`i64`, `String`, `Vec<u8>`, options).
pub trait Column:
    for<'r> sqlx::Decode<'r, Sqlite>
    + sqlx::Type<Sqlite>
    + for<'r> sqlx::Decode<'r, Postgres>
    + sqlx::Type<Postgres>
    + Send
    + Unpin
{
}

impl<T> Column for T where
    T: for<'r> sqlx::Decode<'r, Sqlite>
        + sqlx::Type<Sqlite>
        + for<'r> sqlx::Decode<'r, Postgres>
        + sqlx::Type<Postgres>
        + Send
        + Unpin
{
}

/// One test's database; a PostgreSQL one is dropped with it.
pub struct TestDatabase {
    pub url: String,
    /// The PostgreSQL database's name (to drop it), with the server's URL.
    postgres: Option<(String, String)>,
}

/// Whether this run's suite is the PostgreSQL one.
pub fn on_postgres() -> bool {
    std::env::var("TEST_DATABASE").is_ok_and(|v| v == "postgres")
}

/// The PostgreSQL server's URL (any database on it: it is only the door).
pub fn server_url() -> String {
    std::env::var("TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// `url` with its database replaced by `name`.
pub fn with_database(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (url, String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    format!("{}/{name}{query}", &base[..host_end])
}

impl TestDatabase {
    /// A new, migrated database of its own.
    pub async fn fresh(dir: &Path) -> Self {
        if !on_postgres() {
            return Self {
                url: format!("sqlite://{}/test.db", dir.display()),
                postgres: None,
            };
        }
        Self::fresh_postgres().await
    }

    /// A new, migrated PostgreSQL database of its own, whatever the suite.
    pub async fn fresh_postgres() -> Self {
        let server = server_url();
        let template = ensure_template(&server).await;
        Self::create_postgres(&server, &format!(" TEMPLATE {template}")).await
    }

    /// A new database with nothing in it, not even the migrations: a file
    /// not yet made on SQLite, an empty database on PostgreSQL.
    pub async fn empty(dir: &Path) -> Self {
        if !on_postgres() {
            return Self {
                url: format!("sqlite://{}/empty.db", dir.display()),
                postgres: None,
            };
        }
        Self::create_postgres(&server_url(), "").await
    }

    /// `CREATE DATABASE <a new name><options>` on `server`.
    async fn create_postgres(server: &str, options: &str) -> Self {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "as_test_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at TEST_POSTGRES_URL: {e}"));
        // Copies of one template may be made at once; only a connection to
        // the template itself (none is left open) would stop one.
        let sql = format!("CREATE DATABASE {name}{options}");
        let mut tries = 0;
        loop {
            match sqlx::query(&sql).execute(&mut admin).await {
                Ok(_) => break,
                Err(e) if tries < 20 => {
                    tries += 1;
                    eprintln!("retrying {sql}: {e}");
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("{sql}: {e}"),
            }
        }
        admin.close().await.ok();
        Self {
            url: with_database(server, &name),
            postgres: Some((name, server.to_owned())),
        }
    }
}

/// The name of a database migrated with the current PostgreSQL migrations,
/// made once per set of migrations (its name carries their hash) under an
/// advisory lock, so parallel tests and test processes make it once.
async fn ensure_template(server: &str) -> String {
    let mut hasher = Sha256::new();
    let mut files: Vec<_> = std::fs::read_dir("migrations/postgres")
        .expect("migrations/postgres")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    files.sort();
    for f in files {
        hasher.update(std::fs::read(&f).expect("migration"));
    }
    let digest = hasher.finalize();
    let name = format!(
        "as_template_{}",
        digest[..6]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    );
    let mut admin = PgConnection::connect(server).await.unwrap_or_else(|e| {
        panic!("PostgreSQL at TEST_POSTGRES_URL ({server}) does not answer: {e}")
    });
    sqlx::query("SELECT pg_advisory_lock(7411)")
        .execute(&mut admin)
        .await
        .expect("template lock");
    let exists: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut admin)
        .await
        .expect("pg_database");
    if exists.is_none() {
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .expect("create template");
        let db = account_settings::server::db::connect(&with_database(server, &name))
            .await
            .expect("migrate template");
        db.close().await;
        // Templates of older migrations are of no more use.
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT datname FROM pg_database WHERE datname LIKE 'as\\_template\\_%' AND datname <> $1",
        )
        .bind(&name)
        .fetch_all(&mut admin)
        .await
        .unwrap_or_default();
        for db in old {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {db}"))
                .execute(&mut admin)
                .await;
        }
    }
    sqlx::query("SELECT pg_advisory_unlock(7411)")
        .execute(&mut admin)
        .await
        .expect("template unlock");
    admin.close().await.ok();
    name
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let Some((name, server)) = self.postgres.take() else {
            return;
        };
        // Drop runs inside the test's runtime: drop the database from a
        // thread of its own, and wait for it.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let mut admin = PgConnection::connect(&server).await?;
                sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin)
                    .await?;
                admin.close().await
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("could not drop a test database: {e}");
        }
    }
}
