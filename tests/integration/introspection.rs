//! `POST /oauth/introspect` (RFC 7662) as a service of the platform sees
//! it: its credential made by an administrator, every kind of token, the
//! credential revoked, its limit, and the token owner's audit log.

use account_settings::api::admin::{AdminCreateService, AdminRevokeService};
use account_settings::api::tokens::SetTokenActive;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use base64::Engine;
use serde_json::{json, Value};

use crate::common::{Response, TestApp};

/// An administrator (the first to sign up) makes service `name`: its
/// client id and secret.
async fn service(app: &TestApp, admin: &str, name: &str) -> (String, String, i64) {
    let res = app
        .call::<AdminCreateService>(Some(admin), &[("name", name)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let made = res.json();
    (
        made["service"]["client_id"].as_str().unwrap().to_owned(),
        made["secret"].as_str().unwrap().to_owned(),
        made["service"]["id"].as_i64().unwrap(),
    )
}

/// The introspection of `form` with `credential` (client id, secret).
async fn introspect(app: &TestApp, credential: Option<(&str, &str)>, form: &str) -> Response {
    let mut req = Request::post("/oauth/introspect")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, "billing/2.0");
    if let Some((id, secret)) = credential {
        let basic = base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"));
        req = req.header(header::AUTHORIZATION, format!("Basic {basic}"));
    }
    app.send(req.body(Body::from(form.to_owned())).unwrap())
        .await
}

fn form(token: &str) -> String {
    format!("token={token}&token_type_hint=access_token")
}

#[tokio::test]
async fn a_service_learns_what_a_valid_token_is_and_nothing_of_any_other() {
    let app = TestApp::new().await;
    let root = app.signup("root-user").await;
    let (id, secret, _) = service(&app, &root, "billing").await;
    let ada = app.signup("ada").await;
    let (token, saved) = app.create_token(&ada, "gateway", "30").await;
    let token_id = saved["id"].as_i64().unwrap();
    let ada_id: i64 = app
        .scalar("SELECT id FROM users WHERE handle = 'ada'")
        .await;
    let created: i64 = app
        .scalar(&format!(
            "SELECT created_at FROM api_tokens WHERE id = {token_id}"
        ))
        .await;
    let expires: i64 = app
        .scalar(&format!(
            "SELECT expires_at FROM api_tokens WHERE id = {token_id}"
        ))
        .await;

    let res = introspect(&app, Some((&id, &secret)), &form(&token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.headers[header::CACHE_CONTROL], "no-store");
    assert_eq!(
        res.json(),
        json!({
            "active": true,
            "scope": crate::common::ALL_SCOPES,
            "sub": ada_id.to_string(),
            "username": "ada",
            "email": "ada@example.com",
            "exp": expires,
            "iat": created,
            "token_type": "Bearer",
            "client_id": token_id.to_string(),
        })
    );

    // Anything else: active false and not a word more.
    let inactive = json!({ "active": false });
    for other in [
        "ast_notatoken".to_owned(),
        token.replace(&token[token.len() - 4..], "AAAA"),
        " ".repeat(3) + "x",
    ] {
        let res = introspect(&app, Some((&id, &secret)), &form(&other)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json(), inactive, "{other}");
    }
    let id_s = token_id.to_string();
    app.call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "false")])
        .await;
    let res = introspect(&app, Some((&id, &secret)), &form(&token)).await;
    assert_eq!(res.json(), inactive);

    // The owner's log holds the check, made by the service's client.
    app.state.audit.flush().await;
    let (path, agent): (String, String) = (
        app.scalar("SELECT path FROM audit_events WHERE action = 'api_request' ORDER BY id DESC LIMIT 1")
            .await,
        app.scalar("SELECT user_agent FROM audit_events WHERE action = 'api_request' ORDER BY id DESC LIMIT 1")
            .await,
    );
    assert_eq!(
        (path.as_str(), agent.as_str()),
        ("/oauth/introspect", "billing/2.0")
    );
    let rejected: i64 = app
        .scalar("SELECT COUNT(*) FROM audit_events WHERE action = 'token_rejected_deactivated'")
        .await;
    assert_eq!(rejected, 1);
}

