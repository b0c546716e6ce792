//! Notices and their mail (SPEC §12), sent to a real SMTP server: what is
//! mailed for which change, the switches, the outbox's retries and
//! failures, and that no secret is ever in a mail.

use account_settings::api::advanced::DeleteAccount;
use account_settings::api::security::ChangePassword;
use account_settings::api::tokens::DeleteToken;
use account_settings::model::notice::{Delivery, Kind};
use account_settings::model::time::now;
use account_settings::server::notify::{self, outbox};
use axum::http::StatusCode;

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::MailSink;

const NEW_PASSWORD: &str = "a different horse, also stapled";

async fn change_password(app: &TestApp, cookie: &str) {
    let res = app
        .call::<ChangePassword>(
            Some(cookie),
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn security_mail_reaches_the_mail_server_in_text_and_html() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    change_password(&app, &ada).await;
    assert_eq!(app.deliver().await, 1);

    let mail = sink.received();
    assert_eq!(mail.len(), 1, "{mail:?}");
    let m = &mail[0];
    assert_eq!(m.to, vec!["ada@example.com"]);
    assert_eq!(m.subject, "[Account Settings] Your password was changed");
    assert_eq!(m.headers["auto-submitted"], "auto-generated");
    assert!(m.headers["from"]
        .as_str()
        .unwrap()
        .starts_with("Account Settings <accounts@"));
    assert!(m.text.contains("was changed at "), "{}", m.text);
    assert!(m.text.contains("/settings/notifications"));
    assert!(m
        .html
        .contains("<a href=\"http://localhost:3000/settings/notifications\""));
    for secret in [PASSWORD, NEW_PASSWORD] {
        assert!(!m.text.contains(secret) && !m.html.contains(secret));
    }
    assert_eq!(
        app.notice_states().await,
        vec![("password_changed".into(), "sent".into())]
    );
}

#[tokio::test]
async fn token_mail_names_the_token_never_its_secret_and_obeys_the_switches() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let (secret, token) = app.create_token(&ada, "CI deploy", "30").await;
    let id = token["id"].as_i64().unwrap();
    let last_four = &secret[secret.len() - 4..];
    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(
        mail[0].subject,
        format!("[Account Settings] A new API token was created: CI deploy (ast_…{last_four})")
    );
    assert!(mail[0]
        .text
        .contains(&format!("http://localhost:3000/settings/tokens#token-{id}")));
    assert!(!mail[0].text.contains(&secret) && !mail[0].html.contains(&secret));

    // Turned off, the kind is listed but not mailed; security mail cannot
    // be turned off.
    let user = app.user_id("ada").await;
    notify::set_mail(&app.state.db, user, Kind::TokenDeleted, false)
        .await
        .unwrap();
    assert!(
        notify::set_mail(&app.state.db, user, Kind::PasswordChanged, false)
            .await
            .is_err()
    );
    let res = app
        .call::<DeleteToken>(Some(&ada), &[("id", &id.to_string())])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    app.deliver().await;
    assert_eq!(sink.received().len(), 1, "the deletion was not mailed");
    let listed = notify::list(&app.state.db, user).await.unwrap();
    assert_eq!(listed[0].kind, Kind::TokenDeleted);
    assert_eq!(listed[0].delivery, Delivery::Off);
    assert_eq!(listed[1].delivery, Delivery::Sent);
    assert_eq!(notify::unread(&app.state.db, user).await.unwrap(), 2);
    notify::mark_read(&app.state.db, user, now()).await.unwrap();
    assert_eq!(notify::unread(&app.state.db, user).await.unwrap(), 0);
}

