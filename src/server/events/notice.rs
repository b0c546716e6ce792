//! One notice to write with the change it reports (the outbox), what it
//! says, and the wake-up of the mail worker once it is committed.

use serde::{Deserialize, Serialize};
use tokio::sync::Notify;

use super::event::NewEvent;
use crate::error::AppError;
use crate::model::notice::Kind;
use crate::on_tx;
use crate::server::db::{Db, Tx};

/// What a notice is about, stored with it as JSON. Never a secret.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeData {
    /// When it happened.
    pub at: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_id: Option<i64>,
    /// `CI deploy (ast_…c17R)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// Expiry reminders: 1 seven days before, 2 one day before, 3 expired.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stage: Option<u8>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<String>,
    /// A few words on why (a deactivation's reason).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The address concerned (a new address to confirm or just changed to).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Minutes a mailed link stays valid.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_minutes: Option<i64>,
    /// The handle a sign-up asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub handle: Option<String>,
}

/// One notice to write.
#[derive(Debug, Clone)]
pub struct Notice {
    /// `None` once the account is gone (its deletion's notice).
    pub user_id: Option<i64>,
    pub kind: Kind,
    /// Where to mail it; the account's address when `None`.
    pub to: Option<String>,
    pub data: NoticeData,
    /// A one-time link's secret, sealed with the server key for `user_id`.
    pub link_sealed: Option<Vec<u8>>,
}

impl Notice {
    pub fn new(user_id: i64, kind: Kind, data: NoticeData) -> Self {
        Self {
            user_id: Some(user_id),
            kind,
            to: None,
            data,
            link_sealed: None,
        }
    }

    /// The notice an audit event asks for, if any.
    pub fn of_event(e: &NewEvent) -> Option<Self> {
        let kind = e.notice?;
        Some(Self::new(
            e.user_id,
            kind,
            NoticeData {
                at: e.at,
                token_id: e.token_id,
                token: e.token_label.clone(),
                ip: e.ip.clone(),
                agent: e.user_agent.clone(),
                detail: e.detail.clone(),
                ..NoticeData::default()
            },
        ))
    }
}

/// Wakes the mail worker; called after a commit that queued a notice.
pub static WAKE: Notify = Notify::const_new();

pub fn wake() {
    WAKE.notify_waiters();
    WAKE.notify_one();
}

/// Writes `notices` in `tx`. A kind the person turned off is written as
/// [`Delivery::Off`](crate::model::notice::Delivery::Off) (listed, never mailed).
pub async fn queue(tx: &mut Tx, notices: &[Notice]) -> Result<(), sqlx::Error> {
    for n in notices {
        let mut data = n.data.clone();
        if data.at == 0 {
            data.at = tx.now();
        }
        let at = data.at;
        let data = serde_json::to_string(&data).unwrap_or_else(|_| "{}".to_owned());
        let bit = n.kind.bit().unwrap_or(0);
        on_tx!(&mut *tx, c => sqlx::query(
            "INSERT INTO notices (user_id, kind, to_addr, data, link_sealed, state, next_attempt_at, created_at)
             SELECT $1, $2, COALESCE($3, u.email), $4, $5,
                    CASE WHEN (u.mail_off & $6) != 0 THEN 'off' ELSE 'queued' END, $7, $7
             FROM users u WHERE u.id = $1
             UNION ALL
             SELECT NULL, $2, $3, $4, $5, 'queued', $7, $7 WHERE $1 IS NULL AND $3 IS NOT NULL",
        )
        .bind(n.user_id)
        .bind(n.kind.as_str())
        .bind(n.to.as_deref())
        .bind(&data)
        .bind(n.link_sealed.as_deref())
        .bind(bit)
        .bind(at)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    }
    Ok(())
}

/// Queues `notices` in a transaction of their own and wakes the worker.
pub async fn send(db: &Db, notices: &[Notice]) -> Result<(), AppError> {
    let mut tx = db.begin().await?;
    queue(&mut tx, notices).await?;
    tx.commit().await?;
    wake();
    Ok(())
}
