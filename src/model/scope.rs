//! What a token may do: its scopes.
//!
//! Stored as a set of bits (see migration 0009); shown and sent as names
//! (`user:read`). Every API route names the one scope it needs.

use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// One permission a token can carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    UserRead,
    UserWrite,
    TokensRead,
    TokensWrite,
    AuditRead,
}

impl Scope {
    /// Every scope, in the order the pages list them.
    pub const ALL: [Scope; 5] = [
        Scope::UserRead,
        Scope::UserWrite,
        Scope::TokensRead,
        Scope::TokensWrite,
        Scope::AuditRead,
    ];

    /// `user:read`: the name on the page, in the API and in the CLI.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::UserRead => "user:read",
            Self::UserWrite => "user:write",
            Self::TokensRead => "tokens:read",
            Self::TokensWrite => "tokens:write",
            Self::AuditRead => "audit:read",
        }
    }

    /// What the scope allows, in a few words (beside its checkbox).
    pub fn describe(self) -> &'static str {
        match self {
            Self::UserRead => "Read your profile",
            Self::UserWrite => "Change your names and avatar",
            Self::TokensRead => "List your tokens and where they were used",
            Self::TokensWrite => "Delete and regenerate your tokens",
            Self::AuditRead => "Read your audit log",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }

    fn bit(self) -> i64 {
        1 << (self as u32)
    }
}

/// A scope the operator's platform defines (`PLATFORM_CONFIG`), offered
/// in the token form beside the built-in ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlatformScope {
    pub name: String,
    pub description: String,
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scopes(i64);

impl Scopes {
    /// Every scope: tokens made before scopes existed, and the CLI's default.
    pub const ALL: Scopes = Scopes(0b11111);
    /// A new token's default: everything it can read.
    pub const READ: Scopes = Scopes(0b10101);

    /// The set stored as `bits`; unknown bits are dropped.
    pub fn from_bits(bits: i64) -> Self {
        Self(bits & Self::ALL.0)
    }

    pub fn bits(self) -> i64 {
        self.0
    }

    pub fn contains(self, scope: Scope) -> bool {
        self.0 & scope.bit() != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The scopes in the set, in [`Scope::ALL`]'s order.
    pub fn iter(self) -> impl Iterator<Item = Scope> {
        Scope::ALL.into_iter().filter(move |s| self.contains(*s))
    }

    pub fn names(self) -> Vec<&'static str> {
        self.iter().map(Scope::as_str).collect()
    }

    /// Reads scope names (repeats allowed). At least one is needed, and an
    /// unknown name is refused naming the known ones.
    pub fn parse<'a>(names: impl IntoIterator<Item = &'a str>) -> Result<Self, AppError> {
        let mut bits = 0;
        for name in names.into_iter().map(str::trim).filter(|n| !n.is_empty()) {
            let scope = Scope::parse(name).ok_or_else(|| {
                AppError::invalid(
                    "scopes",
                    format!(
                        "Unknown scope \"{}\": choose from {}.",
                        name.chars().take(40).collect::<String>(),
                        Self::ALL.names().join(", ")
                    ),
                )
            })?;
            bits |= scope.bit();
        }
        if bits == 0 {
            return Err(AppError::invalid("scopes", "Choose at least one scope."));
        }
        Ok(Self(bits))
    }
}

impl From<i64> for Scopes {
    fn from(bits: i64) -> Self {
        Self::from_bits(bits)
    }
}

impl FromIterator<Scope> for Scopes {
    fn from_iter<I: IntoIterator<Item = Scope>>(iter: I) -> Self {
        Self(iter.into_iter().fold(0, |bits, s| bits | s.bit()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bits_match_the_migration() {
        // migrations/*/0009: 1 user:read, 2 user:write, 4 tokens:read,
        // 8 tokens:write, 16 audit:read; 31 for tokens made before.
        let bits: Vec<i64> = Scope::ALL.iter().map(|s| s.bit()).collect();
        assert_eq!(bits, [1, 2, 4, 8, 16]);
        assert_eq!(Scopes::ALL.bits(), 31);
        assert_eq!(
            Scopes::READ.names(),
            ["user:read", "tokens:read", "audit:read"]
        );
    }

    #[test]
    fn parse_names_repeats_and_spaces() {
        let s = Scopes::parse(["user:write", " audit:read ", "user:write"]).unwrap();
        assert_eq!(s.names(), ["user:write", "audit:read"]);
        assert!(s.contains(Scope::AuditRead) && !s.contains(Scope::UserRead));
    }

    #[test]
    fn parse_unknown_scope_names_the_valid_ones() {
        let e = Scopes::parse(["user:read", "admin"]).unwrap_err();
        assert_eq!(e.field(), Some("scopes"));
        let text = e.to_string();
        assert!(text.contains("\"admin\""), "{text}");
        assert!(text.contains("tokens:write"), "{text}");
    }

    #[test]
    fn parse_nothing_is_refused() {
        assert!(Scopes::parse([]).is_err());
        assert!(Scopes::parse(["", " "]).is_err());
    }

    #[test]
    fn from_bits_drops_unknown_bits() {
        assert_eq!(Scopes::from_bits(0b1_00001).names(), ["user:read"]);
    }
}
