//! Links mailed to a person, read from the real SMTP server: confirming a
//! new e-mail address, and forgot password.

use account_settings::api::auth::GetMe;
use account_settings::api::profile::{GetProfile, SaveProfile};
use account_settings::api::recovery::{
    CancelEmailChange, CheckEmailLink, ConfirmEmail, RequestPasswordReset, ResetPassword,
};
use account_settings::api::tokens::GenerateToken;
use account_settings::server::links;
use axum::http::{Method, StatusCode};

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::{MailSink, Received};

const NEW_PASSWORD: &str = "a different horse, also stapled";

/// The secret of the one-time link in `mail` after `path?token=`.
fn link_token(mail: &Received, path: &str) -> String {
    let marker = format!("{path}?token=");
    let at = mail.text.find(&marker).expect("the mail has the link") + marker.len();
    mail.text[at..at + 64].to_owned()
}

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
        "[Account Settings] Confirm your e-mail address"
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
        "[Account Settings] Your e-mail address was changed"
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
async fn forgot_password_answers_alike_and_its_link_ends_every_session_once() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let (api_token, _) = app.create_token(&ada, "CI", "30").await;
    app.deliver().await;

    let known = app
        .call::<RequestPasswordReset>(None, &[("login", "ada@example.com")])
        .await;
    let unknown = app
        .call::<RequestPasswordReset>(None, &[("login", "nobody@example.com")])
        .await;
    assert_eq!(known.status, StatusCode::OK);
    assert_eq!(
        (known.status, known.body.clone()),
        (unknown.status, unknown.body)
    );
    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 2, "one reset mail, for the account that exists");
    assert_eq!(mail[1].to, vec!["ada@example.com"]);
    assert_eq!(mail[1].subject, "[Account Settings] Reset your password");
    let token = link_token(&mail[1], "/reset-password");

    // A weak password is refused and the link stays usable.
    let res = app
        .call::<ResetPassword>(None, &[("token", &token), ("new_password", "short")])
        .await;
    assert!(res.status.is_client_error());
    let res = app
        .call::<ResetPassword>(None, &[("token", &token), ("new_password", NEW_PASSWORD)])
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    assert!(
        app.call::<GetMe>(Some(&ada), &[]).await.json().is_null(),
        "signed out"
    );
    assert!(app.login("ada", PASSWORD).await.session_cookie().is_none());
    assert!(app
        .login("ada", NEW_PASSWORD)
        .await
        .session_cookie()
        .is_some());
    let api = app.api(Method::GET, "/api/v1/user", &api_token, None).await;
    assert_eq!(api.status, StatusCode::OK, "API tokens keep working");
    let again = app
        .call::<ResetPassword>(
            None,
            &[
                ("token", &token),
                ("new_password", "yet another long password"),
            ],
        )
        .await;
    assert!(again.text().contains(links::USED), "{}", again.text());
    let id = app.user_id("ada").await;
    assert!(app
        .actions(id)
        .await
        .contains(&"password_changed".to_owned()));
    app.deliver().await;
    let mail = sink.received();
    assert!(mail
        .iter()
        .any(|m| m.subject == "[Account Settings] Your password was changed"));
    for m in &mail {
        assert!(!m.text.contains(PASSWORD) && !m.text.contains(NEW_PASSWORD));
    }

    // An expired link.
    app.call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    app.deliver().await;
    let last = sink
        .received()
        .into_iter()
        .rfind(|m| m.subject.ends_with("Reset your password"))
        .unwrap();
    let token = link_token(&last, "/reset-password");
    app.exec("UPDATE account_links SET expires_at = created_at - 1 WHERE used_at IS NULL")
        .await;
    let res = app
        .call::<ResetPassword>(
            None,
            &[
                ("token", &token),
                ("new_password", "yet another long password"),
            ],
        )
        .await;
    assert!(res.text().contains(links::EXPIRED), "{}", res.text());
}

