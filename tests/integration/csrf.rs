//! Cross-site request forgery: every state-changing server function (taken
//! from the registry, so a new one cannot be missed) and every other
//! browser-facing route that changes state, posted with a signed-in user's
//! cookie from another site in each way a browser says so, and with
//! neither header: 403, and nothing in the database changed. The same
//! request from the site's own pages is not refused, so the 403 is the
//! origin check's.

use axum::body::Body;
use axum::http::{header, Method, Request, StatusCode};
use leptos::server_fn::axum::server_fn_paths;

use crate::common::{TestApp, HOST, ORIGIN};

/// Browser-facing routes that change state besides the server functions
/// (the REST API under /api/v1 takes bearer tokens, which no browser
/// sends on its own).
const OTHER_ROUTES: [&str; 1] = ["/settings/avatar"];

/// How a request says it comes from elsewhere.
const CROSS_SITE: [(&str, &[(&str, &str)]); 5] = [
    (
        "another site's Origin",
        &[("origin", "https://evil.example")],
    ),
    ("Origin null", &[("origin", "null")]),
    (
        "Sec-Fetch-Site: cross-site",
        &[("sec-fetch-site", "cross-site")],
    ),
    (
        "Sec-Fetch-Site: same-site",
        &[("sec-fetch-site", "same-site")],
    ),
    ("neither Origin nor Sec-Fetch-Site", &[]),
];

/// Everything a forged request could change, as text.
pub async fn state(app: &TestApp) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "users",
        "sessions",
        "api_tokens",
        "pending_tokens",
        "audit_events",
        "notices",
        "account_links",
        "avatars",
    ] {
        out.push(format!(
            "{table}: {}",
            app.count(&format!("SELECT COUNT(*) FROM {table}")).await
        ));
    }
    out.extend(
        app.scalars::<String>(
            "SELECT handle || '|' || email || '|' || password_hash || '|' || first_name || '|' ||
                    last_name || '|' || display_name || '|' || COALESCE(avatar_url, '')
             FROM users ORDER BY id",
        )
        .await,
    );
    out
}

fn post(path: &str, cookie: &str, headers: &[(&str, &str)]) -> Request<Body> {
    let mut req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
    for (name, value) in headers {
        req = req.header(*name, *value);
    }
    req.body(Body::from("")).unwrap()
}

#[tokio::test]
async fn every_state_changing_route_refuses_another_site_and_changes_nothing() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let (_token, _) = app.create_token(&cookie, "ci", "30").await;
    let before = state(&app).await;

    let mut paths: Vec<String> = server_fn_paths()
        .filter(|(_, method)| *method != Method::GET)
        .map(|(path, _)| path.to_owned())
        .collect();
    assert!(
        paths.len() > 20,
        "the registry lists {} functions",
        paths.len()
    );
    paths.extend(OTHER_ROUTES.map(str::to_owned));
    for path in &paths {
        for (how, headers) in CROSS_SITE {
            let res = app.send(post(path, &cookie, headers)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{path}, {how}");
        }
    }
    assert_eq!(
        state(&app).await,
        before,
        "a refused request changed something"
    );

    // From the site's own pages the same requests get past the check, to
    // whatever their empty arguments earn them: a refusal that names the
    // problem, never a server error, a stack trace, SQL or a file path.
    for path in &paths {
        let res = app.send(post(path, &cookie, &[("origin", ORIGIN)])).await;
        assert_ne!(res.status, StatusCode::FORBIDDEN, "{path} from the site");
        assert!(
            !res.status.is_server_error(),
            "{path}: {} {}",
            res.status,
            res.text()
        );
        let text = res.text().to_lowercase();
        for leak in [
            "panicked",
            "stack backtrace",
            "select ",
            "insert into",
            "/src/",
            ".rs:",
        ] {
            assert!(!text.contains(leak), "{path} answered {text}");
        }
    }
}

#[tokio::test]
async fn without_a_cookie_a_client_that_is_not_a_browser_still_gets_through() {
    // A request with neither header and no cookie is not a forgery (nothing
    // of the victim's rides along): the sign-in form answers it as usual.
    let app = TestApp::new().await;
    app.signup("ada").await;
    let path = <account_settings::api::auth::Login as leptos::server_fn::ServerFn>::PATH;
    let req = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::HOST, HOST)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(crate::common::form(&[
            ("login", "ada"),
            ("password", crate::common::PASSWORD),
        ])))
        .unwrap();
    let res = app.send(req).await;
    assert!(
        res.session_cookie().is_some(),
        "{} {}",
        res.status,
        res.text()
    );
}
