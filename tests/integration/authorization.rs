//! The attack suite's authorization family: every server function that
//! needs a session (taken from the registry, so a new one cannot be missed)
//! called with arguments its owner could send, by someone it does not
//! belong to: no session, a session past its lifetime, a disabled user's
//! session, a user who is not an administrator, another user's ids.
//! Refused every time, and nothing stored changes. The token-authenticated
//! API's scopes are `scopes.rs`'s.

use std::collections::BTreeSet;

use account_settings::api::{
    admin::*, advanced::*, audit::*, auth::*, notifications::*, profile::*, recovery::*,
    security::*, tokens::*,
};
use account_settings::server::db::Clock;
use axum::http::{Method, StatusCode};
use leptos::server_fn::axum::server_fn_paths;
use leptos::server_fn::ServerFn;
use serde_json::Value;

use crate::common::{app_error, Response, TestApp, PASSWORD};
use crate::csrf::state;

const NEW_PASSWORD: &str = "another long passphrase 77";

/// Functions anyone may call: signing up and in and out, reading whether
/// sign-up and resets are open, and the links mailed to an address (each
/// checked by its own secret, in `forgot.rs`, `recovery.rs` and `signup_mail.rs`).
fn public() -> BTreeSet<&'static str> {
    BTreeSet::from([
        GetMe::PATH,
        SignupOpen::PATH,
        Signup::PATH,
        Login::PATH,
        Logout::PATH,
        PasswordResetOpen::PATH,
        RequestPasswordReset::PATH,
        ResetPassword::PATH,
        CheckResetLink::PATH,
        CheckEmailLink::PATH,
        ConfirmEmail::PATH,
        CheckSignupLink::PATH,
        FinishSignup::PATH,
    ])
}

/// Another user's things, for the calls that name them.
struct Bob {
    user: String,
    token: String,
    session: String,
}

/// Every other function, with arguments its owner could send (the ids are
/// Bob's).
fn calls(bob: &Bob) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let s = |v: &str| v.to_owned();
    vec![
        (GetProfile::PATH, vec![]),
        (
            SaveProfile::PATH,
            vec![
                ("first_name", s("Mallory")),
                ("last_name", s("M")),
                ("display_name", s("Mallory")),
                ("email", s("mallory@example.com")),
                ("current_password", s(PASSWORD)),
            ],
        ),
        (
            SetAvatarUrl::PATH,
            vec![("avatar_url", s("https://example.com/m.png"))],
        ),
        (RemoveAvatar::PATH, vec![]),
        (GetDbConnection::PATH, vec![]),
        (RotateDbPassword::PATH, vec![]),
        (
            ChangePassword::PATH,
            vec![
                ("current_password", s(PASSWORD)),
                ("new_password", s(NEW_PASSWORD)),
            ],
        ),
        (ListSessions::PATH, vec![]),
        (EndSession::PATH, vec![("id", bob.session.clone())]),
        (EndOtherSessions::PATH, vec![]),
        (GetNotifications::PATH, vec![]),
        (
            SetNotification::PATH,
            vec![("kind", s("token_created")), ("mail", s("false"))],
        ),
        (
            GetAuditPage::PATH,
            vec![("query[action]", s("token_created"))],
        ),
        (ListTokens::PATH, vec![]),
        (GenerateToken::PATH, vec![]),
        (
            SaveToken::PATH,
            vec![
                ("secret", s("ast_000000000000000000000000000000000000")),
                ("name", s("m")),
                ("expiry", s("30")),
                ("expires_on", s("")),
                ("scopes", s("user:read")),
            ],
        ),
        (
            RegenerateToken::PATH,
            vec![("id", bob.token.clone()), ("grace", s("0"))],
        ),
        (
            SetTokenActive::PATH,
            vec![("id", bob.token.clone()), ("active", s("false"))],
        ),
        (DeleteToken::PATH, vec![("id", bob.token.clone())]),
        (PreviewHandle::PATH, vec![("handle", s("mallory"))]),
        (ChangeHandle::PATH, vec![("handle", s("mallory"))]),
        (
            DeleteAccount::PATH,
            vec![("handle", s("bob")), ("current_password", s(PASSWORD))],
        ),
        (ResendEmailConfirmation::PATH, vec![]),
        (CancelEmailChange::PATH, vec![]),
        (AdminListUsers::PATH, vec![]),
        (AdminRetryMail::PATH, vec![]),
        (
            AdminCreateUser::PATH,
            vec![
                ("handle", s("mallory")),
                ("email", s("mallory@example.com")),
                ("first_name", s("M")),
                ("last_name", s("M")),
                ("role", s("admin")),
            ],
        ),
        (
            AdminUpdateUser::PATH,
            vec![
                ("id", bob.user.clone()),
                ("first_name", s("M")),
                ("last_name", s("M")),
                ("display_name", s("Mallory")),
                ("email", s("mallory@example.com")),
                ("role", s("admin")),
            ],
        ),
        (
            AdminSetDisabled::PATH,
            vec![("id", bob.user.clone()), ("disabled", s("true"))],
        ),
        (AdminCreateService::PATH, vec![("name", s("mallory-svc"))]),
        (AdminRevokeService::PATH, vec![("id", s("1"))]),
    ]
}

