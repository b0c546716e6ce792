//! One audit event to record, and the multi-row insert that writes a batch
//! of them in a transaction.

use crate::model::audit::AuditAction;
use crate::model::notice::Kind;
use crate::on_tx;
use crate::server::db::Tx;

/// One event to record. Never holds a secret: tokens appear only as their
/// label (name and prefix…last4).
#[derive(Debug, Clone, Default)]
pub struct NewEvent {
    pub user_id: i64,
    pub action: Option<AuditAction>,
    pub token_id: Option<i64>,
    pub token_label: Option<String>,
    pub method: Option<String>,
    /// The host a platform request went to (`/auth/verify`); empty for
    /// this app's own API.
    pub host: Option<String>,
    pub path: Option<String>,
    pub status: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
    /// When it happened; the present when left at zero.
    pub at: i64,
    /// The notice this event sends its owner (see [`super::notice`]).
    pub notice: Option<Kind>,
}

impl NewEvent {
    pub fn new(user_id: i64, action: AuditAction) -> Self {
        Self {
            user_id,
            action: Some(action),
            ..Self::default()
        }
    }

    pub fn client(mut self, meta: &crate::server::kernel::client::ClientMeta) -> Self {
        self.ip = meta.ip.clone();
        self.user_agent = meta.user_agent.clone();
        self
    }

    pub fn token(mut self, id: i64, label: String) -> Self {
        self.token_id = Some(id);
        self.token_label = Some(label);
        self
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The action's stored name.
    pub fn action_name(&self) -> &'static str {
        self.action.map(AuditAction::as_str).unwrap_or("unknown")
    }

    /// Sends the account's owner a notice of `kind` about this event,
    /// written with it.
    pub fn notify(mut self, kind: Kind) -> Self {
        self.notice = Some(kind);
        self
    }
}

/// The start of every INSERT of events: the table and its columns, in the
/// order each writer binds them (user, time, action, token, its label,
/// method, host, path, status, address, user agent, detail).
pub const INSERT_INTO: &str = "INSERT INTO audit_events
   (user_id, created_at, action, token_id, token_label, method, host, path, status, ip, user_agent, detail) ";

/// Rows per multi-row INSERT (12 values each, well under SQLite's limit).
const ROWS_PER_INSERT: usize = 400;

/// A few multi-row INSERTs of `events` in `tx`.
pub async fn insert(tx: &mut Tx, events: &[NewEvent]) -> Result<(), sqlx::Error> {
    for chunk in events.chunks(ROWS_PER_INSERT) {
        on_tx!(&mut *tx, c => {
            // Built at run time because the number of rows varies; every
            // value is a bound parameter.
            let mut insert = sqlx::QueryBuilder::new(INSERT_INTO);
            insert.push_values(chunk, |mut row, e| {
                row.push_bind(e.user_id)
                    .push_bind(e.at)
                    .push_bind(e.action_name())
                    .push_bind(e.token_id)
                    .push_bind(e.token_label.as_deref())
                    .push_bind(e.method.as_deref())
                    .push_bind(e.host.as_deref())
                    .push_bind(e.path.as_deref())
                    .push_bind(e.status)
                    .push_bind(e.ip.as_deref())
                    .push_bind(e.user_agent.as_deref())
                    .push_bind(e.detail.as_deref());
            });
            // Only the full chunk's statement is kept prepared: one per
            // count of rows would fill each connection's statement cache
            // with large statements (about 100 MB across the pool, measured
            // as resident memory under API load).
            insert
                .build()
                .persistent(chunk.len() == ROWS_PER_INSERT)
                .execute(c)
                .await
                .map(|d| d.rows_affected())
        })?;
    }
    Ok(())
}
