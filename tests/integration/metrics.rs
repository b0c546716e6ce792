//! `GET /metrics` on `METRICS_ADDR`: requests by route pattern and status,
//! latency, token checks by outcome, rate-limit refusals, the audit queue
//! and the pool; nothing on the public address, no secret in any label.

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use tower::ServiceExt;

use account_settings::server::run::metrics;

use crate::common::{Response, TestApp, ALL_SCOPES};

async fn scrape(app: &TestApp) -> Response {
    let req = Request::get("/metrics").body(Body::empty()).unwrap();
    let res = metrics::router(app.state.clone())
        .oneshot(req)
        .await
        .expect("infallible");
    Response::read(res).await
}

/// The value of the sample line that starts with `series`.
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.parse().ok())
}

#[tokio::test]
async fn requests_token_checks_and_refusals_are_counted_by_route_pattern() {
    let app = TestApp::with(|s| {
        s.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
        s.api_rate_limit_per_hour = 2;
    })
    .await;
    let cookie = app.signup("ada").await;
    let (token, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    for _ in 0..3 {
        app.api(Method::GET, &format!("/api/v1/tokens/{id}"), &token, None)
            .await;
    }
    let wrong = format!("{token}x");
    let bad = app.api(Method::GET, "/api/v1/user", &wrong, None).await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    app.get("/no/such/page/with-a-secret-looking-name", None)
        .await;

    let res = scrape(&app).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    let text = res.text();
    let route = r#"route="/api/v1/tokens/{id}""#;
    assert_eq!(
        sample(
            &text,
            &format!(r#"http_requests_total{{{route},method="GET",status="200"}}"#)
        ),
        Some(2.0),
        "{text}"
    );
    assert_eq!(
        sample(
            &text,
            &format!(r#"http_requests_total{{{route},method="GET",status="429"}}"#)
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &text,
            &format!("http_request_duration_seconds_count{{{route}}}")
        ),
        Some(3.0)
    );
    assert_eq!(
        sample(&text, &format!("rate_limit_refusals_total{{{route}}}")),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"api_token_checks_total{outcome="ok"}"#),
        Some(2.0)
    );
    assert_eq!(
        sample(&text, r#"api_token_checks_total{outcome="rate_limited"}"#),
        Some(1.0)
    );
    assert_eq!(
        sample(&text, r#"api_token_checks_total{outcome="invalid"}"#),
        Some(1.0)
    );
    // What no route answers is counted as such, never by its path.
    assert!(text.contains(r#"route="unmatched""#));
    assert!(!text.contains("secret-looking"));
    assert!(!text.contains(&token[..12]));
    assert!(sample(&text, "audit_queue_depth").is_some());
    assert_eq!(sample(&text, "audit_events_dropped_total"), Some(0.0));
    let max = sample(&text, "db_pool_max_connections").unwrap();
    let idle = sample(&text, r#"db_pool_connections{state="idle"}"#).unwrap();
    assert!(max >= 2.0 && idle <= max, "{text}");
}

#[tokio::test]
async fn without_metrics_addr_nothing_is_counted_or_served() {
    let app = TestApp::new().await;
    assert!(app.state.metrics.is_none());
    assert_eq!(scrape(&app).await.status, StatusCode::NOT_FOUND);
    // The public address never serves it.
    let on = TestApp::with(|s| s.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let public = on.get("/metrics", None).await;
    assert!(!public.text().contains("http_requests_total"));
}

#[tokio::test]
async fn a_stopped_audit_writer_is_counted_logged_once_and_fails_the_health_check() {
    let log = crate::secrets_in_logs::Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);
    let app = TestApp::with(|s| s.metrics_addr = Some("127.0.0.1:0".parse().unwrap())).await;
    let cookie = app.signup("ada").await;
    let (token, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);

    app.state.audit.stop_writer();
    for _ in 0..100 {
        if !app.state.audit.is_alive() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let health = app.get("/healthz", None).await;
    assert_eq!(health.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(health.text(), "audit writer stopped");
    for _ in 0..3 {
        let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    }
    let text = scrape(&app).await.text();
    assert_eq!(
        sample(&text, "audit_events_dropped_total"),
        Some(3.0),
        "{text}"
    );
    let said = log.text();
    assert_eq!(
        said.matches("the audit writer has stopped").count(),
        1,
        "logged once: {said}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sign_ins_past_the_hash_queue_are_answered_503_with_retry_after_and_counted() {
    use account_settings::api::auth::Login;
    use account_settings::server::kernel::password::BUSY_RETRY_SECS;
    const TRIES: usize = 40;
    let app = TestApp::with(|s| {
        crate::common::behind_proxy(s);
        s.metrics_addr = Some("127.0.0.1:0".parse().unwrap());
        s.hash_workers = 1;
        s.hash_queue = 1;
    })
    .await;
    app.signup("ada").await;
    // Names no account has, each from an address of its own: no limit
    // holds them back, each costs a hash.
    let logins: Vec<(String, String)> = (0..TRIES)
        .map(|i| (format!("nobody-{i}"), format!("203.0.113.{}", i + 1)))
        .collect();
    let tries = logins.iter().map(|(login, ip)| async {
        app.call_from::<Login>(
            Some(ip),
            None,
            &[("login", login), ("password", "a wrong password, guessed")],
        )
        .await
    });
    let answers = futures::future::join_all(tries).await;
    let busy: Vec<&Response> = answers
        .iter()
        .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        .collect();
    let tried = answers
        .iter()
        .filter(|a| a.status == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert_eq!(tried + busy.len(), TRIES, "only 422 and 503");
    assert!(tried >= 2, "one running and one waiting are tried: {tried}");
    assert!(!busy.is_empty(), "forty at once overflow a queue of one");
    for b in &busy {
        assert_eq!(
            b.headers["retry-after"].to_str().unwrap(),
            BUSY_RETRY_SECS.to_string()
        );
        assert_eq!(b.json()["Busy"], BUSY_RETRY_SECS);
    }
    let usage = app.state.hasher.usage();
    assert_eq!((usage.peak, usage.running, usage.waiting), (1, 0, 0));
    let text = scrape(&app).await.text();
    assert_eq!(
        sample(&text, "password_hashes_refused_total"),
        Some(busy.len() as f64)
    );
    assert_eq!(sample(&text, "password_hash_workers"), Some(1.0));
    // A refused attempt was given back: only the tried ones count (three
    // keys each: the name from its source, the name, the source), and the
    // sign-up's one.
    let counted = app
        .count("SELECT CAST(COALESCE(SUM(failures), 0) AS BIGINT) FROM rate_limits")
        .await;
    assert_eq!(counted, 3 * tried as i64 + 1);
}
