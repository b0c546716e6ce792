//! Limits on guessing: failed sign-ins per source, per address and per
//! account, device cookies, current-password checks and sign-ups.

use account_settings::api::auth::Signup;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::{app_error, TestApp, HOST, ORIGIN, PASSWORD};

#[tokio::test]
async fn failed_sign_ins_are_rate_limited_alike_for_unknown_accounts() {
    use account_settings::server::auth::limiter::PER_SOURCE;
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
    use account_settings::server::auth::limiter::PER_SOURCE;
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
    use account_settings::server::auth::limiter::{PER_SOURCE, SLOW_AFTER};
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
    use account_settings::server::auth::limiter::PER_SOURCE;
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
