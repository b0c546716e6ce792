//! Sign-up with a mail server: no account until the mailed link's page is
//! opened and the password typed again; the same answer whether or not an
//! account has the address, whose owner is told instead; mails to one
//! address limited; links that stop working say why.

use account_settings::api::auth::{CheckSignupLink, FinishSignup, GetMe, Signup};
use account_settings::api::profile::GetProfile;
use account_settings::server::auth::signup;
use axum::http::{header, StatusCode};

use crate::common::{reason, take_link, Response, TestApp, PASSWORD};
use crate::mailbox::MailSink;

async fn sign_up(app: &TestApp, handle: &str, email: &str) -> Response {
    app.call::<Signup>(
        None,
        &[("handle", handle), ("email", email), ("password", PASSWORD)],
    )
    .await
}

async fn finish(app: &TestApp, token: &str, password: &str) -> Response {
    app.call::<FinishSignup>(None, &[("token", token), ("password", password)])
        .await
}

/// Asserts that the answer sends the browser to `path` (a server
/// function's redirect, as `fetch` gets it).
fn goes_to(res: &Response, path: &str) {
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    assert_eq!(res.headers[header::LOCATION], path);
}

#[tokio::test]
async fn a_sign_up_makes_its_account_only_through_the_link_and_the_password() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let res = sign_up(&app, "ada", "ada@example.com").await;
    goes_to(&res, "/signup/sent");
    assert_eq!(res.session_cookie(), None);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
    // The password is kept only as its hash, the link only as SHA-256.
    let stored: String = app.scalar("SELECT password_hash FROM signup_links").await;
    assert!(stored.starts_with("$argon2"), "{stored}");
    assert_eq!(
        app.count("SELECT COUNT(*) FROM signup_links WHERE length(token_hash) = 32")
            .await,
        1
    );

    assert_eq!(app.deliver().await, 1);
    let mail = sink.received();
    assert_eq!(mail[0].to, vec!["ada@example.com"]);
    assert_eq!(
        mail[0].subject,
        "[Account Settings] Finish creating your account"
    );
    assert!(
        mail[0].text.contains("the account @ada"),
        "{}",
        mail[0].text
    );
    let dir = app.mail_dir.clone().expect("mail dir");
    let token = take_link(&dir, "ada@example.com", "/signup/finish");
    assert!(!app
        .scalars::<String>("SELECT data FROM notices")
        .await
        .concat()
        .contains(&token));

    let res = app
        .call::<CheckSignupLink>(None, &[("token", &token)])
        .await;
    assert_eq!(res.json(), serde_json::json!(["ada", "ada@example.com"]));
    // The page renders it, and asks for the password.
    let page = app
        .get(&format!("/signup/finish?token={token}"), None)
        .await
        .text();
    assert!(page.contains("ada@example.com") && page.contains("type=\"password\""));

    let res = finish(&app, &token, "not the password at all").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reason(&res), "wrong_password");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);

    let res = finish(&app, &token, PASSWORD).await;
    goes_to(&res, "/settings/profile");
    let ada = res.session_cookie().expect("signed in");
    let me = app.call::<GetMe>(Some(&ada), &[]).await.json();
    assert_eq!(me["handle"], "ada");
    assert_eq!(me["is_admin"], true, "the first account");
    let profile = app.call::<GetProfile>(Some(&ada), &[]).await.json();
    assert_eq!(profile["email_verified"], true);
    let id = app.user_id("ada").await;
    assert_eq!(app.actions(id).await, vec!["sign_up"]);
    assert!(app.signs_in("ada", PASSWORD).await);

    let res = finish(&app, &token, PASSWORD).await;
    assert_eq!(reason(&res), "link_used");
    let res = app
        .call::<CheckSignupLink>(None, &[("token", &token)])
        .await;
    assert_eq!(reason(&res), "link_used");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn an_address_with_an_account_answers_the_same_and_its_owner_is_told() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    let taken = sign_up(&app, "mallory", "ADA@example.com").await;
    let free = sign_up(&app, "bob", "bob@example.com").await;
    assert_eq!(taken.status, free.status);
    assert_eq!(taken.body, free.body);
    assert_eq!(
        taken.headers.get(header::LOCATION),
        free.headers.get(header::LOCATION)
    );
    assert_eq!(taken.session_cookie(), None);
    assert_eq!(free.session_cookie(), None);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
    assert_eq!(
        app.scalars::<String>("SELECT email FROM signup_links WHERE used_at IS NULL")
            .await,
        vec!["bob@example.com"]
    );

    app.deliver().await;
    let mail = sink.received();
    let told: Vec<_> = mail
        .iter()
        .filter(|m| m.to == vec!["ada@example.com"])
        .collect();
    assert_eq!(told.len(), 1);
    assert_eq!(
        told[0].subject,
        "[Account Settings] Someone tried to sign up with your address"
    );
    assert!(told[0].text.contains("/forgot-password"));
    assert!(!told[0].text.contains("token="), "no link makes anything");
    // It is in Ada's list too, and Ada's account is as it was.
    let me = app.call::<GetMe>(Some(&ada), &[]).await.json();
    assert_eq!(me["unread_notices"], 1);
    assert!(app.signs_in("ada", PASSWORD).await);
}