fn is_admin_only(path: &str) -> bool {
    [
        AdminListUsers::PATH,
        AdminRetryMail::PATH,
        AdminCreateUser::PATH,
        AdminUpdateUser::PATH,
        AdminSetDisabled::PATH,
        AdminCreateService::PATH,
        AdminRevokeService::PATH,
    ]
    .contains(&path)
}

async fn send(
    app: &TestApp,
    path: &str,
    cookie: Option<&str>,
    args: &[(&str, String)],
) -> Response {
    let body = crate::common::form(
        &args
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect::<Vec<_>>(),
    );
    let mut req = axum::http::Request::builder()
        .method(Method::POST)
        .uri(path)
        .header("host", crate::common::HOST)
        .header("origin", crate::common::ORIGIN)
        .header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    app.send(req.body(axum::body::Body::from(body)).unwrap())
        .await
}

fn assert_unauthorized(res: &Response, case: &str) {
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "{case}: {}",
        res.text()
    );
    assert_eq!(
        app_error(res),
        Value::String("Unauthorized".into()),
        "{case}"
    );
}

/// Bob's sessions, tokens, and the accounts an administrator could change.
async fn bobs_things(app: &TestApp) -> (i64, Vec<String>, Vec<String>) {
    (
        app.count("SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE handle = 'bob')").await,
        app.scalars::<String>(
            "SELECT name || '|' || last_four || '|' || COALESCE(deactivated_at, 0) FROM api_tokens
             WHERE user_id = (SELECT id FROM users WHERE handle = 'bob')",
        )
        .await,
        app.scalars::<String>(
            "SELECT handle || '|' || email || '|' || display_name || '|' || is_admin || '|' || disabled
             FROM users WHERE handle IN ('bob', 'root-user') ORDER BY id",
        )
        .await,
    )
}

/// Bob: a user with a token and a session, and the ids of both.
async fn bob(app: &TestApp) -> (Bob, String) {
    let cookie = app.signup("bob").await;
    let (_, token) = app.create_token(&cookie, "bob's", "30").await;
    let session: i64 = app
        .scalar("SELECT MAX(id) FROM sessions WHERE user_id = (SELECT id FROM users WHERE handle = 'bob')")
        .await;
    let bob = Bob {
        user: app.user_id("bob").await.to_string(),
        token: token["id"].as_i64().unwrap().to_string(),
        session: session.to_string(),
    };
    (bob, cookie)
}

