//! Cross-site requests and the host name: refused from other origins and
//! under names that are not the site's own (DNS rebinding).

use account_settings::api::auth::Signup;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::common::{TestApp, HOST, ORIGIN, PASSWORD};

#[tokio::test]
async fn cross_origin_post_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let path = <account_settings::api::tokens::GenerateToken as leptos::server_fn::ServerFn>::PATH;
    for (name, value) in [
        ("origin", "http://evil.example"),
        ("sec-fetch-site", "cross-site"),
    ] {
        let req = Request::builder()
            .method(Method::POST)
            .uri(path)
            .header(header::HOST, HOST)
            .header(header::COOKIE, &cookie)
            .header(name, value)
            .body(Body::empty())
            .unwrap();
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{name}: {value}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM pending_tokens").await, 0);
    // The same request from the site itself works.
    let res = app
        .call::<account_settings::api::tokens::GenerateToken>(Some(&cookie), &[])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let _ = ORIGIN;
}

/// A sign-up post as a browser sends it from a page at `origin`, to a
/// server it reached as `host`.
fn signup_from(host: &str, origin: &str, handle: &str) -> Request<Body> {
    let email = format!("{handle}@example.com");
    let body = crate::common::form(&[
        ("handle", handle),
        ("email", &email),
        ("password", PASSWORD),
    ]);
    Request::builder()
        .method(Method::POST)
        .uri(<Signup as leptos::server_fn::ServerFn>::PATH)
        .header(header::HOST, host)
        .header(header::ORIGIN, origin)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap()
}

#[tokio::test]
async fn a_site_that_points_its_name_at_this_server_is_refused() {
    // DNS rebinding: evil.example now resolves to this fresh install, so to
    // the browser its page and this post are same-origin. Whoever signs up
    // first becomes the administrator.
    let app = TestApp::new().await;
    let res = app
        .send(signup_from(
            "evil.example",
            "http://evil.example",
            "mallory",
        ))
        .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    let page = Request::get("/login")
        .header(header::HOST, "evil.example:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(page).await.status, StatusCode::BAD_REQUEST);
    // Health checks and the token API answer under any name (a balancer or
    // a service inside the network uses the server's own address).
    let health = Request::get("/healthz")
        .header(header::HOST, "10.0.0.7:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(health).await.status, StatusCode::OK);
    let api = Request::get("/api/v1/user")
        .header(header::HOST, "10.0.0.7:3000")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(api).await.status, StatusCode::UNAUTHORIZED);
    // Under its own (loopback) name, the same post works.
    let res = app.send(signup_from(HOST, ORIGIN, "ada")).await;
    assert!(res.session_cookie().is_some(), "{}", res.status);
}

#[tokio::test]
async fn the_origin_must_match_in_scheme_host_and_port() {
    let app = TestApp::new().await;
    for origin in [
        "https://localhost:3000",
        "http://localhost:3001",
        "http://localhost",
        "http://127.0.0.1:3000",
    ] {
        let res = app.send(signup_from(HOST, origin, "ada")).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{origin}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn with_public_url_only_its_name_is_served() {
    let app =
        TestApp::with(|s| s.public_origin = Some("https://accounts.example.com".into())).await;
    let page = |host: &str| {
        Request::get("/login")
            .header(header::HOST, host)
            .body(Body::empty())
            .unwrap()
    };
    assert_eq!(
        app.send(page("accounts.example.com")).await.status,
        StatusCode::OK
    );
    assert_eq!(
        app.send(page("accounts.example.com:443")).await.status,
        StatusCode::OK
    );
    assert_eq!(app.send(page(HOST)).await.status, StatusCode::BAD_REQUEST);
    let res = app
        .send(signup_from(
            "accounts.example.com",
            "http://accounts.example.com",
            "ada",
        ))
        .await;
    assert_eq!(
        res.status,
        StatusCode::FORBIDDEN,
        "http is not the site's scheme"
    );
    let res = app
        .send(signup_from(
            "accounts.example.com",
            "https://accounts.example.com",
            "ada",
        ))
        .await;
    assert!(
        res.session_cookie().is_some() || res.headers.get(header::SET_COOKIE).is_some(),
        "{}",
        res.status
    );
}