async fn sign_up_from(app: &TestApp, ip: &str, handle: &str, email: &str) -> Response {
    app.call_from::<Signup>(
        Some(ip),
        None,
        &[("handle", handle), ("email", email), ("password", PASSWORD)],
    )
    .await
}

#[tokio::test]
async fn mails_to_one_address_are_limited_alike_with_or_without_an_account() {
    use account_settings::server::auth::limiter::{
        SIGNUP_MAILS_PER_ADDRESS, SIGNUP_MAILS_PER_SOURCE,
    };
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, crate::common::behind_proxy).await;
    // Ada's account made without mail, so no mail to her address counts yet.
    let mut plain = app
        .instance_with(&app.database_url(), |s| s.smtp = None)
        .await;
    plain.mail_dir = None;
    plain.signup("ada").await;
    let stranger = "203.0.113.1";
    for (email, handle) in [("ada@example.com", "x"), ("New@Example.com", "y")] {
        // A stranger's sign-ups with the address: a few are mailed; past
        // that, the same answer and nothing sent, under any spelling.
        for i in 0..=SIGNUP_MAILS_PER_SOURCE {
            let spelled = if i % 2 == 0 {
                email.to_owned()
            } else {
                email.to_uppercase()
            };
            let res = sign_up_from(&app, stranger, &format!("{handle}{i}-try"), &spelled).await;
            goes_to(&res, "/signup/sent");
        }
        // The owner, elsewhere, is not held back by them.
        let res = sign_up_from(&app, "198.51.100.9", &format!("{handle}-owner"), email).await;
        goes_to(&res, "/signup/sent");
    }
    let per_address = SIGNUP_MAILS_PER_SOURCE as usize + 1;
    assert_eq!(app.deliver().await, 2 * per_address);
    let sent = sink.received();
    assert_eq!(
        sent.iter()
            .filter(|m| m
                .to
                .iter()
                .any(|t| t.eq_ignore_ascii_case("new@example.com")))
            .count(),
        per_address
    );
    // From many sources, one address gets at most its ceiling in a window.
    for i in 0..SIGNUP_MAILS_PER_ADDRESS + 2 {
        let res = sign_up_from(
            &app,
            &format!("192.0.2.{}", i + 1),
            &format!("many-{i}"),
            "flood@example.com",
        )
        .await;
        goes_to(&res, "/signup/sent");
    }
    assert_eq!(app.deliver().await, SIGNUP_MAILS_PER_ADDRESS as usize);
}

