//! A real SMTP server for the mail tests (tools/smtp_sink.py on Debian's
//! Python with aiosmtpd, one per test, on 127.0.0.1), and the helpers that
//! read what reached it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use account_settings::server::config::Settings;
use account_settings::server::notify::SmtpUrl;
use axum::body::Body;
use axum::http::{header, Method, Request};
use leptos::server_fn::ServerFn;
use serde_json::Value;

use crate::common::{form, Response, TestApp, HOST, ORIGIN};

pub struct MailSink {
    dir: tempfile::TempDir,
    pub port: u16,
    child: Child,
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One mail as the server received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub to: Vec<String>,
    pub subject: String,
    pub headers: Value,
    pub text: String,
    pub html: String,
}

/// The secret of the one-time link in `mail` after `path?token=`.
pub fn link_token(mail: &Received, path: &str) -> String {
    let marker = format!("{path}?token=");
    let at = mail.text.find(&marker).expect("the mail has the link") + marker.len();
    mail.text[at..at + 64].to_owned()
}

impl MailSink {
    pub fn start() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/smtp_sink.py");
        let mut child = Command::new("/usr/bin/python3")
            .arg(&script)
            .arg(dir.path())
            .stdout(Stdio::piped())
            .spawn()
            .expect("the test mail server starts (tools/setup.sh installs aiosmtpd)");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("the mail server says its port");
        let port = line.trim().parse().expect("a port number");
        Self { dir, port, child }
    }

    pub fn url(&self) -> SmtpUrl {
        SmtpUrl::parse(&format!("smtp://127.0.0.1:{}?tls=none", self.port)).expect("url")
    }

    /// Every mail received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        let mut names: Vec<_> = std::fs::read_dir(self.dir.path())
            .expect("mail dir")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .collect();
        names.sort();
        names
            .into_iter()
            .map(|p| {
                let v: Value =
                    serde_json::from_str(&std::fs::read_to_string(p).expect("mail")).expect("json");
                let s = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
                Received {
                    to: v["envelope_to"]
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                    subject: v["headers"]["subject"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    headers: v["headers"].clone(),
                    text: s("text"),
                    html: s("html"),
                }
            })
            .collect()
    }

    /// Makes the server refuse every mail with `reply` (`None`: accept again).
    pub fn refuse_with(&self, reply: Option<&str>) {
        let path = self.dir.path().join("fail");
        match reply {
            Some(r) => std::fs::write(path, r).expect("fail file"),
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
}

impl TestApp {
    /// An app that mails through `sink`.
    pub async fn with_mail(sink: &MailSink, change: impl FnOnce(&mut Settings)) -> Self {
        let url = sink.url();
        let mut app = TestApp::with(|s| {
            s.smtp = Some(url);
            change(s);
        })
        .await;
        app.mail_dir = Some(sink.dir.path().to_owned());
        app
    }

    /// Sends whatever is due at `now`, until nothing is left.
    pub async fn deliver_at(&self, now: i64) -> usize {
        let outbox = self.state.outbox();
        let mut total = 0;
        loop {
            match outbox.deliver_due(now).await.expect("deliver") {
                0 => return total,
                n => total += n,
            }
        }
    }

    pub async fn deliver(&self) -> usize {
        self.deliver_at(account_settings::model::time::now()).await
    }

    /// The state of each notice (kind, state), oldest first; sign-up links
    /// (`TestApp::signup` opens them) left out.
    pub async fn notice_states(&self) -> Vec<(String, String)> {
        let rows: Vec<String> = self
            .scalars(
                "SELECT kind || ' ' || state FROM notices
                 WHERE kind != 'finish_sign_up' ORDER BY id",
            )
            .await;
        rows.into_iter()
            .map(|r| {
                let (k, s) = r.split_once(' ').expect("kind state");
                (k.to_owned(), s.to_owned())
            })
            .collect()
    }

    /// Signs `login` in from `ip` (the app must trust 127.0.0.1 as a proxy).
    pub async fn login_from(&self, login: &str, password: &str, ip: &str) -> Response {
        use account_settings::api::auth::Login;
        let body = form(&[("login", login), ("password", password)]);
        let req = Request::builder()
            .method(Method::POST)
            .uri(Login::PATH)
            .header(header::HOST, HOST)
            .header(header::ORIGIN, ORIGIN)
            .header(
                header::USER_AGENT,
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
            )
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-forwarded-for", ip)
            .body(Body::from(body))
            .expect("request");
        self.send(req).await
    }
}
