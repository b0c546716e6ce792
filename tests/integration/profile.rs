//! The Profile page's server functions: names, email, avatar address and
//! the workspace database password with its verification path.

use account_settings::api::profile::{
    GetDbConnection, GetProfile, RemoveAvatar, RotateDbPassword, SaveProfile, SetAvatarUrl,
};
use account_settings::server::config::Secret;
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::{json, Value};

use crate::common::{app_error, Response, TestApp, PASSWORD};

const PROXY_SECRET: &str = "proxy-secret-0123456789-abcdefghijklmnop";

fn profile_args<'a>(
    first: &'a str,
    last: &'a str,
    display: &'a str,
    email: &'a str,
    password: &'a str,
) -> [(&'static str, &'a str); 5] {
    [
        ("first_name", first),
        ("last_name", last),
        ("display_name", display),
        ("email", email),
        ("current_password", password),
    ]
}

#[tokio::test]
async fn save_profile_updates_names_and_audits_the_fields() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app
        .call::<SaveProfile>(
            Some(&cookie),
            &profile_args(" Ada ", "Lovelace", "Ada L.", "ada@example.com", ""),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let body = res.json();
    assert_eq!(body["first_name"], "Ada");
    assert_eq!(body["display_name"], "Ada L.");
    let got = app.call::<GetProfile>(Some(&cookie), &[]).await.json();
    assert_eq!(got["last_name"], "Lovelace");
    assert_eq!(app.me(&cookie).await["display_name"], "Ada L.");
    app.state.audit.flush().await;
    let detail: String = app
        .scalar("SELECT detail FROM audit_events WHERE action = 'profile_updated' ORDER BY id DESC")
        .await;
    assert_eq!(detail, "Changed first name, last name, display name");
}

#[tokio::test]
async fn save_profile_refuses_each_bad_field_and_stores_nothing() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let long = "x".repeat(101);
    let cases: [([&str; 4], &str); 7] = [
        (["", "L", "D", "ada@example.com"], "first_name"),
        (["F", "  ", "D", "ada@example.com"], "last_name"),
        (["F", "L", "", "ada@example.com"], "display_name"),
        ([&long, "L", "D", "ada@example.com"], "first_name"),
        (["F", "L\u{0}x", "D", "ada@example.com"], "last_name"),
        (["F", "L", "D\u{1b}[31m", "ada@example.com"], "display_name"),
        (["F", "L", "D", "not-an-address"], "email"),
    ];
    for ([f, l, d, e], field) in cases {
        let res = app
            .call::<SaveProfile>(Some(&cookie), &profile_args(f, l, d, e, PASSWORD))
            .await;
        assert_eq!(
            app_error(&res)["Invalid"]["field"],
            field,
            "{f:?} {l:?} {d:?} {e:?}"
        );
    }
    let got = app.call::<GetProfile>(Some(&cookie), &[]).await.json();
    assert_eq!(got["first_name"], "");
    assert_eq!(got["email"], "ada@example.com");
    assert!(!app
        .actions(app.user_id("ada").await)
        .await
        .contains(&"profile_updated".to_owned()));
}

#[tokio::test]
async fn email_change_needs_the_current_password() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let args = |pw| profile_args("Ada", "Lovelace", "Ada", "ada@new.example", pw);

    let res = app.call::<SaveProfile>(Some(&cookie), &args("")).await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "current_password");
    let res = app
        .call::<SaveProfile>(Some(&cookie), &args("not my password at all"))
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "current_password");
    let got = app.call::<GetProfile>(Some(&cookie), &[]).await.json();
    assert_eq!(got["email"], "ada@example.com", "nothing saved half-way");
    assert_eq!(got["first_name"], "");

    let res = app
        .call::<SaveProfile>(Some(&cookie), &args(PASSWORD))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["email"], "ada@new.example");
    let actions = app.actions(app.user_id("ada").await).await;
    assert!(actions.contains(&"email_changed".to_owned()), "{actions:?}");
    // Signing in with the new address works.
    assert!(app
        .login("ada@new.example", PASSWORD)
        .await
        .session_cookie()
        .is_some());
}

