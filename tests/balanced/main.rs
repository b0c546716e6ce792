//! The concurrency tests of `tests/integration/concurrency.rs` again, each
//! against two release instances on a fresh PostgreSQL database behind nginx
//! (`tools/balanced.sh`: round-robin, no stickiness), so that every request
//! goes through a real load balancer to a real server process. Run by
//! `tools/test.sh` after the release build, one test at a time:
//!
//! ```text
//! cargo test --features ssr --test balanced -- --test-threads=1
//! ```

// The helpers are shared with the integration tests, which use more of them.
#![allow(dead_code)]

#[path = "../integration/bombs.rs"]
mod bombs;
#[path = "../integration/bursts.rs"]
mod bursts;
#[path = "../integration/common.rs"]
mod common;
#[path = "../integration/concurrency.rs"]
mod concurrency;
#[path = "../integration/database.rs"]
mod database;
mod forward;
#[path = "../integration/remote.rs"]
mod remote;
#[path = "../integration/response.rs"]
mod response;
#[path = "../integration/sql.rs"]
mod sql;
#[path = "../integration/token_fixtures.rs"]
mod token_fixtures;

/// The two instances the concurrency tests fire at.
mod instances {
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use crate::common::TestApp;

    /// `tools/balanced.sh`, stopped (instances, nginx and database gone)
    /// when dropped.
    struct Servers(Child);

    impl Drop for Servers {
        fn drop(&mut self) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.0.id().to_string()])
                .status();
            let _ = self.0.wait();
        }
    }

    /// Each test's balancer listens on a port of its own.
    static NEXT_PORT: AtomicU16 = AtomicU16::new(3400);

    /// Two clients of one balancer in front of two fresh instances: both
    /// reach both instances, turn by turn.
    pub async fn two() -> [TestApp; 2] {
        started(&[]).await.0
    }

    /// [`two`] with `signups_per_address` sign-ups allowed per address.
    pub async fn two_limited(signups_per_address: u32) -> [TestApp; 2] {
        started(&[("SIGNUPS_PER_ADDRESS", &signups_per_address.to_string())])
            .await
            .0
    }

    /// [`two`], and the instances' process ids.
    pub async fn two_with_pids() -> ([TestApp; 2], Vec<u32>) {
        let (apps, pids, _) = started(&[]).await;
        (apps, pids)
    }

    /// [`two`], and a client of the platform's service that nginx guards
    /// with forward auth (`/auth/verify` of the two instances) and the rules
    /// of `tests/balanced/platform.toml`; each token may make `per_hour`
    /// requests.
    pub async fn two_and_platform(per_hour: u32) -> ([TestApp; 2], TestApp) {
        let (apps, _, platform) =
            started(&[("API_RATE_LIMIT_PER_HOUR", &per_hour.to_string())]).await;
        (apps, platform)
    }

    /// [`two_and_platform`] with one instance on an SQLite file instead:
    /// both clients reach it through nginx.
    pub async fn sqlite_and_platform(per_hour: u32) -> ([TestApp; 2], TestApp) {
        let (apps, _, platform) = started(&[
            ("API_RATE_LIMIT_PER_HOUR", &per_hour.to_string()),
            ("BALANCED_DATABASE", "sqlite"),
        ])
        .await;
        (apps, platform)
    }

    /// tools/balanced.sh with `env` for its instances.
    /// Whether `GET /healthz` on `port` answers 200.
    fn healthy(port: u16) -> bool {
        use std::io::{Read, Write};
        let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else {
            return false;
        };
        let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
        if s.write_all(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            .is_err()
        {
            return false;
        }
        let mut answer = String::new();
        let _ = s.read_to_string(&mut answer);
        answer.starts_with("HTTP/1.1 200")
    }

    async fn started(env: &[(&str, &str)]) -> ([TestApp; 2], Vec<u32>, TestApp) {
        let port = NEXT_PORT.fetch_add(10, Ordering::SeqCst);
        let root = env!("CARGO_MANIFEST_DIR");
        let env_file = tempfile::NamedTempFile::new().expect("temp file");
        let postgres = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let mut command = Command::new("bash");
        command.envs(env.iter().copied());
        let child = command
            .arg(format!("{root}/tools/balanced.sh"))
            .arg(port.to_string())
            .env("BALANCED_ENV", env_file.path())
            .env("TEST_POSTGRES_URL", postgres)
            .stdout(Stdio::null())
            .spawn()
            .expect("tools/balanced.sh");
        let servers: Arc<dyn std::any::Any + Send + Sync> = Arc::new(Servers(child));
        let base = format!("http://127.0.0.1:{port}");

        // Up when the database's URL is written, the balancer listens and
        // it answers /healthz (so an instance does).
        let started = Instant::now();
        let waited = || {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "tools/balanced.sh did not come up on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(200))
        };
        let (database_url, pids) = loop {
            let written = std::fs::read_to_string(env_file.path()).unwrap_or_default();
            let line = |name: &str| {
                written
                    .lines()
                    .find_map(|l| l.strip_prefix(name))
                    .map(str::to_owned)
            };
            if let (Some(url), Some(pids)) = (line("DATABASE_URL="), line("INSTANCE_PIDS=")) {
                let pids: Vec<u32> = pids.split(' ').filter_map(|p| p.parse().ok()).collect();
                break (url, pids);
            }
            waited().await;
        };
        // Up once an instance answers /healthz through the balancer (so it
        // has made and migrated the database the helpers then open).
        while !healthy(port) {
            waited().await;
        }
        let first = TestApp::remote(&base, &database_url, servers.clone()).await;
        let platform = format!("http://127.0.0.1:{}", port + 5);
        let platform = TestApp::remote(&platform, &database_url, servers.clone()).await;
        let second = TestApp::remote(&base, &database_url, servers).await;
        ([first, second], pids, platform)
    }
}

