//! API tokens as the pages and the REST API see them: never the secret.

use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::scope::Scopes;
use crate::model::time::{parse_date, span};

const DAY: i64 = 86_400;

/// The operator's token policy, as the Tokens page needs to know it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenPolicy {
    /// At most this many tokens per user (every token not deleted counts).
    pub max_per_user: u32,
    /// Tokens this close to expiry (in days) show a warning.
    pub warning_days: u32,
    /// The longest lifetime a token may be given, in days.
    pub max_lifetime_days: u32,
    /// Whether "No expiration" is offered.
    pub allow_non_expiring: bool,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        Self {
            max_per_user: 2,
            warning_days: 7,
            max_lifetime_days: 365,
            allow_non_expiring: false,
        }
    }
}

/// Where a token stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenStatus {
    Active,
    Deactivated,
    Expired,
}

impl TokenStatus {
    /// Derives the status; expiry wins over deactivation.
    pub fn of(expires_at: Option<i64>, deactivated: bool, now: i64) -> Self {
        if expires_at.is_some_and(|e| e <= now) {
            Self::Expired
        } else if deactivated {
            Self::Deactivated
        } else {
            Self::Active
        }
    }

    /// The label on the Tokens page.
    pub fn label(self) -> &'static str {
        match self {
            Self::Active => "Active",
            Self::Deactivated => "Deactivated",
            Self::Expired => "Expired",
        }
    }
}

/// One token in a list: what may be shown after creation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    pub last_four: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub deactivated: bool,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
    #[cfg_attr(feature = "ssr", sqlx(try_from = "i64"))]
    pub scopes: Scopes,
    /// The operator's scopes (`PLATFORM_CONFIG`) it carries, space-separated.
    #[serde(default)]
    pub platform_scopes: String,
    /// When its secret was last regenerated.
    pub rotated_at: Option<i64>,
    /// The last few distinct addresses it was used from, latest first.
    #[cfg_attr(feature = "ssr", sqlx(skip))]
    pub recent_ips: Vec<RecentIp>,
}

/// An address a token was used from, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentIp {
    pub ip: String,
    pub first_seen_at: i64,
    pub last_seen_at: i64,
}

/// How many addresses each token remembers.
pub const RECENT_IPS: usize = 5;

impl TokenView {
    /// Every scope it carries: the built-in ones, then the operator's.
    pub fn scope_names(&self) -> Vec<&str> {
        let mut names = self.scopes.names();
        names.extend(self.platform_scopes.split(' ').filter(|s| !s.is_empty()));
        names
    }

    /// `ast_…k3Qz`: how a saved token is shown.
    pub fn masked(&self) -> String {
        format!("{}_…{}", self.prefix, self.last_four)
    }

    /// "CI deploy (ast_…c17R)", or "ast_…c17R" for an unnamed token.
    pub fn named(&self) -> String {
        if self.name.is_empty() {
            self.masked()
        } else {
            format!("{} ({})", self.name, self.masked())
        }
    }

    pub fn status(&self, now: i64) -> TokenStatus {
        TokenStatus::of(self.expires_at, self.deactivated, now)
    }

    /// Seconds until expiry when the token is within the warning window.
    pub fn expires_soon(&self, now: i64, warning_days: u32) -> Option<i64> {
        let left = self.expires_at? - now;
        (left > 0 && left <= i64::from(warning_days) * DAY).then_some(left)
    }

    /// "Expires in 3 days" within the window, `None` otherwise.
    pub fn warning(&self, now: i64, warning_days: u32) -> Option<String> {
        self.expires_soon(now, warning_days)
            .map(|left| format!("Expires in {}", span(left)))
    }
}

/// The Tokens page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokensPage {
    pub tokens: Vec<TokenView>,
    pub policy: TokenPolicy,
    /// The operator's scopes, offered in the form.
    #[serde(default)]
    pub platform: Vec<crate::model::scope::PlatformScope>,
    /// The server's clock when the list was read.
    pub now: i64,
}

