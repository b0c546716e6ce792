//! Confirming an email address by the link mailed to it, read from the
//! real SMTP server (forgot password: `forgot.rs`).

use account_settings::api::auth::GetMe;
use account_settings::api::profile::{GetProfile, SaveProfile};
use account_settings::api::recovery::{
    CancelEmailChange, CheckEmailLink, ConfirmEmail, RequestPasswordReset,
};
use account_settings::server::links;
use axum::http::StatusCode;

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::{link_token, MailSink};

async fn change_email(app: &TestApp, cookie: &str, email: &str) -> crate::common::Response {
    app.call::<SaveProfile>(
        Some(cookie),
        &[
            ("first_name", "Ada"),
            ("last_name", "Lovelace"),
            ("display_name", "Ada"),
            ("email", email),
            ("current_password", PASSWORD),
        ],
    )
    .await
}

#[tokio::test]
async fn a_new_address_is_used_only_once_its_link_is_opened() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let res = change_email(&app, &ada, "ada@new.example").await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let profile = res.json();
    assert_eq!(profile["email"], "ada@example.com", "not before the link");
    assert_eq!(profile["pending_email"], "ada@new.example");

    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["ada@new.example"]);
    assert_eq!(
        mail[0].subject,
        "[Account Settings] Confirm your email address"
    );
    let token = link_token(&mail[0], "/confirm-email");
    // Once mailed, the secret is nowhere in the database (the link keeps
    // only its hash; the outbox drops the sealed copy).
    assert_eq!(
        app.count("SELECT COUNT(*) FROM notices WHERE link_sealed IS NOT NULL")
            .await,
        0
    );
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM notices WHERE data LIKE '%{token}%'"
        ))
        .await,
        0
    );
    let checked = app.call::<CheckEmailLink>(None, &[("token", &token)]).await;
    assert_eq!(checked.json(), "ada@new.example");

    let res = app
        .call::<ConfirmEmail>(Some(&ada), &[("token", &token)])
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    let profile = app.call::<GetProfile>(Some(&ada), &[]).await.json();
    assert_eq!(profile["email"], "ada@new.example");
    assert!(profile["pending_email"].is_null());
    let id = app.user_id("ada").await;
    assert_eq!(app.actions(id).await[0], "email_changed");

    // The old address is told; the link works once.
    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail[1].to, vec!["ada@example.com"]);
    assert_eq!(
        mail[1].subject,
        "[Account Settings] Your email address was changed"
    );
    assert!(mail[1].text.contains("ada@new.example"));
    let again = app
        .call::<ConfirmEmail>(Some(&ada), &[("token", &token)])
        .await;
    assert!(again.text().contains(links::USED), "{}", again.text());
}

#[tokio::test]
async fn another_accounts_expired_or_cancelled_link_changes_nothing() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    change_email(&app, &ada, "ada@new.example").await;
    app.deliver().await;
    let token = link_token(&sink.received()[0], "/confirm-email");

    // Bob's browser: refused, and the link still works for Ada.
    let res = app
        .call::<ConfirmEmail>(Some(&bob), &[("token", &token)])
        .await;
    assert!(res.text().contains("another account"), "{}", res.text());
    let me = app.call::<GetMe>(Some(&bob), &[]).await.json();
    assert_eq!(me["email"], "bob@example.com");
    let checked = app.call::<CheckEmailLink>(None, &[("token", &token)]).await;
    assert_eq!(checked.json(), "ada@new.example");

    // Expired.
    app.exec("UPDATE account_links SET expires_at = created_at - 1")
        .await;
    let res = app
        .call::<ConfirmEmail>(Some(&ada), &[("token", &token)])
        .await;
    assert!(res.text().contains(links::EXPIRED), "{}", res.text());

    // Cancelled: the waiting address is gone, and so is its link.
    change_email(&app, &ada, "ada@other.example").await;
    app.deliver().await;
    let token = link_token(&sink.received()[1], "/confirm-email");
    let res = app.call::<CancelEmailChange>(Some(&ada), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let profile = app.call::<GetProfile>(Some(&ada), &[]).await.json();
    assert!(profile["pending_email"].is_null());
    let res = app.call::<ConfirmEmail>(None, &[("token", &token)]).await;
    assert!(res.text().contains(links::NOT_VALID), "{}", res.text());
    // A made-up one.
    let res = app
        .call::<ConfirmEmail>(None, &[("token", "not-a-token")])
        .await;
    assert!(res.text().contains(links::NOT_VALID), "{}", res.text());
    let profile = app.call::<GetProfile>(Some(&ada), &[]).await.json();
    assert_eq!(profile["email"], "ada@example.com");
}

#[tokio::test]
async fn without_mail_a_reset_is_refused_and_an_address_changes_at_once() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let res = app
        .call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    assert!(res.status.is_client_error());
    assert!(res.text().contains("does not send mail"), "{}", res.text());
    let res = change_email(&app, &ada, "ada@new.example").await;
    assert_eq!(res.json()["email"], "ada@new.example");
    // The old address's notice is listed (held, nothing to mail with).
    app.deliver().await;
    assert_eq!(
        app.notice_states().await,
        vec![("email_changed".into(), "held".into())]
    );
}
