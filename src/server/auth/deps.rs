//! What the account flows of this folder use of the server's shared parts,
//! and nothing else of it (no audit queue, metrics or page options).

use std::sync::Arc;

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
