//! Bad input everywhere: a clear error, no panic, nothing stored half-way.

use account_settings::api::auth::Signup;
use account_settings::api::tokens::SaveToken;
use axum::http::{Method, StatusCode};

use account_settings::model::avatar;
use account_settings::server::run::router::MAX_BODY;

use crate::common::{app_error, reason, TestApp, PASSWORD};

#[tokio::test]
async fn signup_bad_fields_each_name_their_field() {
    let app = TestApp::new().await;
    let long = "a".repeat(300);
    let cases = [
        (("", "a@example.com", PASSWORD), "handle"),
        ((long.as_str(), "a@example.com", PASSWORD), "handle"),
        (("ad\u{7}a", "a@example.com", PASSWORD), "handle"),
        (("admin", "a@example.com", PASSWORD), "handle"),
        (("ada", "", PASSWORD), "email"),
        (("ada", "not-an-email", PASSWORD), "email"),
        (("ada", &format!("{long}@example.com"), PASSWORD), "email"),
        (("ada", "a@exa\u{0}mple.com", PASSWORD), "email"),
        (("ada", "a@example.com", "short"), "password"),
        (("ada", "a@example.com", &"p".repeat(129)), "password"),
    ];
    for ((handle, email, password), field) in cases {
        let res = app
            .call::<Signup>(
                None,
                &[("handle", handle), ("email", email), ("password", password)],
            )
            .await;
        let err = app_error(&res);
        assert_eq!(
            err["Invalid"]["field"], field,
            "{handle:?} {email:?}: {err}"
        );
        assert!(!err["Invalid"]["message"].as_str().unwrap().is_empty());
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn server_function_missing_or_wrong_typed_args_are_errors_not_panics() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app.call::<Signup>(None, &[("handle", "bob")]).await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    // An input error of the request itself, beside no field.
    assert_eq!(reason(&res), "invalid");
    assert!(app_error(&res)["Invalid"]["field"].is_null());
    let res = app
        .call::<account_settings::api::tokens::SetTokenActive>(
            Some(&cookie),
            &[("id", "abc"), ("active", "maybe")],
        )
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    let res = app
        .call::<account_settings::api::tokens::DeleteToken>(Some(&cookie), &[("id", "abc")])
        .await;
    assert_eq!(
        res.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        res.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_413_like_a_declared_one() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use futures::{stream, StreamExt};
    let app = TestApp::new().await;
    // 3 MiB in 64 KiB chunks, no Content-Length.
    let chunks = (0..48).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024]));
    let body = b"handle=bob&email=bob%40example.com&password=".to_vec();
    let head = stream::iter([Ok::<_, std::io::Error>(body)]);
    let req = Request::post(<Signup as leptos::server_fn::ServerFn>::PATH)
        .header(header::HOST, crate::common::HOST)
        .header(header::ORIGIN, crate::common::ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from_stream(head.chain(stream::iter(chunks))))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", res.text());
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn token_name_too_long_or_with_control_chars_is_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let secret = app
        .call::<account_settings::api::tokens::GenerateToken>(Some(&cookie), &[])
        .await
        .json()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    for name in ["x".repeat(101), "tab\there".to_owned(), "nul\0".to_owned()] {
        let res = app
            .call::<SaveToken>(
                Some(&cookie),
                &[
                    ("secret", &secret),
                    ("name", &name),
                    ("expiry", "30"),
                    ("expires_on", ""),
                    ("scopes", "user:read"),
                ],
            )
            .await;
        assert_eq!(app_error(&res)["Invalid"]["field"], "name");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM api_tokens").await, 0);
    // The pending token survives a refused save: the user can fix the name.
    let res = app
        .call::<SaveToken>(
            Some(&cookie),
            &[
                ("secret", &secret),
                ("name", "ok"),
                ("expiry", "30"),
                ("expires_on", ""),
                ("scopes", "user:read"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn patch_user_bad_bodies_are_refused_and_change_nothing() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    let long = format!(r#"{{"first_name":"{}"}}"#, "x".repeat(101));
    let cases: Vec<(&str, StatusCode)> = vec![
        (&long, StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"first_name":""}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (r#"{"first_name":"   "}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"last_name":"a\u0007b"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (r#"{"first_name":42}"#, StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"first_name":"Ada","nickname":"x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"avatar_url":"http://insecure.example/a.png"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            r#"{"avatar_url":"javascript:alert(1)"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (r#"{"first_name": "Ada""#, StatusCode::UNPROCESSABLE_ENTITY),
        ("not json", StatusCode::UNPROCESSABLE_ENTITY),
        (
            r#"{"first_name":"Ada","last_name":""}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (body, status) in cases {
        let res = app
            .api(Method::PATCH, "/api/v1/user", &secret, Some(body))
            .await;
        assert_eq!(res.status, status, "{body}: {}", res.text());
        let err = res.json();
        assert!(
            err["error"]["code"].is_string() && err["error"]["message"].is_string(),
            "{err}"
        );
    }
    let (first, last): (String, String) =
        account_settings::on_db!(&app.state.db, p => sqlx::query_as(
        "SELECT first_name, last_name FROM users",
    )
    .fetch_one(p)
    .await)
        .unwrap();
    assert_eq!(
        (first.as_str(), last.as_str()),
        ("", ""),
        "nothing stored half-way"
    );
}

#[tokio::test]
async fn three_mebibyte_bodies_are_413() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    let huge = format!(r#"{{"first_name":"{}"}}"#, "x".repeat(3 * 1024 * 1024));
    let res = app
        .api(Method::PATCH, "/api/v1/user", &secret, Some(&huge))
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    let name = "y".repeat(3 * 1024 * 1024);
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "bob"),
                ("email", "bob@example.com"),
                ("password", &name),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

/// What no answer may hold: a panic's or a stack trace's words, a source
/// file, SQL, a server path, a driver's name.
const LEAKS: [&str; 9] = [
    "panicked",
    "stack backtrace",
    ".rs:",
    "SELECT ",
    "INSERT ",
    "sqlx",
    "/root/",
    "/home/",
    "/tmp/",
];

#[tokio::test]
async fn every_route_that_takes_a_body_refuses_one_over_its_limit_declared_or_chunked() {
    use axum::body::Body;
    use axum::http::{header, Request};
    use futures::{stream, StreamExt};
    use leptos::server_fn::axum::server_fn_paths;

    let app = TestApp::with(|s| {
        s.db_proxy_secret = Some(account_settings::server::config::Secret::from(
            "proxy-secret-for-the-test",
        ))
    })
    .await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "ci", "30").await;
    let id = app.scalar::<i64>("SELECT id FROM api_tokens").await;
    let before = app.scalars::<String>("SELECT handle FROM users").await;
    // (method, path, over its limit by this many bytes)
    let mut routes: Vec<(Method, String, usize)> = vec![
        (Method::PATCH, "/api/v1/user".into(), MAX_BODY),
        (
            Method::POST,
            format!("/api/v1/tokens/{id}/rotate"),
            MAX_BODY,
        ),
        (Method::POST, "/api/v1/tokens/self/rotate".into(), MAX_BODY),
        (Method::POST, "/api/v1/tokens/revoke".into(), MAX_BODY),
        (Method::POST, "/internal/db-auth".into(), MAX_BODY),
        (Method::POST, "/settings/avatar".into(), avatar::MAX_BYTES),
    ];
    routes.extend(
        server_fn_paths()
            .filter(|(_, m)| *m == Method::POST)
            .map(|(p, m)| (m, p.to_owned(), MAX_BODY)),
    );
    assert!(routes.len() > 30, "{}", routes.len());
    for (method, path, limit) in &routes {
        for chunked in [false, true] {
            let size = limit + 64 * 1024;
            let body = if chunked {
                let chunks =
                    (0..size / (64 * 1024)).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 64 * 1024]));
                Body::from_stream(stream::iter(chunks).boxed())
            } else {
                Body::from(vec![b'x'; size])
            };
            let mut req = Request::builder()
                .method(method.clone())
                .uri(path)
                .header(header::HOST, crate::common::HOST)
                .header(header::ORIGIN, crate::common::ORIGIN)
                .header(header::COOKIE, &cookie)
                .header(header::AUTHORIZATION, format!("Bearer {secret}"))
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
            if !chunked {
                req = req.header(header::CONTENT_LENGTH, size);
            }
            let res = app.send(req.body(body).unwrap()).await;
            assert_eq!(
                res.status,
                StatusCode::PAYLOAD_TOO_LARGE,
                "{method} {path} (chunked: {chunked}): {}",
                res.text()
            );
            let text = res.text();
            for leak in LEAKS {
                assert!(!text.contains(leak), "{method} {path}: {leak:?} in {text}");
            }
        }
    }
    assert_eq!(
        app.scalars::<String>("SELECT handle FROM users").await,
        before
    );
    // The token was neither rotated nor reported: it still works.
    let res = app.api(Method::GET, "/api/v1/user", &secret, None).await;
    assert_eq!(res.status, StatusCode::OK);
}
