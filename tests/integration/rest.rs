//! The REST API: authentication errors, the profile, the OpenAPI document.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use account_settings::server::db::Db;
use tower::ServiceExt;

use crate::common::TestApp;

fn assert_invalid_token(res: &crate::common::Response) {
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        res.headers.get(header::WWW_AUTHENTICATE).unwrap(),
        r#"Bearer error="invalid_token""#
    );
    assert_eq!(res.json()["error"]["code"], "invalid_token");
    assert!(res.json()["error"]["message"].is_string());
}

#[tokio::test]
async fn missing_or_malformed_authorization_is_401() {
    let app = TestApp::new().await;
    let req = Request::builder()
        .uri("/api/v1/user")
        .body(Body::empty())
        .unwrap();
    assert_invalid_token(&app.send(req).await);
    for token in ["", "nonsense", "ast_short", "Basic abc"] {
        assert_invalid_token(&app.api(Method::GET, "/api/v1/user", token, None).await);
    }
}

#[tokio::test]
async fn unknown_well_formed_token_is_401() {
    let app = TestApp::new().await;
    let token = account_settings::server::kernel::token_secret::PlainToken::generate("ast");
    assert_invalid_token(
        &app.api(Method::GET, "/api/v1/user", token.expose(), None)
            .await,
    );
}

#[tokio::test]
async fn get_user_returns_profile_fields() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    let body = app
        .api(Method::GET, "/api/v1/user", &secret, None)
        .await
        .json();
    for field in [
        "id",
        "handle",
        "email",
        "first_name",
        "last_name",
        "display_name",
        "avatar_url",
        "created_at",
    ] {
        assert!(body.get(field).is_some(), "missing {field}: {body}");
    }
    assert_eq!(body["email"], "ada@example.com");
    assert!(body["created_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn patch_user_updates_and_audits_changed_fields() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    let res = app
        .api(
            Method::PATCH,
            "/api/v1/user",
            &secret,
            Some(r#"{"first_name":"  Ada ","display_name":"Ada L.","avatar_url":"https://img.example/a.png"}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    assert_eq!(body["first_name"], "Ada");
    assert_eq!(body["display_name"], "Ada L.");
    assert_eq!(body["avatar_url"], "https://img.example/a.png");
    app.state.audit.flush().await;
    let detail: String = app
        .scalar("SELECT detail FROM audit_events WHERE action = 'profile_updated'")
        .await;
    // In the words the browser's changes use.
    assert_eq!(detail, "Changed first name, display name (through the API)");
    // The picture is its own event, as in the browser.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'avatar_changed'")
            .await,
        1
    );
}

#[tokio::test]
async fn api_tokens_list_has_no_secrets() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "deploy", "30").await;
    let res = app.api(Method::GET, "/api/v1/tokens", &secret, None).await;
    let text = res.text();
    assert!(!text.contains(&secret[4..]), "the secret leaked: {text}");
    let list = res.json();
    let t = &list[0];
    for field in [
        "id",
        "name",
        "prefix",
        "last_four",
        "created_at",
        "expires_at",
        "last_used_at",
        "last_used_ip",
        "status",
    ] {
        assert!(t.get(field).is_some(), "missing {field}: {t}");
    }
    assert_eq!(t["status"], "active");
    assert_eq!(t["name"], "deploy");
}

