//! The values of settings that are more than a number or a word: secrets
//! (whose `Debug` hides them), the database URL, the token prefix, the
//! public URL and the trusted proxies, each with the parser that refuses a
//! bad one in words.

use std::net::IpAddr;

use ipnet::IpNet;

/// `DATABASE_URL`: may hold a password, so its `Debug` shows the URL with
/// the password replaced.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DatabaseUrl({})", crate::server::db::redact_url(&self.0))
    }
}

pub(super) fn parse_database_url(s: &str) -> Result<DatabaseUrl, String> {
    Ok(DatabaseUrl(s.trim().to_owned()))
}

/// A configured secret: never printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl From<&str> for Secret {
    fn from(s: &str) -> Self {
        Self(s.to_owned())
    }
}

pub fn parse_secret(s: &str) -> Result<Secret, String> {
    Ok(Secret(s.trim().to_owned()))
}

pub(super) fn parse_proxy_secret(s: &str) -> Result<Secret, String> {
    let s = s.trim();
    if s.len() < 32 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("use at least 32 characters without spaces".to_owned());
    }
    Ok(Secret(s.to_owned()))
}

pub(super) fn parse_prefix(s: &str) -> Result<String, String> {
    let ok = (1..=12).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
    if ok {
        Ok(s.to_owned())
    } else {
        Err("use 1 to 12 lower-case letters or digits".to_owned())
    }
}

pub(super) fn parse_public_url(s: &str) -> Result<String, String> {
    let s = s.trim_end_matches('/');
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"))
        .ok_or("must start with http:// or https://")?;
    if rest.is_empty() || rest.contains('/') {
        return Err("must be an origin like https://accounts.example.com, without a path".into());
    }
    Ok(s.to_owned())
}

/// The parsed `TRUSTED_PROXIES`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<ipnet::IpNet>);

pub(super) fn parse_trusted_proxies(s: &str) -> Result<TrustedProxies, String> {
    parse_trusted(s).map(TrustedProxies)
}

/// Parses `TRUSTED_PROXIES`: comma-separated addresses or CIDR ranges.
pub fn parse_trusted(list: &str) -> Result<Vec<IpNet>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<IpNet>()
                .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_show_in_debug() {
        let s = parse_proxy_secret(&"s3cr3t".repeat(8)).unwrap();
        assert!(!format!("{s:?}").contains("s3cr3t"));
        let url = parse_database_url("postgres://app:s3cr3t@db/x").unwrap();
        assert_eq!(format!("{url:?}"), "DatabaseUrl(postgres://app:***@db/x)");
        assert!(parse_proxy_secret("short").is_err());
    }

    #[test]
    fn prefix_must_be_short_lowercase() {
        assert!(parse_prefix("ast").is_ok());
        assert!(parse_prefix("AST").is_err());
        assert!(parse_prefix("a_b").is_err());
        assert!(parse_prefix("").is_err());
    }

    #[test]
    fn public_url_is_an_origin() {
        assert_eq!(parse_public_url("https://x.io/").unwrap(), "https://x.io");
        assert!(parse_public_url("x.io").is_err());
        assert!(parse_public_url("https://x.io/app").is_err());
    }
}