/// A burst of sign-ins for names no account has, each from a source of
/// its own, so that no limit holds any back and each would cost a 19 MiB
/// password hash: the hash queue keeps the servers' memory bounded (their
/// peak resident set, read from `/proc` after the burst).
mod memory {
    use account_settings::api::auth::Login;
    use axum::http::StatusCode;
    use futures::future::join_all;

    /// Sign-ins sent at once.
    const TRIES: usize = 120;
    /// What an instance may reach at its peak (without the queue, 120
    /// hashes at once took 2.4 GB).
    pub const CEILING_KB: u64 = 256 * 1024;

    /// The peak resident set of process `pid`, in kB.
    pub fn peak_kb(pid: u32) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).expect("/proc");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM")
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn a_burst_of_sign_ins_from_many_sources_keeps_memory_bounded() {
        let ([app, _], pids) = crate::instances::two_with_pids().await;
        let logins: Vec<(String, String)> = (0..TRIES)
            .map(|i| {
                (
                    format!("nobody-{i}"),
                    format!("10.9.{}.{}", i / 250, i % 250 + 1),
                )
            })
            .collect();
        let tries = logins.iter().map(|(login, ip)| async {
            app.call_from::<Login>(
                Some(ip),
                None,
                &[("login", login), ("password", "a wrong password, guessed")],
            )
            .await
        });
        let answers = join_all(tries).await;
        let count = |s: StatusCode| answers.iter().filter(|a| a.status == s).count();
        let (tried, busy) = (
            count(StatusCode::UNPROCESSABLE_ENTITY),
            count(StatusCode::SERVICE_UNAVAILABLE),
        );
        assert_eq!(tried + busy, TRIES, "only 422 and 503");
        for a in answers
            .iter()
            .filter(|a| a.status == StatusCode::SERVICE_UNAVAILABLE)
        {
            assert!(a.headers.contains_key("retry-after"));
        }
        let peaks: Vec<u64> = pids[..2].iter().map(|&p| peak_kb(p)).collect();
        println!(
            "{TRIES} sign-ins at once: {tried} hashed, {busy} answered 503; \
             peak resident set per instance: {} MiB",
            peaks
                .iter()
                .map(|kb| (kb / 1024).to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        for kb in peaks {
            assert!(kb < CEILING_KB, "an instance peaked at {} MiB", kb / 1024);
        }
    }
}

/// An avatar whose colour profile inflates to about 2 GB (a 2 MiB PNG,
/// within the upload limit), twice at once: stored as a picture, and
/// neither server's peak memory grows by more than the decoder's stated
/// limit ([`account_settings::server::http::avatar::DECODER_MAX_ALLOC`]).
mod bomb {
    use account_settings::server::http::avatar::DECODER_MAX_ALLOC;
    use axum::http::StatusCode;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn two_colour_profile_bombs_at_once_keep_memory_under_the_decoders_limit() {
        use account_settings::model::avatar::MAX_BYTES;
        let ([app, _], pids) = crate::instances::two_with_pids().await;
        let cookie = app.signup("ada").await;
        let bomb = crate::bombs::iccp_bomb(1900);
        assert!(bomb.len() <= MAX_BYTES, "{} bytes", bomb.len());
        let before: Vec<u64> = pids[..2]
            .iter()
            .map(|&p| crate::memory::peak_kb(p))
            .collect();
        let (a, b) = tokio::join!(
            app.upload_avatar(Some(&cookie), bomb.clone()),
            app.upload_avatar(Some(&cookie), bomb)
        );
        assert_eq!(
            (a.status, b.status),
            (StatusCode::OK, StatusCode::OK),
            "{}",
            a.text()
        );
        let after: Vec<u64> = pids[..2]
            .iter()
            .map(|&p| crate::memory::peak_kb(p))
            .collect();
        println!(
            "two 1,900 MiB colour-profile bombs at once: peak resident set per instance \
             {} MiB before, {} MiB after",
            before
                .iter()
                .map(|kb| (kb / 1024).to_string())
                .collect::<Vec<_>>()
                .join(", "),
            after
                .iter()
                .map(|kb| (kb / 1024).to_string())
                .collect::<Vec<_>>()
                .join(", "),
        );
        for (b, a) in before.iter().zip(&after) {
            let grown = a.saturating_sub(*b) * 1024;
            assert!(
                grown < DECODER_MAX_ALLOC,
                "an instance's peak grew by {} MiB",
                grown >> 20
            );
        }
    }
}

/// One of the two instances behind the balancer killed with SIGKILL while
/// clients change data through it: the other keeps answering, and every
/// change that was answered is stored.
mod sigkill {
    use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use axum::http::{Method, StatusCode};

    /// The fields the clients change, one client each.
    const FIELDS: [&str; 3] = ["first_name", "last_name", "display_name"];

    #[tokio::test]
    async fn one_instance_killed_behind_the_balancer_loses_no_answered_change() {
        let ([app, _], pids) = crate::instances::two_with_pids().await;
        let app = Arc::new(app);
        let cookie = app.signup("ada").await;
        let (token, _) = app.create_token(&cookie, "ci", "30").await;
        let token = Arc::new(token);
        let killed = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let acked: Arc<[AtomicI64; 3]> = Arc::new(std::array::from_fn(|_| AtomicI64::new(-1)));
        let after_kill: Arc<[AtomicI64; 3]> = Arc::new(std::array::from_fn(|_| AtomicI64::new(0)));
        let clients: Vec<_> = (0..FIELDS.len())
            .map(|f| {
                let (app, token) = (app.clone(), token.clone());
                let (acked, after_kill) = (acked.clone(), after_kill.clone());
                let (killed, stop) = (killed.clone(), stop.clone());
                tokio::spawn(async move {
                    for i in 0.. {
                        let was_killed = killed.load(Ordering::SeqCst);
                        let body = format!(r#"{{"{}":"n{i}"}}"#, FIELDS[f]);
                        let res = app
                            .api(Method::PATCH, "/api/v1/user", &token, Some(&body))
                            .await;
                        match res.status {
                            StatusCode::OK => {
                                acked[f].store(i, Ordering::SeqCst);
                                if was_killed {
                                    after_kill[f].fetch_add(1, Ordering::SeqCst);
                                }
                                if stop.load(Ordering::SeqCst) {
                                    break;
                                }
                            }
                            // The balancer's answer for a request the killed
                            // instance took and never answered.
                            StatusCode::BAD_GATEWAY => {
                                assert!(was_killed || killed.load(Ordering::SeqCst))
                            }
                            status => panic!("PATCH answered {status}: {}", res.text()),
                        }
                    }
                })
            })
            .collect();
        let deadline = Instant::now() + Duration::from_secs(60);
        while acked.iter().any(|a| a.load(Ordering::SeqCst) < 10) && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        killed.store(true, Ordering::SeqCst);
        let status = std::process::Command::new("kill")
            .args(["-KILL", &pids[0].to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        // The survivor goes on answering every client.
        while after_kill.iter().any(|a| a.load(Ordering::SeqCst) < 10) && Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        stop.store(true, Ordering::SeqCst);
        for c in clients {
            c.await.unwrap();
        }
        let stored: (String, String, String) =
            account_settings::on_db!(&app.state.db, p => sqlx::query_as(
            "SELECT first_name, last_name, display_name FROM users WHERE handle = 'ada'",
        )
        .fetch_one(p)
        .await)
            .unwrap();
        let stored = [stored.0, stored.1, stored.2];
        for (f, field) in FIELDS.iter().enumerate() {
            assert!(
                after_kill[f].load(Ordering::SeqCst) >= 10,
                "{field}: the survivor kept answering"
            );
            // Each client's last request was answered: that change is stored.
            let last = acked[f].load(Ordering::SeqCst);
            assert_eq!(stored[f], format!("n{last}"), "{field}");
        }
    }
}
