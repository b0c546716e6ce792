//! `/auth/verify`, as each kind of proxy calls it: who the token belongs
//! to, the §4 refusals, the rate limit, and the audit event of the
//! original request. Through a real nginx: `tests/nginx/`.

use account_settings::api::tokens::{DeleteToken, SetTokenActive};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::{Response, TestApp};

/// A check of `token` (if any) with the proxy's `headers`.
async fn verify(
    app: &TestApp,
    method: &str,
    uri: &str,
    token: Option<&str>,
    headers: &[(&str, &str)],
) -> Response {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    app.send(req.body(Body::empty()).unwrap()).await
}

fn header<'a>(res: &'a Response, name: &str) -> &'a str {
    res.headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} in {:?}", res.headers))
        .to_str()
        .unwrap()
}

/// The last audit event: action, method, host, path, status.
async fn last_event(app: &TestApp) -> (String, String, Option<String>, String, i64) {
    app.state.audit.flush().await;
    let row = |col: &str| {
        format!("SELECT {col} FROM audit_events WHERE method IS NOT NULL ORDER BY id DESC LIMIT 1")
    };
    (
        app.scalar(&row("action")).await,
        app.scalar(&row("method")).await,
        app.scalar(&row("host")).await,
        app.scalar(&row("path")).await,
        app.scalar(&row("status")).await,
    )
}

