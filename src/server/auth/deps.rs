//! What the account flows of this folder use of the server's shared parts,
//! and nothing else of it (no audit queue, metrics or page options).

use std::sync::Arc;

use crate::error::AppError;

use super::limiter::LoginLimiter;
use crate::server::config::Settings;
use crate::server::db::Db;
use crate::server::kernel::password::Hasher;
use crate::server::kernel::secret_box::SecretBox;
use crate::server::notify::Mailer;

/// Borrowed from the server's state for one call (`AppState::auth`).
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub db: &'a Db,
    pub settings: &'a Settings,
    pub secrets: &'a SecretBox,
    pub login_limiter: &'a LoginLimiter,
    pub hasher: &'a Hasher,
    /// The mail server, when one is configured.
    pub mailer: Option<&'a Arc<Mailer>>,
}

impl Deps<'_> {
    /// Takes one attempt under every limit in `keys`, now: refused (429
    /// with the wait) when any is spent.
    pub async fn limit(&self, keys: &[super::limiter::Key]) -> Result<(), AppError> {
        match self
            .login_limiter
            .take(keys, self.db.now())
            .await?
            .retry_after
        {
            Some(retry_after) => Err(AppError::RateLimited(retry_after)),
            None => Ok(()),
        }
    }
}
