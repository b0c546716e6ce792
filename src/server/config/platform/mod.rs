//! The operator's platform file, `PLATFORM_CONFIG` (SPEC §13): the scopes
//! their services define, and which scope each of their requests needs at
//! `/auth/verify`.
//!
//! ```toml
//! default = "refuse"            # or "allow-any-scope"
//!
//! [[scope]]
//! name = "things:read"
//! description = "Read the things"
//!
//! [[rule]]
//! host = "api.example.com"      # optional: any host
//! path = "/v1/things"           # a prefix, at a segment boundary
//! methods = ["GET", "HEAD"]     # optional: any method
//! scope = "things:read"         # one of the above, or a built-in scope
//! ```
//!
//! The longest matching path wins (then a rule naming the host, then one
//! naming methods, then the first in the file). A request no rule matches
//! is refused unless `default = "allow-any-scope"`. Without the file there
//! are no rules, and any valid token passes. The file is read at start-up:
//! a change takes a restart, and a bad file stops start-up naming its line.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

pub use super::request_path::normalize;
use crate::error::AppError;
use crate::model::scope::{PlatformScope, Scope, Scopes};

/// What the file says; [`Platform::default`] is no file.
#[derive(Debug, Default)]
pub struct Platform {
    /// Where it was read from, for messages.
    pub path: Option<String>,
    pub scopes: Vec<PlatformScope>,
    rules: Vec<Rule>,
    /// `default = "allow-any-scope"`, or no file.
    allow_unmatched: bool,
}

#[derive(Debug)]
struct Rule {
    host: Option<String>,
    path: String,
    methods: Option<Vec<String>>,
    scope: Needed,
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

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    default: Option<Spanned<String>>,
    #[serde(default)]
    scope: Vec<Spanned<ScopeEntry>>,
    #[serde(default)]
    rule: Vec<Spanned<RuleEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScopeEntry {
    name: Spanned<String>,
    description: Spanned<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleEntry {
    host: Option<Spanned<String>>,
    path: Spanned<String>,
    methods: Option<Spanned<Vec<String>>>,
    scope: Spanned<String>,
}

/// `PLATFORM_CONFIG`'s parser: reads and checks the file.
pub fn load(path: &str) -> Result<Arc<Platform>, String> {
    let text =
        std::fs::read_to_string(Path::new(path)).map_err(|e| format!("cannot read {path}: {e}"))?;
    parse(&text)
        .map(|mut p| {
            p.path = Some(path.to_owned());
            Arc::new(p)
        })
        .map_err(|e| format!("{path}: {e}"))
}

/// The line (from 1) that byte `at` of `text` is on.
fn line_of(text: &str, at: usize) -> usize {
    text.as_bytes()[..at.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

/// Checks the text of a platform file: the error says which line is wrong
/// and why.
pub fn parse(text: &str) -> Result<Platform, String> {
    let file: File = toml::from_str(text).map_err(|e| match e.span() {
        Some(span) => format!("line {}: {}", line_of(text, span.start), e.message()),
        None => e.message().to_owned(),
    })?;
    let at = |span: std::ops::Range<usize>, why: String| {
        format!("line {}: {why}", line_of(text, span.start))
    };
    let allow_unmatched = match &file.default {
        None => false,
        Some(d) => match d.get_ref().as_str() {
            "refuse" => false,
            "allow-any-scope" => true,
            other => {
                return Err(at(
                    d.span(),
                    format!("default is \"refuse\" or \"allow-any-scope\", not {other:?}"),
                ))
            }
        },
    };
    let mut scopes: Vec<PlatformScope> = Vec::new();
    for entry in &file.scope {
        let name = entry.get_ref().name.get_ref().trim();
        let description = entry.get_ref().description.get_ref().trim();
        let span = entry.get_ref().name.span();
        if let Err(why) = check_scope_name(name) {
            return Err(at(span, why));
        }
        if Scope::parse(name).is_some() {
            return Err(at(span, format!("{name:?} is a built-in scope already")));
        }
        if scopes.iter().any(|s| s.name == name) {
            return Err(at(span, format!("the scope {name:?} is defined twice")));
        }
        if description.is_empty() || description.chars().count() > 200 {
            return Err(at(
                entry.get_ref().description.span(),
                "a scope's description has 1 to 200 characters".to_owned(),
            ));
        }
        scopes.push(PlatformScope {
            name: name.to_owned(),
            description: description.to_owned(),
        });
    }
    let mut rules = Vec::new();
    for entry in &file.rule {
        let r = entry.get_ref();
        let path = r.path.get_ref().trim();
        if !path.starts_with('/') || path.contains(['?', '#']) || path.contains(char::is_whitespace)
        {
            return Err(at(
                r.path.span(),
                format!(
                    "a rule's path starts with / and has no query, fragment or spaces: {path:?}"
                ),
            ));
        }
        let host = match &r.host {
            None => None,
            Some(h) => {
                let host = h.get_ref().trim().to_ascii_lowercase();
                if host.is_empty() || host.contains(['/', ' ']) {
                    return Err(at(h.span(), format!("{host:?} is not a host name")));
                }
                Some(host)
            }
        };
        let methods = match &r.methods {
            None => None,
            Some(m) => {
                let list: Vec<String> = m
                    .get_ref()
                    .iter()
                    .map(|x| x.trim().to_ascii_uppercase())
                    .collect();
                if list.is_empty()
                    || list
                        .iter()
                        .any(|x| x.is_empty() || !x.bytes().all(|b| b.is_ascii_uppercase()))
                {
                    return Err(at(
                        m.span(),
                        "methods is a list of HTTP methods such as [\"GET\", \"POST\"]".to_owned(),
                    ));
                }
                Some(list)
            }
        };
        let wanted = r.scope.get_ref().trim();
        let scope = match Scope::parse(wanted) {
            Some(s) => Needed::BuiltIn(s),
            None if scopes.iter().any(|s| s.name == wanted) => Needed::Platform(wanted.to_owned()),
            None => {
                return Err(at(
                    r.scope.span(),
                    format!(
                    "the rule's scope {wanted:?} is neither built in nor a [[scope]] of this file"
                ),
                ))
            }
        };
        rules.push(Rule {
            host,
            path: normalize(path).unwrap_or_else(|| path.to_owned()),
            methods,
            scope,
        });
    }
    Ok(Platform {
        path: None,
        scopes,
        rules,
        allow_unmatched,
    })
}

/// A scope name of the operator's: 1 to 64 of `a-z 0-9 : . _ -`, starting
/// with a letter or digit.
pub fn check_scope_name(name: &str) -> Result<(), String> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name.as_bytes()[0].is_ascii_alphanumeric()
        && name.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b':' | b'.' | b'_' | b'-')
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "a scope's name has 1 to 64 of a-z, 0-9, ':', '.', '_' and '-', starting with a letter or digit: {name:?}"
        ))
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = r#"
[[scope]]
name = "things:read"
description = "Read the things"

[[scope]]
name = "things:write"
description = "Change the things"

[[rule]]
path = "/v1/things"
scope = "things:read"

[[rule]]
path = "/v1/things"
methods = ["POST", "delete"]
scope = "things:write"

[[rule]]
host = "admin.example.com"
path = "/"
scope = "user:write"
"#;

