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
mod bombs;
mod bursts;
mod clock;
mod common;
mod concurrency;
mod copy;
mod crash;
mod csrf;
mod database;
mod forgot;
mod forward_auth;
mod headers;
mod injection;
mod introspection;
mod kill;
mod limits;
mod logs;
mod mailbox;
mod metrics;
mod no_script;
mod notices;
mod origin;
mod platform_rules;
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
mod secrets_in_logs;
mod security;
mod sessions;
mod shutdown;
mod signup_mail;
mod sql;
mod startup;
mod token_cache;
mod token_fixtures;
mod token_shapes;
mod tokens;

/// The two instances the concurrency tests fire at: in this process, each
/// with its own pool, state and audit queue, on one fresh database; both
/// believe `X-Forwarded-For` from the loopback address, as the balanced
/// instances behind nginx do.
mod instances {
    use crate::common::{behind_proxy, TestApp};

    pub async fn two() -> [TestApp; 2] {
        two_limited(100_000).await
    }

    /// [`two`] with `signups_per_address` sign-ups allowed per address.
    pub async fn two_limited(signups_per_address: u32) -> [TestApp; 2] {
        let first = TestApp::with(|s| {
            behind_proxy(s);
            s.signups_per_address = signups_per_address;
        })
        .await;
        let second = first.second_instance().await;
        [first, second]
    }
}
