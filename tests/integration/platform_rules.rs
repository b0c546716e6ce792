//! The operator's platform file (`PLATFORM_CONFIG`): its scopes in the
//! token form, on tokens and at `GET /api/v1/scopes`, and its rules at
//! `/auth/verify`.

use std::sync::Arc;

use account_settings::server::config::platform;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::common::{app_error, Response, TestApp};

const FILE: &str = r#"
[[scope]]
name = "things:read"
description = "Read the things"

[[scope]]
name = "things:write"
description = "Create and delete things"

[[rule]]
path = "/v1/things"
scope = "things:read"

[[rule]]
path = "/v1/things"
methods = ["POST", "DELETE"]
scope = "things:write"

[[rule]]
host = "admin.example.com"
path = "/"
scope = "user:write"
"#;

async fn app_with(file: &str) -> TestApp {
    let parsed = Arc::new(platform::parse(file).expect("the file parses"));
    TestApp::with(move |s| s.platform = parsed).await
}

/// nginx's check of `method` `uri` on `host` with `token`.
async fn check(app: &TestApp, token: &str, method: &str, host: &str, uri: &str) -> Response {
    let req = Request::builder()
        .uri("/auth/verify")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-original-method", method)
        .header("x-original-uri", uri)
        .header("host", host)
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

#[tokio::test]
async fn the_rules_ask_each_request_for_its_scope() {
    let app = app_with(FILE).await;
    let ada = app.signup("ada").await;
    let (reader, _) = app.create_token_with(&ada, "user:read things:read").await;
    let (writer, _) = app
        .create_token_with(&ada, "things:write things:read")
        .await;
    let api = "api.example.com";

    let ok = check(&app, &reader, "GET", api, "/v1/things/9?page=2").await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.text());
    assert_eq!(ok.headers["x-auth-scopes"], "user:read things:read");

    // The longest rule with the method wins: writing needs things:write.
    let refused = check(&app, &reader, "DELETE", api, "/v1/things/9").await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        refused.headers[header::WWW_AUTHENTICATE],
        r#"Bearer error="insufficient_scope", scope="things:write""#
    );
    assert_eq!(refused.json()["error"]["code"], "insufficient_scope");
    assert!(refused.headers.contains_key("ratelimit-remaining"));
    let ok = check(&app, &writer, "DELETE", api, "/v1/things/9").await;
    assert_eq!(ok.status, StatusCode::OK);
    assert_eq!(ok.headers["x-auth-scopes"], "things:read things:write");

    // A path read as the service reads it: up and out of /v1/things is
    // not under its rule.
    let out = check(&app, &writer, "GET", api, "/v1/things/..%2F..%2Fv2/admin").await;
    assert_eq!(out.status, StatusCode::FORBIDDEN);
    assert_eq!(out.json()["error"]["code"], "forbidden");
    let unreadable = check(&app, &writer, "GET", api, "/v1/things/%FF").await;
    assert_eq!(unreadable.status, StatusCode::BAD_REQUEST);

    // No rule: refused by default.
    let none = check(&app, &writer, "GET", api, "/v2/other").await;
    assert_eq!(none.status, StatusCode::FORBIDDEN);
    // The host's rule asks for a built-in scope.
    let admin = check(&app, &reader, "GET", "admin.example.com:8443", "/x").await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.json()["error"]["message"],
        "This token lacks the user:write scope."
    );

    // Each check is an event with its answer.
    app.state.audit.flush().await;
    let statuses: Vec<i64> = app
        .scalars("SELECT status FROM audit_events WHERE host IS NOT NULL ORDER BY id")
        .await;
    assert_eq!(statuses, [200, 403, 200, 403, 403, 403]);
}

#[tokio::test]
async fn allow_any_scope_lets_unmatched_requests_through() {
    let app = app_with(&format!("default = \"allow-any-scope\"\n{FILE}")).await;
    let ada = app.signup("ada").await;
    let (reader, _) = app.create_token_with(&ada, "user:read").await;
    let res = check(&app, &reader, "GET", "api.example.com", "/v2/other").await;
    assert_eq!(res.status, StatusCode::OK);
    let res = check(&app, &reader, "GET", "api.example.com", "/v1/things").await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_platforms_scopes_are_offered_listed_and_checked_on_saving() {
    let app = app_with(FILE).await;
    let ada = app.signup("ada").await;
    // The form offers them with their descriptions.
    let page = app.get("/settings/tokens", Some(&ada)).await.text();
    for wanted in [
        "value=\"things:read\"",
        "Read the things",
        "value=\"things:write\"",
        "Create and delete things",
    ] {
        assert!(page.contains(wanted), "{wanted} not on the page");
    }
    // A token of platform scopes only: no built-in one is needed.
    let (token, id) = app
        .create_token_with(&ada, "things:write things:read")
        .await;
    let listed = app.api(Method::GET, "/api/v1/scopes", &token, None).await;
    assert_eq!(listed.status, StatusCode::OK);
    let names: Vec<(String, bool)> = listed.json()["scopes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["name"].as_str().unwrap().to_owned(),
                s["built_in"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(names.len(), 7);
    assert_eq!(names[5], ("things:read".to_owned(), false));
    assert!(names[0].1);
    // Its built-in scopes are none: this app's own API refuses it.
    let own = app.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    // Stored in the file's order, shown on the token.
    let stored: String = app
        .scalar(&format!(
            "SELECT platform_scopes FROM api_tokens WHERE id = {id}"
        ))
        .await;
    assert_eq!(stored, "things:read things:write");
    let page = app.get("/settings/tokens", Some(&ada)).await.text();
    assert!(page.contains(">things:write</span>"), "the badge");

    // An unknown scope is refused naming the known ones.
    let secret = app.generate_token(&ada).await;
    let res = app
        .save_token_with(&ada, &secret, "", "30", "things:read thing:write")
        .await;
    let e = app_error(&res);
    assert_eq!(e["Invalid"]["field"], "scopes");
    let message = e["Invalid"]["message"].as_str().unwrap();
    assert!(
        message.contains("\"thing:write\"") && message.contains("things:write"),
        "{message}"
    );
}

#[tokio::test]
async fn without_a_file_any_valid_token_passes_and_only_built_in_scopes_exist() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token_with(&ada, "user:read").await;
    let res = check(&app, &token, "DELETE", "api.example.com", "/anything").await;
    assert_eq!(res.status, StatusCode::OK);
    let listed = app.api(Method::GET, "/api/v1/scopes", &token, None).await;
    assert_eq!(listed.json()["scopes"].as_array().unwrap().len(), 5);
    let secret = app.generate_token(&ada).await;
    let res = app
        .save_token_with(&ada, &secret, "", "30", "things:read")
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "scopes");
}