#[tokio::test]
async fn each_proxys_headers_name_the_request_and_the_answer_names_the_owner() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let (token, saved) = app.create_token(&ada, "gateway", "30").await;
    let id = saved["id"].as_i64().unwrap();
    let user_id: i64 = app
        .scalar("SELECT id FROM users WHERE handle = 'ada'")
        .await;

    // nginx auth_request: the original method and URI in headers of its own.
    let res = verify(
        &app,
        "GET",
        "/auth/verify",
        Some(&token),
        &[
            ("x-original-method", "POST"),
            ("x-original-uri", "/v1/things?api_key=not-for-the-log"),
            ("host", "api.example.com"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert!(res.body.is_empty());
    assert_eq!(header(&res, "x-auth-user-id"), user_id.to_string());
    assert_eq!(header(&res, "x-auth-handle"), "ada");
    assert_eq!(header(&res, "x-auth-email"), "ada@example.com");
    assert_eq!(header(&res, "x-auth-token-id"), id.to_string());
    let scopes = header(&res, "x-auth-scopes");
    assert!(scopes.split(' ').any(|s| s == "user:read"), "{scopes}");
    assert!(scopes.split(' ').any(|s| s == "tokens:write"), "{scopes}");
    assert!(res.headers.contains_key("ratelimit-remaining"));
    assert_eq!(
        last_event(&app).await,
        (
            "api_request".into(),
            "POST".into(),
            Some("api.example.com".into()),
            "/v1/things".into(),
            200
        )
    );

    // Traefik and Caddy: X-Forwarded-*; the first of several hosts.
    let res = verify(
        &app,
        "GET",
        "/auth/verify",
        Some(&token),
        &[
            ("x-forwarded-method", "put"),
            ("x-forwarded-uri", "/v2/items/7"),
            ("x-forwarded-host", "Data.Example.com, inner.local"),
            ("host", "auth.internal"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (_, method, host, path, _) = last_event(&app).await;
    assert_eq!(
        (method.as_str(), host.as_deref(), path.as_str()),
        ("PUT", Some("data.example.com"), "/v2/items/7")
    );

    // Envoy ext_authz: the original method, and the path after the route.
    let res = verify(
        &app,
        "DELETE",
        "/auth/verify/v1/things/9?x=1",
        Some(&token),
        &[("host", "api.example.com")],
    )
    .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let (_, method, _, path, _) = last_event(&app).await;
    assert_eq!((method.as_str(), path.as_str()), ("DELETE", "/v1/things/9"));

    // The Audit Log page shows the host with the request.
    let page = app.get("/settings/audit-log", Some(&ada)).await;
    assert!(
        page.text().contains("DELETE api.example.com/v1/things/9"),
        "{}",
        page.text()
    );
}

/// Envoy's `ext_authz` passes the original request on as it came: a POST
/// from the platform's own pages carries the browser's `Origin`, its
/// `Sec-Fetch-Site`, its cookies and its body. None of that is this site's
/// business (the token decides), so none of it is refused as a forgery.
#[tokio::test]
async fn a_browsers_post_passed_on_by_envoy_is_judged_by_its_token_alone() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "gateway", "30").await;
    let post = |token: Option<&str>| {
        let mut req = Request::builder()
            .method("POST")
            .uri("/auth/verify/v1/things")
            .header(header::HOST, "api.example.com")
            .header(header::ORIGIN, "https://app.example.com")
            .header("sec-fetch-site", "same-site")
            .header(header::COOKIE, "platform_session=abc")
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(t) = token {
            req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        req.body(Body::from(r#"{"name": "a thing"}"#)).unwrap()
    };
    let res = app.send(post(Some(&token))).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(header(&res, "x-auth-handle"), "ada");
    let (action, method, host, path, status) = last_event(&app).await;
    assert_eq!(
        (
            action.as_str(),
            method.as_str(),
            host.as_deref(),
            path.as_str(),
            status
        ),
        (
            "api_request",
            "POST",
            Some("api.example.com"),
            "/v1/things",
            200
        )
    );
    // Without a token, the §4 refusal, not the origin check's.
    let res = app.send(post(None)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text());
    assert!(header(&res, "www-authenticate").starts_with("Bearer"));
}

#[tokio::test]
async fn refusals_are_the_apis_and_a_token_stops_at_once() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let (token, saved) = app.create_token(&ada, "gateway", "30").await;
    let id_s = saved["id"].as_i64().unwrap().to_string();
    let nginx = [
        ("x-original-method", "GET"),
        ("x-original-uri", "/v1/things"),
    ];

    let res = verify(&app, "GET", "/auth/verify", None, &nginx).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert!(header(&res, "www-authenticate").starts_with("Bearer"));
    assert_eq!(res.json()["error"]["code"], "invalid_token");
    let res = verify(&app, "GET", "/auth/verify", Some("as_nonsense"), &nginx).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);

    // A method no proxy sends is a configuration fault, said as such.
    let res = verify(
        &app,
        "GET",
        "/auth/verify",
        Some(&token),
        &[("x-original-method", "GE T"), ("x-original-uri", "/v1")],
    )
    .await;
    assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.text());
    assert!(res.text().contains("method"), "{}", res.text());

    // Deactivated: refused by the very next check, and recorded.
    let res = app
        .call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = verify(&app, "GET", "/auth/verify", Some(&token), &nginx).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"]["code"], "token_deactivated");
    let (action, _, _, path, status) = last_event(&app).await;
    assert_eq!(
        (action.as_str(), path.as_str(), status),
        ("token_rejected_deactivated", "/v1/things", 401)
    );

    app.call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "true")])
        .await;
    let res = verify(&app, "GET", "/auth/verify", Some(&token), &nginx).await;
    assert_eq!(res.status, StatusCode::OK);
    // Deleted: unknown from then on.
    let res = app.call::<DeleteToken>(Some(&ada), &[("id", &id_s)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = verify(&app, "GET", "/auth/verify", Some(&token), &nginx).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"]["code"], "invalid_token");
}

#[tokio::test]
async fn checks_count_against_the_tokens_rate_limit_like_api_requests() {
    let app = TestApp::with(|s| s.api_rate_limit_per_hour = 2).await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "gateway", "30").await;
    let nginx = [
        ("x-original-method", "GET"),
        ("x-original-uri", "/v1/things"),
    ];
    let res = verify(&app, "GET", "/auth/verify", Some(&token), &nginx).await;
    assert_eq!(header(&res, "ratelimit-remaining"), "1");
    let res = app
        .api(axum::http::Method::GET, "/api/v1/user", &token, None)
        .await;
    assert_eq!(res.status, StatusCode::OK);
    let res = verify(&app, "GET", "/auth/verify", Some(&token), &nginx).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text());
    assert_eq!(header(&res, "ratelimit-remaining"), "0");
    assert!(res.headers.contains_key("retry-after"));
    assert_eq!(last_event(&app).await.4, 429);
}
