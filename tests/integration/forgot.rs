//! Forgot password, with the links read from the real SMTP server.

use account_settings::api::auth::GetMe;
use account_settings::api::recovery::{RequestPasswordReset, ResetPassword};
use account_settings::server::auth::links;
use axum::http::{Method, StatusCode};

use crate::common::{TestApp, PASSWORD};
use crate::mailbox::{link_token, MailSink};

const NEW_PASSWORD: &str = "a different horse, also stapled";

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
    assert!(!app.signs_in("ada", PASSWORD).await);
    assert!(app.signs_in("ada", NEW_PASSWORD).await);
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
async fn strangers_asking_for_resets_neither_block_the_owner_nor_break_her_link() {
    use account_settings::server::auth::limiter::RESETS_PER_ACCOUNT;
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, crate::common::behind_proxy).await;
    app.signup("ada").await;
    app.deliver().await;
    let ask = |ip: &'static str, login: &'static str| {
        let app = &app;
        async move {
            app.call_from::<RequestPasswordReset>(Some(ip), None, &[("login", login)])
                .await
        }
    };
    // Ada asks, and is mailed a link.
    assert_eq!(ask("198.51.100.7", "ada").await.status, StatusCode::OK);
    app.deliver().await;
    let first = link_token(sink.received().last().unwrap(), "/reset-password");
    // A stranger asks for her, by handle and by address in any spelling:
    // every answer the same, and past the account's limit nothing is sent.
    let stranger = "203.0.113.9";
    for login in ["ada", "ADA@example.com", "ada@EXAMPLE.com", " Ada ", "ada"] {
        let res = ask(stranger, login).await;
        assert_eq!(res.status, StatusCode::OK, "{login}: {}", res.text());
    }
    // Ada's own request is answered as always, not refused.
    let mine = ask("198.51.100.7", "ada@example.com").await;
    assert_eq!(mine.status, StatusCode::OK, "{}", mine.text());
    assert_eq!(app.deliver().await, RESETS_PER_ACCOUNT as usize - 1);
    // The link she was mailed first still works, and ends the others.
    let res = app
        .call::<ResetPassword>(None, &[("token", &first), ("new_password", NEW_PASSWORD)])
        .await;
    assert!(
        res.status.is_success() || res.status.is_redirection(),
        "{}",
        res.text()
    );
    assert!(app.signs_in("ada", NEW_PASSWORD).await);
    let later = sink
        .received()
        .iter()
        .filter(|m| m.subject.ends_with("Reset your password"))
        .map(|m| link_token(m, "/reset-password"))
        .filter(|t| *t != first)
        .collect::<Vec<_>>();
    assert_eq!(later.len(), RESETS_PER_ACCOUNT as usize - 1);
    for token in later {
        let res = app
            .call::<ResetPassword>(
                None,
                &[
                    ("token", &token),
                    ("new_password", "yet another long password"),
                ],
            )
            .await;
        assert!(res.status.is_client_error(), "{}", res.text());
    }
}

#[tokio::test]
async fn a_password_change_ends_the_reset_links_mailed_before() {
    use account_settings::api::security::ChangePassword;
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, |_| {}).await;
    let ada = app.signup("ada").await;
    app.call::<RequestPasswordReset>(None, &[("login", "ada")])
        .await;
    app.deliver().await;
    let token = link_token(sink.received().last().unwrap(), "/reset-password");
    let res = app
        .call::<ChangePassword>(
            Some(&ada),
            &[
                ("current_password", PASSWORD),
                ("new_password", NEW_PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let res = app
        .call::<ResetPassword>(
            None,
            &[
                ("token", &token),
                ("new_password", "yet another long password"),
            ],
        )
        .await;
    assert!(res.status.is_client_error(), "{}", res.text());
    assert!(app.signs_in("ada", NEW_PASSWORD).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_reset_requests_at_once_mail_at_most_the_limit() {
    use account_settings::server::auth::limiter::{RESETS_PER_ACCOUNT, RESETS_PER_IP};
    let sink = MailSink::start();
    let app = TestApp::with_mail(&sink, crate::common::behind_proxy).await;
    app.signup("ada").await;
    app.deliver().await;
    let asks = (0..60).map(|_| {
        app.call_from::<RequestPasswordReset>(Some("203.0.113.10"), None, &[("login", "ada")])
    });
    let answers = futures::future::join_all(asks).await;
    let ok = answers
        .iter()
        .filter(|a| a.status == StatusCode::OK)
        .count();
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(
        (ok, refused),
        (RESETS_PER_IP as usize, 60 - RESETS_PER_IP as usize)
    );
    assert_eq!(app.deliver().await, RESETS_PER_ACCOUNT as usize);
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
