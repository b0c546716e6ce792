//! The Audit Log's filters (action, token, dates) and paging both ways, read
//! with the function the page and the API use.

use account_settings::model::audit::{AuditAction, AuditQuery};
use account_settings::model::time::{now, rfc3339};
use account_settings::server::audit;
use account_settings::server::events::NewEvent;

use crate::common::TestApp;

/// Pages through `audit::page` (older first, then back towards newer) and
/// returns the ids seen each way.
async fn walk(app: &TestApp, q: &AuditQuery) -> (Vec<i64>, Vec<i64>) {
    let mut older = Vec::new();
    let mut q = q.clone();
    loop {
        let page = audit::page(&app.state.db, 1, &q, 3).await.unwrap();
        older.extend(page.events.iter().map(|e| e.id));
        match page.next {
            Some(next) => q.before = Some(next),
            None => break,
        }
    }
    // From the oldest page, walk back up with `after`.
    let mut newer = Vec::new();
    q.before = None;
    q.after = older.last().map(|id| id - 1);
    loop {
        let page = audit::page(&app.state.db, 1, &q, 3).await.unwrap();
        newer.splice(0..0, page.events.iter().map(|e| e.id));
        match page.prev {
            Some(prev) => q.after = Some(prev),
            None => break,
        }
    }
    (older, newer)
}

#[tokio::test]
async fn date_token_and_action_filters_page_through_exactly_the_matching_events() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    // Three days in the future (times are written in order, so they must
    // come after the sign-up), four events a day, two tokens, two actions.
    let day0 = (now() / 86_400 + 10) * 86_400;
    let mut recorded = Vec::new();
    for day in 0..3 {
        for i in 0..4 {
            let (action, token) = match i {
                0 => (AuditAction::ApiRequest, 7),
                1 => (AuditAction::ApiRequest, 8),
                2 => (AuditAction::TokenDeactivated, 7),
                _ => (AuditAction::TokenDeactivated, 8),
            };
            let at = day0 + day * 86_400 + i * 60;
            let mut e = NewEvent::new(1, action).token(token, format!("t{token}"));
            e.at = at;
            app.state.audit.record_api(e).await;
            recorded.push((at, action.as_str(), token));
        }
    }
    app.state.audit.flush().await;
    let ids: Vec<i64> = app
        .scalars(&format!(
            "SELECT id FROM audit_events WHERE created_at >= {day0} ORDER BY id"
        ))
        .await;
    assert_eq!(ids.len(), recorded.len());
    let date = |d: i64| rfc3339(day0 + d * 86_400)[..10].to_owned();

    let cases = [
        (
            AuditQuery {
                from: date(1),
                to: date(1),
                ..Default::default()
            },
            "day 1",
        ),
        (
            AuditQuery {
                from: date(1),
                ..Default::default()
            },
            "from day 1",
        ),
        (
            AuditQuery {
                to: date(0),
                action: "token_deactivated".into(),
                ..Default::default()
            },
            "action to day 0",
        ),
        (
            AuditQuery {
                token_id: Some(8),
                ..Default::default()
            },
            "token 8",
        ),
        (
            AuditQuery {
                token_id: Some(7),
                action: "api_request".into(),
                ..Default::default()
            },
            "token 7 + action",
        ),
        (
            AuditQuery {
                token_id: Some(8),
                action: "token_deactivated".into(),
                from: date(1),
                to: date(2),
                ..Default::default()
            },
            "all four",
        ),
        (
            AuditQuery {
                from: date(5),
                ..Default::default()
            },
            "after every event",
        ),
    ];
    for (q, label) in cases {
        let (from, to) = audit::date_range(&q).unwrap();
        let mut expected: Vec<i64> = recorded
            .iter()
            .zip(&ids)
            .filter(|((at, action, token), _)| {
                *at >= from
                    && *at < to
                    && (q.action.is_empty() || q.action == *action)
                    && q.token_id.is_none_or(|t| t == *token)
            })
            .map(|(_, id)| *id)
            .collect();
        expected.reverse();
        let (older, newer) = walk(&app, &q).await;
        assert_eq!(older, expected, "{label}: paging towards older events");
        if !expected.is_empty() {
            assert_eq!(newer, expected, "{label}: paging back towards newer events");
        }
    }
}

#[tokio::test]
async fn events_written_a_little_out_of_time_order_are_found_by_date() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let midnight = (now() / 86_400 + 10) * 86_400;
    // Written in this order: just after midnight, then just before it.
    for (detail, at) in [("after", midnight + 10), ("before", midnight - 20)] {
        let mut e = NewEvent::new(1, AuditAction::ProfileUpdated).detail(detail);
        e.at = at;
        app.state.audit.record_api(e).await;
    }
    app.state.audit.flush().await;
    let day = |t: i64| rfc3339(t)[..10].to_owned();
    let details = |q: AuditQuery| {
        let db = app.state.db.clone();
        async move {
            audit::page(&db, 1, &q, 50)
                .await
                .unwrap()
                .events
                .into_iter()
                .filter_map(|e| e.detail)
                .collect::<Vec<_>>()
        }
    };
    let before = AuditQuery {
        from: day(midnight - 1),
        to: day(midnight - 1),
        action: "profile_updated".into(),
        ..Default::default()
    };
    assert_eq!(details(before).await, ["before"]);
    let after = AuditQuery {
        from: day(midnight),
        ..Default::default()
    };
    assert_eq!(details(after).await, ["after"]);
}
