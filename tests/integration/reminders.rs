//! The scans that find something to tell, with the clock as a parameter:
//! expiry reminders (7 days, 1 day, expired; once each, whatever restarts
//! or instances), new addresses, automatic deactivation.

use account_settings::server::notify::scan;
use account_settings::server::tokens;
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::TestApp;
use crate::mailbox::MailSink;

const DAY: i64 = 86_400;

/// Ada with a 30-day token (its creation mail already delivered and set
/// aside); returns the app's cookie and the token's id and expiry.
async fn ada_with_token(app: &TestApp) -> (String, i64, i64) {
    let ada = app.signup("ada").await;
    let (_, token) = app.create_token(&ada, "CI deploy", "30").await;
    let id = token["id"].as_i64().unwrap();
    app.deliver().await;
    let expires: i64 = app
        .scalar(&format!(
            "SELECT expires_at FROM api_tokens WHERE id = {id}"
        ))
        .await;
    (ada, id, expires)
}

/// The subjects received, sorted (mails sent together arrive in any order).
fn subjects(sink: &MailSink) -> Vec<String> {
    let mut s: Vec<String> = sink.received().into_iter().map(|m| m.subject).collect();
    s.sort();
    s
}

#[tokio::test]
async fn expiry_reminders_come_at_7_days_1_day_and_expiry_once_each() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let (_, id, exp) = ada_with_token(&app).await;
    let db = &app.state.db;
    let second = app.second_instance().await;

    assert_eq!(scan::expiring(db, exp - 8 * DAY).await.unwrap(), 0);
    assert_eq!(scan::expiring(db, exp - 7 * DAY + 60).await.unwrap(), 1);
    // Again, or from a restarted or second instance: nothing more.
    assert_eq!(scan::expiring(db, exp - 6 * DAY).await.unwrap(), 0);
    assert_eq!(
        scan::expiring(&second.state.db, exp - 6 * DAY)
            .await
            .unwrap(),
        0
    );
    // Two instances scanning at the same moment: one reminder.
    let at = exp - DAY + 5;
    let (a, b) = tokio::join!(scan::expiring(db, at), scan::expiring(&second.state.db, at));
    assert_eq!(a.unwrap() + b.unwrap(), 1);
    assert_eq!(scan::expiring(db, exp).await.unwrap(), 1);
    assert_eq!(scan::expiring(db, exp + 30 * DAY).await.unwrap(), 0);

    // The notices are due when the scans' clock said.
    app.deliver_at(exp + 31 * DAY).await;
    let created = "[Account Settings] A new API token was created: CI deploy";
    let got = subjects(&sink);
    assert_eq!(got.len(), 4, "{got:?}");
    assert!(got[0].starts_with(created), "{got:?}");
    let mut reminders: Vec<&str> = got[1..]
        .iter()
        .map(|s| s.rsplit(") ").next().unwrap())
        .collect();
    reminders.sort();
    assert_eq!(
        reminders,
        vec!["expires in 7 days", "expires tomorrow", "has expired"]
    );
    let week = sink
        .received()
        .into_iter()
        .find(|m| m.subject.ends_with("expires in 7 days"))
        .unwrap();
    assert!(week.text.contains(&format!("/settings/tokens#token-{id}")));
    assert!(week
        .text
        .contains(&format!("/settings/tokens#regenerate-token-{id}")));
}

#[tokio::test]
async fn a_token_made_close_to_expiry_skips_the_reminders_already_past() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let (_, _, exp) = ada_with_token(&app).await;
    // As if made with 3 days left.
    app.exec("UPDATE api_tokens SET created_at = expires_at - 259200")
        .await;
    let db = &app.state.db;
    assert_eq!(scan::expiring(db, exp - 3 * DAY + 60).await.unwrap(), 0);
    assert_eq!(scan::expiring(db, exp - DAY).await.unwrap(), 1);
    assert_eq!(scan::expiring(db, exp + 1).await.unwrap(), 1);
    app.deliver_at(exp + DAY).await;
    assert_eq!(sink.received().len(), 3, "{:?}", subjects(&sink));
}

