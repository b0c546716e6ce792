//! Token scopes on every route, and where each token was used.

use account_settings::api::tokens::ListTokens;
use account_settings::model::audit::AuditAction;
use account_settings::server::events::NewEvent;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use account_settings::server::db::Backend;
use account_settings::server::kernel::token_secret::PlainToken;

use crate::common::{app_error, TestApp, ALL_SCOPES};

/// Each API route, the scope it needs, and a body; `id` is a token of the
/// same user that the route may act on.
fn route(i: usize, id: i64) -> (Method, String, &'static str, Option<&'static str>) {
    let mut all = vec![
        (Method::GET, "/api/v1/user".into(), "user:read", None),
        (
            Method::PATCH,
            "/api/v1/user".into(),
            "user:write",
            Some(r#"{"display_name": "Ada"}"#),
        ),
        (Method::GET, "/api/v1/tokens".into(), "tokens:read", None),
        (
            Method::GET,
            format!("/api/v1/tokens/{id}"),
            "tokens:read",
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/tokens/{id}/rotate"),
            "tokens:write",
            None,
        ),
        (
            Method::POST,
            "/api/v1/tokens/self/rotate".into(),
            "tokens:write",
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/tokens/{id}"),
            "tokens:write",
            None,
        ),
        (Method::GET, "/api/v1/audit-log".into(), "audit:read", None),
    ];
    all.swap_remove(i)
}

#[tokio::test]
async fn every_route_refuses_a_token_without_its_scope_and_serves_one_with_it() {
    let app = TestApp::with(|s| s.policy.max_per_user = 100).await;
    let cookie = app.signup("ada").await;
    for i in 0..8 {
        let (_, target) = app.create_token_with(&cookie, "user:read").await;
        let (method, path, scope, body) = route(i, target);
        // Without the scope: with every other one.
        let others: Vec<&str> = ALL_SCOPES.split(' ').filter(|s| *s != scope).collect();
        let (without, _) = app.create_token_with(&cookie, &others.join(" ")).await;
        let res = app.api(method.clone(), &path, &without, body).await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "{method} {path} without {scope}"
        );
        assert_eq!(res.json()["error"]["code"], "insufficient_scope");
        assert_eq!(
            res.headers[header::WWW_AUTHENTICATE].to_str().unwrap(),
            format!(r#"Bearer error="insufficient_scope", scope="{scope}""#)
        );

        // With that scope alone.
        let (with, _) = app.create_token_with(&cookie, scope).await;
        let res = app.api(method.clone(), &path, &with, body).await;
        assert!(
            res.status.is_success(),
            "{method} {path} with {scope}: {} {}",
            res.status,
            res.text()
        );
    }
}

#[tokio::test]
async fn a_refused_call_is_in_the_audit_log_with_its_status() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, id) = app.create_token_with(&cookie, "user:read").await;
    let res = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            &secret,
            Some(r#"{"display_name": "Mallory"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    app.state.audit.flush().await;
    let status: i64 = app
        .scalar(&format!(
            "SELECT status FROM audit_events WHERE action = 'api_request' AND token_id = {id}"
        ))
        .await;
    assert_eq!(status, 403);
    assert_ne!(app.me(&cookie).await["display_name"], "Mallory");
}

