//! SPEC §10, crash safety under mixed traffic: the real server killed with
//! SIGKILL at a random moment while clients edit the profile, save and
//! delete tokens, sign in and call the API; started again on the same files
//! each time. Afterwards every change whose answer arrived is there (a
//! deleted token is gone, a session signed in is live), SQLite passes
//! `integrity_check` and PostgreSQL's `amcheck` finds every index whole.
//! `CRASH_KILLS` sets the number of kills (3 here; `make crash` runs 20 and
//! prints what each round did).

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use account_settings::api::auth::{GetMe, Login};
use account_settings::api::tokens::{DeleteToken, GenerateToken, SaveToken};
use account_settings::on_db;
use account_settings::server::db::{Db, Pool};
use leptos::server_fn::ServerFn;
use rand::Rng;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::common::{form, PASSWORD};
use crate::database::TestDatabase;
use crate::shutdown::{serve_with, user_with_token};

/// The profile fields two clients change, one each.
const FIELDS: [&str; 2] = ["first_name", "display_name"];

/// A whole answer: the status, the head and the body. `None` when the
/// server died before all of it came.
struct Answer {
    status: u16,
    head: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or(Value::Null)
    }

    fn session_cookie(&self) -> Option<String> {
        self.head
            .lines()
            .filter(|l| l.to_ascii_lowercase().starts_with("set-cookie: session="))
            .filter_map(|l| l.get("set-cookie: session=".len()..))
            .map(|v| format!("session={}", v.split(';').next().unwrap_or_default()))
            .find(|c| c.len() > "session=".len())
    }
}

async fn send(port: u16, request: String) -> Option<Answer> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    s.write_all(request.as_bytes()).await.ok()?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await.ok()?;
    let text = String::from_utf8(buf).ok()?;
    let (head, body) = text.split_once("\r\n\r\n")?;
    let status = head.get(9..12)?.parse().ok()?;
    let length: usize = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("content-length: "))
        .and_then(|l| l.get("content-length: ".len()..))?
        .trim()
        .parse()
        .ok()?;
    (body.len() == length).then(|| Answer {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    })
}

