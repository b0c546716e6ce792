//! The outbox draining into a real mail server: 10,000 queued notices sent
//! by one worker to tools/smtp_sink.py on 127.0.0.1. Prints figures;
//! asserts only that every mail arrived once.
//!
//! `cargo bench --features ssr --bench mail` (or `make bench-mail`).
//! `MAILS` changes the number; `BENCH_DATABASE_URL` uses another database
//! (an empty PostgreSQL database, say) instead of a fresh SQLite file.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Instant;

use account_settings::model::notice::Kind;
use account_settings::model::time::now;
use account_settings::server::config::Settings;
use account_settings::server::db;
use account_settings::server::events;
use account_settings::server::events::{Notice, NoticeData};
use account_settings::server::identity::users;
use account_settings::server::notify::SmtpUrl;
use account_settings::server::run::router;

#[tokio::main]
async fn main() {
    let total: usize = std::env::var("MAILS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let dir = tempfile::tempdir().expect("temp dir");
    let mail_dir = tempfile::tempdir().expect("mail dir");
    let mut sink = Command::new("/usr/bin/python3")
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tools/smtp_sink.py"))
        .arg(mail_dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .expect("the mail server starts (tools/setup.sh installs aiosmtpd)");
    let mut port = String::new();
    BufReader::new(sink.stdout.take().expect("stdout"))
        .read_line(&mut port)
        .expect("port");

    let url = std::env::var("BENCH_DATABASE_URL")
        .unwrap_or_else(|_| format!("sqlite://{}/bench.db", dir.path().display()));
    let pool = db::connect(&url).await.expect("database");
    let mut settings = Settings::defaults();
    settings.public_origin = Some("https://accounts.example.com".into());
    settings.data_dir = dir.path().to_owned();
    settings.smtp =
        Some(SmtpUrl::parse(&format!("smtp://127.0.0.1:{}?tls=none", port.trim())).expect("url"));
    let state = router::state(pool, settings, "target/site").expect("state");
    let names = [String::new(), String::new(), String::new()];
    let user = users::create(
        &state.db,
        "bench",
        "bench@example.com",
        "not a hash",
        false,
        &names,
        |_| Vec::new(),
    )
    .await
    .expect("user");

    let at = now();
    let queued = Instant::now();
    for chunk in (0..total).collect::<Vec<_>>().chunks(1000) {
        let notices: Vec<Notice> = chunk
            .iter()
            .map(|i| {
                Notice::new(
                    user,
                    Kind::TokenCreated,
                    NoticeData {
                        at,
                        token_id: Some(*i as i64),
                        token: Some(format!("token {i} (ast_…{:04})", i % 10_000)),
                        ..NoticeData::default()
                    },
                )
            })
            .collect();
        events::send(&state.db, &notices).await.expect("queued");
    }
    let queued = queued.elapsed();

    let outbox = state.outbox();
    let started = Instant::now();
    let mut sent = 0;
    loop {
        match outbox.deliver_due(at).await.expect("delivered") {
            0 => break,
            n => sent += n,
        }
    }
    let drained = started.elapsed();
    // The server writes each message to a file of its own.
    let arrived = std::fs::read_dir(mail_dir.path())
        .expect("mail dir")
        .filter(|e| {
            e.as_ref()
                .is_ok_and(|e| e.path().extension().is_some_and(|x| x == "json"))
        })
        .count();
    let _ = sink.kill();
    let _ = sink.wait();
    assert_eq!(arrived, total, "every mail arrived once");

    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "outbox drain on {} ({cores} cores):",
        state.db.pick("SQLite", "PostgreSQL")
    );
    println!(
        "  queued   {total:>6} notices in {:>7.2} s",
        queued.as_secs_f64()
    );
    println!(
        "  mailed   {sent:>6} in {:>7.2} s = {:>6.0} mails/s (to tools/smtp_sink.py on 127.0.0.1)",
        drained.as_secs_f64(),
        sent as f64 / drained.as_secs_f64()
    );
}