impl TokensPage {
    pub fn at_limit(&self) -> bool {
        self.tokens.len() >= self.policy.max_per_user as usize
    }
}

/// The message shown when the user holds as many tokens as allowed.
pub fn limit_notice(max: u32) -> String {
    let noun = if max == 1 { "token" } else { "tokens" };
    format!("You have {max} {noun}, the most allowed. Delete one to generate another.")
}

/// A freshly generated, not yet saved token. It crosses the wire once, to
/// the page that asked for it; its `Debug` never shows it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GeneratedToken {
    pub secret: String,
}

impl std::fmt::Debug for GeneratedToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("GeneratedToken([redacted])")
    }
}

/// The *Expiration Date* choices.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expiry {
    Days(u32),
    /// Until the end of the given day (Unix seconds of its midnight, UTC).
    Until(i64),
    Never,
}

/// The fixed choices of the select: (value, label).
pub const EXPIRY_CHOICES: [(&str, &str); 5] = [
    ("7", "7 days"),
    ("30", "30 days"),
    ("60", "60 days"),
    ("90", "90 days"),
    ("365", "1 year"),
];

/// The select's default.
pub const DEFAULT_EXPIRY: &str = "30";

impl Expiry {
    /// Reads the select's value (`7`, `30`, …, `custom`, `never`) and the
    /// custom date (`YYYY-MM-DD`) when it is `custom`.
    pub fn parse(choice: &str, custom_date: &str) -> Result<Self, AppError> {
        match choice.trim() {
            "never" => Ok(Self::Never),
            // The browser's date field shows dates in the reader's own
            // format, so the refusals name no format of their own.
            "custom" if custom_date.trim().is_empty() => Err(AppError::invalid(
                "expires_on",
                "Choose the date the token expires on.",
            )),
            "custom" => parse_date(custom_date).map(Self::Until).ok_or_else(|| {
                AppError::invalid("expires_on", "Enter a real date, such as 2027-01-31.")
            }),
            other => EXPIRY_CHOICES
                .iter()
                .find(|(value, _)| *value == other)
                .and_then(|(value, _)| value.parse().ok())
                .map(Self::Days)
                .ok_or_else(|| AppError::invalid("expiry", "Choose an expiration date.")),
        }
    }

    /// The moment the token stops working, checked against the policy.
    pub fn resolve(self, now: i64, policy: &TokenPolicy) -> Result<Option<i64>, AppError> {
        let max = now + i64::from(policy.max_lifetime_days) * DAY;
        match self {
            Self::Never if policy.allow_non_expiring => Ok(None),
            Self::Never => Err(AppError::invalid(
                "expiry",
                "Tokens must expire on this server: choose an expiration date.",
            )),
            Self::Days(days) if i64::from(days) <= i64::from(policy.max_lifetime_days) => {
                Ok(Some(now + i64::from(days) * DAY))
            }
            Self::Days(_) => Err(AppError::invalid(
                "expiry",
                format!(
                    "Tokens may live at most {} days on this server.",
                    policy.max_lifetime_days
                ),
            )),
            Self::Until(midnight) => {
                // The token works until the end of the chosen day.
                let end = midnight + DAY - 1;
                if end <= now {
                    Err(AppError::invalid(
                        "expires_on",
                        "Choose a date in the future.",
                    ))
                } else if midnight > max {
                    Err(AppError::invalid(
                        "expires_on",
                        format!(
                            "Choose a date at most {} days from today.",
                            policy.max_lifetime_days
                        ),
                    ))
                } else {
                    Ok(Some(end.min(max)))
                }
            }
        }
    }
}

