//! Start-up of the real binary: the database URL and the server key are
//! checked before anything is served, with messages that name the setting
//! and never show a password.

use std::process::{Command, Output};

use account_settings::server::db::Pool;

use crate::database::{on_postgres, TestDatabase};
use crate::shutdown::{serve, serve_with, BIN, TEST_KEY};

/// Runs `serve` with `env` until it exits (it must refuse to start).
fn refused(data: &std::path::Path, env: &[(&str, &str)]) -> String {
    let out: Output = Command::new(BIN)
        .arg("serve")
        .env("DATA_DIR", data)
        .env("LISTEN_ADDR", "127.0.0.1:0")
        .env_remove("SECRET_KEY")
        .envs(env.iter().copied())
        .output()
        .expect("binary runs");
    assert!(!out.status.success(), "it started: {env:?}");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_or_unreachable_database_url_stops_start_up_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(
        dir.path(),
        &[(
            "DATABASE_URL",
            "postgres://app:hunter2secret@127.0.0.1:1/accounts",
        )],
    );
    assert!(err.contains("DATABASE_URL"), "{err}");
    assert!(err.contains("app:***@127.0.0.1:1"), "{err}");
    assert!(!err.contains("hunter2secret"), "{err}");
    let err = refused(dir.path(), &[("DATABASE_URL", "mysql://root:pw1234@db/x")]);
    assert!(
        err.contains("DATABASE_URL") && err.contains("postgres://"),
        "{err}"
    );
    assert!(!err.contains("pw1234"), "{err}");
}

#[tokio::test]
async fn another_server_key_than_the_databases_refuses_to_start() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::fresh(dir.path()).await;
    // The first start records the key (the test key on PostgreSQL, a
    // generated secret.key on SQLite)…
    let (mut server, _) = serve(dir.path(), &database.url).await;
    server.kill().unwrap();
    server.wait().unwrap();
    // …and a start with another key is refused, naming the setting.
    let other = "ff".repeat(32);
    let err = refused(
        dir.path(),
        &[("DATABASE_URL", &database.url), ("SECRET_KEY", &other)],
    );
    assert!(
        err.contains("SECRET_KEY") && err.contains("not the key"),
        "{err}"
    );
    assert!(!err.contains(&other), "{err}");
    // The right key, from a file (SECRET_KEY_FILE), starts again.
    let file = dir.path().join("the-key");
    let key = if on_postgres() {
        TEST_KEY.to_owned()
    } else {
        std::fs::read_to_string(dir.path().join("secret.key")).unwrap()
    };
    std::fs::write(&file, key).unwrap();
    let file = file.to_string_lossy().into_owned();
    let (mut server, _) =
        serve_with(dir.path(), &database.url, &[("SECRET_KEY_FILE", &file)]).await;
    server.kill().unwrap();
    server.wait().unwrap();
}

#[tokio::test]
async fn postgres_needs_a_shared_server_key_sqlite_makes_its_own() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::fresh(dir.path()).await;
    if on_postgres() {
        let err = refused(dir.path(), &[("DATABASE_URL", &database.url)]);
        assert!(
            err.contains("SECRET_KEY: required with a PostgreSQL DATABASE_URL"),
            "{err}"
        );
    } else {
        let (mut server, _) = serve(dir.path(), &database.url).await;
        server.kill().unwrap();
        server.wait().unwrap();
        assert!(dir.path().join("secret.key").exists());
    }
}

#[test]
fn trusted_proxies_need_public_url_and_valid_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let err = refused(dir.path(), &[("TRUSTED_PROXIES", "10.0.0.1")]);
    assert!(
        err.contains("PUBLIC_URL: required when TRUSTED_PROXIES is set"),
        "{err}"
    );
    let err = refused(
        dir.path(),
        &[
            ("TRUSTED_PROXIES", "10.0.0.1, proxy.internal"),
            ("PUBLIC_URL", "https://accounts.example.com"),
        ],
    );
    assert!(err.contains("proxy.internal"), "{err}");
}

/// The server key `app` uses (the database's check value recorded for it).
async fn key_in_use(app: &crate::common::TestApp) -> String {
    app.state
        .secrets
        .check_against(&app.state.db)
        .await
        .unwrap();
    std::fs::read_to_string(app.state.settings.data_dir.join("secret.key")).unwrap()
}

