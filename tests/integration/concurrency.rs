//! SPEC §11: the promises that need a lock hold across two instances of the
//! server on one database, the requests fired at both at once. The same
//! tests run on SQLite (two pools on one file) and on PostgreSQL (the suite
//! with `TEST_DATABASE=postgres`), where READ COMMITTED alone would break
//! each of them.

use std::collections::HashSet;

use account_settings::api::admin::AdminUpdateUser;
use account_settings::api::advanced::ChangeHandle;
use account_settings::api::auth::Signup;
use account_settings::api::tokens::GenerateToken;
use account_settings::model::audit::{AuditAction, AuditQuery};
use account_settings::server::audit::page;
use account_settings::server::db::Pool;
use account_settings::server::events;
use account_settings::server::events::NewEvent;
use account_settings::server::identity::{account, users};
use axum::http::StatusCode;
use futures::future::join_all;

use crate::common::{TestApp, PASSWORD};

/// Instance `i % 2` of the two.
fn pick(apps: &[TestApp; 2], i: usize) -> &TestApp {
    &apps[i % 2]
}

/// Two instances on one fresh database (in this process for the
/// integration tests, real servers behind nginx for the balanced ones).
async fn two_instances() -> [TestApp; 2] {
    crate::instances::two().await
}

/// Opens enough connections in both pools that the requests that follow
/// need not wait for one (so they really run at once).
async fn warm_up(apps: &[TestApp; 2]) {
    if matches!(apps[0].state.db.pool, Pool::Postgres(_)) {
        join_all((0..24).map(|i| pick(apps, i).exec("SELECT pg_sleep(0.05)"))).await;
    }
}

async fn signup_call(app: &TestApp, handle: &str) -> StatusCode {
    let email = format!("{handle}@example.com");
    app.call::<Signup>(
        None,
        &[
            ("handle", handle),
            ("email", &email),
            ("password", PASSWORD),
        ],
    )
    .await
    .status
}

#[tokio::test]
async fn simultaneous_first_signups_make_exactly_one_administrator() {
    let apps = two_instances().await;
    let apps = &apps;
    // Through the router: twelve sign-ups at once, six on each instance.
    let handles: Vec<String> = (0..12).map(|i| format!("first-{i}")).collect();
    let statuses = join_all(
        handles
            .iter()
            .enumerate()
            .map(|(i, h)| signup_call(pick(apps, i), h)),
    )
    .await;
    assert!(statuses
        .iter()
        .all(|s| s.is_success() || s.is_redirection()));
    assert_eq!(
        apps[0]
            .count("SELECT COUNT(*) FROM users WHERE is_admin")
            .await,
        1
    );

    // The store itself, without the password hashing that spreads the
    // requests out: twenty first accounts at once on a fresh database.
    let apps = two_instances().await;
    let apps = &apps;
    let names = [String::new(), String::new(), String::new()];
    let names = &names;
    warm_up(apps).await;
    let created = join_all((0..20).map(|i| async move {
        users::create(
            &pick(apps, i).state.db,
            &format!("user-{i}"),
            &format!("user-{i}@example.com"),
            "not-a-real-hash",
            false,
            names,
            |id| vec![NewEvent::new(id, AuditAction::SignUp)],
        )
        .await
    }))
    .await;
    assert!(created.iter().all(Result::is_ok));
    assert_eq!(
        apps[1]
            .count("SELECT COUNT(*) FROM users WHERE is_admin")
            .await,
        1
    );
}

#[tokio::test]
async fn token_limit_holds_for_twenty_saves_across_two_instances() {
    let apps = two_instances().await;
    let apps = &apps;
    apps[0].signup("ada").await;
    let mut pending = Vec::new();
    for i in 0..20 {
        let app = pick(apps, i);
        let cookie = app.login("ada", PASSWORD).await.session_cookie().unwrap();
        let secret = app.call::<GenerateToken>(Some(&cookie), &[]).await.json()["secret"]
            .as_str()
            .unwrap()
            .to_owned();
        pending.push((cookie, secret));
    }
    let saves = pending
        .iter()
        .enumerate()
        .map(|(i, (cookie, secret))| pick(apps, i).save_token(cookie, secret, "", "30"));
    let results = join_all(saves).await;
    let saved = results
        .iter()
        .filter(|r| r.status == StatusCode::OK)
        .count();
    assert_eq!(saved, 2);
    assert!(results
        .iter()
        .all(|r| r.status == StatusCode::OK || r.status == StatusCode::CONFLICT));
    assert_eq!(apps[1].count("SELECT COUNT(*) FROM api_tokens").await, 2);
}