#[tokio::test]
async fn a_new_browser_from_a_new_address_is_told_of_and_a_known_one_is_not() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |s| {
        s.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    app.signup("ada").await;
    // Signed up from 127.0.0.1: signing in from there again is familiar.
    let res = app.login_from("ada", PASSWORD, "127.0.0.1").await;
    assert!(res.session_cookie().is_some());
    let res = app.login_from("ada", PASSWORD, "203.0.113.9").await;
    assert!(res.session_cookie().is_some());
    // The second time from there, the address is known.
    app.login_from("ada", PASSWORD, "203.0.113.9").await;
    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(
        mail[0].subject,
        "[Account Settings] A new sign-in to your account"
    );
    assert!(
        mail[0].text.contains("from 203.0.113.9 (Firefox"),
        "{}",
        mail[0].text
    );
}

#[tokio::test]
async fn a_deleted_account_is_told_at_the_address_it_had() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    app.signup("grace").await; // the first account is the administrator
    let ada = app.signup("ada").await;
    let res = app
        .call::<DeleteAccount>(
            Some(&ada),
            &[("handle", "ada"), ("current_password", PASSWORD)],
        )
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["ada@example.com"]);
    assert_eq!(
        mail[0].subject,
        "[Account Settings] Your account was deleted"
    );
}

#[tokio::test]
async fn without_a_mail_server_notices_are_held_and_listed() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    change_password(&app, &ada).await;
    assert_eq!(app.deliver().await, 0);
    let user = app.user_id("ada").await;
    let listed = notify::list(&app.state.db, user).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].summary, "Your password was changed");
    assert_eq!(listed[0].delivery, Delivery::Held);
}

#[tokio::test]
async fn a_failing_server_gets_retries_then_the_notice_fails_until_an_administrator_retries() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    sink.refuse_with(Some("451 4.3.0 try again later"));
    change_password(&app, &ada).await;

    let mut t = now();
    assert_eq!(app.deliver_at(t).await, 1);
    // Not due again before its wait is over; due once it is.
    for wait in outbox::BACKOFF {
        assert_eq!(app.deliver_at(t + wait - 1).await, 0);
        t += wait;
        assert_eq!(app.deliver_at(t).await, 1);
    }
    assert_eq!(app.deliver_at(t + 30 * 86_400).await, 0);
    assert_eq!(
        app.notice_states().await,
        vec![("password_changed".into(), "failed".into())]
    );
    let failed = outbox::failed(&app.state.db).await.unwrap();
    assert_eq!(failed.count, 1);
    assert!(failed.last_error.unwrap().contains("try again later"));
    assert!(sink.received().is_empty());

    sink.refuse_with(None);
    assert_eq!(outbox::retry_failed(&app.state.db, t).await.unwrap(), 1);
    assert_eq!(app.deliver_at(t).await, 1);
    assert_eq!(app.deliver_at(t + 86_400).await, 0);
    assert_eq!(sink.received().len(), 1, "sent once, not again");
    assert_eq!(outbox::failed(&app.state.db).await.unwrap().count, 0);

    // A permanent refusal fails at once.
    sink.refuse_with(Some("550 5.1.1 no such user"));
    app.create_token(&ada, "x", "30").await;
    assert_eq!(app.deliver_at(t).await, 1);
    assert_eq!(app.deliver_at(t + 86_400).await, 0);
    assert_eq!(outbox::failed(&app.state.db).await.unwrap().count, 1);
}

#[tokio::test]
async fn two_workers_never_send_one_notice_twice() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    // Everyone signs up first (signing up delivers what is due).
    let mut cookies = Vec::new();
    for i in 0..6 {
        cookies.push(app.signup(&format!("user{i}")).await);
    }
    for cookie in &cookies {
        for n in 0..2 {
            app.create_token(cookie, &format!("t{n}"), "30").await;
        }
    }
    let second = app.second_instance().await;
    let at = now();
    let (a, b) = tokio::join!(app.deliver_at(at), second.deliver_at(at));
    assert_eq!(a + b, 12);
    let mail = sink.received();
    assert_eq!(mail.len(), 12);
    let mut subjects: Vec<_> = mail
        .iter()
        .map(|m| (m.to[0].clone(), m.subject.clone()))
        .collect();
    subjects.sort();
    subjects.dedup();
    assert_eq!(subjects.len(), 12, "no mail twice");
}

