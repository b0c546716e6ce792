//! Rate limiting of failed sign-ins, per account name and per IP address.
//!
//! Keyed by what was typed (not by whether an account exists), so a limit
//! reached says nothing about which accounts exist. Kept in memory: one
//! instance's view; several instances behind a load balancer each limit on
//! their own.

use std::collections::HashMap;
use std::sync::Mutex;

/// Window in which failures are counted, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account name in a window.
pub const PER_ACCOUNT: u32 = 5;
/// Failures allowed per IP address in a window.
pub const PER_IP: u32 = 20;
/// Entries kept before old windows are swept.
const SWEEP_AT: usize = 10_000;

#[derive(Debug, Clone, Copy)]
struct Window {
    start: i64,
    failures: u32,
}

/// Counts failed sign-ins.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    windows: Mutex<HashMap<String, Window>>,
}

/// The keys one sign-in attempt counts against, with their limits.
pub fn keys(login: &str, ip: Option<&str>) -> Vec<(String, u32)> {
    let mut keys = vec![(
        format!("account:{}", login.trim().to_lowercase()),
        PER_ACCOUNT,
    )];
    if let Some(ip) = ip {
        keys.push((format!("ip:{ip}"), PER_IP));
    }
    keys
}

impl LoginLimiter {
    /// `Err(seconds)` when any key is over its limit: try again after that.
    pub fn check(&self, keys: &[(String, u32)], now: i64) -> Result<(), u64> {
        let windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        let wait = keys
            .iter()
            .filter_map(|(key, limit)| {
                let w = windows.get(key)?;
                let ends = w.start + WINDOW_SECS;
                (w.failures >= *limit && ends > now).then_some(ends - now)
            })
            .max();
        match wait {
            Some(secs) => Err(secs.max(1) as u64),
            None => Ok(()),
        }
    }

    /// Counts a failure against every key.
    pub fn fail(&self, keys: &[(String, u32)], now: i64) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() >= SWEEP_AT {
            windows.retain(|_, w| w.start + WINDOW_SECS > now);
        }
        for (key, _) in keys {
            let w = windows.entry(key.clone()).or_insert(Window {
                start: now,
                failures: 0,
            });
            if w.start + WINDOW_SECS <= now {
                *w = Window {
                    start: now,
                    failures: 0,
                };
            }
            w.failures += 1;
        }
    }

    /// Forgets the account's failures after a successful sign-in.
    pub fn succeed(&self, keys: &[(String, u32)]) {
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((key, _)) = keys.first() {
            windows.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_limit_blocks_until_window_ends() {
        let l = LoginLimiter::default();
        let k = keys("Ada", Some("10.0.0.1"));
        for _ in 0..PER_ACCOUNT {
            assert!(l.check(&k, 1000).is_ok());
            l.fail(&k, 1000);
        }
        assert_eq!(l.check(&k, 1000), Err(WINDOW_SECS as u64));
        assert_eq!(l.check(&k, 1000 + 60), Err((WINDOW_SECS - 60) as u64));
        // Same name, other case, other address: still the same account.
        assert!(l.check(&keys("ADA ", Some("10.0.0.2")), 1000).is_err());
        assert!(l.check(&k, 1000 + WINDOW_SECS).is_ok());
    }

    #[test]
    fn ip_limit_spans_accounts() {
        let l = LoginLimiter::default();
        for i in 0..PER_IP {
            l.fail(&keys(&format!("user{i}"), Some("10.0.0.9")), 5);
        }
        assert!(l.check(&keys("someone-new", Some("10.0.0.9")), 6).is_err());
        assert!(l.check(&keys("someone-new", Some("10.0.0.8")), 6).is_ok());
    }

    #[test]
    fn success_clears_the_account() {
        let l = LoginLimiter::default();
        let k = keys("ada", None);
        for _ in 0..PER_ACCOUNT - 1 {
            l.fail(&k, 0);
        }
        l.succeed(&k);
        l.fail(&k, 0);
        assert!(l.check(&k, 0).is_ok());
    }
}