/// Arguments of `AdminUpdateUser` making `handle` a plain user.
fn demote(id: &str, handle: &str) -> Vec<(&'static str, String)> {
    vec![
        ("id", id.to_owned()),
        ("first_name", "A".to_owned()),
        ("last_name", "B".to_owned()),
        ("display_name", "AB".to_owned()),
        ("email", format!("{handle}@example.com")),
        ("role", "user".to_owned()),
    ]
}

#[tokio::test]
async fn two_administrators_demoting_each_other_at_once_leave_one() {
    let apps = two_instances().await;
    let ada = apps[0].signup("ada").await;
    let bob = apps[0].signup("bob").await;
    let ada_id = apps[0].user_id("ada").await.to_string();
    let bob_id = apps[0].user_id("bob").await.to_string();
    for round in 0..8 {
        // Both administrators again, then each demotes the other at once.
        apps[0]
            .exec("UPDATE users SET is_admin = TRUE, disabled = FALSE")
            .await;
        let (a, b) = (demote(&bob_id, "bob"), demote(&ada_id, "ada"));
        let a: Vec<(&str, &str)> = a.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let b: Vec<(&str, &str)> = b.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let (ra, rb) = tokio::join!(
            apps[0].call::<AdminUpdateUser>(Some(&ada), &a),
            apps[1].call::<AdminUpdateUser>(Some(&bob), &b),
        );
        let admins = apps[0]
            .count("SELECT COUNT(*) FROM users WHERE is_admin AND NOT disabled")
            .await;
        assert_eq!(admins, 1, "round {round}: {} / {}", ra.status, rb.status);
        let mut statuses = [ra.status, rb.status];
        statuses.sort();
        // One won; the other was refused as the last administrator, or found
        // itself no longer an administrator (404 from the admin check).
        assert_eq!(statuses[0], StatusCode::OK, "round {round}");
        assert!(
            statuses[1] == StatusCode::CONFLICT || statuses[1] == StatusCode::NOT_FOUND,
            "round {round}: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn a_handle_being_given_up_cannot_be_taken_by_a_concurrent_signup() {
    let apps = two_instances().await;
    apps[0].signup("root-user").await;
    for round in 0..6 {
        let old = format!("old-{round}");
        let cookie = apps[0].signup(&old).await;
        let new = format!("new-{round}");
        // The rename on one instance, sign-ups for the old and the new
        // handle on the other, all at once.
        let rename = [("handle", new.as_str())];
        let (renamed, for_old, for_new) = tokio::join!(
            apps[0].call::<ChangeHandle>(Some(&cookie), &rename),
            signup_call(&apps[1], &old),
            signup_call(&apps[1], &new),
        );
        let holders = |h: String| {
            let apps = &apps;
            async move {
                apps[0]
                    .count(&format!("SELECT COUNT(*) FROM users WHERE handle = '{h}'"))
                    .await
            }
        };
        let ok = |s: StatusCode| s.is_success() || s.is_redirection();
        // Exactly one of the rename and the sign-up got the new handle.
        assert!(
            ok(renamed.status) != ok(for_new),
            "round {round}: {} / {for_new}",
            renamed.status
        );
        assert_eq!(holders(new).await, 1, "round {round}");
        // The old handle is its owner's, or reserved for them: the sign-up
        // for it failed either way.
        assert!(!ok(for_old), "round {round}: {for_old}");
        let expected = if ok(renamed.status) { 0 } else { 1 };
        assert_eq!(holders(old).await, expected, "round {round}");
    }

    // The store itself, without password hashing in between: a rename and
    // a sign-up for the handle it gives up, at once, on the two instances.
    warm_up(&apps).await;
    let names = [String::new(), String::new(), String::new()];
    for round in 0..20 {
        let old = format!("store-{round}");
        let id = users::create(
            &apps[0].state.db,
            &old,
            &format!("{old}@example.com"),
            "x",
            false,
            &names,
            |_| Vec::new(),
        )
        .await
        .unwrap();
        let new = format!("renamed-{round}");
        let thief = format!("thief-{round}@example.com");
        let (renamed, taken) = tokio::join!(
            account::change_handle(
                &apps[0].state.db,
                id,
                &new,
                NewEvent::new(id, AuditAction::HandleChanged)
            ),
            users::create(&apps[1].state.db, &old, &thief, "x", false, &names, |_| {
                Vec::new()
            }),
        );
        assert!(renamed.is_ok(), "round {round}");
        assert!(
            taken.is_err(),
            "round {round}: a sign-up took a handle being given up"
        );
        assert_eq!(
            apps[0]
                .count(&format!(
                    "SELECT COUNT(*) FROM users WHERE handle = '{old}'"
                ))
                .await,
            0
        );
    }
}

#[tokio::test]
async fn following_the_audit_log_while_two_instances_write_returns_each_event_once() {
    let apps = two_instances().await;
    apps[0].signup("ada").await;
    let id = apps[0].user_id("ada").await;
    apps[0].state.audit.flush().await;
    let start: i64 = apps[0]
        .scalar(&format!(
            "SELECT MAX(id) FROM audit_events WHERE user_id = {id}"
        ))
        .await;

    // Both instances write 400 events each in batches of 5, by turns
    // through the queue (as API requests are) and with a change (as account
    // events are), while a reader follows the log by cursor (`after`: the
    // events newer than the last one it saw), as a client syncing the log
    // does. An id that became visible after a larger one would be skipped
    // for good.
    const EVENTS: usize = 800;
    let writing = std::sync::atomic::AtomicUsize::new(2);
    let writing = &writing;
    let writers = apps.iter().map(|app| async move {
        for batch in 0..80 {
            let events: Vec<NewEvent> = (0..5)
                .map(|i| {
                    NewEvent::new(id, AuditAction::ProfileUpdated).detail(format!("{batch}.{i}"))
                })
                .collect();
            if batch % 2 == 0 {
                for e in events {
                    app.state.audit.record_api(e).await;
                }
                app.state.audit.flush().await;
            } else {
                events::write(&app.state.db, &events).await.unwrap();
            }
        }
        writing.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    });
    let reader = async {
        let mut seen = Vec::new();
        let mut cursor = start;
        let mut reads = 0usize;
        loop {
            let last_round = writing.load(std::sync::atomic::Ordering::SeqCst) == 0;
            loop {
                let q = AuditQuery {
                    after: Some(cursor),
                    ..AuditQuery::default()
                };
                let p = page(&apps[reads % 2].state.db, id, &q, 7).await.unwrap();
                reads += 1;
                let Some(newest) = p.events.first() else {
                    break;
                };
                cursor = newest.id;
                seen.extend(p.events.iter().map(|e| e.id));
            }
            if last_round {
                return seen;
            }
            tokio::task::yield_now().await;
        }
    };
    let (_, seen) = tokio::join!(join_all(writers), reader);
    let unique: HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "an event was read twice");
    let all: HashSet<i64> = apps[0]
        .scalars::<i64>(&format!(
            "SELECT id FROM audit_events WHERE user_id = {id} AND id > {start}"
        ))
        .await
        .into_iter()
        .collect();
    assert_eq!(all.len(), EVENTS);
    let missed: Vec<_> = all.difference(&unique).collect();
    assert!(missed.is_empty(), "the reader skipped {missed:?}");
}

#[tokio::test]
async fn failed_sign_ins_on_two_instances_count_as_on_one() {
    use account_settings::server::auth::limiter::PER_SOURCE;
    let apps = two_instances().await;
    apps[0].signup("ada").await;
    // The failures alternate between the instances, some at once.
    let wrong =
        (0..PER_SOURCE as usize).map(|i| pick(&apps, i).login("ada", "wrong password here"));
    for res in join_all(wrong).await {
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            res.text()
        );
    }
    // Either instance now holds the right password back.
    for app in &apps {
        let res = app.login("ada", PASSWORD).await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{}", res.text());
    }
    // This source, the account across sources, the address; and the
    // sign-up's address.
    assert_eq!(apps[1].count("SELECT COUNT(*) FROM rate_limits").await, 4);
}
