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

mod file;
mod rules;

pub use file::{check_scope_name, load, parse};
pub use rules::{Decision, Needed, Platform};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::scope::Scope;

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