    fn scope(name: &str) -> Option<Decision> {
        Some(Decision::Scope(match Scope::parse(name) {
            Some(s) => Needed::BuiltIn(s),
            None => Needed::Platform(name.to_owned()),
        }))
    }

    #[test]
    fn the_longest_prefix_then_host_then_methods_wins() {
        let p = parse(FILE).unwrap();
        assert_eq!(p.scopes.len(), 2);
        let h = Some("api.example.com:8443");
        assert_eq!(p.decide(h, "GET", "/v1/things/9?x=1"), scope("things:read"));
        assert_eq!(p.decide(h, "DELETE", "/v1/things/9"), scope("things:write"));
        assert_eq!(p.decide(h, "GET", "/v1/things"), scope("things:read"));
        // A segment boundary: /v1/thingsX is not under /v1/things.
        assert_eq!(p.decide(h, "GET", "/v1/thingsX"), Some(Decision::NoRule));
        assert_eq!(p.decide(h, "GET", "/v2"), Some(Decision::NoRule));
        assert_eq!(
            p.decide(Some("ADMIN.example.com"), "GET", "/anything"),
            scope("user:write")
        );
    }

    #[test]
    fn paths_are_read_as_the_service_reads_them() {
        let p = parse(FILE).unwrap();
        let h = Some("api.example.com");
        assert_eq!(
            p.decide(h, "GET", "/v1/other/../things/1"),
            scope("things:read")
        );
        assert_eq!(p.decide(h, "GET", "/v1//thing%73/1"), scope("things:read"));
        assert_eq!(
            p.decide(h, "GET", "/v1/things/..%2F..%2Fv2"),
            Some(Decision::NoRule)
        );
        assert_eq!(p.decide(h, "GET", "/v1/%ZZ"), None);
        assert_eq!(p.decide(h, "GET", "/v1/a%00"), None);
        assert_eq!(p.decide(h, "GET", "v1/things"), None);
    }

    #[test]
    fn unmatched_requests_follow_the_default() {
        let p = parse(
            "default = \"allow-any-scope\"\n[[rule]]\npath = \"/x\"\nscope = \"user:read\"\n",
        )
        .unwrap();
        assert_eq!(p.decide(None, "GET", "/y"), Some(Decision::AnyToken));
        assert_eq!(
            Platform::default().decide(None, "GET", "/y"),
            Some(Decision::AnyToken)
        );
    }

    #[test]
    fn a_bad_file_names_its_line() {
        let cases = [
            ("default = \"maybe\"\n", "line 1"),
            ("\n\n[[rule]]\npath = \"/x\"\nscope = \"nope\"\n", "line 5"),
            (
                "[[scope]]\nname = \"Bad Name\"\ndescription = \"d\"\n",
                "line 2",
            ),
            (
                "[[scope]]\nname = \"user:read\"\ndescription = \"d\"\n",
                "built-in",
            ),
            ("[[rule]]\npath = \"x\"\nscope = \"user:read\"\n", "line 2"),
            (
                "[[rule]]\npath = \"/x\"\nscope = \"user:read\"\ncolour = 1\n",
                "line 4",
            ),
            ("[[rule]\n", "line 1"),
            (
                "[[rule]]\npath = \"/x\"\nmethods = []\nscope = \"user:read\"\n",
                "line 3",
            ),
        ];
        for (text, wanted) in cases {
            let e = parse(text).unwrap_err();
            assert!(e.contains(wanted), "{text:?}: {e}");
        }
    }
}
