//! Security headers and request ids: each page's Content-Security-Policy
//! names the nonce its inline scripts carry (and allows no other inline
//! script); every answer isolates its window, turns off unused browser
//! features, names its request id and, on an https site, asks for https
//! only.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::{Response, TestApp};

fn header<'a>(res: &'a Response, name: &str) -> &'a str {
    res.headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_else(|| panic!("no {name} header"))
}

/// The nonce the policy names for scripts.
fn nonce_of(policy: &str) -> String {
    let scripts = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src "))
        .unwrap_or_else(|| panic!("no script-src in {policy}"));
    assert!(!scripts.contains("unsafe-inline"), "{scripts}");
    assert!(!scripts.contains(" 'unsafe-eval'"), "{scripts}");
    scripts
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-")?.strip_suffix('\''))
        .unwrap_or_else(|| panic!("no nonce in {scripts}"))
        .to_owned()
}

/// The opening tags of the page's inline scripts (those without `src`).
fn inline_scripts(html: &str) -> Vec<&str> {
    html.match_indices("<script")
        .filter_map(|(at, _)| html[at..].find('>').map(|end| &html[at..=at + end]))
        .filter(|tag| !tag.contains(" src="))
        .collect()
}

fn assert_page_policy(res: &Response) -> String {
    let policy = header(res, "content-security-policy");
    for d in [
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
        "form-action 'self'",
        "'wasm-unsafe-eval'",
    ] {
        assert!(policy.contains(d), "{d} missing from {policy}");
    }
    let nonce = nonce_of(policy);
    let html = res.text();
    let scripts = inline_scripts(&html);
    assert!(!scripts.is_empty(), "a page without inline scripts?");
    for tag in scripts {
        assert!(
            tag.contains(&format!("nonce=\"{nonce}\"")),
            "{tag} lacks the nonce {nonce}"
        );
    }
    assert_eq!(header(res, "cross-origin-opener-policy"), "same-origin");
    assert_eq!(header(res, "referrer-policy"), "same-origin");
    assert!(header(res, "permissions-policy").contains("camera=()"));
    nonce
}

#[tokio::test]
async fn every_page_names_the_nonce_of_its_inline_scripts_and_no_other() {
    let app = TestApp::new().await;
    let first = app.get("/login", None).await;
    assert_eq!(first.status, StatusCode::OK);
    let a = assert_page_policy(&first);
    let b = assert_page_policy(&app.get("/login", None).await);
    assert_ne!(a, b, "a nonce is used once");
    assert!(a.len() >= 16, "{a}");

    // A signed-in page rendered whole before it is sent, and "Page not found".
    let cookie = app.signup("ada").await;
    let tokens = app.get("/settings/tokens", Some(&cookie)).await;
    assert_eq!(tokens.status, StatusCode::OK);
    assert_page_policy(&tokens);
    let missing = app.get("/no/such/page", Some(&cookie)).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_page_policy(&missing);

    // Over http, no HSTS (it would be ignored, and wrong on a bare address).
    assert!(first.headers.get("strict-transport-security").is_none());
}

#[tokio::test]
async fn api_answers_isolate_the_window_too() {
    let app = TestApp::new().await;
    let res = app.get("/api/v1/user", None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(header(&res, "cross-origin-opener-policy"), "same-origin");
    assert!(header(&res, "permissions-policy").contains("geolocation=()"));
    assert_eq!(header(&res, "x-content-type-options"), "nosniff");
}

#[tokio::test]
async fn an_https_site_asks_for_https_only() {
    let app = TestApp::with(|s| s.public_origin = Some("https://accounts.example".into())).await;
    let req = Request::builder()
        .uri("/login")
        .header(header::HOST, "accounts.example")
        .body(Body::empty())
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(
        header(&res, "strict-transport-security"),
        "max-age=31536000; includeSubDomains"
    );
    assert_page_policy(&res);
}

#[tokio::test]
async fn every_answer_names_its_request_id_and_keeps_a_proxys() {
    let app = TestApp::new().await;
    let a = app.get("/healthz", None).await;
    let b = app.get("/api/v1/user", None).await;
    let (a, b) = (header(&a, "x-request-id"), header(&b, "x-request-id"));
    assert_eq!(a.len(), 16, "{a}");
    assert_ne!(a, b);
    let req = Request::builder()
        .uri("/login")
        .header(header::HOST, crate::common::HOST)
        .header("x-request-id", "nginx-7f3a9c")
        .body(Body::empty())
        .unwrap();
    assert_eq!(header(&app.send(req).await, "x-request-id"), "nginx-7f3a9c");
    let req = Request::builder()
        .uri("/login")
        .header(header::HOST, crate::common::HOST)
        .header("x-request-id", "<script>")
        .body(Body::empty())
        .unwrap();
    assert_ne!(header(&app.send(req).await, "x-request-id"), "<script>");
}