#[tokio::test]
async fn asking_for_reset_links_is_limited_per_account() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    app.signup("ada").await;
    for _ in 0..3 {
        let res = app
            .call::<RequestPasswordReset>(None, &[("login", "ada")])
            .await;
        assert_eq!(res.status, StatusCode::OK);
    }
    let res = app
        .call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(res.headers.contains_key("retry-after"));
    app.deliver().await;
    assert_eq!(sink.received().len(), 3);
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
async fn with_required_confirmation_a_new_account_makes_no_token_until_confirmed() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |s| s.require_verified_email = true).await;
    let ada = app.signup("ada").await;
    let res = app.call::<GenerateToken>(Some(&ada), &[]).await;
    assert!(res.status.is_client_error());
    assert!(
        res.text().contains("Confirm your e-mail address first"),
        "{}",
        res.text()
    );
    let profile = app.call::<GetProfile>(Some(&ada), &[]).await.json();
    assert_eq!(profile["email_verified"], false);

    app.deliver().await;
    let mail = sink.received();
    assert_eq!(mail.len(), 1);
    assert_eq!(mail[0].to, vec!["ada@example.com"]);
    let token = link_token(&mail[0], "/confirm-email");
    let res = app
        .call::<ConfirmEmail>(Some(&ada), &[("token", &token)])
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    let res = app.call::<GenerateToken>(Some(&ada), &[]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Confirming the address it already had is no change of address.
    app.deliver().await;
    assert_eq!(sink.received().len(), 1);
}

/// Everything the app logs, at every level, while a test runs on this
/// thread (the tests run on a one-thread runtime, spawned tasks included).
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_password_token_link_or_mail_server_secret_reaches_the_log() {
    use account_settings::server::notify::SmtpUrl;
    let log = Captured::default();
    let writer = log.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sink = MailSink::start();
    const SMTP_SECRET: &str = "smtp-s3cret-pw";
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let (token, _) = app.create_token(&ada, "CI", "30").await;
    app.api(Method::GET, "/api/v1/user", &token, None).await;
    app.call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    // A refusal is logged with the server's words.
    sink.refuse_with(Some("451 4.3.0 try again later"));
    app.deliver().await;
    sink.refuse_with(None);
    app.deliver_at(account_settings::model::time::now() + 120)
        .await;
    let reset = sink
        .received()
        .into_iter()
        .find(|m| m.subject.ends_with("Reset your password"))
        .expect("the reset mail arrived");
    let link = link_token(&reset, "/reset-password");
    app.call::<ResetPassword>(None, &[("token", &link), ("new_password", NEW_PASSWORD)])
        .await;

    // A mail server that wants a password it cannot be given over this
    // connection: the failure is logged, the password is not.
    let with_password = TestApp::with(|s| {
        s.smtp = Some(
            SmtpUrl::parse(&format!(
                "smtp://mailer:{SMTP_SECRET}@127.0.0.1:{}?tls=none",
                sink.port
            ))
            .unwrap(),
        );
    })
    .await;
    let bob = with_password.signup("bob").await;
    with_password.create_token(&bob, "x", "30").await;
    with_password.deliver().await;

    let text = log.text();
    assert!(text.contains("mail not delivered"), "the log was captured");
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        token.as_str(),
        link.as_str(),
        SMTP_SECRET,
    ] {
        assert!(!text.contains(secret), "{secret} is in the log");
    }
    let session = ada.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert!(!text.contains(session), "the session cookie is in the log");
}

#[tokio::test]
async fn a_link_mail_whose_secret_was_dropped_fails_rather_than_mail_a_dead_link() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    app.signup("ada").await;
    sink.refuse_with(Some("451 4.3.0 try again later"));
    app.call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    let now = account_settings::model::time::now();
    assert_eq!(app.deliver_at(now).await, 1);
    sink.refuse_with(None);
    // As the housekeeping does a day after the link was made.
    account_settings::server::notify::purge(&app.state.db, now + 2 * 86_400)
        .await
        .unwrap();
    assert_eq!(app.deliver_at(now + 2 * 86_400).await, 1);
    assert!(sink.received().is_empty(), "no mail with a dead link");
    let failed = account_settings::server::notify::outbox::failed(&app.state.db)
        .await
        .unwrap();
    assert_eq!(failed.count, 1);
    assert!(failed.last_error.unwrap().contains("link expired"));
}

#[tokio::test]
async fn asking_for_reset_links_is_limited_per_client_address() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    // Ten different accounts (existing or not) from one address, then no more.
    for i in 0..10 {
        let res = app
            .call::<RequestPasswordReset>(None, &[("login", &format!("someone{i}"))])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{i}");
    }
    let res = app
        .call::<RequestPasswordReset>(None, &[("login", "someone-else")])
        .await;
    assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS);
}
