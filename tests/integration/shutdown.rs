//! The real binary: the CLI creates a user and a token, the server answers
//! API calls, and a SIGTERM writes every queued audit event before exit.
//! The helpers here also serve the crash test (`crash.rs`).

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use account_settings::model::time::now;
use account_settings::server::db::Lock;
use account_settings::{on_db, on_tx};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::database::TestDatabase;

pub const BIN: &str = env!("CARGO_BIN_EXE_account-settings");

/// The server key the tests' PostgreSQL instances share.
pub const TEST_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

pub fn cli(data: &std::path::Path, url: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(BIN)
        .args(args)
        .env("DATA_DIR", data)
        .env("DATABASE_URL", url)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("binary runs");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

async fn get(port: u16, path: &str, token: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    buf
}

/// Creates the user `ada` and a token for her with the CLI; returns the token.
pub fn user_with_token(data: &std::path::Path, url: &str) -> String {
    cli(
        data,
        url,
        &[
            "user",
            "create",
            "--handle",
            "ada",
            "--email",
            "ada@example.com",
        ],
        Some("correct horse battery staple\n"),
    );
    cli(
        data,
        url,
        &["token", "issue", "--handle", "ada", "--name", "ci"],
        None,
    )
}

/// Starts `serve` on a free port and waits until it accepts connections.
pub async fn serve(data: &std::path::Path, url: &str) -> (std::process::Child, u16) {
    serve_with(data, url, &[]).await
}

/// [`serve`] with more environment.
pub async fn serve_with(
    data: &std::path::Path,
    url: &str,
    env: &[(&str, &str)],
) -> (std::process::Child, u16) {
    serve_logging(data, url, env, Stdio::null()).await
}

/// [`serve_with`], its log written to `log`.
pub async fn serve_logging(
    data: &std::path::Path,
    url: &str,
    env: &[(&str, &str)],
    log: Stdio,
) -> (std::process::Child, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut server = Command::new(BIN)
        .arg("serve")
        .env("DATA_DIR", data)
        .env("LISTEN_ADDR", format!("127.0.0.1:{port}"))
        .env("DATABASE_URL", url)
        .envs(
            url.starts_with("postgres")
                .then_some(("SECRET_KEY", TEST_KEY)),
        )
        .envs(env.iter().copied())
        .stderr(log)
        .spawn()
        .unwrap();
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return (server, port);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = server.kill();
    let _ = server.wait();
    panic!("server did not start");
}

#[tokio::test]
async fn sigterm_writes_queued_audit_events_before_exit() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let database = TestDatabase::fresh(data).await;
    let token = user_with_token(data, &database.url);
    assert!(
        token.starts_with("ast_") && token.len() == 40,
        "one token printed: {token}"
    );
    let (mut server, port) = serve(data, &database.url).await;
    let db = account_settings::server::db::connect(&database.url)
        .await
        .unwrap();
    let count = "SELECT COUNT(*) FROM audit_events WHERE action = 'api_request'";

    // The test holds the lock the audit writer takes, so the events of
    // these calls stay queued in the server until after the SIGTERM.
    let mut held = db.begin_locked(Lock::Audit).await.unwrap();
    let started = now();
    const CALLS: usize = 40;
    for _ in 0..CALLS {
        let res = get(port, "/api/v1/user", &token).await;
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    }
    let written: i64 =
        on_tx!(&mut held, c => sqlx::query_scalar(count).fetch_one(c).await).unwrap();
    assert_eq!(written, 0, "nothing written while the lock is held");
    let status = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        server.try_wait().unwrap().is_none(),
        "the server waits for its queue to be written"
    );
    held.commit().await.unwrap();
    let exit = tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(exit.success(), "clean exit on SIGTERM: {exit:?}");

    let logged: i64 = on_db!(&db, p => sqlx::query_scalar(count).fetch_one(p).await).unwrap();
    assert_eq!(logged as usize, CALLS);
    let used: Option<i64> =
        on_db!(&db, p => sqlx::query_scalar("SELECT last_used_at FROM api_tokens")
            .fetch_one(p)
            .await)
        .unwrap();
    let used = used.expect("the token's last use written with the events");
    assert!(used >= started && used <= now(), "{used} from {started}");
    db.close().await;
}
