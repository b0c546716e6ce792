//! The attack suite's session family: fixation, sign-out, the idle and
//! absolute timeouts (on a clock the test moves, no sleeping). A password
//! change ending the other sessions is in `security.rs`, disabling a user
//! ending theirs in `admin.rs`.

use account_settings::api::auth::Logout;
use account_settings::server::db::Clock;
use serde_json::Value;

use crate::common::{TestApp, PASSWORD};

const MINUTE: i64 = 60;

/// An app whose session clock the test moves, with the default timeouts
/// (30 minutes idle, 12 hours at most).
async fn app_with_clock() -> (TestApp, Clock) {
    let clock = Clock::adjustable();
    let shared = clock.clone();
    let app = TestApp::with(move |s| s.clock = shared).await;
    assert_eq!(app.state.settings.session_idle_secs, 30 * MINUTE);
    assert_eq!(app.state.settings.session_max_secs, 12 * 60 * MINUTE);
    (app, clock)
}

#[tokio::test]
async fn a_cookie_planted_before_sign_in_is_never_adopted() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let planted = "session=AttackerChoseThisValue0123456789abcdefgh";
    let res = app
        .call::<account_settings::api::auth::Login>(
            Some(planted),
            &[("login", "ada"), ("password", PASSWORD)],
        )
        .await;
    let issued = res.session_cookie().expect("signed in");
    assert_ne!(issued, planted);
    assert_eq!(app.me(planted).await, Value::Null);
    assert_eq!(app.me(&issued).await["handle"], "ada");
    // Signing in again from the same browser never keeps the old session.
    let again = app
        .call::<account_settings::api::auth::Login>(
            Some(&issued),
            &[("login", "ada"), ("password", PASSWORD)],
        )
        .await
        .session_cookie()
        .expect("signed in again");
    assert_ne!(again, issued);
    assert_eq!(app.me(&issued).await, Value::Null, "the earlier id ended");
    assert_eq!(app.me(&again).await["handle"], "ada");
}

#[tokio::test]
async fn a_signed_out_cookie_replayed_is_refused_everywhere() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let other = app
        .login("ada", PASSWORD)
        .await
        .session_cookie()
        .expect("second browser");
    let res = app.call::<Logout>(Some(&cookie), &[]).await;
    assert!(res.status.is_success() || res.status.is_redirection());
    assert_eq!(app.me(&cookie).await, Value::Null);
    let page = app.get("/settings/tokens", Some(&cookie)).await;
    assert!(page.status.is_redirection(), "{}", page.status);
    assert!(page.headers["location"]
        .to_str()
        .unwrap()
        .starts_with("/login"));
    let list = app
        .call::<account_settings::api::tokens::ListTokens>(Some(&cookie), &[])
        .await;
    assert_eq!(
        crate::common::app_error(&list),
        Value::String("Unauthorized".into())
    );
    assert_eq!(
        app.me(&other).await["handle"],
        "ada",
        "the other browser stays"
    );
}

#[tokio::test]
async fn a_session_unused_for_the_idle_time_ends_and_use_keeps_it_alive() {
    let (app, clock) = app_with_clock().await;
    let used = app.signup("ada").await;
    let unused = app
        .login("ada", PASSWORD)
        .await
        .session_cookie()
        .expect("second session");
    // Used every 20 minutes for two hours: still signed in.
    for _ in 0..6 {
        clock.advance(20 * MINUTE);
        assert_eq!(app.me(&used).await["handle"], "ada");
    }
    assert_eq!(app.me(&unused).await, Value::Null, "idle since sign-in");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM sessions").await,
        2,
        "refused by the check, not by a purge"
    );
    clock.advance(29 * MINUTE);
    assert_eq!(app.me(&used).await["handle"], "ada", "29 minutes idle");
    clock.advance(31 * MINUTE);
    assert_eq!(app.me(&used).await, Value::Null, "31 minutes idle");
    let purged =
        account_settings::server::auth::session::purge_expired(&app.state.db, &app.state.settings)
            .await
            .unwrap();
    assert_eq!(purged, 2);
}

#[tokio::test]
async fn a_session_ends_at_its_absolute_lifetime_however_busy() {
    let (app, clock) = app_with_clock().await;
    let cookie = app.signup("ada").await;
    // Used every 25 minutes: never idle, but 12 hours after sign-in it ends.
    let mut elapsed = 0;
    while elapsed + 25 * MINUTE < 12 * 60 * MINUTE {
        clock.advance(25 * MINUTE);
        elapsed += 25 * MINUTE;
        assert_eq!(app.me(&cookie).await["handle"], "ada", "at {elapsed} s");
    }
    clock.advance(12 * 60 * MINUTE - elapsed);
    assert_eq!(app.me(&cookie).await, Value::Null);
    let fresh = app
        .login("ada", PASSWORD)
        .await
        .session_cookie()
        .expect("signs in again");
    assert_eq!(app.me(&fresh).await["handle"], "ada");
}
