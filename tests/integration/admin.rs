//! `/admin/users` and the administrators' server functions.

use account_settings::api::admin::{
    AdminCreateUser, AdminListUsers, AdminSetDisabled, AdminUpdateUser,
};
use axum::http::{Method, StatusCode};
use serde_json::Value;

use crate::common::{app_error, TestApp, PASSWORD};

fn is_not_found(res: &crate::common::Response) -> bool {
    res.status == StatusCode::NOT_FOUND && app_error(res)["NotFound"].is_string()
}

#[tokio::test]
async fn admin_page_and_functions_are_not_found_for_others() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    let bob = app.signup("bob").await;
    let bob_id = app.user_id("bob").await.to_string();

    assert_eq!(
        app.get("/admin/users", Some(&bob)).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get("/admin/users", Some(&admin)).await.status,
        StatusCode::OK
    );
    let id_args = [("id", bob_id.as_str()), ("disabled", "true")];
    for cookie in [Some(bob.as_str()), None] {
        // Bob is told there is nothing here; nobody signed in is asked to
        // sign in. Each function answers the same.
        let refused = |res: &crate::common::Response| {
            if cookie.is_some() {
                assert!(is_not_found(res), "{} {}", res.status, res.text());
            } else {
                assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text());
            }
        };
        refused(&app.call::<AdminListUsers>(cookie, &[]).await);
        refused(&app.call::<AdminSetDisabled>(cookie, &id_args).await);
        let res = app
            .call::<AdminCreateUser>(
                cookie,
                &[
                    ("handle", "eve"),
                    ("email", "eve@example.com"),
                    ("first_name", "E"),
                    ("last_name", "V"),
                    ("role", "admin"),
                ],
            )
            .await;
        refused(&res);
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE disabled").await,
        0
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn admin_creates_a_user_whose_initial_password_signs_in() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    let res = app
        .call::<AdminCreateUser>(
            Some(&admin),
            &[
                ("handle", "Grace"),
                ("email", "grace@example.com"),
                ("first_name", "Grace"),
                ("last_name", "Hopper"),
                ("role", "user"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let created = res.json();
    assert_eq!(created["user"]["handle"], "grace");
    assert_eq!(created["user"]["display_name"], "Grace Hopper");
    assert_eq!(created["user"]["is_admin"], false);
    let password = created["initial_password"].as_str().unwrap();
    assert!(password.len() >= 16);
    assert!(app
        .login("grace", password)
        .await
        .session_cookie()
        .is_some());
    // The password is shown once: not stored in the clear, not in the log.
    let leaked = app
        .count(&format!(
            "SELECT COUNT(*) FROM audit_events WHERE detail LIKE '%{password}%'"
        ))
        .await;
    assert_eq!(leaked, 0);
    let admin_actions = app.actions(app.user_id("root-user").await).await;
    assert!(admin_actions.contains(&"user_created".to_owned()));

    // Bad input is refused field by field; a taken handle too.
    let cases = [
        ("grace", "g2@example.com", "G", "H", "user", "handle"),
        ("api", "g2@example.com", "G", "H", "user", "handle"),
        ("grace2", "GRACE@example.com", "G", "H", "user", "email"),
        ("grace2", "g2@example.com", "", "H", "user", "first_name"),
        ("grace2", "g2@example.com", "G", "H", "root", "role"),
    ];
    for (h, e, f, l, r, field) in cases {
        let res = app
            .call::<AdminCreateUser>(
                Some(&admin),
                &[
                    ("handle", h),
                    ("email", e),
                    ("first_name", f),
                    ("last_name", l),
                    ("role", r),
                ],
            )
            .await;
        assert_eq!(
            app_error(&res)["Invalid"]["field"],
            field,
            "{h} {e} {f} {r}"
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn admin_list_searches_and_pages() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    for i in 0..25 {
        app.call::<AdminCreateUser>(
            Some(&admin),
            &[
                ("handle", &format!("user-{i:02}")),
                ("email", &format!("u{i}@example.com")),
                ("first_name", if i % 5 == 0 { "Zelda" } else { "Link" }),
                ("last_name", "Hyrule"),
                ("role", "user"),
            ],
        )
        .await;
    }
    let page1 = app.call::<AdminListUsers>(Some(&admin), &[]).await.json();
    assert_eq!(page1["total"], 26);
    assert_eq!(page1["users"].as_array().unwrap().len(), 20);
    let page2 = app
        .call::<AdminListUsers>(Some(&admin), &[("page", "2")])
        .await
        .json();
    assert_eq!(page2["users"].as_array().unwrap().len(), 6);
    let found = app
        .call::<AdminListUsers>(Some(&admin), &[("search", "zelda")])
        .await
        .json();
    assert_eq!(found["total"], 5);
    let none = app
        .call::<AdminListUsers>(Some(&admin), &[("search", "%")])
        .await
        .json();
    assert_eq!(none["total"], 0, "wildcards are literal");
}

#[tokio::test]
async fn disabled_user_is_signed_out_refused_by_the_api_and_cannot_sign_in() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    let bob = app.signup("bob").await;
    let (token, _) = app.create_token(&bob, "bob", "30").await;
    let id = app.user_id("bob").await.to_string();

    let res = app
        .call::<AdminSetDisabled>(Some(&admin), &[("id", &id), ("disabled", "true")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["disabled"], true);
    assert_eq!(app.me(&bob).await, Value::Null);
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions WHERE user_id = (SELECT id FROM users WHERE handle = 'bob')").await, 0);
    let api = app.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert!(app.login("bob", PASSWORD).await.session_cookie().is_none());

    let res = app
        .call::<AdminSetDisabled>(Some(&admin), &[("id", &id), ("disabled", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(app.login("bob", PASSWORD).await.session_cookie().is_some());
    assert_eq!(
        app.api(Method::GET, "/api/v1/user", &token, None)
            .await
            .status,
        StatusCode::OK
    );
    let actions = app.actions(app.user_id("bob").await).await;
    assert!(actions.contains(&"user_disabled".to_owned()));
    assert!(actions.contains(&"user_enabled".to_owned()));
}

#[tokio::test]
async fn the_last_administrator_cannot_be_disabled_or_demoted() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    let id = app.user_id("root-user").await.to_string();
    let res = app
        .call::<AdminSetDisabled>(Some(&admin), &[("id", &id), ("disabled", "true")])
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
    let edit = |role: &'static str| {
        [
            ("id", id.clone()),
            ("first_name", "Root".to_owned()),
            ("last_name", "User".to_owned()),
            ("display_name", "Root".to_owned()),
            ("email", "root-user@example.com".to_owned()),
            ("role", role.to_owned()),
        ]
    };
    let args = edit("user");
    let args: Vec<(&str, &str)> = args.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = app.call::<AdminUpdateUser>(Some(&admin), &args).await;
    assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.text());
    assert_eq!(app.me(&admin).await["is_admin"], true);

    // With a second administrator, the first may step down.
    let bob = app.signup("bob").await;
    let bob_id = app.user_id("bob").await.to_string();
    let res = app
        .call::<AdminUpdateUser>(
            Some(&admin),
            &[
                ("id", &bob_id),
                ("first_name", "Bob"),
                ("last_name", "B"),
                ("display_name", "Bob B"),
                ("email", "bob@example.com"),
                ("role", "admin"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = app.call::<AdminUpdateUser>(Some(&admin), &args).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.me(&admin).await["is_admin"], false);
    assert_eq!(app.me(&bob).await["is_admin"], true);
    let res = app.call::<AdminListUsers>(Some(&admin), &[]).await;
    assert!(is_not_found(&res), "no longer an administrator");
}
