//! The attack suite's token family: every malformed bearer value is refused
//! as `invalid_token` by the shape and checksum check alone (the database is
//! closed before they are sent, so any query would answer 500). The
//! well-formed refusals need the stored row and are asserted where their
//! state is made: deleted, deactivated and expired tokens in `tokens.rs`, a
//! disabled user's in `admin.rs`, a regenerated one after its grace in
//! `rotation.rs`.

use axum::body::Body;
use axum::http::{header, HeaderValue, Method, Request, StatusCode};

use crate::common::TestApp;

/// The malformed forms of a real token `good` (prefix `ast_`), by name.
fn malformed(good: &str) -> Vec<(&'static str, Vec<u8>)> {
    let body = good.strip_prefix("ast_").expect("the default prefix");
    let flip = |i: usize| {
        let mut b = good.as_bytes().to_vec();
        b[i] = if b[i] == b'x' { b'y' } else { b'x' };
        b
    };
    let mut cases = vec![
        ("a random character changed", flip(10)),
        ("the checksum changed", flip(good.len() - 1)),
        ("another prefix", format!("ghp_{body}").into_bytes()),
        ("no prefix", body.as_bytes().to_vec()),
        (
            "the prefix without its _",
            format!("ast{body}").into_bytes(),
        ),
        ("upper-case prefix", format!("AST_{body}").into_bytes()),
        (
            "truncated by one",
            good.as_bytes()[..good.len() - 1].to_vec(),
        ),
        ("truncated to the prefix", b"ast_".to_vec()),
        ("one character more", format!("{good}0").into_bytes()),
        ("twice over", format!("{good}{good}").into_bytes()),
        (
            "4 KiB long",
            format!("ast_{}", "A".repeat(4096)).into_bytes(),
        ),
        (
            "a space inside",
            format!("ast_{} {}", &body[..10], &body[10..]).into_bytes(),
        ),
        (
            "a tab inside",
            format!("ast_{}\t{}", &body[..10], &body[11..]).into_bytes(),
        ),
        (
            "an underscore inside",
            format!("ast_{}_{}", &body[..10], &body[11..]).into_bytes(),
        ),
        (
            "a dash inside",
            format!("ast_{}-{}", &body[..10], &body[11..]).into_bytes(),
        ),
        ("quoted", format!("\"{good}\"").into_bytes()),
        (
            "the token twice, comma",
            format!("{good},{good}").into_bytes(),
        ),
        ("empty", Vec::new()),
    ];
    // Bytes no header text may hold: Latin-1 é, a UTF-8 é, a full-width
    // digit; the checksum of the changed body would not match either.
    let mut latin = good.as_bytes().to_vec();
    latin[12] = 0xE9;
    cases.push(("a Latin-1 byte", latin));
    let mut utf8 = good.as_bytes()[..12].to_vec();
    utf8.extend_from_slice("é".as_bytes());
    utf8.extend_from_slice(&good.as_bytes()[13..]);
    cases.push(("a UTF-8 é", utf8));
    let mut wide = good.as_bytes()[..12].to_vec();
    wide.extend_from_slice("１".as_bytes());
    wide.extend_from_slice(&good.as_bytes()[13..]);
    cases.push(("a full-width digit", wide));
    cases
}

async fn bearer(app: &TestApp, value: &[u8]) -> crate::common::Response {
    let mut header_value = b"Bearer ".to_vec();
    header_value.extend_from_slice(value);
    let req = Request::builder()
        .method(Method::GET)
        .uri("/api/v1/user")
        .header(
            header::AUTHORIZATION,
            HeaderValue::from_bytes(&header_value).expect("bytes a header may carry"),
        )
        .body(Body::empty())
        .unwrap();
    app.send(req).await
}

fn assert_invalid(res: &crate::common::Response, case: &str) {
    assert_eq!(
        res.status,
        StatusCode::UNAUTHORIZED,
        "{case}: {}",
        res.text()
    );
    assert_eq!(res.json()["error"]["code"], "invalid_token", "{case}");
    assert_eq!(
        res.headers[header::WWW_AUTHENTICATE],
        r#"Bearer error="invalid_token""#,
        "{case}"
    );
    let text = res.text();
    assert!(
        !text.contains("ast_"),
        "{case}: the answer repeats no token: {text}"
    );
}

#[tokio::test]
async fn malformed_tokens_are_refused_without_a_database_query() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (good, _) = app.create_token(&cookie, "", "30").await;
    assert_eq!(bearer(&app, good.as_bytes()).await.status, StatusCode::OK);

    let cases = malformed(&good);
    app.state.db.close().await;
    for (case, value) in &cases {
        assert_invalid(&bearer(&app, value).await, case);
    }
    // The database really is gone: the good token now needs it and fails.
    let res = bearer(&app, good.as_bytes()).await;
    assert_eq!(res.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(res.json()["error"]["code"], "internal");
}

#[tokio::test]
async fn authorization_headers_of_other_shapes_are_refused_the_same_way() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (good, _) = app.create_token(&cookie, "", "30").await;
    app.state.db.close().await;
    let values = [
        format!("Basic {good}"),
        format!("Token {good}"),
        format!("Bearer{good}"),
        good.clone(),
        "Bearer".to_owned(),
        "Bearer ".to_owned(),
        format!("Bearer {good} extra"),
    ];
    for value in &values {
        let req = Request::builder()
            .uri("/api/v1/user")
            .header(header::AUTHORIZATION, value.as_str())
            .body(Body::empty())
            .unwrap();
        assert_invalid(&app.send(req).await, value);
    }
}