#[tokio::test]
async fn a_wrong_or_revoked_credential_is_refused_at_once() {
    let app = TestApp::new().await;
    let root = app.signup("root-user").await;
    let (id, secret, service_id) = service(&app, &root, "billing").await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "", "30").await;

    for credential in [
        None,
        Some((id.as_str(), "wrong")),
        Some(("svc_nobody", secret.as_str())),
    ] {
        let res = introspect(&app, credential, &form(&token)).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{credential:?}");
        assert_eq!(res.json()["error"], "invalid_client");
        assert!(res.headers[header::WWW_AUTHENTICATE]
            .to_str()
            .unwrap()
            .starts_with("Basic realm="));
    }
    // Bad requests of a good service.
    let res = introspect(&app, Some((&id, &secret)), "token_type_hint=access_token").await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST);
    assert_eq!(res.json()["error"], "invalid_request");
    let json_body = app
        .send(
            Request::post("/oauth/introspect")
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::AUTHORIZATION,
                    format!(
                        "Basic {}",
                        base64::engine::general_purpose::STANDARD.encode(format!("{id}:{secret}"))
                    ),
                )
                .body(Body::from(format!(r#"{{"token": "{token}"}}"#)))
                .unwrap(),
        )
        .await;
    assert_eq!(json_body.status, StatusCode::BAD_REQUEST);

    let ok = introspect(&app, Some((&id, &secret)), &form(&token)).await;
    assert_eq!(ok.json()["active"], true);
    // Listed with its last use; revoked, refused on the next request.
    let page = app.get("/admin/users", Some(&root)).await.text();
    assert!(page.contains(&id) && page.contains("billing"), "listed");
    assert!(!page.contains(&secret), "the secret is never shown again");
    let used: Option<i64> = {
        let mut used = None;
        for _ in 0..100 {
            used = app
                .scalar(&format!(
                    "SELECT last_used_at FROM services WHERE id = {service_id}"
                ))
                .await;
            if used.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        used
    };
    assert!(used.is_some(), "last used is recorded");
    let sid = service_id.to_string();
    let res = app
        .call::<AdminRevokeService>(Some(&root), &[("id", &sid)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = introspect(&app, Some((&id, &secret)), &form(&token)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let actions: Vec<String> = app
        .scalars("SELECT action FROM audit_events WHERE action LIKE 'service_%' ORDER BY id")
        .await;
    assert_eq!(actions, ["service_created", "service_revoked"]);
    // Only administrators make or revoke services.
    let res = app
        .call::<AdminCreateService>(Some(&ada), &[("name", "sneaky")])
        .await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn each_service_has_its_own_limit_per_minute() {
    let app = TestApp::with(|s| s.service_rate_limit_per_minute = 3).await;
    let root = app.signup("root-user").await;
    let (b_id, b_secret, _) = service(&app, &root, "search").await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "", "30").await;
    let minute = || app.state.db.now() / 60;
    let mut attempt = 0;
    let (statuses, refused) = loop {
        // A service of its own for each attempt: its count starts at 0.
        attempt += 1;
        let (a_id, a_secret, _) = service(&app, &root, &format!("billing-{attempt}")).await;
        let before = minute();
        let mut answers = Vec::new();
        for _ in 0..4 {
            answers.push(introspect(&app, Some((&a_id, &a_secret)), &form(&token)).await);
        }
        // The same minute throughout, or the count started again midway.
        if minute() == before {
            break (
                answers.iter().map(|r| r.status).collect::<Vec<_>>(),
                answers.pop().unwrap(),
            );
        }
    };
    assert_eq!(
        statuses,
        [
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::OK,
            StatusCode::TOO_MANY_REQUESTS
        ]
    );
    let retry: u64 = refused.headers[header::RETRY_AFTER]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&retry));
    let body: Value = refused.json();
    assert_eq!(body["error"], "rate_limited");
    let other = introspect(&app, Some((&b_id, &b_secret)), &form(&token)).await;
    assert_eq!(
        other.status,
        StatusCode::OK,
        "another service is not limited by the first"
    );
}

/// The command line's credential, used by the documentation's Python
/// example (`docs/examples/introspect.py`, the standard library's HTTP
/// client) against the real server; revoked by the command line.
#[tokio::test]
async fn the_documented_python_client_introspects_with_a_credential_from_the_command_line() {
    use crate::shutdown::{cli, serve, user_with_token};
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let database = crate::database::TestDatabase::fresh(data).await;
    let url = database.url.clone();
    let token = user_with_token(data, &url);
    let made = cli(
        data,
        &url,
        &["service", "create", "--name", "ci-gate"],
        None,
    );
    let field = |name: &str| {
        made.lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")))
            .unwrap_or_else(|| panic!("{name} in {made}"))
            .to_owned()
    };
    let (client_id, client_secret) = (field("client_id"), field("client_secret"));
    let listed = cli(data, &url, &["service", "list"], None);
    assert!(
        listed.contains("ci-gate") && listed.contains(&client_id),
        "{listed}"
    );
    assert!(!listed.contains(&client_secret));
    let (mut server, port) = serve(data, &url).await;
    let python = |token: &str| {
        std::process::Command::new("python3")
            .arg(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/docs/examples/introspect.py"
            ))
            .arg(token)
            .env(
                "INTROSPECT_URL",
                format!("http://127.0.0.1:{port}/oauth/introspect"),
            )
            .env("CLIENT_ID", &client_id)
            .env("CLIENT_SECRET", &client_secret)
            .output()
            .expect("python3 runs")
    };
    let active = python(&token);
    let text = String::from_utf8_lossy(&active.stdout).into_owned();
    assert_eq!(active.status.code(), Some(0), "{text}");
    assert!(
        text.contains("ada (user 1) may: user:read user:write tokens:read tokens:write audit:read"),
        "{text}"
    );
    let unknown = python("ast_unknown");
    assert_eq!(unknown.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&unknown.stdout).trim(),
        r#"{"active": false}"#
    );
    cli(
        data,
        &url,
        &["service", "revoke", "--name", "ci-gate"],
        None,
    );
    let refused = python(&token);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stdout).starts_with("401"));
    server.kill().ok();
    server.wait().ok();
}
