//! Counts per key in fixed windows of time, in this process's memory: the
//! introspection limit per service (`SERVICE_RATE_LIMIT_PER_MINUTE`).

use std::collections::HashMap;
use std::sync::Mutex;

/// At most `limit` per key in each window of `secs` seconds (0: no limit).
#[derive(Debug)]
pub struct WindowCounts {
    limit: u32,
    secs: i64,
    counts: Mutex<HashMap<i64, (i64, u32)>>,
}

/// What [`WindowCounts::take`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Taken {
    /// Let through; `first` when it opened the key's window.
    Yes { first: bool },
    /// Refused until the window ends, in this many seconds.
    No { retry_after: u64 },
}

impl WindowCounts {
    pub fn new(limit: u32, secs: i64) -> Self {
        Self {
            limit,
            secs: secs.max(1),
            counts: Mutex::new(HashMap::new()),
        }
    }

    /// Counts one for `key` at `now` (unix seconds).
    pub fn take(&self, key: i64, now: i64) -> Taken {
        let window = now - now.rem_euclid(self.secs);
        let Ok(mut counts) = self.counts.lock() else {
            return Taken::Yes { first: false };
        };
        if counts.len() > 10_000 {
            counts.retain(|_, (w, _)| *w == window);
        }
        let entry = counts.entry(key).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if self.limit > 0 && entry.1 >= self.limit {
            return Taken::No {
                retry_after: u64::try_from(window + self.secs - now).unwrap_or(1).max(1),
            };
        }
        entry.1 += 1;
        Taken::Yes {
            first: entry.1 == 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_holds_in_its_window_and_lifts_after() {
        let w = WindowCounts::new(2, 60);
        assert_eq!(w.take(1, 120), Taken::Yes { first: true });
        assert_eq!(w.take(1, 130), Taken::Yes { first: false });
        assert_eq!(w.take(1, 150), Taken::No { retry_after: 30 });
        assert_eq!(w.take(2, 150), Taken::Yes { first: true });
        assert_eq!(w.take(1, 180), Taken::Yes { first: true });
        let open = WindowCounts::new(0, 60);
        for _ in 0..100 {
            assert!(matches!(open.take(1, 0), Taken::Yes { .. }));
        }
    }
}
