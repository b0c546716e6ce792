//! The state every handler and server function shares.

use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use crate::server::audit::AuditLog;
use crate::server::auth::limiter::LoginLimiter;
use crate::server::config::Settings;
use crate::server::db::{Db, Lookups};
use crate::server::kernel::secret_box::SecretBox;
use crate::server::notify::outbox::Outbox;
use crate::server::notify::Mailer;
use crate::server::tokens::quota::ApiLimits;

/// Cheap to clone: one reference count (every layer and extractor of every
/// request clones it).
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    pub leptos_options: Arc<LeptosOptions>,
    pub db: Db,
    /// Connections of their own for the API's token check.
    pub lookups: Lookups,
    /// The token check's answers (see [`crate::server::tokens::cache`]).
    pub token_cache: crate::server::tokens::cache::TokenCache<crate::server::tokens::TokenOwner>,
    pub settings: Arc<Settings>,
    pub audit: AuditLog,
    pub login_limiter: Arc<LoginLimiter>,
    /// Where every password hash runs, a few at a time.
    pub hasher: Arc<crate::server::kernel::password::Hasher>,
    /// Introspection requests per service and minute, on this instance.
    pub service_limits: Arc<crate::server::kernel::window::WindowCounts>,
    /// The API's requests per token and hour.
    pub api_limits: Arc<ApiLimits>,
    /// What `/metrics` shows, when `METRICS_ADDR` is set.
    pub metrics: Option<Arc<crate::server::kernel::metrics::Metrics>>,
    /// The server key that seals the database passwords.
    pub secrets: Arc<SecretBox>,
    /// The mail server, when one is configured.
    pub mailer: Option<Arc<Mailer>>,
}

impl Shared {
    /// What the account flows (`auth/`) use.
    pub fn auth(&self) -> crate::server::auth::deps::Deps<'_> {
        crate::server::auth::deps::Deps {
            db: &self.db,
            settings: &self.settings,
            secrets: &self.secrets,
            login_limiter: &self.login_limiter,
            hasher: &self.hasher,
            mailer: self.mailer.as_ref(),
        }
    }

    /// The mail worker's view of the state.
    pub fn outbox(&self) -> Outbox {
        Outbox {
            db: self.db.clone(),
            mailer: self.mailer.clone(),
            keys: self.secrets.clone(),
            base: self.settings.mail_base(),
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.as_ref().clone()
    }
}