#[tokio::test]
async fn a_link_stops_working_when_it_expires_or_its_handle_or_address_is_taken() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let dir = app.mail_dir.clone().expect("mail dir");
    // Two sign-ups of one address: each its own link; the first finished
    // ends the other.
    sign_up(&app, "grace", "grace@example.com").await;
    sign_up(&app, "hopper", "grace@example.com").await;
    app.deliver().await;
    let first = take_link(&dir, "grace@example.com", "/signup/finish");
    let second = take_link(&dir, "grace@example.com", "/signup/finish");
    // (The two mails may arrive in either order.)
    let finished = app
        .call::<CheckSignupLink>(None, &[("token", &second)])
        .await
        .json()[0]
        .as_str()
        .expect("a handle")
        .to_owned();
    goes_to(&finish(&app, &second, PASSWORD).await, "/settings/profile");
    let res = finish(&app, &first, PASSWORD).await;
    assert_eq!(reason(&res), "link_not_valid");

    // A handle taken while the link waited.
    sign_up(&app, "linus", "linus@example.com").await;
    sign_up(&app, "linus", "torvalds@example.com").await;
    app.deliver().await;
    let one = take_link(&dir, "linus@example.com", "/signup/finish");
    let other = take_link(&dir, "torvalds@example.com", "/signup/finish");
    goes_to(&finish(&app, &other, PASSWORD).await, "/settings/profile");
    let res = finish(&app, &one, PASSWORD).await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reason(&res), "handle_taken");
    // A taken handle is refused when asked, before any mail.
    let res = sign_up(&app, "linus", "third@example.com").await;
    assert_eq!(reason(&res), "handle_taken");

    // After a day the link has expired.
    sign_up(&app, "ken", "ken@example.com").await;
    app.deliver().await;
    let late = take_link(&dir, "ken@example.com", "/signup/finish");
    app.exec("UPDATE signup_links SET expires_at = expires_at - 86401 WHERE handle = 'ken'")
        .await;
    assert_eq!(reason(&finish(&app, &late, PASSWORD).await), "link_expired");
    // A link that is not one.
    let res = finish(&app, &"0".repeat(64), PASSWORD).await;
    assert_eq!(reason(&res), "link_not_valid");
    assert_eq!(
        app.scalars::<String>("SELECT handle FROM users ORDER BY id")
            .await,
        vec![finished.as_str(), "linus"]
    );
}

#[tokio::test]
async fn with_sign_up_closed_a_link_makes_no_account() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    sign_up(&app, "ada", "ada@example.com").await;
    app.deliver().await;
    let token = take_link(
        &app.mail_dir.clone().expect("dir"),
        "ada@example.com",
        "/signup/finish",
    );
    let closed = app
        .instance_with(&app.database_url(), |s| s.allow_signup = false)
        .await;
    let res = finish(&closed, &token, PASSWORD).await;
    assert_eq!(res.status, StatusCode::FORBIDDEN);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}

#[tokio::test]
async fn without_mail_the_account_is_made_at_once_and_a_taken_address_is_said() {
    let app = TestApp::new().await;
    let res = sign_up(&app, "ada", "ada@example.com").await;
    goes_to(&res, "/settings/profile");
    assert!(res.session_cookie().is_some());
    let res = sign_up(&app, "bob", "Ada@Example.com").await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reason(&res), "email_taken");
    assert_eq!(app.count("SELECT COUNT(*) FROM signup_links").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 1);
}

#[tokio::test]
async fn finishing_a_sign_up_while_signed_in_ends_the_earlier_session() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    sign_up(&app, "bob", "bob@example.com").await;
    app.deliver().await;
    let token = take_link(
        &app.mail_dir.clone().expect("dir"),
        "bob@example.com",
        "/signup/finish",
    );
    let res = app
        .call::<FinishSignup>(Some(&ada), &[("token", &token), ("password", PASSWORD)])
        .await;
    goes_to(&res, "/settings/profile");
    let bob = res.session_cookie().expect("signed in as Bob");
    assert_eq!(
        app.call::<GetMe>(Some(&bob), &[]).await.json()["handle"],
        "bob"
    );
    assert_eq!(
        app.call::<GetMe>(Some(&ada), &[]).await.json(),
        serde_json::Value::Null,
        "Ada's session in this browser has ended"
    );
}

#[tokio::test]
async fn dead_links_and_their_mails_are_forgotten() {
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    sign_up(&app, "ada", "ada@example.com").await;
    app.deliver().await;
    let now = account_settings::model::time::now();
    signup::purge(&app.state.db, now).await.unwrap();
    assert_eq!(app.count("SELECT COUNT(*) FROM signup_links").await, 1);
    assert_eq!(app.count("SELECT COUNT(*) FROM notices").await, 1);
    // Its day, then a day more: the link goes; two days: its mail too.
    assert_eq!(
        signup::purge(&app.state.db, now + 2 * 86_400 + 1)
            .await
            .unwrap(),
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM signup_links").await, 0);
    assert_eq!(app.count("SELECT COUNT(*) FROM notices").await, 0);
}
