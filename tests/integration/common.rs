//! `TestApp`: a fresh database and the real router, plus helpers that speak
//! HTTP to it the way a browser or an API client would. A remote `TestApp`
//! sends the same requests over the network instead, to real servers (the
//! balanced tests: instances behind nginx).

use std::net::SocketAddr;

use account_settings::server::config::Settings;
use account_settings::server::db;
use account_settings::server::run::router;
use account_settings::server::state::AppState;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{header, Method, Request, StatusCode};
use axum::Router;

/// Every scope, as the token form sends them.
pub const ALL_SCOPES: &str = "user:read user:write tokens:read tokens:write audit:read";
use leptos::server_fn::ServerFn;
use serde_json::Value;
use tower::ServiceExt;

pub use super::database::TestDatabase;
use super::remote::Remote;
#[allow(unused_imports)] // the balanced tests use fewer of them
pub use super::response::{app_error, form, image, reason, Response};

pub const ORIGIN: &str = "http://localhost:3000";
pub const HOST: &str = "localhost:3000";
pub const PASSWORD: &str = "correct horse battery staple";

pub struct TestApp {
    pub router: Router,
    pub state: AppState,
    /// Where requests go when not to `router`.
    remote: Option<Remote>,
    /// The database this test owns (dropped with the app); `None` for a
    /// second instance on another's database.
    _database: Option<TestDatabase>,
    _dir: Option<tempfile::TempDir>,
    /// Where the test mail server files what it receives (set by
    /// `TestApp::with_mail`): sign-up then goes by the mailed link.
    pub mail_dir: Option<std::path::PathBuf>,
}

impl TestApp {
    pub async fn new() -> Self {
        Self::with(|_| {}).await
    }

