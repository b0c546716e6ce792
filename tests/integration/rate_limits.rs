//! The API's rate limit per token (`API_RATE_LIMIT_PER_HOUR`): the
//! `RateLimit-*` headers on every answer, 429 with `Retry-After` past the
//! limit, one count shared by every instance on the database.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{Response, TestApp, ALL_SCOPES};

/// The three `RateLimit-*` headers of an answer, as numbers.
fn quota(res: &Response) -> (u64, u64, u64) {
    let number = |name: &str| -> u64 {
        res.headers
            .get(name)
            .unwrap_or_else(|| panic!("no {name} on a {} answer", res.status))
            .to_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    (
        number("ratelimit-limit"),
        number("ratelimit-remaining"),
        number("ratelimit-reset"),
    )
}

#[tokio::test]
async fn a_token_gets_its_hour_then_429_with_retry_after() {
    let app = TestApp::with(|s| s.api_rate_limit_per_hour = 3).await;
    let cookie = app.signup("ada").await;
    let (token, token_id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let (other, _) = app.create_token_with(&cookie, ALL_SCOPES).await;

    let mut remaining = Vec::new();
    for _ in 0..3 {
        let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        let (limit, left, reset) = quota(&res);
        assert_eq!(limit, 3);
        assert!((1..=3600).contains(&reset), "reset in {reset} s");
        remaining.push(left);
    }
    assert_eq!(remaining, [2, 1, 0]);

    let refused = app.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(refused.status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refused.json()["error"]["code"], "rate_limited");
    let (limit, left, reset) = quota(&refused);
    assert_eq!((limit, left), (3, 0));
    let retry: u64 = refused.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(retry, reset);
    // A refused request does nothing: a write is refused before it runs.
    let patch = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            &token,
            Some(r#"{"display_name": "Changed"}"#),
        )
        .await;
    assert_eq!(patch.status, StatusCode::TOO_MANY_REQUESTS);
    assert_ne!(app.me(&cookie).await["display_name"], "Changed");

    // The limit is the token's: the user's other token still works.
    let res = app.api(Method::GET, "/api/v1/user", &other, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(quota(&res).1, 2);

    // The refusals are in the audit log with their status; only the
    // requests let through count.
    app.state.audit.flush().await;
    let statuses: Vec<i64> = app
        .scalars(&format!(
            "SELECT status FROM audit_events WHERE token_id = {token_id} AND method IS NOT NULL ORDER BY id"
        ))
        .await;
    assert_eq!(statuses, [200, 200, 200, 429, 429]);
    let used: i64 = app
        .scalar(&format!(
            "SELECT rate_used FROM api_tokens WHERE id = {token_id}"
        ))
        .await;
    assert_eq!(used, 3);
}

#[tokio::test]
async fn refusals_to_a_valid_token_carry_the_headers_and_count() {
    let app = TestApp::with(|s| s.api_rate_limit_per_hour = 10).await;
    let cookie = app.signup("ada").await;
    let (all, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let (read_only, _) = app.create_token_with(&cookie, "user:read").await;
    let forbidden = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            &read_only,
            Some(r#"{"display_name": "X"}"#),
        )
        .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(quota(&forbidden).1, 9);
    let missing = app
        .api(Method::GET, "/api/v1/tokens/999999", &all, None)
        .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(quota(&missing).1, 9);
    let invalid = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            &all,
            Some(r#"{"first_name": 5}"#),
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(quota(&invalid), (10, 8, quota(&invalid).2));
}

#[tokio::test]
async fn instances_share_one_count() {
    let first = TestApp::with(|s| s.api_rate_limit_per_hour = 4).await;
    let second = first.second_instance().await;
    let cookie = first.signup("ada").await;
    let (token, _) = first.create_token_with(&cookie, ALL_SCOPES).await;
    let mut seen = Vec::new();
    for (app, n) in [(&first, 2), (&second, 2)] {
        for _ in 0..n {
            let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
            assert_eq!(res.status, StatusCode::OK);
            seen.push(quota(&res).1);
        }
        // The instance's audit writer writes its count with its batch.
        app.state.audit.flush().await;
    }
    assert_eq!(seen, [3, 2, 1, 0]);
    // The first instance let through only two and answers from its token
    // cache: it learns the total with its writer's next batch, so at most
    // what it lets through until then goes past the limit.
    let early = first.api(Method::GET, "/api/v1/user", &token, None).await;
    first.state.audit.flush().await;
    let res = first.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(
        res.status,
        StatusCode::TOO_MANY_REQUESTS,
        "after {}",
        early.status
    );
    assert_eq!(quota(&res).1, 0);
}

#[tokio::test]
async fn zero_means_no_limit_and_no_headers() {
    let app = TestApp::with(|s| s.api_rate_limit_per_hour = 0).await;
    let cookie = app.signup("ada").await;
    let (token, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    for _ in 0..20 {
        let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.headers.get("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn the_document_lists_the_limit_on_every_route_that_takes_a_token() {
    let app = TestApp::new().await;
    let doc: Value = app.get("/api/v1/openapi.json", None).await.json();
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let takes_token = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let responses = &op["responses"];
            if !takes_token {
                assert!(responses.get("429").is_none() || path == "/api/v1/tokens/revoke");
                continue;
            }
            let refused = &responses["429"];
            assert_eq!(
                refused["content"]["application/json"]["schema"]["$ref"],
                "#/components/schemas/ErrorBody",
                "{method} {path}"
            );
            assert!(
                refused["headers"]["Retry-After"].is_object(),
                "{method} {path}"
            );
            let ok = responses
                .as_object()
                .unwrap()
                .iter()
                .find(|(status, _)| status.starts_with('2'))
                .unwrap_or_else(|| panic!("{method} {path} has no success"))
                .1;
            for h in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
                assert!(ok["headers"][h].is_object(), "{method} {path} lacks {h}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "the authenticated operations");
}
