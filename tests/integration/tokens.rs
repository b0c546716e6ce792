//! The token lifecycle through the server functions and the REST API.

use account_settings::api::tokens::{
    DeleteToken, GenerateToken, ListTokens, SaveToken, SetTokenActive,
};
use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{app_error, reason, TestApp};

async fn user_status(app: &TestApp, token: &str) -> (StatusCode, Value) {
    let res = app.api(Method::GET, "/api/v1/user", token, None).await;
    let body = res.json();
    (res.status, body)
}

#[tokio::test]
async fn token_lifecycle_create_use_deactivate_activate_expire_delete() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, saved) = app.create_token(&cookie, "ci", "30").await;
    let id = saved["id"].as_i64().unwrap();
    assert_eq!(saved["name"], "ci");
    assert_eq!(saved["last_four"], &secret[secret.len() - 4..]);

    // Valid: the API answers as the user, and says when the token expires.
    let res = app.api(Method::GET, "/api/v1/user", &secret, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["handle"], "ada");
    let expires = res
        .headers
        .get("token-expires-at")
        .expect("Token-Expires-At")
        .to_str()
        .unwrap();
    assert!(expires.ends_with('Z') && expires.contains('T'), "{expires}");

    // Deactivated: refused at once.
    let id_s = id.to_string();
    let res = app
        .call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (status, body) = user_status(&app, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "token_deactivated");

    // Activated again.
    app.call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "true")])
        .await;
    assert_eq!(user_status(&app, &secret).await.0, StatusCode::OK);

    // Expired: refused, and cannot be activated again.
    let past = account_settings::model::time::now() - 1;
    app.exec(&format!("UPDATE api_tokens SET expires_at = {past}"))
        .await;
    let (status, body) = user_status(&app, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "token_expired");
    let list = app.call::<ListTokens>(Some(&cookie), &[]).await.json();
    assert_eq!(
        list["tokens"].as_array().unwrap().len(),
        1,
        "expired tokens stay listed"
    );
    app.call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "false")])
        .await;
    let res = app
        .call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "true")])
        .await;
    assert_eq!(reason(&res), "token_expired");

    // Deleted: unknown from then on.
    let res = app
        .call::<DeleteToken>(Some(&cookie), &[("id", &id_s)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (status, body) = user_status(&app, &secret).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"]["code"], "invalid_token");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
}

#[tokio::test]
async fn only_the_hash_is_stored() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "7").await;
    let row: (Vec<u8>, String, String) =
        account_settings::on_db!(&app.state.db, p => sqlx::query_as(
            "SELECT token_hash, prefix, last_four FROM api_tokens",
        )
        .fetch_one(p)
        .await)
        .unwrap();
    use sha2::Digest;
    assert_eq!(row.0, sha2::Sha256::digest(secret.as_bytes()).to_vec());
    assert_eq!(row.1, "ast");
    assert_eq!(row.2, &secret[secret.len() - 4..]);
    // No column anywhere holds the secret.
    let dump: Vec<String> = app
        .scalars("SELECT COALESCE(token_label,'') || COALESCE(detail,'') FROM audit_events")
        .await;
    assert!(dump.iter().all(|d| !d.contains(&secret[4..])));
}

#[tokio::test]
async fn save_without_generate_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    // A well-formed token the server never generated.
    let forged = account_settings::server::kernel::token_secret::PlainToken::generate("ast");
    let res = app
        .call::<SaveToken>(
            Some(&cookie),
            &[
                ("secret", forged.expose()),
                ("name", ""),
                ("expiry", "30"),
                ("expires_on", ""),
                ("scopes", "user:read"),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "secret");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
}

#[tokio::test]
async fn generated_token_is_not_valid_until_saved_and_saves_once() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let secret = app.call::<GenerateToken>(Some(&cookie), &[]).await.json()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(user_status(&app, &secret).await.0, StatusCode::UNAUTHORIZED);
    let args = [
        ("secret", secret.as_str()),
        ("name", ""),
        ("expiry", "30"),
        ("expires_on", ""),
        ("scopes", "user:read"),
    ];
    assert_eq!(
        app.call::<SaveToken>(Some(&cookie), &args).await.status,
        StatusCode::OK
    );
    let again = app.call::<SaveToken>(Some(&cookie), &args).await;
    assert_eq!(app_error(&again)["Invalid"]["field"], "secret");
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 1);
}

#[tokio::test]
async fn generated_token_of_another_session_cannot_be_saved() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let secret = app.call::<GenerateToken>(Some(&ada), &[]).await.json()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let res = app
        .call::<SaveToken>(
            Some(&bob),
            &[
                ("secret", &secret),
                ("name", ""),
                ("expiry", "30"),
                ("expires_on", ""),
                ("scopes", "user:read"),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "secret");
}