    pub async fn with(change: impl FnOnce(&mut Settings)) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let database = TestDatabase::fresh(dir.path()).await;
        let pool = db::connect(&database.url).await.expect("database");
        let mut settings = Settings::defaults();
        settings.public_origin = None;
        settings.data_dir = dir.path().to_owned();
        // Every test signs its users up from one address.
        settings.signups_per_address = 100_000;
        change(&mut settings);
        let state = router::state(pool, settings, "target/site").expect("state");
        let router = router::build(state.clone());
        Self {
            router,
            state,
            remote: None,
            _database: Some(database),
            _dir: Some(dir),
            mail_dir: None,
        }
    }

    /// A client of the servers at `base` (`http://host:port`) whose database
    /// is at `database_url` (read and written directly by the helpers that
    /// take SQL). `servers` is kept alive as long as the client. (Used by
    /// the balanced tests only.)
    #[allow(dead_code)]
    pub async fn remote(
        base: &str,
        database_url: &str,
        servers: std::sync::Arc<dyn std::any::Any + Send + Sync>,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("temp dir");
        let pool = db::connect(database_url).await.expect("database");
        let mut settings = Settings::defaults();
        settings.data_dir = dir.path().to_owned();
        let state = router::state(pool, settings, "target/site").expect("state");
        let router = router::build(state.clone());
        TestApp {
            router,
            state,
            remote: Some(Remote::new(base, servers)),
            _database: None,
            _dir: Some(dir),
            mail_dir: None,
        }
    }

    /// Another instance of the server on this app's database (and data
    /// directory): its own pool, state, audit queue and router, as a second
    /// process behind a load balancer would have.
    pub async fn second_instance(&self) -> TestApp {
        self.instance_on(&self.database_url()).await
    }

    /// The URL of this app's database.
    pub fn database_url(&self) -> String {
        match &self.state.db.pool {
            db::Pool::Sqlite(_) => format!(
                "sqlite://{}/test.db",
                self.state.settings.data_dir.display()
            ),
            db::Pool::Postgres(_) => self
                ._database
                .as_ref()
                .expect("the first instance owns the database")
                .url
                .clone(),
        }
    }

    /// An instance with this app's settings (and data directory, so its
    /// server key) on the database at `url`.
    pub async fn instance_on(&self, url: &str) -> TestApp {
        self.instance_with(url, |_| {}).await
    }

    /// [`TestApp::instance_on`] with changed settings.
    pub async fn instance_with(&self, url: &str, change: impl FnOnce(&mut Settings)) -> TestApp {
        let pool = db::connect(url).await.expect("database");
        let mut settings = self.state.settings.as_ref().clone();
        change(&mut settings);
        let state = router::state(pool, settings, "target/site").expect("state");
        let router = router::build(state.clone());
        TestApp {
            router,
            state,
            remote: None,
            _database: None,
            _dir: None,
            mail_dir: self.mail_dir.clone(),
        }
    }

    pub async fn send(&self, mut req: Request<Body>) -> Response {
        if let Some(remote) = &self.remote {
            return remote.send(req).await;
        }
        req.extensions_mut()
            .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        let res = self.router.clone().oneshot(req).await.expect("infallible");
        Response::read(res).await
    }

    /// Calls a server function the way the hydrated page does.
    pub async fn call<F: ServerFn>(&self, cookie: Option<&str>, args: &[(&str, &str)]) -> Response {
        self.call_from::<F>(None, cookie, args).await
    }

    /// [`TestApp::call`] from the client at `ip`, as a trusted proxy in
    /// front says (`X-Forwarded-For`; believed only where the app trusts
    /// the loopback address: see [`behind_proxy`]).
    pub async fn call_from<F: ServerFn>(
        &self,
        ip: Option<&str>,
        cookie: Option<&str>,
        args: &[(&str, &str)],
    ) -> Response {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(F::PATH)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::USER_AGENT, "integration-test");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        if let Some(ip) = ip {
            req = req.header("x-forwarded-for", ip);
        }
        let body = form(args);
        req = req.header(header::CONTENT_LENGTH, body.len());
        self.send(req.body(Body::from(body)).expect("request"))
            .await
    }

    /// A GET with an optional cookie.
    pub async fn get(&self, uri: &str, cookie: Option<&str>) -> Response {
        let mut req = Request::builder()
            .uri(uri)
            .header(header::HOST, HOST)
            .header(header::ACCEPT, "text/html,application/json;q=0.9,*/*;q=0.8");
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::empty()).expect("request")).await
    }

    /// An API request with a bearer token.
    pub async fn api(
        &self,
        method: Method,
        uri: &str,
        token: &str,
        body: Option<&str>,
    ) -> Response {
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header(header::AUTHORIZATION, format!("Bearer {token}"))
            .header(header::USER_AGENT, "api-client/1.0");
        let body = match body {
            Some(b) => {
                req = req.header(header::CONTENT_TYPE, "application/json");
                Body::from(b.to_owned())
            }
            None => Body::empty(),
        };
        self.send(req.body(body).expect("request")).await
    }

    /// Signs up a user and returns the session cookie. With mail, the way
    /// a person does: the mailed link's page, with the password.
    pub async fn signup(&self, handle: &str) -> String {
        let email = format!("{handle}@example.com");
        let res = self
            .call::<account_settings::api::auth::Signup>(
                None,
                &[
                    ("handle", handle),
                    ("email", &email),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert!(
            res.status.is_success() || res.status.is_redirection(),
            "{}",
            res.text()
        );
        let Some(dir) = &self.mail_dir else {
            return res.session_cookie().expect("signup sets a session cookie");
        };
        assert_eq!(res.session_cookie(), None, "no account before the link");
        let outbox = self.state.outbox();
        while outbox
            .deliver_due(account_settings::model::time::now())
            .await
            .expect("deliver")
            > 0
        {}
        let token = take_link(dir, &email, "/signup/finish");
        let res = self
            .call::<account_settings::api::auth::FinishSignup>(
                None,
                &[("token", &token), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(
            res.headers.get(header::LOCATION).map(|l| l.as_bytes()),
            Some(&b"/settings/profile"[..]),
            "{}",
            res.text()
        );
        res.session_cookie().expect("finishing signs in")
    }

    /// Signs in and returns the new session cookie, if sign-in worked.
    pub async fn login(&self, login: &str, password: &str) -> Response {
        self.call::<account_settings::api::auth::Login>(
            None,
            &[("login", login), ("password", password)],
        )
        .await
    }

    /// The signed-in user's database connection string, password included.
    pub async fn db_connection(&self, cookie: &str) -> String {
        let res = self
            .call::<account_settings::api::profile::GetDbConnection>(Some(cookie), &[])
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.text());
        res.json()["full"].as_str().expect("full").to_owned()
    }

    /// The signed-in user (JSON), or null.
    /// Whether `login` signs in with `password` (a session cookie comes back).
    pub async fn signs_in(&self, login: &str, password: &str) -> bool {
        self.login(login, password).await.session_cookie().is_some()
    }

    pub async fn me(&self, cookie: &str) -> Value {
        self.call::<account_settings::api::auth::GetMe>(Some(cookie), &[])
            .await
            .json()
    }

    /// Audit actions of a user, newest first.
    pub async fn actions(&self, user_id: i64) -> Vec<String> {
        self.state.audit.flush().await;
        self.scalars(&format!(
            "SELECT action FROM audit_events WHERE user_id = {user_id} ORDER BY id DESC"
        ))
        .await
    }

    /// Posts raw bytes to the avatar upload, as the dialog's `fetch` does.
    pub async fn upload_avatar(&self, cookie: Option<&str>, bytes: Vec<u8>) -> Response {
        let mut req = Request::builder()
            .method(Method::POST)
            .uri("/settings/avatar")
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .header(header::CONTENT_LENGTH, bytes.len());
        if let Some(c) = cookie {
            req = req.header(header::COOKIE, c);
        }
        self.send(req.body(Body::from(bytes)).expect("request"))
            .await
    }
}

/// Takes (reads and removes, as a person reading it would) the one mail in
/// the test mail server's `dir` to `to` with a link to `path`, and returns
/// the link's secret.
/// Settings that believe `X-Forwarded-For` from the loopback address (the
/// tests' proxy), so that [`TestApp::call_from`] names the client.
pub fn behind_proxy(s: &mut Settings) {
    s.trusted_proxies = vec!["127.0.0.1/32".parse().expect("a network")];
}

pub fn take_link(dir: &std::path::Path, to: &str, path: &str) -> String {
    let marker = format!("{path}?token=");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .expect("mail dir")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    // Named in the order received: the oldest first.
    files.sort();
    for file in files {
        let mail: Value =
            serde_json::from_str(&std::fs::read_to_string(&file).expect("mail")).expect("json");
        let text = mail["text"].as_str().unwrap_or_default();
        let addressed = mail["envelope_to"]
            .as_array()
            .is_some_and(|a| a.iter().any(|x| x == to));
        if let (true, Some(at)) = (addressed, text.find(&marker)) {
            let at = at + marker.len();
            std::fs::remove_file(&file).expect("take the mail");
            return text[at..at + 64].to_owned();
        }
    }
    panic!("no mail to {to} with a {path} link");
}