/// `name (ast_…k3Qz)`, or just the mask: how the audit log names a token.
pub fn label(name: &str, prefix: &str, last_four: &str) -> String {
    if name.is_empty() {
        format!("{prefix}_…{last_four}")
    } else {
        format!("{name} ({prefix}_…{last_four})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000;

    fn view(expires_at: Option<i64>, deactivated: bool) -> TokenView {
        TokenView {
            id: 1,
            name: String::new(),
            prefix: "ast".into(),
            last_four: "AbC9".into(),
            created_at: NOW - DAY,
            expires_at,
            deactivated,
            last_used_at: None,
            last_used_ip: None,
            scopes: Scopes::READ,
            platform_scopes: String::new(),
            rotated_at: None,
            recent_ips: Vec::new(),
        }
    }

    #[test]
    fn expiry_days_add_whole_days() {
        let p = TokenPolicy::default();
        let e = Expiry::parse("30", "").unwrap();
        assert_eq!(e.resolve(NOW, &p).unwrap(), Some(NOW + 30 * DAY));
        let e = Expiry::parse("365", "").unwrap();
        assert_eq!(e.resolve(NOW, &p).unwrap(), Some(NOW + 365 * DAY));
    }

    #[test]
    fn expiry_never_needs_operator_permission() {
        let mut p = TokenPolicy::default();
        let e = Expiry::parse("never", "").unwrap();
        assert!(e.resolve(NOW, &p).is_err());
        p.allow_non_expiring = true;
        assert_eq!(e.resolve(NOW, &p).unwrap(), None);
    }

    #[test]
    fn expiry_unknown_choice_is_refused() {
        assert_eq!(Expiry::parse("45", "").unwrap_err().field(), Some("expiry"));
        assert!(Expiry::parse("", "").is_err());
    }

    #[test]
    fn expiry_year_over_policy_is_refused() {
        let p = TokenPolicy {
            max_lifetime_days: 90,
            ..TokenPolicy::default()
        };
        assert!(Expiry::Days(365).resolve(NOW, &p).is_err());
        assert!(Expiry::Days(90).resolve(NOW, &p).is_ok());
    }

    #[test]
    fn expiry_custom_date_ends_with_that_day() {
        let p = TokenPolicy::default();
        let e = Expiry::parse("custom", "2026-10-01").unwrap();
        let midnight = parse_date("2026-10-01").unwrap();
        // NOW is 2026-09-21
        assert_eq!(e.resolve(NOW, &p).unwrap(), Some(midnight + DAY - 1));
    }

    #[test]
    fn expiry_custom_date_in_past_or_too_far_is_refused() {
        let p = TokenPolicy::default();
        assert!(Expiry::parse("custom", "2020-01-01")
            .unwrap()
            .resolve(NOW, &p)
            .is_err());
        assert!(Expiry::parse("custom", "2030-01-01")
            .unwrap()
            .resolve(NOW, &p)
            .is_err());
        assert_eq!(
            Expiry::parse("custom", "01/02/2027").unwrap_err().field(),
            Some("expires_on")
        );
    }

    #[test]
    fn status_expired_wins_over_deactivated() {
        assert_eq!(view(Some(NOW), true).status(NOW), TokenStatus::Expired);
        assert_eq!(
            view(Some(NOW + 1), true).status(NOW),
            TokenStatus::Deactivated
        );
        assert_eq!(view(None, false).status(NOW), TokenStatus::Active);
    }

    #[test]
    fn warning_only_inside_window() {
        assert_eq!(
            view(Some(NOW + 3 * DAY), false).warning(NOW, 7).as_deref(),
            Some("Expires in 3 days")
        );
        assert_eq!(view(Some(NOW + 8 * DAY), false).warning(NOW, 7), None);
        assert_eq!(view(Some(NOW - 1), false).warning(NOW, 7), None);
        assert_eq!(view(None, false).warning(NOW, 7), None);
    }

    #[test]
    fn generated_token_debug_is_redacted() {
        let t = GeneratedToken {
            secret: "ast_secret".into(),
        };
        assert!(!format!("{t:?}").contains("secret\""));
        assert!(!format!("{t:?}").contains("ast_"));
    }

    #[test]
    fn masked_shows_prefix_and_last_four() {
        assert_eq!(view(None, false).masked(), "ast_…AbC9");
    }
}
