//! What a batch of queued events writes besides the events: each token's
//! last use and its count of requests; and the statements both writers
//! ([`super::writer`] through sqlx, [`super::file_writer`] on an SQLite
//! file) run.

use std::collections::HashMap;

use crate::server::events::{NewEvent, INSERT_INTO};
use crate::server::tokens::quota::{window_start, Stored};

/// The rate-limit count of each token's row after a batch.
pub(super) type Written = HashMap<i64, Stored>;

/// A token's requests in a batch: the last one's time and address, and how
/// many fell in the token's latest rate-limit window.
pub(super) struct LastUse {
    pub(super) at: i64,
    pub(super) ip: Option<String>,
    pub(super) window: i64,
    pub(super) count: u32,
}

impl LastUse {
    pub(super) fn new(token_id: i64, e: &NewEvent) -> Self {
        Self {
            at: e.at,
            ip: e.ip.clone(),
            window: window_start(token_id, e.at),
            count: 0,
        }
    }

    pub(super) fn add(&mut self, token_id: i64, e: &NewEvent) {
        if e.at >= self.at {
            self.at = e.at;
            self.ip = e.ip.clone();
        }
        let window = window_start(token_id, e.at);
        if window > self.window {
            (self.window, self.count) = (window, 0);
        }
        if window == self.window {
            self.count += 1;
        }
    }
}

/// One event, skipped when its user is gone ($1 … $12 in the order of
/// [`INSERT_INTO`]).
pub(super) static INSERT_GUARDED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "{INSERT_INTO}
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12
         WHERE EXISTS (SELECT 1 FROM users WHERE id = $1)"
    )
});

/// A token's last use ($1 time, $2 address) and its count of $5 requests
/// in the window starting at $4 ($3 the token). The count joins the row's
/// when both are of one window, replaces it when the row's has ended, and
/// is dropped when it is of a window that has ended already. Answers the
/// row's count afterwards.
pub(super) const UPDATE_LAST_USED: &str =
    "UPDATE api_tokens SET last_used_at = $1, last_used_ip = $2,
     rate_used = CASE WHEN rate_window = $4 THEN rate_used + $5
                      WHEN rate_window < $4 THEN $5
                      ELSE rate_used END,
     rate_window = CASE WHEN rate_window < $4 THEN $4 ELSE rate_window END
 WHERE id = $3
 RETURNING rate_window, rate_used";