#[tokio::test]
async fn the_registry_has_no_function_this_suite_does_not_try() {
    let app = TestApp::new().await;
    let (bob, _) = bob(&app).await;
    let tried: BTreeSet<&str> = calls(&bob).iter().map(|(p, _)| *p).collect();
    let public = public();
    let missing: Vec<&str> = server_fn_paths()
        .map(|(path, _)| path)
        .filter(|p| !tried.contains(p) && !public.contains(p))
        .collect();
    assert!(
        missing.is_empty(),
        "server functions no test here calls: {missing:?}"
    );
}

#[tokio::test]
async fn without_a_live_session_every_function_is_refused_and_nothing_changes() {
    let clock = Clock::adjustable();
    let shared = clock.clone();
    let app = TestApp::with(move |s| s.clock = shared).await;
    let root = app.signup("root-user").await;
    let (bob, _) = bob(&app).await;
    // Mallory's sessions: one that will outlive its 12 hours, one of a
    // user an administrator then disables.
    let expired = app.signup("mallory").await;
    let disabled = app.signup("trudy").await;
    let trudy = app.user_id("trudy").await.to_string();
    let res = app
        .call::<AdminSetDisabled>(Some(&root), &[("id", &trudy), ("disabled", "true")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    clock.advance(12 * 3600 + 1);
    assert_eq!(app.me(&expired).await, Value::Null);
    let before = state(&app).await;

    for (path, args) in calls(&bob) {
        for (case, cookie) in [
            ("no session", None),
            (
                "a forged cookie",
                Some("session=0123456789abcdefghijklmnopqrstuvwxyzABCDEFG"),
            ),
            ("an expired session", Some(expired.as_str())),
            ("a disabled user's session", Some(disabled.as_str())),
        ] {
            let res = send(&app, path, cookie, &args).await;
            assert_unauthorized(&res, &format!("{path} with {case}"));
        }
    }
    assert_eq!(
        state(&app).await,
        before,
        "a refused call changed something"
    );
}

#[tokio::test]
async fn a_user_cannot_reach_another_users_things_or_the_administration() {
    let app = TestApp::new().await;
    app.signup("root-user").await;
    let (bob, _) = bob(&app).await;
    let mallory = app.signup("mallory").await;
    let before_bob = bobs_things(&app).await;
    let users_before = app.count("SELECT COUNT(*) FROM users").await;

    for (path, args) in calls(&bob) {
        let names_bob = args
            .iter()
            .any(|(k, v)| *k == "id" && (v == &bob.token || v == &bob.session || v == &bob.user));
        if !names_bob && !is_admin_only(path) {
            continue;
        }
        // Not found, as if nothing were there (administration included:
        // its pages do not exist for anyone else).
        let res = send(&app, path, Some(&mallory), &args).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{path} by Mallory: {}",
            res.text()
        );
    }
    let after_bob = bobs_things(&app).await;
    assert_eq!(
        after_bob, before_bob,
        "Bob's things and the accounts are untouched"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users_before);
}

#[tokio::test]
async fn the_api_answers_another_users_token_ids_as_unknown_and_changes_nothing() {
    let app = TestApp::new().await;
    let (bob, bob_cookie) = bob(&app).await;
    let (bob_secret, _) = app.create_token(&bob_cookie, "bob's second", "30").await;
    let ada = app.signup("ada").await;
    let (ada_token, _) = app.create_token_with(&ada, crate::common::ALL_SCOPES).await;
    let before = bobs_things(&app).await;
    let id = &bob.token;
    for (method, path) in [
        (Method::GET, format!("/api/v1/tokens/{id}")),
        (Method::DELETE, format!("/api/v1/tokens/{id}")),
        (Method::POST, format!("/api/v1/tokens/{id}/rotate")),
    ] {
        let res = app.api(method.clone(), &path, &ada_token, None).await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "{method} {path}: {}",
            res.text()
        );
        assert_eq!(res.json()["error"]["code"], "not_found", "{method} {path}");
    }
    assert_eq!(bobs_things(&app).await, before);
    let res = app
        .api(Method::GET, "/api/v1/user", &bob_secret, None)
        .await;
    assert_eq!(res.json()["handle"], "bob", "Bob's tokens still work");
}
