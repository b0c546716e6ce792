//! Regenerating a token (with and without a grace for the old secret), the
//! leaked-token report, and idle deactivation.

use account_settings::api::tokens::{RegenerateToken, SetTokenActive};
use account_settings::model::time::now;
use account_settings::model::time::rfc3339;
use account_settings::server::tokens;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::common::{app_error, TestApp, ALL_SCOPES};

async fn status(app: &TestApp, token: &str) -> (StatusCode, String) {
    let res = app.api(Method::GET, "/api/v1/user", token, None).await;
    let code = res.json()["error"]["code"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    (res.status, code)
}

fn last_four(secret: &str) -> &str {
    &secret[secret.len() - 4..]
}

#[tokio::test]
async fn regenerate_without_grace_stops_the_old_secret_at_once() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (old, saved) = app.create_token(&cookie, "ci", "30").await;
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(status(&app, &old).await.0, StatusCode::OK);

    let res = app
        .call::<RegenerateToken>(Some(&cookie), &[("id", &id.to_string()), ("grace", "0")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    let new = body["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(body["token"]["id"], id, "the same row");
    assert_eq!(body["token"]["name"], "ci");
    assert_eq!(body["old_valid_until"], serde_json::Value::Null);

    assert_eq!(
        status(&app, &old).await,
        (StatusCode::UNAUTHORIZED, "token_rotated".to_owned())
    );
    assert_eq!(status(&app, &new).await.0, StatusCode::OK);
    app.state.audit.flush().await;
    // The history stays with the token: both secrets' requests carry its id.
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE token_id = {id} AND action = 'api_request'"
        ))
        .await,
        2
    );
    let detail: String = app
        .scalar("SELECT detail FROM audit_events WHERE action = 'token_regenerated'")
        .await;
    assert_eq!(
        detail,
        format!("…{} → …{}", last_four(&old), last_four(&new))
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'token_rejected_rotated'")
            .await,
        1
    );
    // Secrets never reach the log.
    let texts: Vec<String> = app
        .scalars("SELECT COALESCE(detail, '') || COALESCE(token_label, '') FROM audit_events")
        .await;
    assert!(texts.iter().all(|t| !t.contains(&old) && !t.contains(&new)));
}

#[tokio::test]
async fn regenerate_with_grace_keeps_the_old_secret_until_then() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (old, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let before = now();
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/tokens/{id}/rotate"),
            &old,
            Some(r#"{"grace_seconds": 3600}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    let new = body["token"].as_str().unwrap().to_owned();
    assert_eq!(body["details"]["id"], id);
    let until = body["old_secret_valid_until"].as_str().unwrap().to_owned();
    assert!(until == rfc3339(before + 3600) || until == rfc3339(before + 3601));

    // Both work meanwhile; the old one says when it stops.
    let res = app.api(Method::GET, "/api/v1/user", &old, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.headers["token-expires-at"].to_str().unwrap(), until);
    assert_eq!(status(&app, &new).await.0, StatusCode::OK);

    // The grace ends.
    app.exec("UPDATE retired_token_secrets SET valid_until = valid_until - 3601")
        .await;
    assert_eq!(
        status(&app, &old).await,
        (StatusCode::UNAUTHORIZED, "token_rotated".to_owned())
    );
    assert_eq!(status(&app, &new).await.0, StatusCode::OK);
}

#[tokio::test]
async fn regenerate_keeps_the_lifetime_length_from_now() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (_, saved) = app.create_token(&cookie, "", "7").await;
    let id = saved["id"].as_i64().unwrap();
    // Made 5 days ago for 7 days.
    app.exec(&format!(
        "UPDATE api_tokens SET created_at = created_at - 432000, expires_at = expires_at - 432000 WHERE id = {id}"
    ))
    .await;
    let before = now();
    let res = app
        .call::<RegenerateToken>(Some(&cookie), &[("id", &id.to_string()), ("grace", "0")])
        .await;
    let expires = res.json()["token"]["expires_at"].as_i64().unwrap();
    assert!((before + 7 * 86_400..=now() + 7 * 86_400).contains(&expires));
}

