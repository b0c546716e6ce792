//! SPEC §11, crash safety with two instances: one killed with SIGKILL while
//! clients change data through both. (One instance killed again and again
//! under mixed traffic: `kill.rs`.)

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use account_settings::on_db;
use account_settings::server::db::Db;

use crate::database::TestDatabase;
use crate::shutdown::{serve, user_with_token};

/// The four fields the clients change, one client each.
const FIELDS: [&str; 4] = ["first_name", "last_name", "display_name", "avatar_url"];

fn value(field: &str, round: usize, i: i64) -> String {
    if field == "avatar_url" {
        format!("https://example.com/{round}/{i}.png")
    } else {
        format!("r{round} n{i}")
    }
}

/// `PATCH /api/v1/user`; the status, or `None` when no whole response came.
async fn patch(port: u16, token: &str, body: &str) -> Option<u16> {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .ok()?;
    let req = format!(
        "PATCH /api/v1/user HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.ok()?;
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.ok()?;
    // A whole response: status line, headers, and the JSON body's end.
    if !buf.trim_end().ends_with('}') {
        return None;
    }
    buf.get(9..12)?.parse().ok()
}

/// Kills a server with SIGKILL (no chance to finish anything) and reaps it.
fn sigkill(server: &mut std::process::Child) {
    server.kill().unwrap();
    server.wait().unwrap();
}

/// Ada's four fields as stored (`FIELDS` order; no avatar is "").
async fn stored_fields(db: &Db) -> [String; 4] {
    let row: (String, String, String, Option<String>) = on_db!(db, p => sqlx::query_as(
        "SELECT first_name, last_name, display_name, avatar_url FROM users WHERE handle = 'ada'",
    )
    .fetch_one(p)
    .await)
    .unwrap();
    [row.0, row.1, row.2, row.3.unwrap_or_default()]
}

/// SPEC §11: two instances on one database, clients spread over both; one
/// instance is killed with SIGKILL mid-traffic. The other keeps answering,
/// and every change either answered is stored.
#[tokio::test]
async fn one_of_two_instances_killed_mid_traffic_loses_no_answered_change() {
    use std::sync::atomic::AtomicBool;

    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let database = TestDatabase::fresh(data).await;
    let url = database.url.clone();
    let token = Arc::new(user_with_token(data, &url));
    let (mut doomed, port_a) = serve(data, &url).await;
    let (mut survivor, port_b) = serve(data, &url).await;
    let killed = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let acked: Arc<[AtomicI64; 4]> = Arc::new(std::array::from_fn(|_| AtomicI64::new(-1)));
    let after_kill: Arc<[AtomicI64; 4]> = Arc::new(std::array::from_fn(|_| AtomicI64::new(0)));
    let clients: Vec<_> = (0..FIELDS.len())
        .map(|f| {
            let (token, acked, after_kill) = (token.clone(), acked.clone(), after_kill.clone());
            let (killed, stop) = (killed.clone(), stop.clone());
            tokio::spawn(async move {
                for i in 0.. {
                    // Round-robin, as a balancer without stickiness would.
                    let port = if i % 2 == 0 { port_a } else { port_b };
                    let was_killed = killed.load(Ordering::SeqCst);
                    let body = format!(r#"{{"{}":"{}"}}"#, FIELDS[f], value(FIELDS[f], 9, i));
                    match patch(port, &token, &body).await {
                        Some(200) => {
                            acked[f].store(i, Ordering::SeqCst);
                            if was_killed {
                                after_kill[f].fetch_add(1, Ordering::SeqCst);
                            }
                            if stop.load(Ordering::SeqCst) {
                                break;
                            }
                        }
                        Some(status) => panic!("PATCH answered {status}"),
                        // Only the killed instance may fail to answer.
                        None => assert_eq!(port, port_a, "the survivor failed to answer"),
                    }
                }
            })
        })
        .collect();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while acked.iter().any(|a| a.load(Ordering::SeqCst) < 6) && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    killed.store(true, Ordering::SeqCst);
    sigkill(&mut doomed);
    // The survivor goes on answering every client.
    while after_kill.iter().any(|a| a.load(Ordering::SeqCst) < 5)
        && std::time::Instant::now() < deadline
    {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::SeqCst);
    for c in clients {
        c.await.unwrap();
    }
    sigkill(&mut survivor);

    let db = account_settings::server::db::connect(&url).await.unwrap();
    let stored = stored_fields(&db).await;
    db.close().await;
    for (f, field) in FIELDS.iter().enumerate() {
        assert!(
            after_kill[f].load(Ordering::SeqCst) >= 5,
            "{field}: the survivor kept answering"
        );
        // Each client's last request was answered: that change is stored.
        let last = acked[f].load(Ordering::SeqCst);
        assert_eq!(stored[f], value(field, 9, last), "{field}");
    }
}
