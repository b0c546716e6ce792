//! The audit log at 1,000,000 events (SPEC §10: any page under 5 ms, export
//! streamed in bounded memory). Prints figures; asserts nothing about time.
//!
//! `cargo bench --features ssr --bench audit` (or `make bench-audit`).
//! `AUDIT_EVENTS` changes the number of events.
//!
//! One user, two tokens (99 % / 1 % of the API requests), one event in
//! 10,000 a token deactivation, times spread over the last 100 days. The
//! events go through the real writer; pages are read with the same function
//! the Audit Log page and the REST API use; the export goes through the real
//! router with a signed-in session.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use account_settings::model::audit::{AuditAction, AuditQuery};
use account_settings::model::time::{now, rfc3339};
use account_settings::server::audit;
use account_settings::server::config::Settings;
use account_settings::server::db;
use account_settings::server::events::NewEvent;
use account_settings::server::identity::users;
use account_settings::server::kernel::password;
use account_settings::server::run::router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request};
use http_body_util::BodyExt;
use leptos::server_fn::ServerFn;
use tower::ServiceExt;

const PASSWORD: &str = "bench password 12345678";
const ORIGIN: &str = "http://localhost:3000";

#[tokio::main]
async fn main() {
    let total: i64 = std::env::var("AUDIT_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let pool = db::connect(&format!("sqlite://{}/bench.db", dir.path().display()))
        .await
        .expect("database");
    let mut settings = Settings::defaults();
    settings.public_origin = None;
    settings.data_dir = dir.path().to_owned();
    let state = router::state(pool, settings, "target/site").expect("state");
    let app = router::build(state.clone());

    let hash = password::Hasher::new(1, 0)
        .hash(PASSWORD.to_owned())
        .await
        .expect("hash");
    let names = [String::new(), String::new(), String::new()];
    let user = users::create(
        &state.db,
        "bench",
        "bench@example.com",
        &hash,
        false,
        &names,
        |_| Vec::new(),
    )
    .await
    .expect("user");

    // Record through the real writer, oldest first.
    let start_at = now() - 100 * 86_400;
    let step = (100 * 86_400) as f64 / total as f64;
    let started = Instant::now();
    for i in 0..total {
        let (action, token) = match i {
            _ if i % 10_000 == 9_999 => (AuditAction::TokenDeactivated, 1),
            _ if i % 100 == 50 => (AuditAction::ApiRequest, 2),
            _ => (AuditAction::ApiRequest, 1),
        };
        let mut e =
            NewEvent::new(user, action).token(token, format!("token {token} (as_…{token:04})"));
        e.method = Some("GET".into());
        e.path = Some("/api/v1/user".into());
        e.status = Some(200);
        e.ip = Some("127.0.0.1".into());
        e.user_agent = Some("bench/1.0".into());
        e.at = start_at + (i as f64 * step) as i64;
        state.audit.record_api(e).await;
        if i % 20_000 == 19_999 {
            // Let the writer keep up rather than queue a million events.
            state.audit.flush().await;
        }
    }
    state.audit.flush().await;
    let took = started.elapsed();
    let size = std::fs::metadata(dir.path().join("bench.db")).map_or(0, |m| m.len())
        + std::fs::metadata(dir.path().join("bench.db-wal")).map_or(0, |m| m.len());
    println!("== audit log: {total} events ==");
    println!(
        "written through the batching writer: {:.1} s ({:.0} events/s); database {:.0} MB",
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64(),
        size as f64 / 1e6
    );

    // Pages: 50 events each, as the page shows them.
    let day = |d: i64| rfc3339(start_at + d * 86_400)[..10].to_owned();
    let middle = audit::page(&state.db, user, &AuditQuery::default(), 1)
        .await
        .expect("page")
        .events[0]
        .id
        / 2;
    let cases: Vec<(&str, AuditQuery)> = vec![
        ("newest page, no filter", AuditQuery::default()),
        (
            "page in the middle (cursor)",
            AuditQuery {
                before: Some(middle),
                ..Default::default()
            },
        ),
        (
            "oldest page (cursor)",
            AuditQuery {
                before: Some(60),
                ..Default::default()
            },
        ),
        (
            "rare action (1 in 10,000)",
            AuditQuery {
                action: "token_deactivated".into(),
                ..Default::default()
            },
        ),
        (
            "token with 1 % of events",
            AuditQuery {
                token_id: Some(2),
                ..Default::default()
            },
        ),
        (
            "token + rare action",
            AuditQuery {
                token_id: Some(1),
                action: "token_deactivated".into(),
                ..Default::default()
            },
        ),
        (
            "one day, 50 days ago",
            AuditQuery {
                from: day(50),
                to: day(50),
                ..Default::default()
            },
        ),
        (
            "date range with no events",
            AuditQuery {
                from: day(200),
                ..Default::default()
            },
        ),
        (
            "rare action in 30 days",
            AuditQuery {
                action: "token_deactivated".into(),
                from: day(20),
                to: day(50),
                ..Default::default()
            },
        ),
        (
            "token + date + cursor",
            AuditQuery {
                token_id: Some(2),
                from: day(10),
                to: day(90),
                before: Some(middle),
                ..Default::default()
            },
        ),
    ];
    println!("pages of 50 (server time of the page query; 300 reads each; target < 5 ms):");
    let mut worst = Duration::ZERO;
    for (label, q) in &cases {
        let mut times = Vec::with_capacity(300);
        let mut rows = 0;
        for _ in 0..300 {
            let t = Instant::now();
            let page = audit::page(&state.db, user, q, 50).await.expect("page");
            times.push(t.elapsed());
            rows = page.events.len();
        }
        times.sort();
        worst = worst.max(times[times.len() - 1]);
        println!(
            "  {label:<30} {rows:>3} rows   p50 {:>6.3} ms   p99 {:>6.3} ms   max {:>6.3} ms",
            ms(times[times.len() / 2]),
            ms(times[times.len() * 99 / 100]),
            ms(times[times.len() - 1])
        );
    }
    println!("  slowest single page read: {:.3} ms", ms(worst));

    // Export: the whole log as CSV through the router, body read frame by
    // frame; resident memory sampled as it streams.
    let cookie = sign_in(&app).await;
    for (format, path) in [
        ("CSV", "/settings/audit-log/export.csv"),
        ("JSON", "/settings/audit-log/export.json"),
    ] {
        let before = rss_kib();
        let mut peak = before;
        let started = Instant::now();
        let req = request(Method::GET, path, Some(&cookie), Body::empty());
        let res = app.clone().oneshot(req).await.expect("infallible");
        let status = res.status();
        let mut body = res.into_body();
        let (mut bytes, mut lines, mut frames) = (0usize, 0usize, 0usize);
        while let Some(frame) = body.frame().await {
            let frame = frame.expect("body");
            if let Some(data) = frame.data_ref() {
                bytes += data.len();
                lines += data.iter().filter(|b| **b == b'\n').count();
            }
            frames += 1;
            if frames % 50 == 0 {
                peak = peak.max(rss_kib());
            }
        }
        peak = peak.max(rss_kib());
        let took = started.elapsed().as_secs_f64();
        println!(
            "export {format} (status {status}): {lines} lines, {:.0} MB in {took:.1} s ({:.0} MB/s); \
             resident memory {:.0} MB before, peak {:.0} MB (+{:.1} MB while streaming)",
            bytes as f64 / 1e6,
            bytes as f64 / 1e6 / took,
            before as f64 / 1024.0,
            peak as f64 / 1024.0,
            (peak - before) as f64 / 1024.0
        );
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Resident memory of this process, KiB.
fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

fn request(method: Method, uri: &str, cookie: Option<&str>, body: Body) -> Request<Body> {
    let mut req = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "localhost:3000")
        .header(header::ORIGIN, ORIGIN)
        .header(header::USER_AGENT, "bench/1.0");
    if let Some(c) = cookie {
        req = req.header(header::COOKIE, c);
    }
    let mut req = req.body(body).expect("request");
    req.extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
    req
}

/// Signs in through the Login server function; returns the session cookie.
async fn sign_in(app: &axum::Router) -> String {
    let form = format!("login=bench&password={}", PASSWORD.replace(' ', "+"));
    let mut req = request(
        Method::POST,
        account_settings::api::auth::Login::PATH,
        None,
        Body::from(form),
    );
    req.headers_mut().insert(
        header::CONTENT_TYPE,
        "application/x-www-form-urlencoded".parse().expect("header"),
    );
    let res = app.clone().oneshot(req).await.expect("infallible");
    res.headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("session="))
        .and_then(|v| v.split(';').next())
        .expect("sign-in sets a session cookie")
        .to_owned()
}