#[tokio::test]
async fn last_used_time_and_ip_are_recorded() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    app.api(Method::GET, "/api/v1/user", &secret, None).await;
    app.state.audit.flush().await;
    let list = app
        .api(Method::GET, "/api/v1/tokens", &secret, None)
        .await
        .json();
    assert_eq!(list[0]["last_used_ip"], "127.0.0.1");
    assert!(list[0]["last_used_at"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn leaked_token_can_delete_itself() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    // Even one that may only read: deleting itself needs no scope.
    let (secret, id) = app.create_token_with(&cookie, "user:read").await;
    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{id}"),
            &secret,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::NO_CONTENT);
    let res = app.api(Method::GET, "/api/v1/user", &secret, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn unknown_api_route_is_json_404() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/nothing-here", None).await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
    assert_eq!(res.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn healthz_answers_when_database_does() {
    let app = TestApp::new().await;
    let res = app.get("/healthz", None).await;
    assert_eq!(res.status, StatusCode::OK);
    app.state.db.close().await;
    assert_eq!(
        app.get("/healthz", None).await.status,
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn livez_answers_without_the_database() {
    let app = TestApp::new().await;
    app.state.db.close().await;
    let res = app.get("/livez", None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(res.text(), "ok");
}

#[tokio::test]
async fn healthz_answers_503_in_time_when_the_database_hangs() {
    // A "database" that accepts connections and never says a word.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = silent.local_addr().unwrap().port();
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((conn, _)) = silent.accept().await {
            open.push(conn);
        }
    });
    let app = TestApp::new().await;
    let pool = sqlx::postgres::PgPoolOptions::new()
        .acquire_timeout(std::time::Duration::from_secs(30))
        .connect_lazy(&format!("postgres://nobody@127.0.0.1:{port}/none"))
        .unwrap();
    let settings = app.state.settings.as_ref().clone();
    let state =
        account_settings::server::run::router::state(Db::postgres(pool), settings, "target/site")
            .unwrap();
    let router = account_settings::server::run::router::build(state);
    let mut req = Request::builder()
        .uri("/healthz")
        .header(header::HOST, crate::common::HOST)
        .body(Body::empty())
        .unwrap();
    req.extensions_mut()
        .insert(axum::extract::ConnectInfo(std::net::SocketAddr::from((
            [127, 0, 0, 1],
            40_000,
        ))));
    // Without its own time limit the check would wait the pool's 30 s.
    let res = tokio::time::timeout(std::time::Duration::from_secs(5), router.oneshot(req))
        .await
        .expect("an answer, not a hang")
        .unwrap();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    held.abort();
}

#[tokio::test]
async fn openapi_document_lists_every_route() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/openapi.json", None).await;
    assert_eq!(res.status, StatusCode::OK);
    let doc = res.json();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let paths = doc["paths"].as_object().unwrap();
    for (path, method) in [
        ("/api/v1/user", "get"),
        ("/api/v1/user", "patch"),
        ("/api/v1/tokens", "get"),
        ("/api/v1/tokens/{id}", "delete"),
        ("/api/v1/audit-log", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/healthz", "get"),
        ("/livez", "get"),
    ] {
        assert!(
            paths.get(path).and_then(|p| p.get(method)).is_some(),
            "{method} {path} missing"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearer"]["scheme"],
        "bearer"
    );
}

#[tokio::test]
async fn healthz_comes_back_by_itself_when_the_database_does() {
    use sqlx::Connection;
    let app = TestApp::new().await;
    let database = crate::database::TestDatabase::fresh_postgres().await;
    let app = app.instance_on(&database.url).await;
    assert_eq!(app.get("/healthz", None).await.status, StatusCode::OK);
    // The database drops every connection of the instance (a restart or a
    // failover looks like this to it).
    let name = database.url.rsplit('/').next().unwrap().to_owned();
    let mut admin = sqlx::PgConnection::connect(&crate::database::server_url())
        .await
        .unwrap();
    let ended: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = $1 AND pid <> pg_backend_pid()",
    )
    .bind(&name)
    .fetch_all(&mut admin)
    .await
    .unwrap();
    assert!(!ended.is_empty(), "the instance had connections");
    // Without a restart of the instance, /healthz answers 200 again (at most
    // one 503 while the pool notices that its connections are gone).
    let mut statuses = Vec::new();
    for _ in 0..20 {
        let status = app.get("/healthz", None).await.status;
        statuses.push(status);
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(statuses.last(), Some(&StatusCode::OK), "{statuses:?}");
    assert!(statuses.len() <= 2, "{statuses:?}");
    admin.close().await.unwrap();
}