#[tokio::test]
async fn email_of_another_account_is_refused_ignoring_case() {
    let app = TestApp::new().await;
    app.signup("bob").await;
    let cookie = app.signup("ada").await;
    let res = app
        .call::<SaveProfile>(
            Some(&cookie),
            &profile_args("A", "L", "D", "BOB@Example.com", PASSWORD),
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "email");
}

#[tokio::test]
async fn avatar_url_must_be_https_and_can_be_removed() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    for bad in [
        "http://img.example/a.png",
        "javascript:alert(1)",
        "",
        "https://",
    ] {
        let res = app
            .call::<SetAvatarUrl>(Some(&cookie), &[("avatar_url", bad)])
            .await;
        assert_eq!(app_error(&res)["Invalid"]["field"], "avatar_url", "{bad}");
    }
    let url = "https://img.example/ada.png";
    let res = app
        .call::<SetAvatarUrl>(Some(&cookie), &[("avatar_url", url)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.me(&cookie).await["avatar"], url);
    let res = app.call::<RemoveAvatar>(Some(&cookie), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.me(&cookie).await["avatar"], Value::Null);
    let actions = app.actions(app.user_id("ada").await).await;
    assert_eq!(actions.iter().filter(|a| *a == "avatar_changed").count(), 2);
}

async fn db_auth(app: &TestApp, secret: Option<&str>, user: &str, password: &str) -> Response {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri("/internal/db-auth")
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(s) = secret {
        req = req.header(header::AUTHORIZATION, format!("Bearer {s}"));
    }
    let body = json!({ "user": user, "password": password }).to_string();
    app.send(req.body(Body::from(body)).unwrap()).await
}

fn password_of(connection: &str) -> String {
    // postgres://<handle>:<password>@<host>:9193/<handle>
    let rest = connection.strip_prefix("postgres://").unwrap();
    let (creds, _) = rest.split_once('@').unwrap();
    creds.split_once(':').unwrap().1.to_owned()
}

#[tokio::test]
async fn rotated_database_password_verifies_and_the_old_one_does_not() {
    let app = TestApp::with(|s| {
        s.db_proxy_secret = Some(Secret::from(PROXY_SECRET));
        s.workspace_domain = "db.example.com".into();
    })
    .await;
    let cookie = app.signup("ada").await;
    let first = app.call::<GetDbConnection>(Some(&cookie), &[]).await.json();
    let full = first["full"].as_str().unwrap();
    assert!(full.starts_with("postgres://ada:"));
    assert!(full.ends_with("@ada.db.example.com:9193/ada"), "{full}");
    let old = password_of(full);
    assert!(!first["masked"].as_str().unwrap().contains(&old));
    // Shown again, the same password.
    let again = app.call::<GetDbConnection>(Some(&cookie), &[]).await.json();
    assert_eq!(again["full"], first["full"]);
    // Stored sealed: the plain password is nowhere in the row.
    let stored: Vec<u8> = app
        .scalar("SELECT db_password_enc FROM users WHERE handle = 'ada'")
        .await;
    assert!(!stored.windows(old.len()).any(|w| w == old.as_bytes()));

    let res = db_auth(&app, Some(PROXY_SECRET), "ada", &old).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["handle"], "ada");

    let rotated = app.call::<RotateDbPassword>(Some(&cookie), &[]).await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text());
    let new = password_of(rotated.json()["full"].as_str().unwrap());
    assert_ne!(new, old);
    let res = db_auth(&app, Some(PROXY_SECRET), "ada", &old).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"]["code"], "invalid_credentials");
    let res = db_auth(&app, Some(PROXY_SECRET), "ADA", &new).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let actions = app.actions(app.user_id("ada").await).await;
    assert!(actions.contains(&"db_password_rotated".to_owned()));
    // The audit log never holds the password.
    let leaked = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%{new}%' OR detail LIKE '%{old}%'"
        ))
        .await;
    assert_eq!(leaked, 0);
}

