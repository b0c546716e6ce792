//! Writing the audit log: account events commit with their change, API
//! events are queued with back-pressure, and a deleted user's events do
//! not sink a batch.

use axum::http::{Method, StatusCode};

use crate::common::TestApp;

#[tokio::test]
async fn events_of_a_deleted_user_do_not_lose_the_batch() {
    use account_settings::model::audit::AuditAction;
    use account_settings::server::events::NewEvent;
    let app = TestApp::new().await;
    app.signup("ada").await;
    app.signup("bob").await;
    app.state.audit.flush().await;
    // Bob disappears while events for both are queued.
    app.exec("DELETE FROM users WHERE handle = 'bob'").await;
    for (user, detail) in [(1, "first"), (2, "orphan"), (1, "second")] {
        let e = NewEvent::new(user, AuditAction::ApiRequest).detail(detail);
        app.state.audit.record_api(e).await;
    }
    let actions = app.actions(1).await;
    assert_eq!(actions.iter().filter(|a| *a == "api_request").count(), 2);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE user_id = 2")
            .await,
        0
    );
}

#[tokio::test]
async fn a_full_audit_queue_makes_api_requests_wait_rather_than_pile_up() {
    use account_settings::model::audit::AuditAction;
    use account_settings::server::audit::AuditLog;
    use account_settings::server::db::Lock;
    use account_settings::server::events::NewEvent;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;
    let app = TestApp::new().await;
    app.signup("ada").await;
    let id = app.user_id("ada").await;
    let before = app.count("SELECT COUNT(*) FROM audit_events").await;
    // The writer is held up: another transaction holds the write lock
    // (SQLite) or the audit lock (PostgreSQL).
    let blocker = app.state.db.begin_locked(Lock::Audit).await.unwrap();
    let log = AuditLog::with_capacity(app.state.db.clone(), app.state.api_limits.clone(), 4);
    const SENT: usize = 100;
    let queued = Arc::new(AtomicUsize::new(0));
    let sender = {
        let (log, queued) = (log.clone(), queued.clone());
        tokio::spawn(async move {
            for _ in 0..SENT {
                log.record_api(NewEvent::new(id, AuditAction::ApiRequest))
                    .await;
                queued.fetch_add(1, Ordering::SeqCst);
            }
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    // The writer's batch and the four places of the queue, no more.
    let waiting_at = queued.load(Ordering::SeqCst);
    assert!(
        (4..SENT / 2).contains(&waiting_at),
        "{waiting_at} queued while the writer was held up"
    );
    drop(blocker);
    sender.await.unwrap();
    log.flush().await;
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events").await,
        before + SENT as i64
    );
}

/// A profile form that gives Ada her names.
const NAMES_GIVEN: [(&str, &str); 4] = [
    ("first_name", "Ada"),
    ("last_name", "Lovelace"),
    ("display_name", "Ada"),
    ("email", "ada@example.com"),
];

/// Makes every write to the audit log fail from now on.
async fn refuse_audit_writes(app: &TestApp) {
    use account_settings::server::db::Backend;
    if app.state.db.backend() == Backend::Sqlite {
        app.exec(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        )
        .await;
    } else {
        app.exec(
            "CREATE FUNCTION refuse_audit() RETURNS trigger LANGUAGE plpgsql
             AS $$ BEGIN RAISE EXCEPTION 'audit refused'; END $$",
        )
        .await;
        app.exec(
            "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_events
             FOR EACH ROW EXECUTE FUNCTION refuse_audit()",
        )
        .await;
    }
}

#[tokio::test]
async fn an_account_change_is_in_the_log_as_soon_as_it_is_made() {
    use account_settings::api::profile::SaveProfile;
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app.call::<SaveProfile>(Some(&cookie), &NAMES_GIVEN).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    // Read at once, without waiting for any queue.
    assert_eq!(
        app.count("SELECT COUNT(*) FROM audit_events WHERE action = 'profile_updated'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_change_whose_record_cannot_be_written_is_not_made() {
    use account_settings::api::advanced::ChangeHandle;
    use account_settings::api::profile::SaveProfile;
    use account_settings::api::security::ChangePassword;
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, saved) = app.create_token(&cookie, "ci", "30").await;
    let token_id = saved["id"].as_i64().unwrap();
    let hash_before: String = app
        .scalar("SELECT password_hash FROM users WHERE handle = 'ada'")
        .await;
    refuse_audit_writes(&app).await;

    let res = app.call::<SaveProfile>(Some(&cookie), &NAMES_GIVEN).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.scalar::<String>("SELECT first_name FROM users WHERE handle = 'ada'")
            .await,
        ""
    );

    let res = app
        .call::<ChangeHandle>(Some(&cookie), &[("handle", "ada-lovelace")])
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.count("SELECT COUNT(*) FROM users WHERE handle = 'ada'")
            .await,
        1
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM retired_handles").await, 0);

    let res = app
        .call::<ChangePassword>(
            Some(&cookie),
            &[
                ("current_password", crate::common::PASSWORD),
                ("new_password", "a different passphrase 42"),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    let hash_after: String = app
        .scalar("SELECT password_hash FROM users WHERE handle = 'ada'")
        .await;
    assert_eq!(hash_after, hash_before);
    assert_eq!(
        app.login("ada", crate::common::PASSWORD).await.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "signing in records the sign-in, so it is refused too"
    );

    let res = app
        .api(
            Method::DELETE,
            &format!("/api/v1/tokens/{token_id}"),
            &secret,
            None,
        )
        .await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        app.count(&format!(
            "SELECT COUNT(*) FROM api_tokens WHERE id = {token_id}"
        ))
        .await,
        1
    );
}