#[tokio::test]
async fn regenerating_another_users_token_is_not_found() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let (ada_secret, ada_id) = app.create_token_with(&ada, ALL_SCOPES).await;
    let (bob_secret, bob_id) = app.create_token_with(&bob, ALL_SCOPES).await;
    let res = app
        .call::<RegenerateToken>(Some(&ada), &[("id", &bob_id.to_string()), ("grace", "0")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.text());
    let res = app
        .api(
            Method::POST,
            &format!("/api/v1/tokens/{bob_id}/rotate"),
            &ada_secret,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"]["code"], "not_found");
    assert_eq!(status(&app, &bob_secret).await.0, StatusCode::OK);
    let _ = ada_id;
}

#[tokio::test]
async fn expired_or_deactivated_tokens_cannot_be_regenerated() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (_, off) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let (_, gone) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let res = app
        .call::<SetTokenActive>(
            Some(&cookie),
            &[("id", &off.to_string()), ("active", "false")],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK);
    app.exec(&format!(
        "UPDATE api_tokens SET expires_at = {} WHERE id = {gone}",
        now() - 1
    ))
    .await;
    for (id, says) in [(off, "deactivated"), (gone, "expired")] {
        let res = app
            .call::<RegenerateToken>(Some(&cookie), &[("id", &id.to_string()), ("grace", "0")])
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
        assert!(res.text().contains(says), "{}", res.text());
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM retired_token_secrets")
            .await,
        0
    );
}

#[tokio::test]
async fn a_grace_beyond_seven_days_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    for body in [r#"{"grace_seconds": 604801}"#, r#"{"grace_seconds": -1}"#] {
        let res = app
            .api(
                Method::POST,
                &format!("/api/v1/tokens/{id}/rotate"),
                &secret,
                Some(body),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = app
        .call::<RegenerateToken>(
            Some(&cookie),
            &[("id", &id.to_string()), ("grace", "999999")],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "grace_seconds");
    assert_eq!(status(&app, &secret).await.0, StatusCode::OK);
}

#[tokio::test]
async fn self_rotate_renews_the_calling_token() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (old, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let res = app
        .api(Method::POST, "/api/v1/tokens/self/rotate", &old, None)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    let body = res.json();
    assert_eq!(body["details"]["id"], id);
    assert!(body["details"]["regenerated_at"].is_string());
    let new = body["token"].as_str().unwrap();
    assert_eq!(status(&app, new).await.0, StatusCode::OK);
    assert_eq!(status(&app, &old).await.1, "token_rotated");
}

async fn report(app: &TestApp, token: &str, from: &str) -> (StatusCode, String) {
    let body = serde_json::json!({ "token": token }).to_string();
    let req = Request::post("/api/v1/tokens/revoke")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", from)
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    (res.status, res.text())
}

fn behind_proxy() -> impl FnOnce(&mut account_settings::server::config::Settings) {
    |s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]
}

#[tokio::test]
async fn a_reported_token_is_deactivated_and_the_report_is_in_its_owners_log() {
    let app = TestApp::with(behind_proxy()).await;
    let cookie = app.signup("ada").await;
    let (secret, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let (code, _) = report(&app, &secret, "203.0.113.9").await;
    assert_eq!(code, StatusCode::ACCEPTED);
    assert_eq!(
        status(&app, &secret).await,
        (StatusCode::UNAUTHORIZED, "token_deactivated".to_owned())
    );
    let ip: String = app
        .scalar(&format!(
            "SELECT ip FROM audit_events WHERE action = 'token_revoked_leaked' AND token_id = {id}"
        ))
        .await;
    assert_eq!(ip, "203.0.113.9");
}

#[tokio::test]
async fn reports_answer_alike_whether_or_not_the_token_existed() {
    let app = TestApp::with(behind_proxy()).await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let unknown = account_settings::server::kernel::token_secret::PlainToken::generate("ast");
    let valid = report(&app, &secret, "198.51.100.1").await;
    let again = report(&app, &secret, "198.51.100.1").await;
    let never = report(&app, unknown.expose(), "198.51.100.1").await;
    let junk = report(&app, "ast_not-a-token", "198.51.100.1").await;
    assert_eq!(valid.0, StatusCode::ACCEPTED);
    assert_eq!(valid, again);
    assert_eq!(valid, never);
    assert_eq!(valid, junk);
    // Only the first report changed anything.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'token_revoked_leaked'")
            .await,
        1
    );
}

