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

#[path = "../integration/common.rs"]
mod common;
#[path = "../integration/concurrency.rs"]
mod concurrency;
#[path = "../integration/database.rs"]
mod database;

/// The two instances the concurrency tests fire at.
mod instances {
    use std::process::{Child, Command, Stdio};
    use std::sync::atomic::{AtomicU16, Ordering};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    use axum::body::Body;
    use axum::http::Request;

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
        let port = NEXT_PORT.fetch_add(10, Ordering::SeqCst);
        let root = env!("CARGO_MANIFEST_DIR");
        let env_file = tempfile::NamedTempFile::new().expect("temp file");
        let postgres = std::env::var("TEST_POSTGRES_URL")
            .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let child = Command::new("bash")
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
        let database_url = loop {
            let written = std::fs::read_to_string(env_file.path()).unwrap_or_default();
            if let Some(url) = written.trim().strip_prefix("DATABASE_URL=") {
                break url.to_owned();
            }
            waited().await;
        };
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            waited().await;
        }
        let first = TestApp::remote(&base, &database_url, servers.clone()).await;
        loop {
            let req = Request::get("/healthz")
                .body(Body::empty())
                .expect("request");
            if first.send(req).await.status.is_success() {
                break;
            }
            waited().await;
        }
        [first, TestApp::remote(&base, &database_url, servers).await]
    }
}
