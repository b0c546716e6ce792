//! Forms posted without JavaScript: a refusal sends the browser back to
//! the form's own page (never another site's), and that page shows the
//! server's message under the form that was refused, carried in a cookie
//! the server sealed; text in the URL is never shown.

use account_settings::api::auth::{Login, Signup};
use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use leptos::server_fn::ServerFn;

use crate::common::{form, Response, TestApp, HOST};

const REFUSED: &str = "Invalid email, handle or password";

async fn post_without_script<F: ServerFn>(
    app: &TestApp,
    referer: &str,
    args: &[(&str, &str)],
) -> Response {
    let req = Request::post(F::PATH)
        .header(header::HOST, HOST)
        .header(header::ACCEPT, "text/html,application/xhtml+xml")
        .header(header::REFERER, referer)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(form(args)))
        .unwrap();
    app.send(req).await
}

/// The `refusal=…` pair the response sets, if any.
fn refusal_cookie(res: &Response) -> Option<String> {
    res.headers
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("refusal="))
        .map(|v| v.split(';').next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_refused_sign_in_shows_its_message_on_the_page_it_came_from() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let wrong = [("login", "ada"), ("password", "wrong password 1")];
    let res = post_without_script::<Login>(&app, "http://localhost:3000/login", &wrong).await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.text());
    assert_eq!(res.headers[header::LOCATION], "http://localhost:3000/login");
    let cookie = refusal_cookie(&res).expect("the refusal travels in a cookie");
    assert!(
        !cookie.contains("Invalid"),
        "sealed, not readable: {cookie}"
    );
    assert!(res.body.is_empty());

    let page = app.get("/login", Some(&cookie)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains(REFUSED), "{}", page.text());
    assert_eq!(
        refusal_cookie(&page).as_deref(),
        Some("refusal="),
        "shown once: the page removes it"
    );
    // Without the cookie, nothing; a cookie for the sign-in form shows
    // nothing under the sign-up form.
    assert!(!app.get("/login", None).await.text().contains(REFUSED));
    let signup = app.get("/signup", Some(&cookie)).await.text();
    assert!(signup.contains("Create account") && !signup.contains(REFUSED));
}

#[tokio::test]
async fn text_in_the_url_or_a_forged_cookie_is_never_shown() {
    let app = TestApp::new().await;
    let planted = "Your account is locked: call +1 555 0100";
    let query = account_settings::model::url::encode(planted);
    let page = app.get(&format!("/login?__err={query}"), None).await;
    assert!(!page.text().contains("call +1 555"), "{}", page.text());
    for forged in [
        "refusal=00",
        "refusal=zz",
        &format!("refusal={}", "ab".repeat(2000)),
    ] {
        let page = app.get("/login", Some(forged)).await;
        assert_eq!(page.status, StatusCode::OK, "{forged}");
        assert!(!page.text().contains(REFUSED));
    }
}

#[tokio::test]
async fn another_sites_referer_gets_no_redirect_to_it() {
    let app = TestApp::new().await;
    app.signup("ada").await;
    let wrong = [("login", "ada"), ("password", "wrong password 1")];
    let res = post_without_script::<Login>(&app, "https://evil.example/phish", &wrong).await;
    if let Some(location) = res.headers.get(header::LOCATION) {
        let location = location.to_str().unwrap();
        assert!(!location.contains("evil.example"), "{location}");
    }
    assert_eq!(app.count("SELECT COUNT(*) FROM sessions").await, 1);
}

#[tokio::test]
async fn a_refused_sign_up_keeps_nothing_and_says_why() {
    let app = TestApp::new().await;
    let res = post_without_script::<Signup>(
        &app,
        "http://localhost:3000/signup",
        &[
            ("handle", "ada"),
            ("email", "ada@example.com"),
            ("password", "short"),
        ],
    )
    .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER);
    let cookie = refusal_cookie(&res).expect("refused");
    let page = app.get("/signup", Some(&cookie)).await.text();
    assert!(page.contains("12"), "the password rule is said: {page}");
    assert_eq!(app.count("SELECT COUNT(*) FROM users").await, 0);
}