#[tokio::test]
async fn deactivated_tokens_get_no_reminder_and_regenerated_ones_start_again() {
    use account_settings::api::tokens::{RegenerateToken, SetTokenActive};
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let (ada, id, exp) = ada_with_token(&app).await;
    let id_s = id.to_string();
    let db = &app.state.db;
    assert_eq!(scan::expiring(db, exp - 7 * DAY + 1).await.unwrap(), 1);

    let res = app
        .call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(scan::expiring(db, exp - DAY).await.unwrap(), 0);

    let res = app
        .call::<SetTokenActive>(Some(&ada), &[("id", &id_s), ("active", "true")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = app
        .call::<RegenerateToken>(Some(&ada), &[("id", &id_s), ("grace", "0")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let renewed: i64 = app
        .scalar(&format!(
            "SELECT expires_at FROM api_tokens WHERE id = {id}"
        ))
        .await;
    assert!(renewed >= exp);
    assert_eq!(scan::expiring(db, renewed - 7 * DAY + 1).await.unwrap(), 1);
}

/// `GET /api/v1/user` with `token`, as from `ip` (through a trusted proxy).
async fn api_from(app: &TestApp, token: &str, ip: &str) {
    let req = Request::builder()
        .uri("/api/v1/user")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-forwarded-for", ip)
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);
    app.state.audit.flush().await;
}

#[tokio::test]
async fn a_token_used_from_a_new_address_is_told_of_at_most_once_a_day() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |s| {
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    let ada = app.signup("ada").await;
    let (secret, _) = app.create_token(&ada, "CI deploy", "30").await;
    app.deliver().await;
    let db = &app.state.db;
    let now = account_settings::model::time::now();

    // Its first use is no news; a second address is.
    api_from(&app, &secret, "198.51.100.1").await;
    assert_eq!(scan::new_addresses(db, now).await.unwrap(), 0);
    api_from(&app, &secret, "198.51.100.1").await;
    assert_eq!(scan::new_addresses(db, now).await.unwrap(), 0);
    api_from(&app, &secret, "203.0.113.9").await;
    assert_eq!(scan::new_addresses(db, now).await.unwrap(), 1);
    // A third the same day: not mailed; the next day: mailed.
    api_from(&app, &secret, "192.0.2.44").await;
    assert_eq!(scan::new_addresses(db, now + 60).await.unwrap(), 0);
    api_from(&app, &secret, "192.0.2.45").await;
    assert_eq!(scan::new_addresses(db, now + DAY + 1).await.unwrap(), 1);

    app.deliver_at(now + 2 * DAY).await;
    let mail: Vec<_> = sink
        .received()
        .into_iter()
        .filter(|m| m.subject.ends_with("was used from a new IP address"))
        .collect();
    assert_eq!(mail.len(), 2);
    for ip in ["203.0.113.9", "192.0.2.45"] {
        assert!(mail.iter().any(|m| m.text.contains(ip)), "{ip}");
    }
    assert!(!mail.iter().any(|m| m.text.contains("192.0.2.44")));
}

#[tokio::test]
async fn a_token_deactivated_for_idleness_is_told_of() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    ada_with_token(&app).await;
    let now = account_settings::model::time::now();
    let n = tokens::deactivate_idle(&app.state.db, 10, now + 11 * DAY)
        .await
        .unwrap();
    assert_eq!(n, 1);
    app.deliver_at(now + 12 * DAY).await;
    let mail = sink.received();
    assert_eq!(mail.len(), 2);
    assert!(
        mail[1].subject.ends_with("was deactivated"),
        "{}",
        mail[1].subject
    );
    assert!(
        mail[1].text.contains("not used for 10 days"),
        "{}",
        mail[1].text
    );
}
