//! One clock for the whole server: moving the app's clock (as a test can)
//! moves sessions, mailed links, sign-in limits, token expiry and the
//! reminders' schedule alike, with no sleeping.

use account_settings::api::recovery::{RequestPasswordReset, ResetPassword};
use account_settings::server::db::Clock;
use account_settings::server::notify::scan;
use axum::http::{Method, StatusCode};

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::{link_token, MailSink};

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;

#[tokio::test]
async fn one_moved_clock_ends_links_lifts_limits_and_expires_tokens() {
    let sink = MailSink::start();
    let clock = Clock::adjustable();
    let shared = clock.clone();
    let app = TestApp::with_mail(&sink, move |s| s.clock = shared).await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "ci", "30").await;
    app.call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    app.deliver().await;
    let mail = sink
        .received()
        .into_iter()
        .rfind(|m| m.subject.ends_with("Reset your password"))
        .expect("the reset mail");
    let link = link_token(&mail, "/reset-password");
    for _ in 0..5 {
        let res = app.login("ada", "not the password at all").await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            res.text()
        );
    }
    let res = app.login("ada", PASSWORD).await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text());

    // Past the limit's window (15 minutes) and the link's life (30).
    clock.advance(31 * MINUTE);
    assert_eq!(
        app.me(&ada).await,
        serde_json::Value::Null,
        "idle session ended"
    );
    let res = app
        .call::<ResetPassword>(
            None,
            &[
                ("token", &link),
                ("new_password", "a new and long password"),
            ],
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.text());
    assert!(res.text().contains("expired"), "{}", res.text());
    assert!(app.signs_in("ada", PASSWORD).await, "the limit lifted");

    let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // The first reminder is due seven days before the token expires: found
    // by a scan that reads the same clock.
    let db = &app.state.db;
    assert_eq!(scan::expiring(db, db.now()).await.unwrap(), 0);
    clock.advance(23 * DAY);
    assert_eq!(scan::expiring(db, db.now()).await.unwrap(), 1);
    clock.advance(7 * DAY);
    let res = app.api(Method::GET, "/api/v1/user", &token, None).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED, "{}", res.text());
}
