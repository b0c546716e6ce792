//! Limits that hold under bursts: many attempts sent at once from one
//! source get no more through than the same attempts sent one after
//! another, on both instances of one database. The same tests run in this
//! process (SQLite, and PostgreSQL with `TEST_DATABASE=postgres`) and
//! against two release instances behind nginx (`tests/balanced`).

use std::collections::BTreeMap;

use account_settings::api::auth::{Login, Signup};
use account_settings::server::auth::limiter::PER_SOURCE;
use axum::http::{header, StatusCode};
use futures::future::join_all;

use crate::common::{Response, TestApp, PASSWORD};

/// Attempts sent at once.
const BURST: usize = 60;

/// Instance `i % 2` of the two.
fn pick(apps: &[TestApp; 2], i: usize) -> &TestApp {
    &apps[i % 2]
}

/// How many answers had each status.
fn tally(answers: &[Response]) -> BTreeMap<u16, usize> {
    let mut seen = BTreeMap::new();
    for a in answers {
        *seen.entry(a.status.as_u16()).or_default() += 1;
    }
    seen
}

/// Every 429 says how long to wait.
fn refusals_say_when(answers: &[Response]) {
    for a in answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
    {
        let wait: u64 = a.headers[header::RETRY_AFTER]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!((1..=15 * 60).contains(&wait), "Retry-After: {wait}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixty_sign_ins_at_once_from_one_source_get_only_the_limit_tried() {
    let apps = crate::instances::two().await;
    let apps = &apps;
    apps[0].signup("ada").await;
    let ada = apps[0].user_id("ada").await;
    let sessions = format!("SELECT COUNT(*) FROM sessions WHERE user_id = {ada}");
    let before = apps[0].count(&sessions).await;
    let stranger = "203.0.113.7";
    let guesses = (0..BURST).map(|i| {
        pick(apps, i).call_from::<Login>(
            Some(stranger),
            None,
            &[("login", "ada"), ("password", "a wrong password, guessed")],
        )
    });
    let answers = join_all(guesses).await;
    let seen = tally(&answers);
    assert_eq!(
        seen,
        BTreeMap::from([
            (422, PER_SOURCE as usize),
            (429, BURST - PER_SOURCE as usize)
        ]),
        "five guesses tried, the rest refused before any hash"
    );
    refusals_say_when(&answers);
    // The source now waits, the right password too, under the email
    // address as under the handle; no session was made.
    for login in ["ada", "ada@example.com", "ADA"] {
        let res = apps[1]
            .call_from::<Login>(
                Some(stranger),
                None,
                &[("login", login), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(res.status, StatusCode::TOO_MANY_REQUESTS, "{login}");
    }
    assert_eq!(apps[0].count(&sessions).await, before);
    // Another source is not held back.
    let res = apps[1]
        .call_from::<Login>(
            Some("198.51.100.4"),
            None,
            &[("login", "ada"), ("password", PASSWORD)],
        )
        .await;
    assert!(res.session_cookie().is_some(), "{}", res.text());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_five_sign_ups_at_once_from_one_address_make_at_most_the_limit() {
    const LIMIT: u32 = 10;
    const TRIES: usize = 25;
    let apps = crate::instances::two_limited(LIMIT).await;
    let apps = &apps;
    let handles: Vec<String> = (0..TRIES).map(|i| format!("burst-{i}")).collect();
    let emails: Vec<String> = handles.iter().map(|h| format!("{h}@example.com")).collect();
    let tries = (0..TRIES).map(|i| {
        let (handle, email) = (&handles[i], &emails[i]);
        async move {
            pick(apps, i)
                .call_from::<Signup>(
                    Some("203.0.113.8"),
                    None,
                    &[("handle", handle), ("email", email), ("password", PASSWORD)],
                )
                .await
        }
    });
    let answers = join_all(tries).await;
    let made = apps[0]
        .count("SELECT COUNT(*) FROM users WHERE handle LIKE 'burst-%'")
        .await;
    assert_eq!(made, i64::from(LIMIT), "{:?}", tally(&answers));
    let refused = answers
        .iter()
        .filter(|a| a.status == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!(refused, TRIES - LIMIT as usize, "{:?}", tally(&answers));
    refusals_say_when(&answers);
    // Each account the answer said was made exists, and no other.
    let signed_in = answers
        .iter()
        .filter(|a| a.session_cookie().is_some())
        .count();
    assert_eq!(signed_in, LIMIT as usize);
}
