//! Forward auth through a real nginx (`auth_request`), to two instances on
//! PostgreSQL and to one on SQLite, with the rules of
//! `tests/balanced/platform.toml`: the service behind it sees who the token
//! belongs to and never the token; a rule's scope is asked for; each §4
//! refusal is a 401 with `WWW-Authenticate`; the hourly limit answers 429;
//! a token deactivated or deleted on either instance is refused within a
//! second on both.

use std::time::{Duration, Instant};

use account_settings::api::tokens::{DeleteToken, SetTokenActive};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::{Response, TestApp};

async fn get(platform: &TestApp, path: &str, token: Option<&str>) -> Response {
    let mut req = Request::get(path);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    platform.send(req.body(Body::empty()).unwrap()).await
}

async fn things(platform: &TestApp, token: Option<&str>) -> Response {
    get(platform, "/v1/things?page=2", token).await
}

/// Sends `token` until it is refused (401); fails after a second.
async fn refused_within_a_second(platform: &TestApp, token: &str, passed: &mut usize) {
    let start = Instant::now();
    loop {
        let res = things(platform, Some(token)).await;
        if res.status == StatusCode::UNAUTHORIZED {
            return;
        }
        assert_eq!(res.status, StatusCode::OK);
        *passed += 1;
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "still accepted after 1 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn nginx_in_front_of_two_instances_on_postgres() {
    let ([a, b], platform) = crate::instances::two_and_platform(40).await;
    through_nginx(&a, &b, &platform).await;
}

#[tokio::test]
async fn nginx_in_front_of_one_instance_on_sqlite() {
    let ([a, b], platform) = crate::instances::sqlite_and_platform(40).await;
    through_nginx(&a, &b, &platform).await;
}

/// The owner let through, the token kept from the service, the rule's
/// scope, each refusal, and a token stopped through `b` refused through
/// the balancer within a second.
async fn through_nginx(a: &TestApp, b: &TestApp, platform: &TestApp) {
    let ada = a.signup("ada").await;
    let (token, saved) = a.create_token(&ada, "gateway", "30").await;
    let id = saved["id"].as_i64().unwrap();
    let id_s = id.to_string();
    let user_id: i64 = a.scalar("SELECT id FROM users WHERE handle = 'ada'").await;
    // Checks of this token that were answered 200 or 403: each is an event.
    let mut checked = 0;

    // Each refusal of §4 is a 401 with WWW-Authenticate (nginx answers
    // with a page of its own, and copies the header).
    let refused = |res: Response| {
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert!(
            res.headers[header::WWW_AUTHENTICATE]
                .to_str()
                .unwrap()
                .starts_with("Bearer"),
            "{:?}",
            res.headers
        );
    };
    refused(things(platform, None).await);
    refused(things(platform, Some("ast_not_a_token")).await);
    let (old, old_id) = a.create_token_with(&ada, "user:read tokens:write").await;
    a.exec(&format!(
        "UPDATE api_tokens SET expires_at = 1 WHERE id = {old_id}"
    ))
    .await;
    refused_within_a_second(platform, &old, &mut 0).await;
    a.exec(&format!(
        "UPDATE api_tokens SET expires_at = NULL WHERE id = {old_id}"
    ))
    .await;
    // Changed by another process: seen within moments.
    let start = Instant::now();
    while things(platform, Some(&old)).await.status != StatusCode::OK {
        assert!(start.elapsed() < Duration::from_secs(1), "still expired");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let res = a
        .api(
            axum::http::Method::POST,
            "/api/v1/tokens/self/rotate",
            &old,
            Some(r#"{"grace_seconds": 0}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    refused_within_a_second(platform, &old, &mut 0).await;
    refused(things(platform, Some(&old)).await);
    a.exec(&format!("DELETE FROM api_tokens WHERE id = {old_id}"))
        .await;
    let res = things(platform, Some(&token)).await;
    checked += 1;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let text = res.text();
    assert!(
        text.starts_with(&format!("user={user_id} handle=ada scopes=")),
        "{text}"
    );
    assert!(text.contains("user:read"), "{text}");
    // The token itself stays with nginx.
    assert!(text.trim_end().ends_with("auth=[]"), "{text}");
    // A client's own identity headers never reach the service.
    let req = Request::get("/v1/things")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-auth-user-id", "999999")
        .header("x-auth-handle", "root")
        .body(Body::empty())
        .unwrap();
    let text = platform.send(req).await.text();
    checked += 1;
    assert!(
        text.starts_with(&format!("user={user_id} handle=ada ")),
        "{text}"
    );

    // The platform's rule: /v1/admin needs things:admin.
    let res = get(platform, "/v1/admin/users", Some(&token)).await;
    checked += 1;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    let (admin, _) = a.create_token_with(&ada, "user:read things:admin").await;
    let res = get(platform, "/v1/admin/users", Some(&admin)).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(
        res.text().contains("scopes=user:read things:admin "),
        "{}",
        res.text()
    );

    // Round-robin: the next requests reach the other instance too.
    for _ in 0..4 {
        assert_eq!(things(platform, Some(&token)).await.status, StatusCode::OK);
        checked += 1;
    }
    let res = b
        .call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    refused_within_a_second(platform, &token, &mut checked).await;
    for _ in 0..4 {
        assert_eq!(
            things(platform, Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    b.call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "true")])
        .await;
    assert_eq!(things(platform, Some(&token)).await.status, StatusCode::OK);
    checked += 1;
    let res = a.call::<DeleteToken>(Some(&ada), &[("id", &id_s)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    refused_within_a_second(platform, &token, &mut checked).await;
    for _ in 0..4 {
        assert_eq!(
            things(platform, Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }

    // Each check is in Ada's log with the service's host and path.
    // (Written by each instance's audit writer within moments.)
    let mut hosts: Vec<String> = Vec::new();
    for _ in 0..50 {
        hosts = a
            .scalars(&format!(
                "SELECT host || ' ' || method || ' ' || path FROM audit_events
                 WHERE user_id = {user_id} AND action = 'api_request' AND token_id = {id}"
            ))
            .await;
        if hosts.len() >= checked {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(hosts.len(), checked, "{hosts:?}");
    let port = platform_port(&hosts[0]);
    assert!(
        hosts
            .iter()
            .all(|h| h == &format!("127.0.0.1:{port} GET /v1/things")
                || h == &format!("127.0.0.1:{port} GET /v1/admin/users")),
        "{hosts:?}"
    );
}

#[tokio::test]
async fn a_token_past_its_hourly_limit_gets_429_with_retry_after_through_nginx() {
    let ([a, _], platform) = crate::instances::two_and_platform(40).await;
    past_the_limit(&a, &platform).await;
    let ([a, _], platform) = crate::instances::sqlite_and_platform(40).await;
    past_the_limit(&a, &platform).await;
}

async fn past_the_limit(a: &TestApp, platform: &TestApp) {
    let ada = a.signup("ada").await;
    let (token, _) = a.create_token(&ada, "", "30").await;
    let mut passed = 0;
    let limited = loop {
        let res = things(platform, Some(&token)).await;
        if res.status != StatusCode::OK {
            break res;
        }
        passed += 1;
        assert!(passed <= 60, "never limited");
    };
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    // Two instances share the count: each may let through what it has not
    // learnt of the other's yet (a batch of its writer), never less.
    assert!((40..=60).contains(&passed), "{passed} passed");
    let retry: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=3600).contains(&retry), "{retry}");
}

fn platform_port(row: &str) -> &str {
    row.split(' ')
        .next()
        .and_then(|h| h.rsplit(':').next())
        .unwrap_or_default()
}