#[tokio::test]
async fn db_auth_needs_the_proxy_secret_and_is_off_without_one() {
    let off = TestApp::new().await;
    let res = db_auth(&off, Some(PROXY_SECRET), "ada", "x").await;
    assert_eq!(res.status, StatusCode::NOT_FOUND);

    let app = TestApp::with(|s| s.db_proxy_secret = Some(Secret::from(PROXY_SECRET))).await;
    let cookie = app.signup("ada").await;
    let full = app.call::<GetDbConnection>(Some(&cookie), &[]).await.json()["full"]
        .as_str()
        .unwrap()
        .to_owned();
    let pw = password_of(&full);
    for secret in [None, Some("wrong-secret-wrong-secret-wrong-secret")] {
        let res = db_auth(&app, secret, "ada", &pw).await;
        assert_eq!(res.status, StatusCode::UNAUTHORIZED);
        assert_eq!(res.json()["error"]["code"], "invalid_proxy_secret");
    }
    let res = db_auth(&app, Some(PROXY_SECRET), "nobody", &pw).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let res = db_auth(&app, Some(PROXY_SECRET), "ada", "{\"not\": json").await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn db_auth_says_it_is_off_or_refused_before_reading_the_body() {
    let raw = |content_type: &'static str, body: &'static str, secret: Option<&str>| {
        let mut req = Request::post("/internal/db-auth").header(header::CONTENT_TYPE, content_type);
        if let Some(s) = secret {
            req = req.header(header::AUTHORIZATION, format!("Bearer {s}"));
        }
        req.body(Body::from(body)).unwrap()
    };
    let off = TestApp::new().await;
    for (kind, body) in [("application/json", "{not json"), ("text/plain", "hello")] {
        let res = off.send(raw(kind, body, Some(PROXY_SECRET))).await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{kind}");
    }
    let on = TestApp::with(|s| s.db_proxy_secret = Some(Secret::from(PROXY_SECRET))).await;
    let res = on.send(raw("text/plain", "hello", None)).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    // With the right secret, the body is judged.
    let res = on
        .send(raw("text/plain", "hello", Some(PROXY_SECRET)))
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let res = on
        .send(raw("application/json", "{not json", Some(PROXY_SECRET)))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    // Not in the public API's document.
    let doc = on.get("/api/v1/openapi.json", None).await.json();
    assert!(doc["paths"].get("/internal/db-auth").is_none());
    assert!(!doc.to_string().contains("DbAuth"));
}

#[tokio::test]
async fn profile_functions_need_a_session() {
    let app = TestApp::new().await;
    for res in [
        app.call::<GetProfile>(None, &[]).await,
        app.call::<GetDbConnection>(None, &[]).await,
        app.call::<RotateDbPassword>(None, &[]).await,
    ] {
        assert_eq!(app_error(&res), Value::String("Unauthorized".into()));
    }
}

#[tokio::test]
async fn pages_and_functions_are_not_cached_but_avatars_are() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let page = app.get("/settings/profile", Some(&cookie)).await;
    assert_eq!(page.headers[header::CACHE_CONTROL], "no-store");
    let conn = app.call::<GetDbConnection>(Some(&cookie), &[]).await;
    assert_eq!(conn.headers[header::CACHE_CONTROL], "no-store");
    // The page's HTML never holds the database password.
    let pw = password_of(conn.json()["full"].as_str().unwrap());
    assert!(!page.text().contains(&pw));
}

#[tokio::test]
async fn wrong_current_passwords_are_rate_limited_like_sign_ins() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let mut limited = None;
    for _ in 0..8 {
        let res = app
            .call::<SaveProfile>(
                Some(&cookie),
                &profile_args("A", "L", "D", "new@example.com", "wrong wrong wrong"),
            )
            .await;
        if res.status == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(res);
            break;
        }
    }
    let res = limited.expect("limited within 8 attempts");
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    assert!(app_error(&res)["RateLimited"].is_number());
    // Even the right password waits now; nothing was changed.
    let res = app
        .call::<SaveProfile>(
            Some(&cookie),
            &profile_args("A", "L", "D", "new@example.com", PASSWORD),
        )
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    let got = app.call::<GetProfile>(Some(&cookie), &[]).await.json();
    assert_eq!(got["email"], "ada@example.com");
}
