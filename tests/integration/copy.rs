//! `db copy`: a whole installation moved into an empty PostgreSQL database
//! (from SQLite in the SQLite suite, from PostgreSQL in the other), where
//! tokens, sessions, avatars and database passwords keep working.

use account_settings::api::advanced::ChangeHandle;
use account_settings::api::tokens::{DeleteToken, GenerateToken};
use account_settings::server::db::copy::copy;
use axum::http::{Method, StatusCode};

use image::ImageFormat;

use crate::common::{image, TestApp};
use crate::database::TestDatabase;

const TABLES: [&str; 8] = [
    "users",
    "sessions",
    "api_tokens",
    "pending_tokens",
    "audit_events",
    "retired_handles",
    "avatars",
    "key_check",
];

#[tokio::test]
async fn db_copy_moves_an_installation_and_everything_keeps_working() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.signup("bob").await;
    let (secret, _) = app.create_token(&cookie, "ci", "30").await;
    let (_, doomed) = app.create_token(&cookie, "old", "7").await;
    let doomed_id = doomed["id"].as_i64().unwrap().to_string();
    let res = app
        .call::<DeleteToken>(Some(&cookie), &[("id", &doomed_id)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // A generated token not saved yet.
    let res = app.call::<GenerateToken>(Some(&cookie), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = app
        .call::<ChangeHandle>(Some(&cookie), &[("handle", "ada-l")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let avatar = app
        .upload_avatar(Some(&cookie), image(32, 32, ImageFormat::Png))
        .await
        .json()["avatar"]
        .as_str()
        .unwrap()
        .to_owned();
    let password = app.db_connection(&cookie).await;
    // The key check is written when a server starts.
    app.state
        .secrets
        .check_against(&app.state.db)
        .await
        .unwrap();
    app.state.audit.flush().await;
    let mut before = Vec::new();
    for t in TABLES {
        before.push(app.count(&format!("SELECT COUNT(*) FROM {t}")).await);
    }

    let target = TestDatabase::fresh_postgres().await;
    let copied = copy(&app.database_url(), &target.url).await.unwrap();
    let moved = app.instance_on(&target.url).await;
    for (t, n) in TABLES.iter().zip(&before) {
        assert!(*n > 0, "{t} had rows to copy");
        assert_eq!(
            moved.count(&format!("SELECT COUNT(*) FROM {t}")).await,
            *n,
            "{t}"
        );
        assert!(copied.tables.iter().any(|(name, c)| name == t && c == n));
    }

    // The token, the session, the avatar and the database password work
    // on the new database.
    let res = moved.api(Method::GET, "/api/v1/user", &secret, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json()["handle"], "ada-l");
    assert_eq!(moved.me(&cookie).await["handle"], "ada-l");
    assert_eq!(moved.get(&avatar, None).await.status, StatusCode::OK);
    assert_eq!(moved.db_connection(&cookie).await, password);
    moved
        .state
        .secrets
        .check_against(&moved.state.db)
        .await
        .unwrap();
    // The old handle is still reserved; ids go on past every one used.
    let email = "thief@example.com";
    let res = moved
        .call::<account_settings::api::auth::Signup>(
            None,
            &[
                ("handle", "ada"),
                ("email", email),
                ("password", crate::common::PASSWORD),
            ],
        )
        .await;
    assert!(!res.status.is_success(), "{}", res.text());
    let (_, fresh) = moved.create_token(&cookie, "new", "30").await;
    assert!(fresh["id"].as_i64().unwrap() > doomed_id.parse::<i64>().unwrap());

    // A second copy into a database that is no longer empty is refused.
    let err = copy(&app.database_url(), &target.url)
        .await
        .err()
        .expect("refused");
    assert!(err.contains("not empty"), "{err}");
    // A source that does not exist is not created empty.
    let err = copy("sqlite:///nonexistent/dir/x.db", &target.url)
        .await
        .err()
        .expect("refused");
    assert!(err.contains("no database"), "{err}");
}
