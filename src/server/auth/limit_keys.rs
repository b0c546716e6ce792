//! What each attempt counts against (see [`super::limiter`]): the keys of
//! a sign-in, a sign-up, a reset, an address change and the rest, and the
//! limit of each. Keys are stored as SHA-256, never as typed.

use std::time::Duration;

use sha2::{Digest, Sha256};

/// Window in which failures are counted, in seconds.
pub const WINDOW_SECS: i64 = 15 * 60;
/// Failures allowed per account from one source in a window.
pub const PER_SOURCE: u32 = 5;
/// Failures allowed per IP address (across accounts) in a window.
pub const PER_IP: u32 = 20;
/// Failures per account, from all sources, after which attempts from
/// browsers the account does not know are slowed.
pub const SLOW_AFTER: u32 = 10;
/// Wrong current passwords a signed-in user may type in a window.
pub const PER_USER: u32 = 5;

/// One thing counted: the SHA-256 of its name, and its limit (`None`:
/// counted, never refused).
#[derive(Clone)]
pub struct Key {
    pub(super) digest: Vec<u8>,
    pub(super) limit: Option<u32>,
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Key").field("limit", &self.limit).finish()
    }
}

fn key(name: &str, limit: Option<u32>) -> Key {
    Key {
        digest: Sha256::digest(name.as_bytes()).to_vec(),
        limit,
    }
}

/// The keys a sign-in attempt for `login` counts against: the account from
/// this source first (`device`: the id of a browser the account signed in
/// from before; otherwise the address), then the account as a whole, then
/// the address (only for browsers the account does not know). `user_id` is
/// the account `login` names, when there is one.
pub fn sign_in_keys(
    login: &str,
    user_id: Option<i64>,
    ip: Option<&str>,
    device: Option<&str>,
) -> Vec<Key> {
    let account = match user_id {
        Some(id) => format!("user:{id}"),
        None => format!("login:{}", login.trim().to_ascii_lowercase()),
    };
    let source = match device {
        Some(d) => format!("device:{d}"),
        None => format!("ip:{}", ip.unwrap_or("unknown")),
    };
    let mut keys = vec![
        key(&format!("source:{account}|{source}"), Some(PER_SOURCE)),
        key(&format!("account:{account}"), None),
    ];
    if let (None, Some(ip)) = (device, ip) {
        keys.push(key(&format!("ip:{ip}"), Some(PER_IP)));
    }
    keys
}

/// The key of sign-up attempts from `ip` (each costs a password hash), at
/// most `limit` in a window.
pub fn sign_up_keys(ip: Option<&str>, limit: u32) -> Vec<Key> {
    vec![key(
        &format!("signup:{}", ip.unwrap_or("unknown")),
        Some(limit),
    )]
}

/// Sign-up mails to one address from one source in a window (with a mail
/// server, every sign-up mails the address it names).
pub const SIGNUP_MAILS_PER_SOURCE: u32 = 3;
/// Sign-up mails to one address from all sources in a window.
pub const SIGNUP_MAILS_PER_ADDRESS: u32 = 10;

/// The keys of sign-up mails to `email` (ignoring case) from `ip`: the
/// address from this source, and the address from anywhere.
pub fn sign_up_mail_keys(email: &str, ip: Option<&str>) -> Vec<Key> {
    let email = email.trim().to_ascii_lowercase();
    vec![
        key(
            &format!("signup-mail:{email}|{}", ip.unwrap_or("unknown")),
            Some(SIGNUP_MAILS_PER_SOURCE),
        ),
        key(
            &format!("signup-mail:{email}"),
            Some(SIGNUP_MAILS_PER_ADDRESS),
        ),
    ]
}

/// Wrong passwords typed on one sign-up link's page in a window.
pub const SIGNUP_FINISH_TRIES: u32 = 5;

/// The key of wrong passwords typed with the sign-up link `secret`.
pub fn sign_up_finish_keys(secret: &str) -> Vec<Key> {
    vec![key(
        &format!("signup-finish:{secret}"),
        Some(SIGNUP_FINISH_TRIES),
    )]
}