#[tokio::test]
async fn secret_rotate_reseals_every_database_password_with_the_new_key() {
    let app = crate::common::TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.signup("bob").await;
    let before = app.db_connection(&cookie).await;
    let data = app.state.settings.data_dir.clone();
    let old_key = key_in_use(&app).await;
    let new_key = "5a".repeat(32);
    let file = data.join("new.key");
    std::fs::write(&file, &new_key).unwrap();

    let out = Command::new(BIN)
        .args(["secret", "rotate", "--new-key-file"])
        .arg(&file)
        .env("DATA_DIR", &data)
        .env("DATABASE_URL", app.database_url())
        .env_remove("SECRET_KEY")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(said.contains("re-sealed 1 database passwords"), "{said}");
    assert!(!said.contains(&new_key) && !said.contains(old_key.trim()));
    assert_eq!(
        std::fs::read_to_string(data.join("secret.key"))
            .unwrap()
            .trim(),
        new_key
    );

    // An instance with the new key shows the same password; the old key no
    // longer matches the database.
    let renewed = app.instance_on(&app.database_url()).await;
    let after = renewed.db_connection(&cookie).await;
    assert_eq!(after, before);
    renewed
        .state
        .secrets
        .check_against(&renewed.state.db)
        .await
        .unwrap();
    let err = app
        .state
        .secrets
        .check_against(&app.state.db)
        .await
        .unwrap_err();
    assert!(err.contains("SECRET_KEY"), "{err}");

    // Rotating with a key the database does not know is refused.
    let out = Command::new(BIN)
        .args(["secret", "rotate", "--new-key-file"])
        .arg(&file)
        .env("DATABASE_URL", app.database_url())
        .env("SECRET_KEY", old_key.trim())
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not the key"));
}

#[tokio::test]
async fn postgres_connections_can_require_tls() {
    let database = TestDatabase::fresh_postgres().await;
    let db = account_settings::server::db::connect(&format!("{}?sslmode=require", database.url))
        .await
        .expect("the test server offers TLS (tools/postgres.sh turns it on)");
    let Pool::Postgres(p) = &db.pool else {
        unreachable!("a postgres:// URL")
    };
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(p)
            .await
            .unwrap();
    assert!(encrypted);
    db.close().await;
}

#[tokio::test]
async fn a_key_rotation_rolls_out_with_the_previous_key_beside_the_new_one() {
    use account_settings::server::config::parse_secret;
    use account_settings::server::kernel::secret_box::SecretBox;

    let app = crate::common::TestApp::new().await;
    let ada = app.signup("ada").await;
    let ada_password = app.db_connection(&ada).await;
    let old_key = key_in_use(&app).await;
    let new_key = "6b".repeat(32);
    let url = app.database_url();

    // Instances restarted one by one with the new key, the old one beside
    // it: they read what the old key sealed and seal with the new one.
    let rolled = app
        .instance_with(&url, |s| {
            s.secret_key = Some(parse_secret(&new_key).unwrap());
            s.secret_key_previous = Some(parse_secret(&old_key).unwrap());
        })
        .await;
    rolled
        .state
        .secrets
        .check_against(&rolled.state.db)
        .await
        .unwrap();
    let seen = rolled.db_connection(&ada).await;
    assert_eq!(seen, ada_password);
    let bob = rolled.signup("bob").await;
    let bob_password = rolled.db_connection(&bob).await;
    let ids: Vec<String> = app
        .scalars("SELECT db_password_key FROM users WHERE db_password_key IS NOT NULL ORDER BY id")
        .await;
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1], "each value names the key that sealed it");
    assert!(!ids
        .iter()
        .any(|id| old_key.contains(id.as_str()) || new_key.contains(id.as_str())));

    // The new key alone is not enough yet…
    let new_only = || {
        app.instance_with(&url, |s| {
            s.secret_key = Some(parse_secret(&new_key).unwrap());
        })
    };
    let early = new_only().await;
    assert!(early
        .state
        .secrets
        .check_against(&early.state.db)
        .await
        .is_err());

    // …until `secret rotate` re-seals what the old key sealed (Bob's value
    // is left as it is: already the new key's).
    let old = SecretBox::from_hex(&old_key, "old").unwrap();
    let new = SecretBox::from_hex(&new_key, "new").unwrap();
    assert_eq!(old.reseal_all(&app.state.db, &new).await.unwrap(), 1);
    let done = new_only().await;
    done.state
        .secrets
        .check_against(&done.state.db)
        .await
        .unwrap();
    assert_eq!(done.db_connection(&ada).await, ada_password);
    assert_eq!(done.db_connection(&bob).await, bob_password);
    let left: i64 = app
        .count(
            "SELECT COUNT(DISTINCT db_password_key) FROM users WHERE db_password_enc IS NOT NULL",
        )
        .await;
    assert_eq!(left, 1);
}

