//! The OpenAPI document tells the truth: closed sets are enums the server
//! accepts in full, every answer a route gives is listed, and what the
//! document forbids the server refuses with a JSON error.

use axum::http::{Method, StatusCode};
use serde_json::Value;

use account_settings::model::audit::AuditAction;

use crate::common::{TestApp, ALL_SCOPES};

async fn document(app: &TestApp) -> Value {
    app.get("/api/v1/openapi.json", None).await.json()
}

#[tokio::test]
async fn the_audit_action_filter_is_the_closed_set_the_server_accepts() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (token, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    let doc = document(&app).await;
    let params = doc["paths"]["/api/v1/audit-log"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let action = params.iter().find(|p| p["name"] == "action").unwrap();
    let listed: Vec<&str> = action["schema"]["enum"]
        .as_array()
        .expect("an enum")
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    let all: Vec<&str> = AuditAction::ALL.iter().map(|a| a.as_str()).collect();
    assert_eq!(listed, all);
    for name in listed {
        let res = app
            .api(
                Method::GET,
                &format!("/api/v1/audit-log?action={name}"),
                &token,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{name}: {}", res.text());
    }
    let limit = params.iter().find(|p| p["name"] == "limit").unwrap();
    assert_eq!(limit["schema"]["minimum"], 1);
    assert_eq!(limit["schema"]["maximum"], 200);
}

#[tokio::test]
async fn what_the_document_forbids_is_refused_with_a_json_error() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (token, _) = app.create_token_with(&cookie, ALL_SCOPES).await;
    for query in [
        "action=",
        "action=nonsense",
        "action=api_request&action=api_request",
        "limit=",
        "limit=0",
        "limit=201",
        "limit=ten",
        "cursor=",
        "cursor=abc",
    ] {
        let res = app
            .api(
                Method::GET,
                &format!("/api/v1/audit-log?{query}"),
                &token,
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{query}");
        assert_eq!(res.json()["error"]["code"], "invalid_request", "{query}");
    }
    // What the document's patterns forbid is refused and changes nothing.
    for body in [
        r#"{"first_name": "   "}"#,
        r#"{"display_name": "Ada\u0007"}"#,
        r#"{"last_name": " "}"#,
        r#"{"avatar_url": "http://example.com/a.png"}"#,
        r#"{"avatar_url": "https://example.com/a b.png"}"#,
    ] {
        let res = app
            .api(Method::PATCH, "/api/v1/user", &token, Some(body))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
        assert_eq!(res.json()["error"]["code"], "invalid_request", "{body}");
    }
    let before = app.me(&cookie).await;
    // Lengths count what is sent, spaces and all, as the document's
    // maxLength does.
    let long = format!(r#"{{"first_name": " {}"}}"#, "a".repeat(100));
    let res = app
        .api(Method::PATCH, "/api/v1/user", &token, Some(&long))
        .await;
    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.me(&cookie).await, before);
}

#[tokio::test]
async fn every_operation_lists_the_answers_it_can_give() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let mut with_body = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            let listed = op["responses"].as_object().unwrap();
            let has = |s: &str| listed.contains_key(s);
            if op["security"].as_array().is_some_and(|s| !s.is_empty()) {
                for s in ["401", "403", "429"] {
                    assert!(has(s), "{method} {path} lacks {s}");
                }
            }
            if op.get("requestBody").is_some() {
                with_body += 1;
                for s in ["413", "415", "422"] {
                    assert!(has(s), "{method} {path} lacks {s}");
                    assert_eq!(
                        listed[s]["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/ErrorBody"
                    );
                }
            }
        }
    }
    // PATCH /user, both regenerations and the leaked-token report.
    assert_eq!(with_body, 4);
    // The server's own refusal of a body that is not JSON is one of them.
    let res = app
        .send(
            axum::http::Request::post("/api/v1/tokens/revoke")
                .body(axum::body::Body::from("token=x"))
                .unwrap(),
        )
        .await;
    assert_eq!(res.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(res.json()["error"]["code"], "unsupported_media_type");
}

/// A path parameter is a `{name}` of its path, and the other way round;
/// the audit log's filters are optional query parameters (a strict
/// validator refuses the whole document otherwise).
#[tokio::test]
async fn every_parameter_is_where_its_path_says() {
    let app = TestApp::new().await;
    let doc = document(&app).await;
    let paths = doc["paths"].as_object().unwrap();
    for (path, item) in paths {
        let templated: Vec<&str> = path
            .split('/')
            .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
            .collect();
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            assert_eq!(in_path, templated, "{method} {path}");
            for p in params.iter().filter(|p| p["in"] == "path") {
                assert_eq!(p["required"], true, "{method} {path} {}", p["name"]);
            }
        }
    }
    let audit = doc["paths"]["/api/v1/audit-log"]["get"]["parameters"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = audit.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["limit", "cursor", "action"]);
    for p in audit {
        assert_eq!(p["in"], "query", "{}", p["name"]);
        assert_ne!(p["required"], true, "{}", p["name"]);
    }
}