/// Well-formed leaked-token reports taken from one address in a window.
pub const REVOKES_PER_IP: u32 = 60;

/// The key of leaked-token reports from `ip`.
pub fn revoke_keys(ip: Option<&str>) -> Vec<Key> {
    vec![key(
        &format!("revoke:{}", ip.unwrap_or("unknown")),
        Some(REVOKES_PER_IP),
    )]
}

/// Password-reset requests one address may make in a window (past it:
/// 429, to that address only).
pub const RESETS_PER_IP: u32 = 10;
/// Reset mails one account gets in a window (past it, requests are
/// answered as always and nothing is sent).
pub const RESETS_PER_ACCOUNT: u32 = 3;

/// The key of password-reset requests from `ip`.
pub fn reset_ip_keys(ip: Option<&str>) -> Vec<Key> {
    vec![key(
        &format!("reset-ip:{}", ip.unwrap_or("unknown")),
        Some(RESETS_PER_IP),
    )]
}

/// The key of reset requests for `login` when no account has that name,
/// counted like an account's so that both answers take the same work.
pub fn reset_name_keys(login: &str) -> Vec<Key> {
    vec![key(
        &format!("reset-name:{}", login.trim().to_ascii_lowercase()),
        Some(RESETS_PER_ACCOUNT),
    )]
}

/// The key of reset mails to the account `user_id`.
pub fn reset_account_keys(user_id: i64) -> Vec<Key> {
    vec![key(
        &format!("reset-user:{user_id}"),
        Some(RESETS_PER_ACCOUNT),
    )]
}

/// Changes of address (each a mail, or a check of whether an account has
/// it) one user may ask for in a window.
pub const EMAIL_CHANGES_PER_USER: u32 = 5;
/// Confirmation mails one address gets in a window, from every account
/// (past it, nothing is sent and the answer is the same).
pub const CONFIRMATIONS_PER_ADDRESS: u32 = 3;

/// The key of address changes asked for by `user_id`.
pub fn email_change_keys(user_id: i64) -> Vec<Key> {
    vec![key(
        &format!("email-change:{user_id}"),
        Some(EMAIL_CHANGES_PER_USER),
    )]
}

/// The key of confirmation mails to `email` (ignoring case).
pub fn confirmation_keys(email: &str) -> Vec<Key> {
    vec![key(
        &format!("confirm-to:{}", email.trim().to_ascii_lowercase()),
        Some(CONFIRMATIONS_PER_ADDRESS),
    )]
}

/// The key of a signed-in user's current-password checks.
pub fn current_password_keys(user_id: i64) -> Vec<Key> {
    vec![key(&format!("current:{user_id}"), Some(PER_USER))]
}

/// How long an attempt from a browser the account does not know waits once
/// the account has `failures` from all sources: nothing up to
/// [`SLOW_AFTER`], then 1 s, doubling with each failure, at most 30 s.
pub fn slow_down(failures: u32) -> Option<Duration> {
    let over = failures.checked_sub(SLOW_AFTER)?;
    Some(Duration::from_secs(1u64 << over.min(5)).min(Duration::from_secs(30)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_browsers_slow_down_past_the_account_ceiling() {
        assert_eq!(slow_down(SLOW_AFTER - 1), None);
        assert_eq!(slow_down(SLOW_AFTER), Some(Duration::from_secs(1)));
        assert_eq!(slow_down(SLOW_AFTER + 2), Some(Duration::from_secs(4)));
        assert_eq!(slow_down(SLOW_AFTER + 50), Some(Duration::from_secs(30)));
    }

    #[test]
    fn keys_show_nothing_of_what_was_typed() {
        let k = sign_in_keys("secret-login@example.com", None, Some("10.1.2.3"), None);
        let shown = format!("{k:?}");
        assert!(!shown.contains("secret-login") && !shown.contains("10.1.2.3"));
    }
}