#[cfg(unix)]
#[tokio::test]
async fn the_sqlite_files_are_readable_by_their_owner_only() {
    use account_settings::server::db;
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("new.db");
    let pool = db::connect(&format!("sqlite://{}", file.display()))
        .await
        .unwrap();
    db::migrate(&pool).await.unwrap();
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&dir.path().join("new.db-wal")), 0o600);
    pool.close().await;

    // An older install's file, open to everyone, is narrowed at start.
    let old = dir.path().join("old.db");
    std::fs::write(&old, b"").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    let pool = db::connect(&format!("sqlite://{}", old.display()))
        .await
        .unwrap();
    assert_eq!(mode(&old), 0o600);
    pool.close().await;
}

#[test]
fn database_names_replace_the_path() {
    assert_eq!(
        crate::database::with_database("postgres://postgres@127.0.0.1:5432/postgres", "x"),
        "postgres://postgres@127.0.0.1:5432/x"
    );
    assert_eq!(
        crate::database::with_database("postgres://u:p@h/db?sslmode=disable", "y"),
        "postgres://u:p@h/y?sslmode=disable"
    );
    assert_eq!(
        crate::database::with_database("postgres://h", "z"),
        "postgres://h/z"
    );
}

#[tokio::test]
async fn instances_starting_together_on_an_empty_database_migrate_it_once() {
    let dir = tempfile::tempdir().unwrap();
    let database = TestDatabase::empty(dir.path()).await;
    // Six instances start at once (PostgreSQL: sqlx's advisory lock lets one
    // migrate while the others wait, then find nothing left to do).
    let starts = (0..6).map(|_| account_settings::server::db::connect(&database.url));
    let pools = futures::future::join_all(starts).await;
    let pools: Vec<_> = pools
        .into_iter()
        .map(|p| p.expect("every instance starts"))
        .collect();
    let files = std::fs::read_dir(if on_postgres() {
        "migrations/postgres"
    } else {
        "migrations/sqlite"
    })
    .unwrap()
    .count() as i64;
    let applied: Vec<i64> = account_settings::on_db!(&pools[0], p => sqlx::query_scalar(
        "SELECT version FROM _sqlx_migrations ORDER BY version",
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(
        applied.len() as i64,
        files,
        "each migration applied once: {applied:?}"
    );
    let mut unique = applied.clone();
    unique.dedup();
    assert_eq!(unique, applied);
    for p in pools {
        p.close().await;
    }
}

#[test]
fn a_bad_platform_file_stops_start_up_naming_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("platform.toml");
    std::fs::write(
        &file,
        "[[scope]]\nname = \"things:read\"\ndescription = \"Read things\"\n\n[[rule]]\npath = \"/v1/things\"\nscope = \"thing:read\"\n",
    )
    .unwrap();
    let err = refused(dir.path(), &[("PLATFORM_CONFIG", file.to_str().unwrap())]);
    assert!(err.contains("platform.toml: line 7"), "{err}");
    assert!(err.contains("\"thing:read\""), "{err}");
    let missing = dir.path().join("absent.toml");
    let err = refused(
        dir.path(),
        &[("PLATFORM_CONFIG", missing.to_str().unwrap())],
    );
    assert!(
        err.contains("cannot read") && err.contains("absent.toml"),
        "{err}"
    );
}
