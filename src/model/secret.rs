//! Passwords and other secrets (an API token being saved) as
//! server-function arguments: a type whose `Debug` never shows the value, so
//! no log line or panic message can carry one.

use serde::{Deserialize, Serialize};

/// A password, or another secret, typed into a form. Sent as a plain string.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Password(pub String);

impl Password {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password([redacted])")
    }
}

impl From<String> for Password {
    fn from(s: String) -> Self {
        Self(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted_and_serde_is_a_plain_string() {
        let p = Password("hunter2hunter2".into());
        assert!(!format!("{p:?}").contains("hunter2"));
        assert_eq!(serde_json::to_string(&p).unwrap(), "\"hunter2hunter2\"");
        let back: Password = serde_json::from_str("\"x\"").unwrap();
        assert_eq!(back.expose(), "x");
    }
}
