//! Integration tests: the real router, driven with `oneshot`, each test on a
//! fresh database of its own.

mod admin;
mod advanced;
mod api_document;
mod audit;
mod audit_filters;
mod audit_writes;
mod auth;
mod authorization;
mod avatar;
mod bad_input;
mod common;
mod concurrency;
mod copy;
mod crash;
mod csrf;
mod database;
mod forgot;
mod headers;
mod injection;
mod kill;
mod limits;
mod logs;
mod mailbox;
mod metrics;
mod no_script;
mod notices;
mod origin;
mod profile;
mod rate_limits;
mod recovery;
mod reminders;
mod remote;
mod response;
mod rest;
mod rotation;
mod routers;
mod scopes;
mod security;
mod sessions;
mod shutdown;
mod signup_mail;
mod sql;
mod startup;
mod token_fixtures;
mod token_shapes;
mod tokens;

/// The two instances the concurrency tests fire at: in this process, each
/// with its own pool, state and audit queue, on one fresh database.
mod instances {
    use crate::common::TestApp;

    pub async fn two() -> [TestApp; 2] {
        let first = TestApp::new().await;
        let second = first.second_instance().await;
        [first, second]
    }
}
