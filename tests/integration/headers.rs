//! Security headers and request ids: each page's Content-Security-Policy
//! names the nonce its inline scripts carry (and allows no other inline
//! script); every answer isolates its window, turns off unused browser
//! features, names its request id and, on an https site, asks for https
//! only.

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;

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

/// Many answers of every page, signed in and out, for every status a page
/// gives (200, 404, a refusal, a redirect's target), fetched concurrently on
/// a multi-threaded runtime: each names in its policy exactly the nonce all
/// its inline scripts carry. (`PAGE_ANSWERS` sets how many; 2,000 by
/// default.)
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_answer_of_every_page_names_the_nonce_its_scripts_carry() {
    let app = std::sync::Arc::new(TestApp::new().await);
    let admin = app.signup("ada").await;
    let user = app.signup("bob").await;
    // A sign-in refused without JavaScript: its page shows the refusal.
    let req = Request::post(<account_settings::api::auth::Login as ServerFn>::PATH)
        .header(header::HOST, crate::common::HOST)
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, "http://localhost:3000/login")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from("login=ada&password=wrong+password+1"))
        .unwrap();
    let refused = app.send(req).await;
    assert_eq!(refused.status, StatusCode::SEE_OTHER);
    let refusal = refused
        .headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("refusal="))
        .and_then(|v| v.split(';').next())
        .expect("a refusal cookie")
        .to_owned();
    // (path, cookie, status): every page, and what strangers get.
    let pages: Vec<(&str, Option<String>, StatusCode)> = vec![
        ("/login", None, StatusCode::OK),
        ("/login", Some(refusal), StatusCode::OK),
        ("/signup", None, StatusCode::OK),
        ("/forgot-password", None, StatusCode::OK),
        ("/reset-password?token=nonsense", None, StatusCode::OK),
        ("/confirm-email?token=nonsense", None, StatusCode::OK),
        ("/signup/finish?token=nonsense", None, StatusCode::OK),
        ("/no/such/page", None, StatusCode::NOT_FOUND),
        ("/settings/profile", Some(admin.clone()), StatusCode::OK),
        ("/settings/tokens", Some(admin.clone()), StatusCode::OK),
        ("/settings/audit-log", Some(admin.clone()), StatusCode::OK),
        ("/settings/security", Some(admin.clone()), StatusCode::OK),
        (
            "/settings/notifications",
            Some(admin.clone()),
            StatusCode::OK,
        ),
        ("/settings/advanced", Some(admin.clone()), StatusCode::OK),
        ("/admin/users", Some(admin.clone()), StatusCode::OK),
        ("/admin/users", Some(user.clone()), StatusCode::NOT_FOUND),
        ("/settings/tokens", Some(user.clone()), StatusCode::OK),
        ("/no/such/page", Some(user.clone()), StatusCode::NOT_FOUND),
    ];
    // The redirects' targets are pages of the list above.
    for (from, cookie) in [
        ("/settings", Some(&admin)),
        ("/", Some(&admin)),
        ("/", None),
        ("/settings/tokens", None),
    ] {
        let res = app.get(from, cookie.map(String::as_str)).await;
        let to = res
            .headers
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .unwrap_or_else(|| panic!("{from}: no redirect ({})", res.status));
        assert!(
            pages
                .iter()
                .any(|(p, c, _)| p == &to && c.as_ref() == cookie),
            "{from} → {to}"
        );
    }
    let answers: usize = std::env::var("PAGE_ANSWERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(2000);
    let pages = std::sync::Arc::new(pages);
    let mut tasks = tokio::task::JoinSet::new();
    let workers = 8;
    for w in 0..workers {
        let (app, pages) = (app.clone(), pages.clone());
        tasks.spawn(async move {
            let mut seen = Vec::new();
            for i in (w..answers).step_by(workers) {
                let (path, cookie, status) = &pages[i % pages.len()];
                // A page waiting for data that never comes would wait for
                // ever: the limit only tells a stall from an answer.
                let res = tokio::time::timeout(
                    std::time::Duration::from_secs(30),
                    app.get(path, cookie.as_deref()),
                )
                .await
                .unwrap_or_else(|_| panic!("{path} answer {i} stalled"));
                assert_eq!(res.status, *status, "{path} answer {i}");
                seen.push(assert_page_policy(&res));
            }
            seen
        });
    }
    let mut nonces = std::collections::HashSet::new();
    while let Some(seen) = tasks.join_next().await {
        nonces.extend(seen.expect("a worker panicked"));
    }
    assert_eq!(nonces.len(), answers, "every answer has a nonce of its own");
}
