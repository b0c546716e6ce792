//! The attack suite's injection family: markup and SQL meta-characters in
//! every text a user or a client controls (names, token names, user agents)
//! are stored as sent, come back equal in JSON, and reach every page that
//! shows them escaped: as text, in attributes, in island props. The CSV
//! export's formula neutralising is in `audit.rs`.

use account_settings::api::profile::{GetProfile, SaveProfile};
use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};

use crate::common::{TestApp, HOST, ORIGIN, PASSWORD};

/// Each at most 100 characters (the names' limit), without control
/// characters (refused, and tested in `bad_input.rs`).
const PAYLOADS: [&str; 6] = [
    "<script>alert(1)</script>",
    "\"><img src=x onerror=alert(2)>",
    "'><svg/onload=alert(3)>",
    "</script><script>alert(4)</script>",
    "'; DROP TABLE users; --",
    "&lt;b&gt; {{7*7}} ${7*7} \\u003c %s",
];

/// What must never appear in a page: a payload's markup as markup.
const LIVE_MARKUP: [&str; 5] = [
    "<script>alert",
    "<img src=x",
    "<svg/onload",
    "onerror=alert(2)>",
    "\"><img",
];

fn assert_inert(page: &str, what: &str) {
    for live in LIVE_MARKUP {
        assert!(!page.contains(live), "{what}: {live:?} live in the page");
    }
}

async fn save_names(app: &TestApp, cookie: &str, value: &str) {
    let res = app
        .call::<SaveProfile>(
            Some(cookie),
            &[
                ("first_name", value),
                ("last_name", value),
                ("display_name", value),
                ("email", "ada@example.com"),
                ("current_password", ""),
            ],
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{value}: {}", res.text());
}

#[tokio::test]
async fn names_are_kept_as_sent_and_every_page_escapes_them() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (token, _) = app.create_token(&cookie, "ci", "30").await;
    let users = app.count("SELECT COUNT(*) FROM users").await;
    for payload in PAYLOADS {
        save_names(&app, &cookie, payload).await;
        let got = app.call::<GetProfile>(Some(&cookie), &[]).await.json();
        assert_eq!(got["first_name"], payload);
        assert_eq!(got["display_name"], payload);
        let api = app
            .api(Method::GET, "/api/v1/user", &token, None)
            .await
            .json();
        assert_eq!(api["display_name"], payload);
        let stored: String = app
            .scalar("SELECT display_name FROM users WHERE handle = 'ada'")
            .await;
        assert_eq!(stored, payload, "stored literally");
        // The profile (the fields' values), the header (the name), and the
        // administrators' list with its edit island (Ada is the first
        // account, so an administrator).
        for path in ["/settings/profile", "/settings/tokens", "/admin/users"] {
            let page = app.get(path, Some(&cookie)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert_inert(&page.text(), &format!("{path} with {payload}"));
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, users);
    let profile = app.get("/settings/profile", Some(&cookie)).await.text();
    assert!(
        profile.contains("&amp;lt;b&amp;gt;"),
        "an entity is shown as typed, not decoded"
    );
}

#[tokio::test]
async fn token_names_and_user_agents_are_escaped_in_the_lists_and_the_audit_log() {
    let app = TestApp::with(|s| s.policy.max_per_user = 10).await;
    let cookie = app.signup("ada").await;
    for payload in PAYLOADS {
        let (_, saved) = app.create_token(&cookie, payload, "30").await;
        assert_eq!(saved["name"], payload);
    }
    // A stranger's sign-in attempt and an API client, each with a payload
    // for a user agent, land in Ada's audit log.
    let (token, _) = app.create_token(&cookie, "agent", "30").await;
    // Four failed sign-ins: the fifth from one address would be limited.
    for (i, payload) in PAYLOADS.iter().enumerate() {
        let payload = *payload;
        if i < 4 {
            let form = crate::common::form(&[("login", "ada"), ("password", "wrong password 1")]);
            let req = Request::post(
                <account_settings::api::auth::Login as leptos::server_fn::ServerFn>::PATH,
            )
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::USER_AGENT, payload)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form))
            .unwrap();
            let res = app.send(req).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{payload}: {}",
                res.text()
            );
        }
        let req = Request::get("/api/v1/user")
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::USER_AGENT, payload)
            .body(Body::empty())
            .unwrap();
        assert_eq!(app.send(req).await.status, StatusCode::OK);
    }
    app.state.audit.flush().await;
    let agents = app
        .count(
            "SELECT COUNT(DISTINCT user_agent) FROM audit_events WHERE user_agent LIKE '%alert(%'",
        )
        .await;
    assert_eq!(agents, 4, "stored as sent");
    assert!(app.signs_in("ada", PASSWORD).await);
    for path in ["/settings/tokens", "/settings/audit-log"] {
        let page = app.get(path, Some(&cookie)).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        let html = page.text();
        assert_inert(&html, path);
        assert!(
            html.contains("&lt;script&gt;") || html.contains("&lt;svg"),
            "{path} shows them"
        );
    }
    let json = app
        .get("/settings/audit-log/export.json", Some(&cookie))
        .await
        .json();
    let text = json.to_string();
    assert!(
        text.contains("<script>alert(1)</script>"),
        "JSON keeps the text"
    );
}
