//! Forward auth through a real nginx (`auth_request`) to the two
//! instances: the service behind it sees who the token belongs to; no
//! token, a deleted one, or one deactivated on the other instance is
//! refused at the very next request.

use account_settings::api::tokens::{DeleteToken, SetTokenActive};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};

use crate::common::{Response, TestApp};

async fn things(platform: &TestApp, token: Option<&str>) -> Response {
    let mut req = Request::get("/v1/things?page=2");
    if let Some(t) = token {
        req = req.header(header::AUTHORIZATION, format!("Bearer {t}"));
    }
    platform.send(req.body(Body::empty()).unwrap()).await
}

#[tokio::test]
async fn nginx_auth_request_lets_the_owner_through_and_stops_a_revoked_token_at_once() {
    let ([a, b], platform) = crate::instances::two_and_platform().await;
    let ada = a.signup("ada").await;
    let (token, saved) = a.create_token(&ada, "gateway", "30").await;
    let id = saved["id"].as_i64().unwrap().to_string();
    let user_id: i64 = a.scalar("SELECT id FROM users WHERE handle = 'ada'").await;

    assert_eq!(
        things(&platform, None).await.status,
        StatusCode::UNAUTHORIZED
    );
    let res = things(&platform, Some(&token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let text = res.text();
    assert!(
        text.starts_with(&format!("user={user_id} handle=ada scopes=")),
        "{text}"
    );
    assert!(text.contains("user:read"), "{text}");
    // A client's own identity headers never reach the service.
    let req = Request::get("/v1/things")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header("x-auth-user-id", "999999")
        .header("x-auth-handle", "root")
        .body(Body::empty())
        .unwrap();
    let text = platform.send(req).await.text();
    assert!(
        text.starts_with(&format!("user={user_id} handle=ada ")),
        "{text}"
    );

    // Round-robin: the next requests reach the other instance too.
    for _ in 0..4 {
        assert_eq!(things(&platform, Some(&token)).await.status, StatusCode::OK);
    }
    let res = b
        .call::<SetTokenActive>(Some(&ada), &[("id", &id), ("active", "false")])
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    for _ in 0..4 {
        assert_eq!(
            things(&platform, Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }
    b.call::<SetTokenActive>(Some(&ada), &[("id", &id), ("active", "true")])
        .await;
    assert_eq!(things(&platform, Some(&token)).await.status, StatusCode::OK);
    let res = a.call::<DeleteToken>(Some(&ada), &[("id", &id)]).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    for _ in 0..4 {
        assert_eq!(
            things(&platform, Some(&token)).await.status,
            StatusCode::UNAUTHORIZED
        );
    }

    // Each check is in Ada's log with the service's host and path.
    // (Written by each instance's audit writer within moments.)
    let mut hosts: Vec<String> = Vec::new();
    for _ in 0..50 {
        hosts = a
            .scalars(&format!(
                "SELECT host || ' ' || method || ' ' || path FROM audit_events
                 WHERE user_id = {user_id} AND action = 'api_request' AND host IS NOT NULL"
            ))
            .await;
        if hosts.len() >= 7 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(hosts.len(), 7, "{hosts:?}");
    let port = platform_port(&hosts[0]);
    assert!(
        hosts
            .iter()
            .all(|h| h == &format!("127.0.0.1:{port} GET /v1/things")),
        "{hosts:?}"
    );
}

fn platform_port(row: &str) -> &str {
    row.split(' ')
        .next()
        .and_then(|h| h.rsplit(':').next())
        .unwrap_or_default()
}
