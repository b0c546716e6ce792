//! The API's rate limit: at most `API_RATE_LIMIT_PER_HOUR` requests per
//! token in each hour, shared by every instance on the database.
//!
//! Each token's hours start at a moment of its own (spread over the clock
//! hour by its id, so tokens do not all start again at once), and every
//! instance computes the same windows. The count lives in the token's row
//! (`rate_window`, `rate_used`): the token check reads it with the rest
//! when it reads the row (not when its answer comes from the token cache);
//! the audit writer adds what the instance let through with its batch, and
//! learns the row's new count. Between the two, each instance keeps the
//! requests it let through and has not written yet ([`ApiLimits`]), so one
//! instance never lets more through than the limit, and several exceed it
//! by at most what each lets through between two of its batches (tens of
//! milliseconds of traffic). The hot path costs a lock and a hash lookup;
//! no query of its own.

use std::collections::HashMap;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderName, HeaderValue};

/// The length of a window, in seconds.
pub const WINDOW_SECS: i64 = 3600;

/// Where token `token_id`'s window that holds `now` starts: the latest
/// moment at or before `now` that is the token's offset past a clock hour.
pub fn window_start(token_id: i64, now: i64) -> i64 {
    // Knuth's multiplicative hash spreads consecutive ids over the hour.
    let offset = token_id.wrapping_mul(2_654_435_761).rem_euclid(WINDOW_SECS);
    now - (now - offset).rem_euclid(WINDOW_SECS)
}

/// What a request learns of its token's limit: sent as `RateLimit-Limit`,
/// `RateLimit-Remaining` and `RateLimit-Reset` (seconds until the window
/// ends, as the IETF draft has it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub limit: u32,
    pub remaining: u32,
    pub reset_secs: u64,
}

impl Quota {
    /// Sets the three `RateLimit-*` headers.
    pub fn write(&self, headers: &mut HeaderMap) {
        const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
        const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");
        const RESET: HeaderName = HeaderName::from_static("ratelimit-reset");
        headers.insert(LIMIT, HeaderValue::from(self.limit));
        headers.insert(REMAINING, HeaderValue::from(self.remaining));
        headers.insert(RESET, HeaderValue::from(self.reset_secs));
    }
}

/// The count a token's row held when the request's token check read it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stored {
    pub window: i64,
    pub used: i64,
}

/// What one instance knows of a token's current window.
#[derive(Debug, Clone, Copy, Default)]
struct Mine {
    window: i64,
    /// Requests let through here and not yet written.
    pending: u32,
    /// The row's count as the writer last wrote it (at least what any
    /// token check read before that write).
    known: u32,
}

/// Requests one instance let through, by token.
#[derive(Debug)]
pub struct ApiLimits {
    limit: u32,
    tokens: Mutex<Tokens>,
}

#[derive(Debug, Default)]
struct Tokens {
    by_id: HashMap<i64, Mine>,
    pruned_at: i64,
}

/// What the audit writer wrote for one token: `count` requests in the
/// window starting at `window`, and the row's count afterwards (`None`
/// when the write failed or the token is gone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub token_id: i64,
    pub window: i64,
    pub count: u32,
    pub written: Option<Stored>,
}

