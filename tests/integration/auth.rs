//! Sign-up, sign-in, sessions and cross-origin protection.

use account_settings::api::auth::{GetMe, Logout, Signup};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use serde_json::Value;

use crate::common::{app_error, TestApp, HOST, ORIGIN, PASSWORD};

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
    assert_eq!(a["Invalid"]["message"], "Invalid email, handle or password");
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
async fn idle_session_expires() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.exec("UPDATE sessions SET last_seen_at = last_seen_at - 31 * 60")
        .await;
    assert_eq!(app.me(&cookie).await, Value::Null);
}

#[tokio::test]
async fn absolute_session_lifetime_ends_session() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let past = account_settings::model::time::now() - 1;
    app.exec(&format!("UPDATE sessions SET expires_at = {past}"))
        .await;
    assert_eq!(app.me(&cookie).await, Value::Null);
}

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

#[tokio::test]
async fn failed_sign_ins_are_rate_limited_alike_for_unknown_accounts() {
    use account_settings::server::limiter::PER_SOURCE;
    let app = TestApp::new().await;
    app.signup("ada").await;
    for login in ["ada", "nobody"] {
        for _ in 0..PER_SOURCE {
            let res = app.login(login, "wrong password here").await;
            assert_eq!(app_error(&res)["Invalid"]["field"], "login");
        }
        // Now even the right password waits.
        let res = app.login(login, PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{login}");
        let retry: u64 = res
            .headers
            .get(header::RETRY_AFTER)
            .unwrap()
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(retry > 0 && retry <= 15 * 60);
        assert!(app_error(&res)["RateLimited"].as_u64().unwrap() > 0);
        assert!(res.session_cookie().is_none());
    }
    // Other accounts are not affected.
    app.signup("grace").await;
    assert!(app
        .login("grace", PASSWORD)
        .await
        .session_cookie()
        .is_some());
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

/// A sign-in from the client at `ip` (behind the trusted proxy), with the
/// browser's cookies.
async fn login_from(
    app: &TestApp,
    ip: &str,
    cookies: &str,
    password: &str,
) -> crate::common::Response {
    let body = crate::common::form(&[("login", "ada"), ("password", password)]);
    let mut req =
        Request::post(<account_settings::api::auth::Login as leptos::server_fn::ServerFn>::PATH)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", ip);
    if !cookies.is_empty() {
        req = req.header(header::COOKIE, cookies);
    }
    app.send(req.body(Body::from(body)).unwrap()).await
}

/// The `device` cookie a response sets.
fn device_cookie(res: &crate::common::Response) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("device="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

async fn behind_a_proxy() -> TestApp {
    TestApp::with(|s| s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()]).await
}

#[tokio::test]
async fn strangers_failing_from_elsewhere_do_not_lock_the_user_out() {
    use account_settings::server::limiter::PER_SOURCE;
    let app = behind_a_proxy().await;
    app.signup("ada").await;
    // Five wrong passwords from one address and five from another.
    for ip in ["203.0.113.1", "203.0.113.2"] {
        for _ in 0..PER_SOURCE {
            let res = login_from(&app, ip, "", "wrong password here").await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        }
        // That source now waits, even with the right password.
        let res = login_from(&app, ip, "", PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{ip}");
        assert!(res.headers.contains_key(header::RETRY_AFTER));
    }
    // Ada, from her own address, signs in (slowed, not refused).
    let res = login_from(&app, "198.51.100.7", "", PASSWORD).await;
    assert!(
        res.session_cookie().is_some(),
        "{} {}",
        res.status,
        res.text()
    );
}

#[tokio::test]
async fn a_browser_that_signed_in_before_is_not_held_back_by_its_address() {
    use account_settings::server::limiter::{PER_SOURCE, SLOW_AFTER};
    let app = behind_a_proxy().await;
    app.signup("ada").await;
    let res = login_from(&app, "198.51.100.7", "", PASSWORD).await;
    let known = device_cookie(&res).expect("a device cookie");
    // Strangers fail from other addresses and from Ada's (a shared one),
    // up to the account's ceiling.
    for _ in 0..SLOW_AFTER - PER_SOURCE {
        login_from(&app, "203.0.113.1", "", "wrong password here").await;
    }
    for _ in 0..PER_SOURCE {
        login_from(&app, "198.51.100.7", "", "wrong password here").await;
    }
    assert_eq!(
        login_from(&app, "198.51.100.7", "", PASSWORD).await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Her browser, from the same address, is not held back.
    let res = login_from(&app, "198.51.100.7", &known, PASSWORD).await;
    assert!(
        res.session_cookie().is_some(),
        "{} {}",
        res.status,
        res.text()
    );
    // A forged or another account's device cookie counts for nothing.
    let forged = known.replacen("device=1.", "device=2.", 1);
    assert_eq!(
        login_from(&app, "198.51.100.7", &forged, PASSWORD)
            .await
            .status,
        StatusCode::TOO_MANY_REQUESTS
    );
    // Its own failures count against the browser, not the address.
    for _ in 0..PER_SOURCE {
        let res = login_from(&app, "198.51.100.9", &known, "wrong password here").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let res = login_from(&app, "198.51.100.9", &known, PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn strangers_failures_never_hold_back_a_signed_in_users_current_password() {
    use account_settings::api::security::ChangePassword;
    use account_settings::server::limiter::PER_SOURCE;
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    for login in ["ada", "ada@example.com"] {
        for _ in 0..PER_SOURCE {
            app.login(login, "wrong password here").await;
        }
    }
    let res = app
        .call::<ChangePassword>(
            Some(&cookie),
            &[
                ("current_password", PASSWORD),
                ("new_password", "a different passphrase 42"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn sign_ups_are_limited_per_address_before_any_hashing() {
    let app = TestApp::with(|s| {
        s.signups_per_address = 3;
        s.trusted_proxies = vec!["127.0.0.1/32".parse().unwrap()];
    })
    .await;
    let attempt = |ip: &'static str, handle: &'static str| {
        let email = format!("{handle}@example.com");
        let body = crate::common::form(&[
            ("handle", handle),
            ("email", &email),
            ("password", PASSWORD),
        ]);
        Request::post(<Signup as leptos::server_fn::ServerFn>::PATH)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", ip)
            .body(Body::from(body))
            .unwrap()
    };
    // Refused ones count too: each cost a hash.
    assert_eq!(
        app.send(attempt("203.0.113.5", "x")).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    for handle in ["ada", "bob"] {
        let res = app.send(attempt("203.0.113.5", handle)).await;
        assert!(res.session_cookie().is_some(), "{handle}: {}", res.status);
    }
    let res = app.send(attempt("203.0.113.5", "carol")).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key(header::RETRY_AFTER));
    // Another address is not held back.
    let res = app.send(attempt("203.0.113.6", "carol")).await;
    assert!(res.session_cookie().is_some(), "{}", res.status);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 3);
}
