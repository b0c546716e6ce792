//! Where each token was used: its last few distinct client addresses, with
//! when each was first and last seen. Written by the audit writer with its
//! batch, never on the request path.

use std::collections::HashMap;

use crate::error::AppError;
use crate::model::token::{RecentIp, TokenView, RECENT_IPS};
use crate::server::db::{Db, Tx};
use crate::{on_db, on_tx};

/// A batch's uses: (token, address) → (first, last) time seen in it.
pub type UsedFrom = HashMap<(i64, String), (i64, i64)>;

/// Token $1 seen from address $2 between $3 and $4; skipped when the token
/// is gone.
pub const INSERT_IP: &str = "INSERT INTO token_ips (token_id, ip, first_seen_at, last_seen_at)
 SELECT $1, $2, $3, $4 WHERE EXISTS (SELECT 1 FROM api_tokens WHERE id = $1)
 ON CONFLICT (token_id, ip) DO UPDATE SET last_seen_at = excluded.last_seen_at";

/// Keeps token $1's latest $2 addresses.
pub const TRIM_IPS: &str = "DELETE FROM token_ips WHERE token_id = $1 AND ip NOT IN
   (SELECT ip FROM token_ips WHERE token_id = $1
    ORDER BY last_seen_at DESC, ip DESC LIMIT $2)";

/// The tokens of a batch's uses, each once.
pub fn tokens_seen(used: &UsedFrom) -> Vec<i64> {
    let mut tokens: Vec<i64> = used.keys().map(|(token_id, _)| *token_id).collect();
    tokens.sort_unstable();
    tokens.dedup();
    tokens
}

/// Records the batch's addresses and keeps each token's latest
/// [`RECENT_IPS`]. A token deleted meanwhile is skipped.
pub async fn record_ips(tx: &mut Tx, used: &UsedFrom) -> Result<(), sqlx::Error> {
    let limit = RECENT_IPS as i64;
    for ((token_id, ip), (first, last)) in used {
        on_tx!(&mut *tx, c => sqlx::query(INSERT_IP)
        .bind(token_id)
        .bind(ip)
        .bind(first)
        .bind(last)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    }
    for token_id in tokens_seen(used) {
        on_tx!(&mut *tx, c => sqlx::query(TRIM_IPS)
        .bind(token_id)
        .bind(limit)
        .execute(c)
        .await
        .map(|d| d.rows_affected()))?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct IpRow {
    token_id: i64,
    ip: String,
    first_seen_at: i64,
    last_seen_at: i64,
}

/// Fills in the recent addresses of the user's `tokens` (of the one token
/// `only`, when given), latest first.
pub(super) async fn attach(
    db: &Db,
    user_id: i64,
    only: Option<i64>,
    tokens: &mut [TokenView],
) -> Result<(), AppError> {
    if tokens.is_empty() {
        return Ok(());
    }
    let rows: Vec<IpRow> = on_db!(db, p => sqlx::query_as(
        "SELECT i.token_id, i.ip, i.first_seen_at, i.last_seen_at
         FROM token_ips i JOIN api_tokens t ON t.id = i.token_id
         WHERE t.user_id = $1 AND ($2 IS NULL OR t.id = $2)
         ORDER BY i.last_seen_at DESC, i.ip DESC",
    )
    .bind(user_id)
    .bind(only)
    .fetch_all(p)
    .await)?;
    for row in rows {
        if let Some(t) = tokens.iter_mut().find(|t| t.id == row.token_id) {
            t.recent_ips.push(RecentIp {
                ip: row.ip,
                first_seen_at: row.first_seen_at,
                last_seen_at: row.last_seen_at,
            });
        }
    }
    Ok(())
}
