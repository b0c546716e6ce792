//! Regenerating a token: how long its old secret keeps working, and the
//! lifetime the new one gets.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::token::{TokenPolicy, TokenView};

const DAY: i64 = 86_400;

/// The longest grace an old secret may get: 7 days.
pub const MAX_GRACE_SECS: i64 = 7 * DAY;

/// The choices of the Regenerate dialog: (seconds, label); the first is the
/// default.
pub const GRACE_CHOICES: [(i64, &str); 4] = [
    (0, "Immediately"),
    (3_600, "After 1 hour"),
    (DAY, "After 24 hours"),
    (7 * DAY, "After 7 days"),
];

/// Checks a grace period in seconds (0 to 7 days).
pub fn grace(seconds: i64) -> Result<i64, AppError> {
    if (0..=MAX_GRACE_SECS).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(AppError::invalid(
            "grace_seconds",
            format!("The old secret may keep working for 0 to {MAX_GRACE_SECS} seconds (7 days)."),
        ))
    }
}

/// When a regenerated secret expires: after as long a life as the secret
/// before it was given (from `since`, its creation or last regeneration,
/// to `expires_at`), counted from `now` and within the operator's maximum.
/// A token that never expired keeps doing so where the operator still
/// allows it.
pub fn renewed_expiry(
    since: i64,
    expires_at: Option<i64>,
    now: i64,
    policy: &TokenPolicy,
) -> Option<i64> {
    let max = i64::from(policy.max_lifetime_days) * DAY;
    match expires_at {
        None if policy.allow_non_expiring => None,
        None => Some(now + max),
        Some(at) => Some(now + (at - since).clamp(DAY, max)),
    }
}

/// A token's new secret: shown once, to whoever regenerated it. Its `Debug`
/// never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegeneratedToken {
    pub secret: String,
    pub token: TokenView,
    /// Until when the old secret keeps working (`None`: it stopped at once).
    pub old_valid_until: Option<i64>,
}

impl std::fmt::Debug for RegeneratedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RegeneratedToken")
            .field("secret", &"[redacted]")
            .field("token", &self.token.id)
            .field("old_valid_until", &self.old_valid_until)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    #[test]
    fn renewed_expiry_keeps_the_lifetime_length() {
        let p = TokenPolicy::default();
        // Made 20 days ago for 30 days: the new secret gets 30 from now.
        let since = NOW - 20 * DAY;
        assert_eq!(
            renewed_expiry(since, Some(since + 30 * DAY), NOW, &p),
            Some(NOW + 30 * DAY)
        );
    }

    #[test]
    fn renewed_expiry_is_capped_by_the_policy() {
        let p = TokenPolicy {
            max_lifetime_days: 90,
            ..TokenPolicy::default()
        };
        let since = NOW - DAY;
        assert_eq!(
            renewed_expiry(since, Some(since + 365 * DAY), NOW, &p),
            Some(NOW + 90 * DAY)
        );
        // Never expiring, no longer allowed: the maximum.
        assert_eq!(renewed_expiry(since, None, NOW, &p), Some(NOW + 90 * DAY));
        let open = TokenPolicy {
            allow_non_expiring: true,
            ..p
        };
        assert_eq!(renewed_expiry(since, None, NOW, &open), None);
    }

    #[test]
    fn grace_is_zero_to_seven_days() {
        assert_eq!(grace(0).unwrap(), 0);
        assert_eq!(grace(MAX_GRACE_SECS).unwrap(), MAX_GRACE_SECS);
        assert_eq!(grace(-1).unwrap_err().field(), Some("grace_seconds"));
        assert!(grace(MAX_GRACE_SECS + 1).is_err());
    }

    #[test]
    fn regenerated_token_debug_is_redacted() {
        let t = RegeneratedToken {
            secret: "ast_verysecret".into(),
            token: TokenView {
                id: 7,
                name: String::new(),
                prefix: "ast".into(),
                last_four: "AbC9".into(),
                created_at: NOW,
                expires_at: None,
                deactivated: false,
                last_used_at: None,
                last_used_ip: None,
                scopes: crate::model::scope::Scopes::READ,
                platform_scopes: String::new(),
                rotated_at: None,
                recent_ips: Vec::new(),
            },
            old_valid_until: None,
        };
        assert!(!format!("{t:?}").contains("verysecret"));
    }
}
