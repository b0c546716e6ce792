//! The Advanced page: handle changes and account deletion.

use account_settings::api::advanced::{ChangeHandle, DeleteAccount, PreviewHandle};
use account_settings::api::auth::Signup;
use account_settings::api::tokens::GenerateToken;
use axum::http::{Method, StatusCode};
use image::ImageFormat;
use serde_json::Value;

use crate::common::{app_error, reason, TestApp, PASSWORD};

const TABLES: [&str; 6] = [
    "users",
    "sessions",
    "api_tokens",
    "pending_tokens",
    "audit_events",
    "retired_handles",
];

#[tokio::test]
async fn preview_then_change_handle_and_the_old_one_stays_reserved() {
    let app = TestApp::with(|s| s.workspace_domain = "db.example.com".into()).await;
    let cookie = app.signup("ada").await;
    let bob = app.signup("bob").await;

    let res = app
        .call::<PreviewHandle>(Some(&cookie), &[("handle", "Ada-Lovelace")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let preview = res.json();
    assert_eq!(preview["old_host"], "ada.db.example.com");
    assert_eq!(preview["new_host"], "ada-lovelace.db.example.com");
    assert_eq!(preview["reserved_days"], 30);
    assert_eq!(
        app.me(&cookie).await["handle"],
        "ada",
        "a preview changes nothing"
    );

    let res = app
        .call::<ChangeHandle>(Some(&cookie), &[("handle", "ada-lovelace")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.me(&cookie).await["handle"], "ada-lovelace");
    app.state.audit.flush().await;
    let detail: String = app
        .scalar("SELECT detail FROM audit_events WHERE action = 'handle_changed'")
        .await;
    assert_eq!(detail, "ada → ada-lovelace");

    // Nobody else can take the old handle for now: not by renaming…
    let res = app
        .call::<PreviewHandle>(Some(&bob), &[("handle", "ada")])
        .await;
    assert_eq!(reason(&res), "handle_taken");
    let res = app
        .call::<ChangeHandle>(Some(&bob), &[("handle", "ada")])
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "handle");
    // …nor by signing up.
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ada"),
                ("email", "other@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "handle");
    // The owner may take it back.
    let res = app
        .call::<ChangeHandle>(Some(&cookie), &[("handle", "ada")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(app.me(&cookie).await["handle"], "ada");
}

#[tokio::test]
async fn handle_change_refuses_collisions_reserved_words_and_bad_shapes() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.signup("bob").await;
    for bad in [
        "BOB", "bob", "admin", "settings", "ab", "-ada", "a--b", "ada", "ada_x", "",
    ] {
        let res = app
            .call::<PreviewHandle>(Some(&cookie), &[("handle", bad)])
            .await;
        assert_eq!(
            app_error(&res)["Invalid"]["field"],
            "handle",
            "preview {bad}"
        );
        let res = app
            .call::<ChangeHandle>(Some(&cookie), &[("handle", bad)])
            .await;
        assert_eq!(
            app_error(&res)["Invalid"]["field"],
            "handle",
            "change {bad}"
        );
    }
    assert_eq!(app.me(&cookie).await["handle"], "ada");
    assert_eq!(app.count("SELECT COUNT(*) FROM retired_handles").await, 0);
}

async fn counts(app: &TestApp, user_id: Option<i64>) -> Vec<i64> {
    let mut out = Vec::new();
    for table in TABLES {
        let sql = match (table, user_id) {
            ("users", Some(id)) => format!("SELECT COUNT(*) FROM users WHERE id = {id}"),
            ("pending_tokens", Some(id)) => format!(
                "SELECT COUNT(*) FROM pending_tokens p JOIN sessions s ON s.id = p.session_id WHERE s.user_id = {id}"
            ),
            (t, Some(id)) => format!("SELECT COUNT(*) FROM {t} WHERE user_id = {id}"),
            (t, None) => format!("SELECT COUNT(*) FROM {t}"),
        };
        out.push(app.count(&sql).await);
    }
    out
}

#[tokio::test]
async fn delete_account_removes_every_row_and_file_of_the_user_and_nothing_else() {
    let app = TestApp::new().await;
    // Bob is first, so he is the administrator and Ada can leave.
    let bob = app.signup("bob").await;
    let (bob_token, _) = app.create_token(&bob, "bob", "30").await;
    let png = {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbaImage::new(32, 32)
            .write_to(&mut out, ImageFormat::Png)
            .unwrap();
        out.into_inner()
    };
    assert_eq!(
        app.upload_avatar(Some(&bob), png.clone()).await.status,
        StatusCode::OK
    );

    let ada = app.signup("ada").await;
    let ada_elsewhere = app.login("ada", PASSWORD).await.session_cookie().unwrap();
    let (ada_token, _) = app.create_token(&ada, "ada", "30").await;
    app.call::<GenerateToken>(Some(&ada), &[]).await; // a pending token too
    assert_eq!(
        app.upload_avatar(Some(&ada), png).await.status,
        StatusCode::OK
    );
    app.call::<ChangeHandle>(Some(&ada), &[("handle", "ada-l")])
        .await;
    app.api(Method::GET, "/api/v1/user", &ada_token, None).await;
    let ada_id = app.user_id("ada-l").await;
    let bob_id = app.user_id("bob").await;
    app.state.audit.flush().await;

    let ada_before = counts(&app, Some(ada_id)).await;
    assert!(
        ada_before.iter().all(|n| *n > 0),
        "every table has Ada rows: {ada_before:?}"
    );
    let bob_before = counts(&app, Some(bob_id)).await;
    let all_before = counts(&app, None).await;
    assert_eq!(app.avatar_files().await.len(), 2);

    // Wrong handle or password: nothing happens.
    let res = app
        .call::<DeleteAccount>(
            Some(&ada),
            &[("handle", "ADA-L"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "confirm_handle");
    let res = app
        .call::<DeleteAccount>(
            Some(&ada),
            &[("handle", "ada-l"), ("current_password", "nope nope nope")],
        )
        .await;
    assert_eq!(app_error(&res)["Invalid"]["field"], "delete_password");
    assert_eq!(counts(&app, None).await, all_before);

    let res = app
        .call::<DeleteAccount>(
            Some(&ada),
            &[("handle", "ada-l"), ("current_password", PASSWORD)],
        )
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    let cleared = res
        .headers
        .get_all("set-cookie")
        .iter()
        .any(|v| v.to_str().unwrap().contains("Max-Age=0"));
    assert!(cleared, "the browser is signed out");

    assert_eq!(counts(&app, Some(ada_id)).await, vec![0; TABLES.len()]);
    assert_eq!(counts(&app, Some(bob_id)).await, bob_before);
    let all_after = counts(&app, None).await;
    for (i, table) in TABLES.iter().enumerate() {
        // Her handles stay reserved, naming nobody: the one she gave up and
        // the one she had.
        let kept = if *table == "retired_handles" {
            ada_before[i] + 1
        } else {
            0
        };
        assert_eq!(
            all_after[i],
            all_before[i] - ada_before[i] + kept,
            "{table}"
        );
    }
    assert_eq!(
        app.count("SELECT COUNT(*) FROM retired_handles WHERE user_id IS NULL AND handle IN ('ada', 'ada-l')")
            .await,
        2
    );
    let res = app
        .call::<Signup>(
            None,
            &[
                ("handle", "ada-l"),
                ("email", "new@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(
        app_error(&res)["Invalid"]["field"],
        "handle",
        "the address is not up for grabs"
    );
    assert_eq!(
        app.avatar_files().await.len(),
        1,
        "only Bob's avatar is left"
    );

    // Ada's sessions and tokens are refused at once; Bob's still work.
    assert_eq!(app.me(&ada).await, Value::Null);
    assert_eq!(app.me(&ada_elsewhere).await, Value::Null);
    let res = app.api(Method::GET, "/api/v1/user", &ada_token, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    assert_eq!(res.json()["error"]["code"], "invalid_token");
    let res = app.api(Method::GET, "/api/v1/user", &bob_token, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert_eq!(app.me(&bob).await["handle"], "bob");
    assert!(app
        .login("ada-l", PASSWORD)
        .await
        .session_cookie()
        .is_none());
}

#[tokio::test]
async fn the_last_administrator_cannot_delete_their_account() {
    let app = TestApp::new().await;
    let admin = app.signup("root-user").await;
    app.signup("bob").await;
    let res = app
        .call::<DeleteAccount>(
            Some(&admin),
            &[("handle", "root-user"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::CONFLICT);
    assert_eq!(reason(&res), "last_admin");
    assert_eq!(app.me(&admin).await["handle"], "root-user");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 2);
}

#[tokio::test]
async fn a_deleted_accounts_id_is_never_given_to_the_next_one() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let bob = app.signup("bob").await;
    let bob_id = app.user_id("bob").await;
    let res = app
        .call::<DeleteAccount>(
            Some(&bob),
            &[("handle", "bob"), ("current_password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Bob was the newest account: SQLite alone would hand his id out again.
    app.signup("carol").await;
    assert!(app.user_id("carol").await > bob_id);
}