#[tokio::test]
async fn limit_of_two_holds_under_twenty_concurrent_saves() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    // Twenty sessions, each with a generated token, saved all at once.
    let mut pending = Vec::new();
    for _ in 0..20 {
        let cookie = app
            .login("ada", crate::common::PASSWORD)
            .await
            .session_cookie()
            .unwrap();
        let secret = app.call::<GenerateToken>(Some(&cookie), &[]).await.json()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        pending.push((cookie, secret));
    }
    let app = &app;
    let saves = pending
        .iter()
        .map(|(cookie, secret)| app.save_token(cookie, secret, "", "30"));
    let results = futures::future::join_all(saves).await;
    let ok = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(ok, 2);
    for r in results.iter().filter(|r| r.status != StatusCode::OK) {
        assert_eq!(reason(r), "token_limit");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 2);
    // The refused ones keep their generated token for a later retry.
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_tokens").await, 18);
}

#[tokio::test]
async fn at_limit_generate_is_refused_and_every_token_counts() {
    let app = TestApp::with(|s| s.policy.max_per_user = 1).await;
    let cookie = app.signup("ada").await;
    let (_, saved) = app.create_token(&cookie, "", "30").await;
    // Deactivated still counts.
    let id = saved["id"].as_i64().unwrap().to_string();
    app.call::<SetTokenActive>(Some(&cookie), &[("id", &id), ("active", "false")])
        .await;
    let res = app.call::<GenerateToken>(Some(&cookie), &[]).await;
    assert_eq!(reason(&res), "token_limit");
    // Deleting frees the place.
    app.call::<DeleteToken>(Some(&cookie), &[("id", &id)]).await;
    assert_eq!(
        app.call::<GenerateToken>(Some(&cookie), &[]).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn other_users_token_is_not_found_for_every_action() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let (ada_secret, saved) = app.create_token(&ada, "", "30").await;
    let (bob_secret, _) = app.create_token(&bob, "", "30").await;
    let id = saved["id"].as_i64().unwrap().to_string();
    for res in [
        app.call::<SetTokenActive>(Some(&bob), &[("id", &id), ("active", "false")])
            .await,
        app.call::<DeleteToken>(Some(&bob), &[("id", &id)]).await,
    ] {
        assert_eq!(app_error(&res)["NotFound"], "Token");
    }
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &bob_secret,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"]["code"], "not_found");
    // Ada's token still works.
    assert_eq!(user_status(&app, &ada_secret).await.0, StatusCode::OK);
    let bob_list = app
        .api(Method::GET, "/api/v1/tokens", &bob_secret, None)
        .await
        .json();
    assert_eq!(bob_list.as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn expiry_choices_and_policy() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let generate = || app.call::<GenerateToken>(Some(&cookie), &[]);
    let secret = generate().await.json()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for (expiry, on, field) in [
        ("never", "", "expiry"),
        ("45", "", "expiry"),
        ("custom", "2001-01-01", "expires_on"),
        ("custom", "soon", "expires_on"),
    ] {
        let res = app
            .call::<SaveToken>(
                Some(&cookie),
                &[
                    ("secret", &secret),
                    ("name", ""),
                    ("expiry", expiry),
                    ("expires_on", on),
                    ("scopes", "user:read"),
                ],
            )
            .await;
        assert_eq!(app_error(&res)["Invalid"]["field"], field, "{expiry} {on}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
    // A custom date within the year works and ends with that day.
    let date = account_settings::model::time::format_date(
        account_settings::model::time::now() + 10 * 86_400,
    );
    let res = app
        .call::<SaveToken>(
            Some(&cookie),
            &[
                ("secret", &secret),
                ("name", ""),
                ("expiry", "custom"),
                ("expires_on", &date),
                ("scopes", "user:read"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let expires = res.json()["expires_at"].as_i64().unwrap();
    assert_eq!(expires % 86_400, 86_399);
}

#[tokio::test]
async fn non_expiring_tokens_when_operator_allows() {
    let app = TestApp::with(|s| s.policy.allow_non_expiring = true).await;
    let cookie = app.signup("ada").await;
    let (secret, saved) = app.create_token(&cookie, "", "never").await;
    assert_eq!(saved["expires_at"], Value::Null);
    let res = app.api(Method::GET, "/api/v1/user", &secret, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(res.headers.get("token-expires-at").is_none());
}

#[tokio::test]
async fn disabled_user_tokens_are_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    app.exec("UPDATE users SET disabled = TRUE").await;
    assert_eq!(user_status(&app, &secret).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(app.me(&cookie).await, Value::Null);
}

#[tokio::test]
async fn a_deleted_tokens_id_is_never_given_to_the_next_one() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (_, first) = app.create_token(&cookie, "first", "30").await;
    let first_id = first["id"].as_i64().unwrap();
    let res = app
        .call::<DeleteToken>(Some(&cookie), &[("id", &first_id.to_string())])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Its audit history names its id; a new token must not inherit it.
    let (_, second) = app.create_token(&cookie, "second", "30").await;
    assert!(second["id"].as_i64().unwrap() > first_id);
}

#[test]
fn a_token_being_saved_never_shows_in_debug_output() {
    let args = SaveToken {
        secret: "ast_secretsecretsecret".to_owned().into(),
        name: "ci".into(),
        expiry: "30".into(),
        expires_on: String::new(),
        scopes: "user:read".into(),
    };
    let shown = format!("{args:?}");
    assert!(shown.contains("ci"), "{shown}");
    assert!(!shown.contains("secretsecret"), "{shown}");
}
