//! The platform's services that ask `POST /oauth/introspect` about tokens
//! (SPEC §13), as the administrators' **Services** list shows them.

use serde::{Deserialize, Serialize};

/// A service and its credential's standing (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct ServiceView {
    pub id: i64,
    pub name: String,
    /// The user name of its HTTP Basic credential.
    pub client_id: String,
    pub created_at: i64,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// A service just made, with the secret shown this once.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedService {
    pub service: ServiceView,
    pub secret: String,
}

impl std::fmt::Debug for CreatedService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedService")
            .field("service", &self.service)
            .field("secret", &"[redacted]")
            .finish()
    }
}

/// A service's name: 1 to 64 of `a-z 0-9 - _ .`, starting with a letter or
/// digit (it names the service in the audit log and the command line).
pub fn check_name(name: &str) -> Result<String, crate::error::AppError> {
    let name = name.trim();
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        });
    if ok {
        Ok(name.to_owned())
    } else {
        Err(crate::error::AppError::invalid(
            "name",
            "Use 1 to 64 lower-case letters, digits, '-', '_' or '.', starting with a letter or digit.",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_a_redacted_debug() {
        assert_eq!(check_name(" billing-api ").unwrap(), "billing-api");
        assert!(check_name("Billing").is_err());
        assert!(check_name("-x").is_err());
        assert!(check_name("").is_err());
        let c = CreatedService {
            service: ServiceView {
                id: 1,
                name: "b".into(),
                client_id: "svc_x".into(),
                created_at: 0,
                revoked_at: None,
                last_used_at: None,
            },
            secret: "topsecretvalue".into(),
        };
        assert!(!format!("{c:?}").contains("topsecretvalue"));
    }
}
