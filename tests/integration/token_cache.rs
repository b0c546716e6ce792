//! The token check's cache (`tokens::cache`) never outlives a change: a
//! token stopped through another instance, in each way a token stops, is
//! refused here within a second (SPEC §13; the figures are `make bench`'s),
//! and on PostgreSQL a listener that loses its connection makes the cache
//! step aside until it is back.

use std::time::{Duration, Instant};

use account_settings::api::tokens::{DeleteToken, SetTokenActive};
use axum::http::{Method, StatusCode};

use crate::common::{TestApp, ALL_SCOPES};
use crate::database::on_postgres;

/// Waits until the instance's cache may be used (on PostgreSQL its
/// listener has proved itself).
async fn cache_ready(app: &TestApp) {
    let start = Instant::now();
    while !app.state.db.changes().trusted() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "the listener never started"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Checks `token` on `app` until it is refused; how long that took.
async fn refused_after(app: &TestApp, token: &str) -> Duration {
    let start = Instant::now();
    loop {
        let res = app.api(Method::GET, "/api/v1/user", token, None).await;
        if res.status == StatusCode::UNAUTHORIZED {
            return start.elapsed();
        }
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "still accepted after 3 s"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// A user on `first` with a token that `first` has answered from its
/// cache.
async fn cached_token(first: &TestApp, handle: &str) -> (String, String, i64) {
    let cookie = first.signup(handle).await;
    let (token, id) = first.create_token_with(&cookie, ALL_SCOPES).await;
    cache_ready(first).await;
    for _ in 0..2 {
        let res = first.api(Method::GET, "/api/v1/user", &token, None).await;
        assert_eq!(res.status, StatusCode::OK);
    }
    assert!(
        !first.state.token_cache.is_empty(),
        "answered from the cache"
    );
    (cookie, token, id)
}

#[tokio::test]
async fn every_way_a_token_stops_on_another_instance_is_refused_here_within_a_second() {
    let first = TestApp::new().await;
    let second = first.second_instance().await;
    let mut slowest = Duration::ZERO;

    // Deactivated and deleted on the Tokens page of the other instance.
    let (cookie, token, id) = cached_token(&first, "ada").await;
    let id_s = id.to_string();
    let res = second
        .call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    slowest = slowest.max(refused_after(&first, &token).await);
    second
        .call::<SetTokenActive>(Some(&cookie), &[("id", &id_s), ("active", "true")])
        .await;
    // Activated again: seen here as soon (the cached answer held the
    // token as deactivated).
    let start = Instant::now();
    while first
        .api(Method::GET, "/api/v1/user", &token, None)
        .await
        .status
        != StatusCode::OK
    {
        assert!(start.elapsed() < Duration::from_secs(1), "still refused");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let res = second
        .call::<DeleteToken>(Some(&cookie), &[("id", &id_s)])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    slowest = slowest.max(refused_after(&first, &token).await);

    // Reported leaked to the other instance.
    let (_, token, _) = cached_token(&first, "bob").await;
    let body = format!(r#"{{"token": "{token}"}}"#);
    let res = second
        .api(Method::POST, "/api/v1/tokens/revoke", "unused", Some(&body))
        .await;
    assert!(res.status.is_success(), "{}", res.text());
    slowest = slowest.max(refused_after(&first, &token).await);

    // Regenerated there, and its grace ended.
    let (_, old, id) = cached_token(&first, "carol").await;
    let res = second
        .api(
            Method::POST,
            &format!("/api/v1/tokens/{id}/rotate"),
            &old,
            Some(r#"{"grace_seconds": 3600}"#),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.text());
    // The old secret works in its grace, from the cache too.
    let res = first.api(Method::GET, "/api/v1/user", &old, None).await;
    assert_eq!(res.status, StatusCode::OK);
    second
        .exec("UPDATE retired_token_secrets SET valid_until = valid_until - 3601")
        .await;
    slowest = slowest.max(refused_after(&first, &old).await);

    // The owner disabled, and deleted, by another process.
    let (_, token, _) = cached_token(&first, "dora").await;
    second
        .exec("UPDATE users SET disabled = TRUE WHERE handle = 'dora'")
        .await;
    slowest = slowest.max(refused_after(&first, &token).await);
    let (_, token, _) = cached_token(&first, "evelyn").await;
    second
        .exec("DELETE FROM users WHERE handle = 'evelyn'")
        .await;
    slowest = slowest.max(refused_after(&first, &token).await);

    assert!(slowest < Duration::from_secs(1), "took {slowest:?}");
}

#[tokio::test]
async fn a_profile_changed_elsewhere_is_what_the_api_answers_next() {
    let first = TestApp::new().await;
    let second = first.second_instance().await;
    let (_, token, _) = cached_token(&first, "ada").await;
    second
        .exec("UPDATE users SET display_name = 'Countess' WHERE handle = 'ada'")
        .await;
    let start = Instant::now();
    loop {
        let res = first.api(Method::GET, "/api/v1/user", &token, None).await;
        if res.json()["display_name"] == "Countess" {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(1),
            "still the old name"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test]
async fn a_listener_that_loses_its_connection_makes_the_cache_step_aside() {
    if !on_postgres() {
        return;
    }
    let app = TestApp::new().await;
    let (_, token, id) = cached_token(&app, "ada").await;
    // The listener's connection is cut by the server.
    let cut: i64 = app
        .scalar(&format!(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity
             WHERE application_name = '{}' AND datname = current_database()",
            account_settings::server::db::changes::LISTENER_NAME
        ))
        .await;
    assert_eq!(cut, 1, "one listener");
    // A change that notifies nobody (triggers off for this statement): only
    // a cache that stepped aside, or started again, can see it.
    on_pg(
        &app,
        &format!(
            "SET session_replication_role = replica;
         UPDATE api_tokens SET deactivated_at = 1 WHERE id = {id};
         SET session_replication_role = DEFAULT"
        ),
    )
    .await;
    let took = refused_after(&app, &token).await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    // The listener comes back and the cache is used again.
    let cookie = app.signup("bob").await;
    let (other, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    cache_ready(&app).await;
    let res = app.api(Method::GET, "/api/v1/user", &other, None).await;
    assert_eq!(res.status, StatusCode::OK);
    assert!(!app.state.token_cache.is_empty());
}

/// Runs several statements on one connection of `app`'s PostgreSQL pool,
/// without telling its cache.
async fn on_pg(app: &TestApp, sql: &str) {
    let account_settings::server::db::Pool::Postgres(pool) = &app.state.db.pool else {
        unreachable!("PostgreSQL only");
    };
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(sql).execute(&mut *conn).await.unwrap();
}

#[tokio::test]
async fn on_sqlite_a_change_by_another_process_is_seen_within_a_second() {
    if on_postgres() {
        return;
    }
    let first = TestApp::new().await;
    // Another pool on the same file, as the CLI would open.
    let other = first.second_instance().await;
    let (_, token, id) = cached_token(&first, "ada").await;
    let account_settings::server::db::Pool::Sqlite(pool) = &other.state.db.pool else {
        unreachable!();
    };
    sqlx::query("UPDATE api_tokens SET deactivated_at = 1 WHERE id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    let took = refused_after(&first, &token).await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    let res = first.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(res.json()["error"]["code"], "token_deactivated");
}

#[tokio::test]
async fn a_watcher_that_cannot_read_makes_the_cache_step_aside() {
    if on_postgres() {
        return;
    }
    let app = TestApp::new().await;
    let (_, token, id) = cached_token(&app, "ada").await;
    let account_settings::server::db::Pool::Sqlite(pool) = &app.state.db.pool else {
        unreachable!();
    };
    // The count's table goes (as a damaged file might lose it): the watcher
    // cannot read, and a change it would not have seen anyway is seen.
    let mut conn = pool.acquire().await.unwrap();
    sqlx::raw_sql(&format!(
        "DROP TRIGGER api_tokens_changed; DROP TABLE token_epoch;
         UPDATE api_tokens SET deactivated_at = 1 WHERE id = {id};"
    ))
    .execute(&mut *conn)
    .await
    .unwrap();
    drop(conn);
    let took = refused_after(&app, &token).await;
    assert!(took < Duration::from_secs(1), "took {took:?}");
    assert!(
        !app.state.db.changes().trusted(),
        "the cache is not trusted"
    );
}
