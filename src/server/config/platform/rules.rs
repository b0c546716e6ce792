//! The platform file as the server holds it, and what its rules decide for
//! a request.

use crate::error::AppError;
use crate::model::scope::{PlatformScope, Scope, Scopes};
use crate::server::config::request_path::normalize;

/// What the file says; [`Platform::default`] is no file.
#[derive(Debug, Default)]
pub struct Platform {
    /// Where it was read from, for messages.
    pub path: Option<String>,
    pub scopes: Vec<PlatformScope>,
    pub(super) rules: Vec<Rule>,
    /// `default = "allow-any-scope"`, or no file.
    pub(super) allow_unmatched: bool,
}

#[derive(Debug)]
pub(super) struct Rule {
    pub(super) host: Option<String>,
    pub(super) path: String,
    pub(super) methods: Option<Vec<String>>,
    pub(super) scope: Needed,
}

/// A scope a rule asks for: built in, or one of the file's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Needed {
    BuiltIn(Scope),
    Platform(String),
}

impl Needed {
    pub fn name(&self) -> &str {
        match self {
            Self::BuiltIn(s) => s.as_str(),
            Self::Platform(s) => s,
        }
    }
}

/// What a request needs, by the rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Any valid token.
    AnyToken,
    /// A token with this scope.
    Scope(Needed),
    /// No rule matched and the file refuses such requests.
    NoRule,
}

impl Platform {
    /// Reads the scope names a token is saved with (separated by spaces,
    /// repeats allowed): the built-in ones as a set, the operator's as
    /// they are to be stored. At least one is needed, and an unknown name
    /// is refused naming the known ones.
    pub fn split_scopes(&self, names: &str) -> Result<(Scopes, String), AppError> {
        let mut built_in = Vec::new();
        let mut platform: Vec<&str> = Vec::new();
        for name in names.split_whitespace() {
            if Scope::parse(name).is_some() {
                built_in.push(name);
            } else if let Some(s) = self.scope(name) {
                if !platform.contains(&s.name.as_str()) {
                    platform.push(&s.name);
                }
            } else {
                let mut known = Scopes::ALL.names();
                known.extend(self.scopes.iter().map(|s| s.name.as_str()));
                return Err(AppError::invalid(
                    "scopes",
                    format!(
                        "Unknown scope \"{}\": choose from {}.",
                        name.chars().take(40).collect::<String>(),
                        known.join(", ")
                    ),
                ));
            }
        }
        // Keep the file's order, whatever the form's.
        let platform = self
            .scopes
            .iter()
            .filter(|s| platform.contains(&s.name.as_str()))
            .map(|s| s.name.as_str())
            .collect::<Vec<_>>()
            .join(" ");
        let scopes = if built_in.is_empty() && !platform.is_empty() {
            Scopes::from_bits(0)
        } else {
            Scopes::parse(built_in)?
        };
        Ok((scopes, platform))
    }

    /// Whether a file was given.
    pub fn configured(&self) -> bool {
        self.path.is_some() || !self.rules.is_empty() || !self.scopes.is_empty()
    }

    /// The operator's scope called `name`.
    pub fn scope(&self, name: &str) -> Option<&PlatformScope> {
        self.scopes.iter().find(|s| s.name == name)
    }

    /// What a request to `host` (as sent, port and all) with `method` and
    /// `path` (query string allowed) needs. `None`: a path that cannot be
    /// read safely (it is refused).
    pub fn decide(&self, host: Option<&str>, method: &str, path: &str) -> Option<Decision> {
        let path = normalize(path)?;
        let host = host.map(str::to_ascii_lowercase);
        let bare_host = host.as_deref().map(|h| {
            h.rsplit_once(':')
                .filter(|(_, p)| p.bytes().all(|b| b.is_ascii_digit()))
                .map_or(h, |(h, _)| h)
        });
        let best = self
            .rules
            .iter()
            .filter(|r| match &r.host {
                None => true,
                Some(h) if h.contains(':') => host.as_deref() == Some(h.as_str()),
                Some(h) => bare_host == Some(h.as_str()),
            })
            .filter(|r| {
                r.methods
                    .as_ref()
                    .is_none_or(|m| m.iter().any(|x| x.eq_ignore_ascii_case(method)))
            })
            .filter(|r| under(&path, &r.path))
            // Longest path, then a host, then methods; the first of equals.
            .rev()
            .max_by_key(|r| (r.path.len(), r.host.is_some(), r.methods.is_some()));
        Some(match best {
            Some(rule) => Decision::Scope(rule.scope.clone()),
            None if self.allow_unmatched || !self.configured() => Decision::AnyToken,
            None => Decision::NoRule,
        })
    }
}

/// Whether `path` is `prefix` or below it (at a `/`).
fn under(path: &str, prefix: &str) -> bool {
    path.strip_prefix(prefix)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/') || prefix.ends_with('/'))
}
