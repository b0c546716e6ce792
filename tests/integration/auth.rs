//! Sign-up, sign-in and sessions.

use account_settings::api::auth::{GetMe, Logout, Signup};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use crate::common::{app_error, reason, TestApp, HOST, ORIGIN, PASSWORD};

#[tokio::test]
async fn signup_first_user_is_admin_second_is_not() {
    let app = TestApp::new().await;
    let first = app.signup("ada").await;
    let second = app.signup("grace").await;
    assert_eq!(app.me(&first).await["is_admin"], Value::Bool(true));
    assert_eq!(app.me(&second).await["is_admin"], Value::Bool(false));
    assert_eq!(app.me(&second).await["handle"], "grace");
}

#[tokio::test]
async fn signup_duplicate_handle_or_email_is_refused() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ADA"),
                ("email", "other@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "handle");
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ada2"),
                ("email", "ADA@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "email");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn signup_closed_by_operator_is_forbidden() {
    let app = TestApp::with(|s| s.allow_signup = false).await;
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(app_error(&res), Value::String("Forbidden".into()));
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn login_with_handle_or_email_gives_new_session() {
    let app = TestApp::new().await;
    let signup_cookie = app.signup("ada").await;
    let by_handle = app
        .login("ada", PASSWORD)
        .await
        .session_cookie()
        .expect("cookie");
    let by_email = app
        .login("ADA@example.com", PASSWORD)
        .await
        .session_cookie()
        .expect("cookie");
    assert_ne!(by_handle, signup_cookie);
    assert_ne!(by_handle, by_email);
    assert_eq!(app.me(&by_email).await["handle"], "ada");
}

#[tokio::test]
async fn login_changes_session_id_and_ends_old_one() {
    let app = TestApp::new().await;
    let old = app.signup("ada").await;
    let res = app
        .call::<account_settings::api::auth::Login>(
            Some(&old),
            &[("login", "ada"), ("password", PASSWORD)],
        )
        .await;
    let new = res.session_cookie().expect("new cookie");
    assert_ne!(old, new);
    assert_eq!(
        app.me(&old).await,
        Value::Null,
        "the old session id must be dead"
    );
    assert_eq!(app.me(&new).await["handle"], "ada");
}

#[tokio::test]
async fn login_failure_is_generic_and_audited() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let wrong_password = app.login("ada", "not the right password").await;
    let unknown_user = app.login("nobody", PASSWORD).await;
    assert_eq!(wrong_password.status, unknown_user.status);
    let a = app_error(&wrong_password);
    let b = app_error(&unknown_user);
    assert_eq!(a, b, "both failures must look the same");
    assert_eq!(reason(&wrong_password), "bad_credentials");
    assert!(wrong_password.session_cookie().is_none());
    assert_eq!(app.actions(1).await[0], "sign_in_failed");
}

#[tokio::test]
async fn session_cookie_is_httponly_lax() {
    let app = TestApp::new().await;
    let res = app.login("nobody", PASSWORD).await;
    assert!(res.session_cookie().is_none());
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ada"),
                ("email", "ada@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    let raw = res
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(raw.contains("HttpOnly"), "{raw}");
    assert!(raw.contains("SameSite=Lax"), "{raw}");
    assert!(
        !raw.contains("Secure"),
        "plain http must not set Secure: {raw}"
    );
}

#[tokio::test]
async fn https_public_url_gives_host_prefixed_secure_cookie() {
    let app = TestApp::with(|s| {
        s.secure_cookies = true;
        s.public_origin = Some("https://accounts.example.com".into());
    })
    .await;
    let req = Request::builder()
        .method(Method::POST)
        .uri(<Signup as leptos::server_fn::ServerFn>::PATH)
        .header(header::ORIGIN, "https://accounts.example.com")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(crate::common::form(&[
            ("handle", "ada"),
            ("email", "ada@example.com"),
            ("password", PASSWORD),
        ])))
        .unwrap();
    let res = app.send(req).await;
    let raw = res
        .headers
        .get(header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(raw.starts_with("__Host-session="), "{raw}");
    assert!(raw.contains("Secure"), "{raw}");
    assert!(raw.contains("Path=/"), "{raw}");
}

#[tokio::test]
async fn logout_ends_session_on_server() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app.call::<Logout>(Some(&cookie), &[]).await;
    assert!(res.status.is_success() || res.status.is_redirection());
    assert_eq!(app.me(&cookie).await, Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 0);
    assert!(app.actions(1).await.contains(&"sign_out".to_owned()));
}

#[tokio::test]
async fn signing_up_while_signed_in_ends_the_earlier_session() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let email = "bob@example.com";
    let res = app
        .call::<Signup>(
            Some(&ada),
            &[("handle", "bob"), ("email", email), ("password", PASSWORD)],
        )
        .await;
    let bob = res.session_cookie().expect("a new session");
    assert_eq!(app.me(&ada).await, Value::Null, "Ada's session ended");
    assert_eq!(app.me(&bob).await["handle"], "bob");
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn server_functions_need_a_session() {
    let app = TestApp::new().await;
    let res = app
        .call::<account_settings::api::tokens::ListTokens>(None, &[])
        .await;
    assert_eq!(app_error(&res), Value::String("Unauthorized".into()));
    let res = app.call::<GetMe>(Some("session=forged"), &[]).await;
    assert_eq!(res.json(), Value::Null);
}

#[tokio::test]
async fn settings_page_redirects_to_login_when_signed_out() {
    let app = TestApp::new().await;
    let res = app.get("/settings/tokens", None).await;
    assert!(res.status.is_redirection(), "{}", res.status);
    assert_eq!(res.headers.get(header::LOCATION).unwrap(), "/login");
}

#[tokio::test]
async fn settings_tokens_page_renders_for_signed_in_user() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app.get("/settings/tokens", Some(&cookie)).await;
    assert_eq!(res.status, StatusCode::OK);
    let html = res.text();
    assert!(html.contains("API token"), "{html}");
    assert!(html.contains("Generate"));
    assert!(html.contains("Account menu"));
}

/// Signs in `ada` with an `X-Forwarded-For` header; returns the address
/// her new session was recorded with.
async fn session_ip_via_proxy(app: &TestApp, forwarded_for: &str) -> String {
    use account_settings::api::auth::Login;
    use leptos::server_fn::ServerFn;
    let body = crate::common::form(&[("login", "ada"), ("password", PASSWORD)]);
    let req = Request::builder()
        .method(Method::POST)
        .uri(Login::PATH)
        .header(header::HOST, HOST)
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header("x-forwarded-for", forwarded_for)
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    assert!(res.session_cookie().is_some(), "{}", res.text());
    app.scalar("SELECT ip FROM sessions ORDER BY id DESC LIMIT 1")
        .await
}

#[tokio::test]
async fn forwarded_for_is_believed_only_from_trusted_proxies() {
    // The test requests come from 127.0.0.1.
    let app = TestApp::new().await;
    app.signup("ada").await;
    assert_eq!(
        session_ip_via_proxy(&app, "203.0.113.7").await,
        "127.0.0.1",
        "no proxy is trusted by default"
    );

    let app = TestApp::with(|s| {
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    app.signup("ada").await;
    // A client's own entry on the left is not believed; the proxy's is.
    assert_eq!(
        session_ip_via_proxy(&app, "198.51.100.1, 203.0.113.7").await,
        "203.0.113.7"
    );
    app.state.audit.flush().await;
    let ip: String = app
        .scalar("SELECT ip FROM audit_events WHERE action = 'sign_in' ORDER BY id DESC LIMIT 1")
        .await;
    assert_eq!(ip, "203.0.113.7");
}