async fn api(port: u16, token: &str, method: &str, body: &str) -> Option<Answer> {
    send(
        port,
        format!(
            "{method} /api/v1/user HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        ),
    )
    .await
}

/// A server function called as the page's script calls it.
async fn call<F: ServerFn>(port: u16, cookie: &str, args: &[(&str, &str)]) -> Option<Answer> {
    let body = form(args);
    send(
        port,
        format!(
            "POST {} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nOrigin: http://127.0.0.1:{port}\r\n\
             Cookie: {cookie}\r\nAccept: application/json\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            F::PATH,
            body.len()
        ),
    )
    .await
}

/// What one round's clients were told before the kill.
#[derive(Default)]
struct Told {
    /// Each field's last answered value.
    fields: [Mutex<Option<String>>; 2],
    /// In flight when the server died: its value may be stored instead.
    pending: [Mutex<Option<String>>; 2],
    /// Tokens whose save was answered (id), and whose delete was sent or answered.
    saved: Mutex<Vec<i64>>,
    delete_sent: Mutex<HashSet<i64>>,
    deleted: Mutex<HashSet<i64>>,
    /// Sessions whose sign-in was answered.
    sessions: Mutex<Vec<String>>,
    reads: AtomicU64,
    answers: AtomicU64,
}

fn check_status(a: &Answer, what: &str) {
    assert_eq!(a.status, 200, "{what} answered {}: {}", a.status, a.body);
}

async fn edit_profile(port: u16, token: Arc<String>, told: Arc<Told>, f: usize, round: usize) {
    for i in 0.. {
        let value = format!("r{round} n{i}");
        *told.pending[f].lock().unwrap() = Some(value.clone());
        let body = format!(r#"{{"{}":"{value}"}}"#, FIELDS[f]);
        let Some(a) = api(port, &token, "PATCH", &body).await else {
            return;
        };
        check_status(&a, "PATCH /user");
        *told.fields[f].lock().unwrap() = Some(value);
        told.answers.fetch_add(1, Ordering::Relaxed);
    }
}

async fn save_and_delete_tokens(port: u16, cookie: String, told: Arc<Told>, round: usize) {
    for i in 0.. {
        let Some(a) = call::<GenerateToken>(port, &cookie, &[]).await else {
            return;
        };
        check_status(&a, "generate");
        let secret = a.json()["secret"].as_str().unwrap().to_owned();
        let name = format!("r{round}-{i}");
        let args = [
            ("secret", secret.as_str()),
            ("name", name.as_str()),
            ("expiry", "30"),
            ("expires_on", ""),
            ("scopes", "user:read"),
        ];
        let Some(a) = call::<SaveToken>(port, &cookie, &args).await else {
            return;
        };
        check_status(&a, "save");
        let id = a.json()["id"].as_i64().unwrap();
        told.saved.lock().unwrap().push(id);
        told.answers.fetch_add(1, Ordering::Relaxed);
        // Every other token is deleted again, so the account stays under
        // its limit and deletions are in the mix.
        if i % 2 == 1 {
            told.delete_sent.lock().unwrap().insert(id);
            let Some(a) = call::<DeleteToken>(port, &cookie, &[("id", &id.to_string())]).await
            else {
                return;
            };
            check_status(&a, "delete");
            told.deleted.lock().unwrap().insert(id);
            told.answers.fetch_add(1, Ordering::Relaxed);
        }
    }
}

async fn sign_in(port: u16, told: Arc<Told>) {
    loop {
        let Some(a) = call::<Login>(port, "", &[("login", "ada"), ("password", PASSWORD)]).await
        else {
            return;
        };
        check_status(&a, "sign-in");
        told.sessions
            .lock()
            .unwrap()
            .push(a.session_cookie().expect("a session"));
        told.answers.fetch_add(1, Ordering::Relaxed);
    }
}

async fn read_api(port: u16, token: Arc<String>, told: Arc<Told>) {
    while let Some(a) = api(port, &token, "GET", "").await {
        check_status(&a, "GET /user");
        told.reads.fetch_add(1, Ordering::Relaxed);
    }
}

/// SQLite's `integrity_check`; on PostgreSQL, `amcheck` (in its own
/// contrib) checks every B-tree index of the schema against its table.
/// Either fails the test on any fault; the text says what was checked.
async fn check_integrity(db: &Db) -> String {
    match &db.pool {
        Pool::Sqlite(p) => {
            let check: String = sqlx::query_scalar("PRAGMA integrity_check")
                .fetch_one(p)
                .await
                .unwrap();
            assert_eq!(check, "ok");
            "integrity_check ok".to_owned()
        }
        Pool::Postgres(p) => {
            sqlx::query("CREATE EXTENSION IF NOT EXISTS amcheck")
                .execute(p)
                .await
                .unwrap();
            let checked: i64 = sqlx::query_scalar(
                "SELECT COUNT(bt_index_check(c.oid, true)) FROM pg_index i
                 JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
                 WHERE a.amname = 'btree' AND c.relnamespace = 'public'::regnamespace",
            )
            .fetch_one(p)
            .await
            .unwrap_or_else(|e| panic!("amcheck: {e}"));
            assert!(checked > 10, "{checked} indexes checked");
            format!("amcheck ok ({checked} indexes)")
        }
    }
}

async fn stored_fields(db: &Db) -> [String; 2] {
    let row: (String, String) = on_db!(db, p => sqlx::query_as(
        "SELECT first_name, display_name FROM users WHERE handle = 'ada'",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    [row.0, row.1]
}

async fn token_ids(db: &Db) -> HashSet<i64> {
    on_db!(db, p => sqlx::query_scalar::<_, i64>("SELECT id FROM api_tokens").fetch_all(p).await)
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn sigkill_at_random_moments_of_mixed_traffic_loses_no_answered_change() {
    let kills: usize = std::env::var("CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let database = TestDatabase::fresh(data).await;
    let url = database.url.clone();
    let token = Arc::new(user_with_token(data, &url));
    // Twenty rounds of API traffic pass the default 5,000 calls an hour.
    let env = [
        ("MAX_TOKENS_PER_USER", "100"),
        ("API_RATE_LIMIT_PER_HOUR", "0"),
    ];
    let mut rng = rand::rng();
    let mut cookie = String::new();
    let mut report = Vec::new();

    for round in 0..kills {
        let (mut server, port) = serve_with(data, &url, &env).await;
        if cookie.is_empty() {
            let a = call::<Login>(port, "", &[("login", "ada"), ("password", PASSWORD)])
                .await
                .unwrap();
            cookie = a.session_cookie().expect("signed in");
        }
        let told = Arc::new(Told::default());
        let mut clients = Vec::new();
        for f in 0..FIELDS.len() {
            clients.push(tokio::spawn(edit_profile(
                port,
                token.clone(),
                told.clone(),
                f,
                round,
            )));
        }
        clients.push(tokio::spawn(save_and_delete_tokens(
            port,
            cookie.clone(),
            told.clone(),
            round,
        )));
        clients.push(tokio::spawn(sign_in(port, told.clone())));
        clients.push(tokio::spawn(read_api(port, token.clone(), told.clone())));

        // Some work answered first, then the kill at a random moment.
        let started = std::time::Instant::now();
        while told.answers.load(Ordering::Relaxed) < 4
            && started.elapsed() < Duration::from_secs(30)
        {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let wait = rng.random_range(0..1_500);
        tokio::time::sleep(Duration::from_millis(wait)).await;
        server.kill().unwrap();
        server.wait().unwrap();
        for c in clients {
            c.await.unwrap();
        }

        let db = account_settings::server::db::connect(&url).await.unwrap();
        let integrity = check_integrity(&db).await;
        let stored = stored_fields(&db).await;
        for (f, field) in FIELDS.iter().enumerate() {
            let answered = told.fields[f].lock().unwrap().clone();
            let pending = told.pending[f].lock().unwrap().clone();
            if let Some(answered) = answered {
                assert!(
                    stored[f] == answered || Some(&stored[f]) == pending.as_ref(),
                    "round {round}: {field} is {:?}, but {answered:?} was answered",
                    stored[f]
                );
            }
        }
        let ids = token_ids(&db).await;
        let saved = told.saved.lock().unwrap().clone();
        let (sent, deleted) = (
            told.delete_sent.lock().unwrap().clone(),
            told.deleted.lock().unwrap().clone(),
        );
        for id in &saved {
            if deleted.contains(id) {
                assert!(
                    !ids.contains(id),
                    "round {round}: token {id} deleted, yet there"
                );
            } else if !sent.contains(id) {
                assert!(
                    ids.contains(id),
                    "round {round}: token {id} saved, yet gone"
                );
            }
        }
        // The next round starts under the account's token limit.
        on_db!(&db, p => sqlx::query("DELETE FROM api_tokens WHERE name LIKE 'r%-%'")
            .execute(p)
            .await
            .map(|d| d.rows_affected()))
        .unwrap();
        db.close().await;

        // Each answered sign-in's session works on the restarted server.
        let sessions = told.sessions.lock().unwrap().clone();
        let (mut server, port) = serve_with(data, &url, &env).await;
        for s in &sessions {
            let me = call::<GetMe>(port, s, &[]).await.unwrap().json();
            assert_eq!(
                me["handle"], "ada",
                "round {round}: a session signed in is live"
            );
        }
        server.kill().unwrap();
        server.wait().unwrap();

        report.push(format!(
            "round {round:>2}: killed {:>5} ms after the first answers; answered before it: \
             {:>3} profile edits, {:>2} tokens saved, {:>2} deleted, {:>2} sign-ins, {:>4} API reads; \
             {integrity}",
            wait,
            told.answers.load(Ordering::Relaxed) as usize - saved.len() - deleted.len() - sessions.len(),
            saved.len(),
            deleted.len(),
            sessions.len(),
            told.reads.load(Ordering::Relaxed),
        ));
    }
    println!("{}", report.join("\n"));
}