impl ApiLimits {
    /// `limit` requests per token and hour; 0 turns the limit off.
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            tokens: Mutex::new(Tokens::default()),
        }
    }

    /// Counts a request of `token_id` at `now`, or refuses it (`Err`, with
    /// nothing remaining and the wait until the window ends) when the
    /// token has used its hour. `stored` is the row's count as the token
    /// check read it. `None` when there is no limit.
    pub fn take(&self, token_id: i64, stored: Stored, now: i64) -> Option<Result<Quota, Quota>> {
        if self.limit == 0 {
            return None;
        }
        let window = window_start(token_id, now);
        let reset_secs = u64::try_from(window + WINDOW_SECS - now)
            .unwrap_or(0)
            .max(1);
        let read = if stored.window == window {
            u32::try_from(stored.used).unwrap_or(u32::MAX)
        } else {
            0
        };
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        // What was counted in a window that has ended no longer counts.
        let mine = tokens
            .by_id
            .get(&token_id)
            .filter(|m| m.window == window)
            .copied()
            .unwrap_or(Mine {
                window,
                ..Mine::default()
            });
        // A check that read the row just before the writer's last batch
        // committed sees less than the writer has since learnt.
        let used = read.max(mine.known).saturating_add(mine.pending);
        if used >= self.limit {
            return Some(Err(Quota {
                limit: self.limit,
                remaining: 0,
                reset_secs,
            }));
        }
        tokens.by_id.insert(
            token_id,
            Mine {
                pending: mine.pending + 1,
                ..mine
            },
        );
        Some(Ok(Quota {
            limit: self.limit,
            remaining: self.limit - used - 1,
            reset_secs,
        }))
    }

    /// Takes in what the audit writer has written (or failed to write:
    /// either way those requests no longer wait), and once a minute
    /// forgets tokens whose window has ended.
    pub fn settle(&self, written: &[Counted], now: i64) {
        if self.limit == 0 {
            return;
        }
        let mut tokens = self.tokens.lock().unwrap_or_else(|e| e.into_inner());
        for c in written {
            let Some(mine) = tokens.by_id.get_mut(&c.token_id) else {
                continue;
            };
            if mine.window == c.window {
                mine.pending = mine.pending.saturating_sub(c.count);
            }
            if let Some(row) = c.written.filter(|row| row.window == mine.window) {
                mine.known = mine.known.max(u32::try_from(row.used).unwrap_or(u32::MAX));
            }
        }
        if now - tokens.pruned_at >= 60 {
            tokens.pruned_at = now;
            tokens
                .by_id
                .retain(|_, m| m.pending > 0 || m.window + WINDOW_SECS > now);
        }
    }

    /// Tokens this instance keeps a count for (those used in their current
    /// window, and any with requests not yet written).
    pub fn tracked(&self) -> usize {
        self.tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .by_id
            .len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_are_an_hour_long_and_spread_by_token() {
        for id in [1, 2, 77, 1_000_003] {
            for now in [1_700_000_000, 1_700_001_234, 1_700_003_599] {
                let start = window_start(id, now);
                assert!(start <= now && now < start + WINDOW_SECS);
                assert_eq!(window_start(id, start), start);
                assert_eq!(window_start(id, start + WINDOW_SECS), start + WINDOW_SECS);
            }
        }
        let starts: std::collections::HashSet<i64> =
            (1..=20).map(|id| window_start(id, 1_700_000_000)).collect();
        assert!(
            starts.len() > 15,
            "20 tokens share {} window starts",
            starts.len()
        );
    }

    #[test]
    fn a_token_gets_its_limit_then_waits_for_its_window_to_end() {
        let limits = ApiLimits::new(3);
        let now = 1_700_000_000;
        let start = window_start(9, now);
        let remaining: Vec<u32> = (0..3)
            .map(|_| {
                limits
                    .take(9, Stored::default(), now)
                    .unwrap()
                    .unwrap()
                    .remaining
            })
            .collect();
        assert_eq!(remaining, [2, 1, 0]);
        let refused = limits.take(9, Stored::default(), now).unwrap().unwrap_err();
        assert_eq!(refused.remaining, 0);
        assert_eq!(refused.reset_secs, (start + WINDOW_SECS - now) as u64);
        // Another token is not held back.
        assert!(limits.take(10, Stored::default(), now).unwrap().is_ok());
        // The next window starts afresh.
        let next = start + WINDOW_SECS;
        let q = limits.take(9, Stored::default(), next).unwrap().unwrap();
        assert_eq!((q.remaining, q.reset_secs), (2, WINDOW_SECS as u64));
    }

    #[test]
    fn written_counts_come_from_the_row_and_pending_ones_from_memory() {
        let limits = ApiLimits::new(10);
        let now = 1_700_000_000;
        let window = window_start(5, now);
        // Another instance wrote 7 in this window: 3 left here.
        let other = Stored { window, used: 7 };
        for _ in 0..3 {
            limits.take(5, other, now).unwrap().unwrap();
        }
        assert!(limits.take(5, other, now).unwrap().is_err());
        // The writer writes this instance's 3: the row now says 10.
        limits.settle(
            &[Counted {
                token_id: 5,
                window,
                count: 3,
                written: Some(Stored { window, used: 10 }),
            }],
            now,
        );
        // A check that read the row before that write is not fooled.
        assert!(limits.take(5, other, now).unwrap().is_err());
        let written = Stored { window, used: 10 };
        assert!(limits.take(5, written, now).unwrap().is_err());
        // Once the window has ended, the token is forgotten.
        limits.settle(&[], window + WINDOW_SECS + 60);
        assert_eq!(limits.tracked(), 0);
        // A count of an ended window does not hold the new one back.
        let stale = Stored { window, used: 10 };
        let next = window + WINDOW_SECS;
        assert_eq!(limits.take(5, stale, next).unwrap().unwrap().remaining, 9);
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limits = ApiLimits::new(0);
        assert_eq!(limits.take(1, Stored::default(), 0), None);
        assert_eq!(limits.tracked(), 0);
    }

    #[test]
    fn headers_carry_the_quota() {
        let mut h = HeaderMap::new();
        Quota {
            limit: 5000,
            remaining: 4999,
            reset_secs: 120,
        }
        .write(&mut h);
        assert_eq!(h["ratelimit-limit"], "5000");
        assert_eq!(h["ratelimit-remaining"], "4999");
        assert_eq!(h["ratelimit-reset"], "120");
    }
}
