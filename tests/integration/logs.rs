//! The real binary's log with `LOG_FORMAT=json`: one JSON object a line,
//! each request's line carrying its span (id, method, route, path, status),
//! and no secret anywhere in it.

use std::process::Command;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::database::TestDatabase;
use crate::shutdown::{serve_logging, user_with_token};

/// Sends `request` (its Host added) and returns the answer as text.
async fn exchange(port: u16, request: &str) -> String {
    let mut s = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let request = request.replacen("\r\n", &format!("\r\nHost: 127.0.0.1:{port}\r\n"), 1);
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = String::new();
    s.read_to_string(&mut buf).await.unwrap();
    buf
}

fn request_id(answer: &str) -> String {
    answer
        .lines()
        .find_map(|l| l.strip_prefix("x-request-id: "))
        .expect("an X-Request-Id")
        .trim()
        .to_owned()
}

#[tokio::test]
async fn json_logs_carry_each_requests_span_and_no_secret() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let database = TestDatabase::fresh(data).await;
    let token = user_with_token(data, &database.url);
    let log_path = data.join("server.log");
    let (mut server, port) = serve_logging(
        data,
        &database.url,
        &[
            ("LOG_FORMAT", "json"),
            ("RUST_LOG", "info,account_settings=trace"),
        ],
        std::fs::File::create(&log_path).unwrap().into(),
    )
    .await;

    let api = exchange(
        port,
        &format!(
            "GET /api/v1/user HTTP/1.1\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
        ),
    )
    .await;
    assert!(api.starts_with("HTTP/1.1 200"), "{api}");
    const WRONG: &str = "a-wrong-password-that-is-secret";
    let body = format!("login=ada&password={WRONG}");
    let login = exchange(
        port,
        &format!(
            "POST {} HTTP/1.1\r\nOrigin: http://127.0.0.1:{port}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\n\r\n{body}",
            <account_settings::api::auth::Login as leptos::server_fn::ServerFn>::PATH,
            body.len()
        ),
    )
    .await;
    assert!(
        login.contains("Invalid email, handle or password"),
        "{login}"
    );
    let missing = exchange(
        port,
        "GET /api/v1/tokens/12345 HTTP/1.1\r\nConnection: close\r\n\r\n",
    )
    .await;

    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    tokio::task::spawn_blocking(move || server.wait())
        .await
        .unwrap()
        .unwrap();
    let log = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let answered = |id: &str| -> Value {
        lines
            .iter()
            .find(|l| l["fields"]["message"] == "answered" && l["span"]["id"] == id)
            .unwrap_or_else(|| panic!("no answered line for {id} in\n{log}"))
            .clone()
    };
    let line = answered(&request_id(&api));
    assert_eq!(line["span"]["method"], "GET");
    assert_eq!(line["span"]["route"], "/api/v1/user");
    assert_eq!(line["span"]["path"], "/api/v1/user");
    assert_eq!(line["fields"]["status"], 200);
    assert_eq!(line["span"]["status"], 200, "the span has the status too");
    let line = answered(&request_id(&login));
    assert_eq!(line["span"]["method"], "POST");
    assert_eq!(line["fields"]["status"], 422);
    let line = answered(&request_id(&missing));
    assert_eq!(line["span"]["route"], "/api/v1/tokens/{id}");
    assert_eq!(line["fields"]["status"], 401);
    for secret in [token.as_str(), WRONG, &token[4..]] {
        assert!(!log.contains(secret), "a secret is in the log");
    }
}