#[tokio::test]
async fn reports_of_an_old_secret_end_its_grace_only() {
    let app = TestApp::with(behind_proxy()).await;
    let cookie = app.signup("ada").await;
    let (old, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let res = app
        .call::<RegenerateToken>(
            Some(&cookie),
            &[("id", &id.to_string()), ("grace", "86400")],
        )
        .await;
    let new = res.json()["secret"].as_str().unwrap().to_owned();
    assert_eq!(status(&app, &old).await.0, StatusCode::OK);
    assert_eq!(
        report(&app, &old, "198.51.100.7").await.0,
        StatusCode::ACCEPTED
    );
    assert_eq!(status(&app, &old).await.1, "token_rotated");
    assert_eq!(status(&app, &new).await.0, StatusCode::OK);
}

#[tokio::test]
async fn reports_are_limited_per_address() {
    let app = TestApp::with(behind_proxy()).await;
    let limit = account_settings::server::auth::limiter::REVOKES_PER_IP;
    for _ in 0..limit {
        let unknown = account_settings::server::kernel::token_secret::PlainToken::generate("ast");
        assert_eq!(
            report(&app, unknown.expose(), "192.0.2.1").await.0,
            StatusCode::ACCEPTED
        );
    }
    let unknown = account_settings::server::kernel::token_secret::PlainToken::generate("ast");
    let body = serde_json::json!({ "token": unknown.expose() }).to_string();
    let req = Request::post("/api/v1/tokens/revoke")
        .header(header::CONTENT_TYPE, "application/json")
        .header("x-forwarded-for", "192.0.2.1")
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert_eq!(res.json()["error"]["code"], "rate_limited");
    // Another address is not held back.
    assert_eq!(
        report(&app, unknown.expose(), "192.0.2.2").await.0,
        StatusCode::ACCEPTED
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn reports_sent_at_once_get_no_more_through_than_the_limit() {
    let app = TestApp::with(behind_proxy()).await;
    let limit = account_settings::server::auth::limiter::REVOKES_PER_IP as usize;
    let tokens: Vec<_> = (0..limit + 20)
        .map(|_| account_settings::server::kernel::token_secret::PlainToken::generate("ast"))
        .collect();
    let reports = tokens
        .iter()
        .map(|t| async { report(&app, t.expose(), "192.0.2.9").await.0 });
    let statuses = futures::future::join_all(reports).await;
    let taken = statuses
        .iter()
        .filter(|s| **s == StatusCode::ACCEPTED)
        .count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((taken, refused), (limit, 20));
}

#[tokio::test]
async fn idle_tokens_are_deactivated_with_the_reason() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (used, used_id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let (idle, idle_id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    app.exec("UPDATE api_tokens SET expires_at = expires_at + 8640000")
        .await;
    assert_eq!(status(&app, &used).await.0, StatusCode::OK);
    app.state.audit.flush().await;
    let db = &app.state.db;
    let day = 86_400;
    assert_eq!(
        tokens::deactivate_idle(db, 30, now() + 29 * day)
            .await
            .unwrap(),
        0
    );
    // Forty days on, the first was used ten days ago.
    app.exec(&format!(
        "UPDATE api_tokens SET last_used_at = {} WHERE id = {used_id}",
        now() + 30 * day
    ))
    .await;
    assert_eq!(
        tokens::deactivate_idle(db, 30, now() + 40 * day)
            .await
            .unwrap(),
        1
    );
    assert_eq!(status(&app, &idle).await.1, "token_deactivated");
    assert_eq!(status(&app, &used).await.0, StatusCode::OK);
    let detail: String = app
        .scalar(&format!(
            "SELECT detail FROM audit_events WHERE action = 'token_deactivated_idle' AND token_id = {idle_id}"
        ))
        .await;
    assert_eq!(detail, "Not used for 30 days");
}
