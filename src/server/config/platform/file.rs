//! Reading the platform file: its TOML, checked entry by entry, each error
//! naming its line.

use std::path::Path;
use std::sync::Arc;

use serde::Deserialize;
use toml::Spanned;

use super::rules::{Needed, Platform, Rule};
use crate::model::scope::{PlatformScope, Scope};
use crate::server::config::request_path::normalize;

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
