//! The Security page: password change and active sessions.

use account_settings::api::auth::GetMe;
use account_settings::api::security::{ChangePassword, EndOtherSessions, EndSession, ListSessions};
use axum::http::StatusCode;
use serde_json::Value;

use crate::common::{app_error, TestApp, PASSWORD};

const NEW_PASSWORD: &str = "a much better passphrase 42";

async fn sign_in(app: &TestApp, login: &str, password: &str) -> String {
    app.login(login, password)
        .await
        .session_cookie()
        .expect("signed in")
}

#[tokio::test]
async fn change_password_ends_other_sessions_and_keeps_this_one() {
    let app = TestApp::new().await;
    let here = app.signup("ada").await;
    let elsewhere = sign_in(&app, "ada", PASSWORD).await;
    let bob = app.signup("bob").await;

    let res = app
        .call::<ChangePassword>(
            Some(&here),
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), 1);
    assert_eq!(app.me(&here).await["handle"], "ada");
    assert_eq!(app.me(&elsewhere).await, Value::Null);
    assert_eq!(app.me(&bob).await["handle"], "bob", "other users untouched");
    assert!(!app.signs_in("ada", PASSWORD).await);
    assert!(app.signs_in("ada", NEW_PASSWORD).await);
    assert!(app
        .actions(app.user_id("ada").await)
        .await
        .contains(&"password_changed".to_owned()));
}

#[tokio::test]
async fn change_password_refuses_wrong_current_short_and_common_passwords() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let cases = [
        ("wrong current password", NEW_PASSWORD, "current_password"),
        ("", NEW_PASSWORD, "current_password"),
        (PASSWORD, "short", "new_password"),
        (PASSWORD, &"x".repeat(129), "new_password"),
        (PASSWORD, "qwerty123456", "new_password"),
        (PASSWORD, "1Q2W3E4R5T6Y", "new_password"),
        (PASSWORD, PASSWORD, "new_password"),
    ];
    for (current, new, field) in cases {
        let res = app
            .call::<ChangePassword>(
                Some(&cookie),
                &[("current_password", current), ("new_password", new)],
            )
            .await;
        assert_eq!(
            app_error(&res)["Invalid"]["field"],
            field,
            "{current} / {new}"
        );
    }
    assert!(app.login("ada", PASSWORD).await.session_cookie().is_some());
}

#[tokio::test]
async fn signup_refuses_a_common_password() {
    let app = TestApp::new().await;
    let res = app
        .call::<account_settings::api::auth::Signup>(
            None,
            &[
                ("handle", "ada"),
                ("email", "ada@example.com"),
                ("password", "qazwsxedcrfv"),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "password");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn sessions_are_listed_with_this_one_marked_and_can_be_signed_out() {
    let app = TestApp::new().await;
    let here = app.signup("ada").await;
    let other = sign_in(&app, "ada", PASSWORD).await;
    let third = sign_in(&app, "ada", PASSWORD).await;
    let bob = app.signup("bob").await;

    let list = app.call::<ListSessions>(Some(&here), &[]).await.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 3);
    assert_eq!(list.iter().filter(|s| s["current"] == true).count(), 1);
    assert_eq!(list[0]["ip"], "127.0.0.1");
    assert!(list[0]["device"].is_string());

    // Which one is `other`? The one the other cookie sees as current.
    let other_list = app.call::<ListSessions>(Some(&other), &[]).await.json();
    let other_id = other_list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["current"] == true)
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    // Bob cannot end Ada's session.
    let res = app
        .call::<EndSession>(Some(&bob), &[("id", &other_id.to_string())])
        .await;
    assert!(app_error(&res)["NotFound"].is_string());
    assert_eq!(app.me(&other).await["handle"], "ada");

    let res = app
        .call::<EndSession>(Some(&here), &[("id", &other_id.to_string())])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.me(&other).await, Value::Null);
    assert_eq!(app.me(&third).await["handle"], "ada");

    let res = app.call::<EndOtherSessions>(Some(&here), &[]).await;
    assert_eq!(res.json(), 1);
    assert_eq!(app.me(&third).await, Value::Null);
    assert_eq!(app.me(&here).await["handle"], "ada");
    assert_eq!(app.me(&bob).await["handle"], "bob");
    let actions = app.actions(app.user_id("ada").await).await;
    assert_eq!(
        actions
            .iter()
            .filter(|a| *a == "session_signed_out")
            .count(),
        2
    );
}

#[tokio::test]
async fn ending_the_current_session_from_the_list_is_refused() {
    let app = TestApp::new().await;
    let here = app.signup("ada").await;
    let list = app.call::<ListSessions>(Some(&here), &[]).await.json();
    let id = list[0]["id"].as_i64().unwrap().to_string();
    let res = app.call::<EndSession>(Some(&here), &[("id", &id)]).await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "session");
    let res = app.call::<GetMe>(Some(&here), &[]).await;
    assert_eq!(res.json()["handle"], "ada");
}