#[tokio::test]
async fn no_scope_or_an_unknown_one_is_refused_and_saves_nothing() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    for scopes in ["", " ", "user:read admin"] {
        let secret = app.generate_token(&cookie).await;
        let res = app
            .save_token_with(&cookie, &secret, "", "30", scopes)
            .await;
        assert_eq!(app_error(&res)["Invalid"]["field"], "scopes", "{scopes:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
}

#[tokio::test]
async fn tokens_made_before_scopes_have_every_scope() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let ada = app.user_id("ada").await;
    // A token stored the way it was before migration 0009: no scopes given.
    let token = PlainToken::generate("ast");
    let hex: String = token.hash().0.iter().map(|b| format!("{b:02x}")).collect();
    let hash = match app.state.db.backend() {
        Backend::Sqlite => format!("X'{hex}'"),
        Backend::Postgres => format!("decode('{hex}', 'hex')"),
    };
    let now = account_settings::model::time::now();
    app.exec(&format!(
        "INSERT INTO api_tokens (user_id, name, token_hash, prefix, last_four, created_at, expires_at)
         VALUES ({ada}, '', {hash}, 'ast', '{}', {now}, {})",
        token.last_four(),
        now + 86_400
    ))
    .await;
    let secret = token.expose();
    let res = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            secret,
            Some(r#"{"display_name": "Ada"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn the_openapi_document_names_each_operations_scope() {
    let app = TestApp::new().await;
    let doc = app.get("/api/v1/openapi.json", None).await.json();
    for (method, path, scope) in [
        ("get", "/api/v1/user", "user:read"),
        ("patch", "/api/v1/user", "user:write"),
        ("get", "/api/v1/tokens", "tokens:read"),
        ("get", "/api/v1/tokens/{id}", "tokens:read"),
        ("delete", "/api/v1/tokens/{id}", "tokens:write"),
        ("post", "/api/v1/tokens/{id}/rotate", "tokens:write"),
        ("post", "/api/v1/tokens/self/rotate", "tokens:write"),
        ("get", "/api/v1/audit-log", "audit:read"),
    ] {
        let op = &doc["paths"][path][method];
        assert_eq!(op["security"][0]["bearer"][0], scope, "{method} {path}");
        assert_eq!(op["x-required-scopes"][0], scope, "{method} {path}");
    }
    let revoke = &doc["paths"]["/api/v1/tokens/revoke"]["post"];
    assert!(revoke["security"].is_null(), "the report needs no token");
}

/// Records a use of the token from `ip` at `at`, as the API does.
async fn used(app: &TestApp, user_id: i64, token_id: i64, ip: &str, at: i64) {
    let mut e = NewEvent::new(user_id, AuditAction::ApiRequest).token(token_id, "t".into());
    e.ip = Some(ip.to_owned());
    e.at = at;
    app.state.audit.record_token_use(e).await;
}

#[tokio::test]
async fn a_token_remembers_its_last_five_addresses_latest_first() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let ada = app.user_id("ada").await;
    let (secret, id) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let t0 = 1_790_000_000;
    for i in 0..6 {
        used(&app, ada, id, &format!("192.0.2.{}", i + 1), t0 + i * 60).await;
        app.state.audit.flush().await;
    }
    // The second address again, later.
    used(&app, ada, id, "192.0.2.2", t0 + 600).await;
    let recent = || async {
        let res = app
            .api(Method::GET, &format!("/api/v1/tokens/{id}"), &secret, None)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        res.json()["recent_ips"].clone()
    };
    let ips = |list: &serde_json::Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|r| r["ip"].as_str().unwrap().to_owned())
            .collect()
    };
    let list = recent().await;
    assert_eq!(
        ips(&list),
        [
            "192.0.2.2",
            "192.0.2.6",
            "192.0.2.5",
            "192.0.2.4",
            "192.0.2.3"
        ]
    );
    assert_eq!(list[0]["first_seen_at"], "2026-09-21T14:14:20Z");
    assert_eq!(list[0]["last_seen_at"], "2026-09-21T14:23:20Z");
    // That request came from 127.0.0.1, just now: it leads the next list.
    assert_eq!(
        ips(&recent().await),
        [
            "127.0.0.1",
            "192.0.2.2",
            "192.0.2.6",
            "192.0.2.5",
            "192.0.2.4"
        ]
    );
}

#[tokio::test]
async fn the_tokens_page_shows_where_each_token_was_used() {
    let app = TestApp::with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let req = Request::get("/api/v1/user")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header("x-forwarded-for", "198.51.100.23")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
    let page = app.call::<ListTokens>(Some(&cookie), &[]).await.json();
    assert_eq!(page["tokens"][0]["recent_ips"][0]["ip"], "198.51.100.23");
    let html = app.get("/settings/tokens", Some(&cookie)).await.text();
    assert!(
        html.contains("198.51.100.23"),
        "the Details dialog lists it"
    );
    assert!(html.contains(">Regenerate<"));
}

/// Runs `token issue` for ada with these extra arguments: (success,
/// standard output, standard error).
fn issue(dir: &std::path::Path, url: &str, extra: &[&str]) -> (bool, String, String) {
    let out = std::process::Command::new(crate::shutdown::BIN)
        .args(["token", "issue", "--handle", "ada"])
        .args(extra)
        .env("DATA_DIR", dir)
        .env("DATABASE_URL", url)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).trim().to_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test]
async fn the_cli_issues_tokens_with_the_scopes_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let database = crate::database::TestDatabase::fresh(dir.path()).await;
    let url = database.url.clone();
    // ada, and a token with every scope (the default).
    let all = crate::shutdown::user_with_token(dir.path(), &url);
    assert!(all.starts_with("ast_"));

    let (ok, token, said) = issue(
        dir.path(),
        &url,
        &["--scope", "user:read", "--scope", "audit:read"],
    );
    assert!(ok, "{said}");
    assert!(token.starts_with("ast_") && !token.contains(' '), "{token}");
    assert!(said.contains("scopes: user:read audit:read"), "{said}");

    let (ok, token, said) = issue(dir.path(), &url, &["--scope", "admin"]);
    assert!(!ok && token.is_empty());
    assert!(
        said.contains("--scope") && said.contains("tokens:write"),
        "{said}"
    );

    let pool = account_settings::server::db::connect(&url).await.unwrap();
    let scopes: Vec<i64> = account_settings::on_db!(&pool, p => sqlx::query_scalar(
        "SELECT scopes FROM api_tokens ORDER BY id"
    )
    .fetch_all(p)
    .await)
    .unwrap();
    assert_eq!(scopes, [31, 1 | 16]);
}
