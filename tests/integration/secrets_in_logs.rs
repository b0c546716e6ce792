//! No secret of the account flows (passwords, mailed links' tokens, the
//! database password, the mail server's password) reaches the log, at any
//! level; and what the tests use to read that log.

use account_settings::api::recovery::{RequestPasswordReset, ResetPassword};
use axum::http::Method;

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::{link_token, MailSink};

const NEW_PASSWORD: &str = "a different horse, also stapled";

/// Everything the app logs, at every level, while a test runs on this
/// thread (the tests run on a one-thread runtime, spawned tasks included).
#[derive(Clone, Default)]
pub struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

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
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn no_password_token_link_database_password_or_mail_server_secret_reaches_the_log() {
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
    // A service of the platform: made, and its secret used (right and
    // wrong) to introspect the token.
    let made = app
        .call::<account_settings::api::admin::AdminCreateService>(
            Some(&ada),
            &[("name", "billing")],
        )
        .await;
    let made = made.json();
    let client_id = made["service"]["client_id"].as_str().unwrap().to_owned();
    let service_secret = made["secret"].as_str().unwrap().to_owned();
    for secret in [service_secret.as_str(), "wrong-secret"] {
        use base64::Engine;
        let basic =
            base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{secret}"));
        let req = axum::http::Request::post("/oauth/introspect")
            .header("content-type", "application/x-www-form-urlencoded")
            .header("authorization", format!("Basic {basic}"))
            .body(axum::body::Body::from(format!("token={token}")))
            .unwrap();
        app.send(req).await;
    }

    app.api(Method::GET, "/api/v1/user", &token, None).await;
    // The database password, rotated and shown.
    app.call::<account_settings::api::profile::RotateDbPassword>(Some(&ada), &[])
        .await;
    let connection = app.db_connection(&ada).await;
    let db_password = connection
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('@'))
        .and_then(|(user, _)| user.split_once(':'))
        .map(|(_, password)| password.to_owned())
        .expect("the connection string holds the password");
    assert!(db_password.len() >= 16, "{connection}");
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
    // The page the link opens: its request is logged by path, without the
    // query that holds the link's secret.
    // Tests running at the same time without a subscriber can leave the
    // request span's callsite marked "never wanted": ask again.
    tracing::callsite::rebuild_interest_cache();
    let page = app
        .get(&format!("/reset-password?token={link}"), None)
        .await;
    let request_id = page.headers["x-request-id"].to_str().unwrap().to_owned();
    app.call::<ResetPassword>(None, &[("token", &link), ("new_password", NEW_PASSWORD)])
        .await;
    // A sign-up's link, its page and its password typed there.
    app.call::<account_settings::api::auth::Signup>(
        None,
        &[
            ("handle", "carol"),
            ("email", "carol@example.com"),
            ("password", PASSWORD),
        ],
    )
    .await;
    app.deliver().await;
    let dir = app.mail_dir.clone().expect("mail dir");
    let signup_link = crate::common::take_link(&dir, "carol@example.com", "/signup/finish");
    app.get(&format!("/signup/finish?token={signup_link}"), None)
        .await;
    let carol = app
        .call::<account_settings::api::auth::FinishSignup>(
            None,
            &[("token", &signup_link), ("password", PASSWORD)],
        )
        .await;
    assert!(carol.session_cookie().is_some(), "{}", carol.text());

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
    // (Bob's account is made without mail: this server cannot send his link.)
    let mut plain = with_password
        .instance_with(&with_password.database_url(), |s| s.smtp = None)
        .await;
    plain.mail_dir = None;
    let bob = plain.signup("bob").await;
    with_password.create_token(&bob, "x", "30").await;
    with_password.deliver().await;

    let text = log.text();
    assert!(text.contains("mail not delivered"), "the log was captured");
    assert!(
        text.contains(&format!(
            "request{{id={request_id} method=GET route=/reset-password path=/reset-password"
        )),
        "the page's request is in the log with its id"
    );
    for secret in [
        PASSWORD,
        NEW_PASSWORD,
        token.as_str(),
        link.as_str(),
        signup_link.as_str(),
        SMTP_SECRET,
        db_password.as_str(),
        service_secret.as_str(),
    ] {
        assert!(!text.contains(secret), "{secret} is in the log");
    }
    let session = ada.split(';').next().unwrap().split('=').nth(1).unwrap();
    assert!(!text.contains(session), "the session cookie is in the log");
}