#[tokio::test]
async fn the_notifications_page_lists_switches_and_reads_the_notices() {
    use account_settings::api::auth::GetMe;
    use account_settings::api::notifications::{GetNotifications, SetNotification};
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    app.create_token(&ada, "CI deploy", "30").await;
    let me = app.call::<GetMe>(Some(&ada), &[]).await.json();
    assert_eq!(me["unread_notices"], 1);

    let res = app
        .call::<SetNotification>(Some(&ada), &[("kind", "token_created"), ("mail", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    for (kind, why) in [
        ("password_changed", "cannot be turned off"),
        ("nonsense", "no such kind"),
    ] {
        let res = app
            .call::<SetNotification>(Some(&ada), &[("kind", kind), ("mail", "false")])
            .await;
        assert!(res.status.is_client_error(), "{kind}");
        assert!(res.text().contains(why), "{}", res.text());
    }
    let page = app.call::<GetNotifications>(Some(&ada), &[]).await.json();
    assert_eq!(page["mail_enabled"], false);
    let switches = page["switches"].as_array().unwrap();
    assert_eq!(switches.len(), 5);
    assert_eq!(switches[1], serde_json::json!(["token_created", false]));
    assert_eq!(switches[0], serde_json::json!(["token_expiring", true]));
    let notices = page["notices"].as_array().unwrap();
    assert_eq!(notices.len(), 1);
    assert_eq!(notices[0]["read"], false, "listed as it was when opened");
    let me = app.call::<GetMe>(Some(&ada), &[]).await.json();
    assert_eq!(me["unread_notices"], 0);
    // Signed out: refused.
    let res = app.call::<GetNotifications>(None, &[]).await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn an_administrator_sees_undelivered_mail_and_queues_it_again() {
    use account_settings::api::admin::{AdminListUsers, AdminRetryMail};
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let root = app.signup("grace").await;
    let ada = app.signup("ada").await;
    sink.refuse_with(Some("554 5.7.1 relay denied"));
    change_password(&app, &ada).await;
    app.deliver().await;
    let page = app.call::<AdminListUsers>(Some(&root), &[]).await.json();
    assert_eq!(page["failed_mail"], 1);
    assert!(page["failed_mail_error"]
        .as_str()
        .unwrap()
        .contains("relay denied"));
    assert_eq!(page["users"][1]["email_verified"], true);

    // Not for anyone else.
    let res = app.call::<AdminRetryMail>(Some(&ada), &[]).await;
    assert!(res.status.is_client_error());
    assert_eq!(outbox::failed(&app.state.db).await.unwrap().count, 1);

    sink.refuse_with(None);
    let res = app.call::<AdminRetryMail>(Some(&root), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.json(), 1);
    app.deliver().await;
    assert_eq!(sink.received().len(), 1);
    let page = app.call::<AdminListUsers>(Some(&root), &[]).await.json();
    assert_eq!(page["failed_mail"], 0);
}

#[tokio::test]
async fn mail_claimed_by_a_worker_that_died_goes_out_once_its_claim_runs_out() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    change_password(&app, &ada).await;
    // As a worker that claimed the notice and was killed before sending.
    let t = now();
    app.exec(&format!("UPDATE notices SET claimed_until = {}", t + 300))
        .await;
    // A restarted (or another) instance leaves it while the claim holds…
    let restarted = app.second_instance().await;
    assert_eq!(restarted.deliver_at(t + 10).await, 0);
    // …and sends it once the claim has run out.
    assert_eq!(restarted.deliver_at(t + 301).await, 1);
    assert_eq!(restarted.deliver_at(t + 900).await, 0);
    assert_eq!(sink.received().len(), 1);
}
