//! Periodic work of a running server, on one instance at a time.

use std::time::Duration;

use crate::server::auth::{session, signup};
use crate::server::config::Settings;
use crate::server::{audit, db, notify, tokens};

/// Hourly: drop ended sessions and audit events past retention, forget
/// long-replaced token secrets, deactivate idle tokens (when configured).
pub async fn run(pool: db::Db, settings: Settings) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        // One instance at a time: the others skip this round.
        let _held = match pool.try_lock(db::Lock::Housekeeping).await {
            Ok(Some(held)) => held,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(error = %e, "housekeeping skipped: the database does not answer");
                continue;
            }
        };
        if let Ok(n) = session::purge_expired(&pool, &settings).await {
            tracing::debug!(sessions = n, "purged ended sessions");
        }
        let limits = crate::server::auth::limiter::LoginLimiter::new(pool.clone());
        if let Ok(n) = limits.sweep(pool.now()).await {
            tracing::debug!(windows = n, "purged ended rate-limit windows");
        }
        if let Ok(n) = audit::purge_older_than(&pool, settings.audit_retention_days).await {
            tracing::debug!(events = n, "purged old audit events");
        }
        if let Ok(n) = notify::purge(&pool, pool.now()).await {
            tracing::debug!(notices = n, "purged old notices");
        }
        if let Ok(n) = signup::purge(&pool, pool.now()).await {
            tracing::debug!(links = n, "purged dead sign-up links");
        }
        if let Ok(n) = tokens::forget_retired(&pool, pool.now()).await {
            tracing::debug!(secrets = n, "forgot long-replaced token secrets");
        }
        if let Some(days) = settings.token_idle_revoke_days {
            match tokens::deactivate_idle(&pool, days, pool.now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(tokens = n, days, "deactivated tokens unused for too long"),
                Err(e) => tracing::warn!(error = %e, "idle tokens not deactivated"),
            }
        }
    }
}
