//! Confirming an email address by the link mailed to it, read from the
//! real SMTP server (forgot password: `forgot.rs`).

use account_settings::api::auth::GetMe;
use account_settings::api::profile::{GetProfile, SaveProfile};
use account_settings::api::recovery::{
    CancelEmailChange, CheckEmailLink, ConfirmEmail, RequestPasswordReset,
};
use account_settings::server::auth::links;
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

#[tokio::test]
async fn another_accounts_address_answers_like_a_free_one_and_its_owner_is_told() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    app.signup("root1").await;
    app.deliver().await;
    let before = sink.received().len();
    // Root1's address in other letters' case, and a free one: the same
    // answer.
    let taken = change_email(&app, &ada, "ROOT1@EXAMPLE.COM").await;
    let free = change_email(&app, &ada, "free@example.com").await;
    assert_eq!(taken.status, StatusCode::OK, "{}", taken.text());
    assert_eq!(free.status, StatusCode::OK, "{}", free.text());
    let shape = |v: serde_json::Value| (v["email"].clone(), v["pending_email"].is_string());
    assert_eq!(shape(taken.json()), shape(free.json()));
    assert_eq!(taken.json()["pending_email"], "ROOT1@EXAMPLE.COM");
    app.deliver().await;
    let mut mail = sink.received()[before..].to_vec();
    mail.sort_by(|a, b| b.to.cmp(&a.to));
    assert_eq!(mail.len(), 2, "{mail:?}");
    // Root1 hears of the attempt; nothing reaches her inbox to confirm.
    assert_eq!(mail[0].to, vec!["root1@example.com"]);
    assert_eq!(
        mail[0].subject,
        "[Account Settings] Someone tried to add your address to another account"
    );
    assert!(!mail[0].text.contains("/confirm-email"));
    assert_eq!(mail[1].to, vec!["free@example.com"]);
    assert!(mail[1].text.contains("/confirm-email"));
    let me = app.call::<GetMe>(Some(&ada), &[]).await.json();
    assert_eq!(me["email"], "ada@example.com");
    // Her own address in capitals is no change at all.
    let same = change_email(&app, &ada, "ADA@example.com").await;
    assert_eq!(same.status, StatusCode::OK, "{}", same.text());
    assert_eq!(same.json()["email"], "ada@example.com");
}

#[tokio::test]
async fn address_changes_and_confirmation_mails_are_limited() {
    use account_settings::server::auth::limiter::{
        CONFIRMATIONS_PER_ADDRESS, EMAIL_CHANGES_PER_USER,
    };
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    let carol = app.signup("carol").await;
    app.deliver().await;
    let before = sink.received().len();
    // Ada, at once, to as many strangers' addresses as she may.
    let changes = (0..EMAIL_CHANGES_PER_USER + 3).map(|i| {
        let (app, ada) = (&app, &ada);
        async move {
            change_email(app, ada, &format!("stranger{i}@example.net"))
                .await
                .status
        }
    });
    let statuses = futures::future::join_all(changes).await;
    let ok = statuses.iter().filter(|s| **s == StatusCode::OK).count();
    let refused = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (ok, refused),
        (EMAIL_CHANGES_PER_USER as usize, 3),
        "{statuses:?}"
    );
    assert_eq!(app.deliver().await, EMAIL_CHANGES_PER_USER as usize);
    // One address from several accounts: mailed a few times, then nothing.
    for cookie in [&bob, &carol] {
        for _ in 0..2 {
            change_email(&app, cookie, "target@example.net").await;
        }
    }
    app.deliver().await;
    let to_target: Vec<String> = sink.received()[before..]
        .iter()
        .filter(|m| m.to == vec!["target@example.net"])
        .map(|m| link_token(m, "/confirm-email"))
        .collect();
    assert_eq!(to_target.len(), CONFIRMATIONS_PER_ADDRESS as usize);
    // Carol's second request was past the limit: nothing was sent, and the
    // link her first one mailed still works.
    let mut confirmed = 0;
    for token in &to_target {
        let res = app
            .call::<ConfirmEmail>(Some(&carol), &[("token", token)])
            .await;
        if res.status.is_success() || res.status.is_redirection() {
            confirmed += 1;
        }
    }
    assert_eq!(confirmed, 1);
    let me = app.call::<GetMe>(Some(&carol), &[]).await.json();
    assert_eq!(me["email"], "target@example.net");
}
