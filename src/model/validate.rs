//! Input rules, written once and called by both the browser and the server.
//! Each check returns the cleaned value or an error naming its field.

use crate::error::AppError;

/// Words that can never be handles: they are, or may become, paths.
pub const RESERVED_HANDLES: &[&str] = &[
    "about",
    "account",
    "accounts",
    "admin",
    "administrator",
    "api",
    "app",
    "assets",
    "audit",
    "auth",
    "billing",
    "blog",
    "dashboard",
    "docs",
    "help",
    "healthz",
    "home",
    "login",
    "logout",
    "me",
    "new",
    "null",
    "official",
    "pkg",
    "postgres",
    "root",
    "security",
    "settings",
    "signin",
    "signout",
    "signup",
    "static",
    "status",
    "support",
    "system",
    "team",
    "tokens",
    "undefined",
    "user",
    "users",
    "www",
];

/// Handles: 3–39 characters of lower-case letters, digits and single
/// hyphens, not at either end, and not a reserved word.
pub fn handle(input: &str) -> Result<String, AppError> {
    let h = input.trim().to_lowercase();
    let err = |m: &str| Err(AppError::invalid("handle", m));
    if h.chars().count() < 3 || h.chars().count() > 39 {
        return err("A handle has 3 to 39 characters.");
    }
    if !h
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return err("A handle may use only letters a–z, digits and hyphens.");
    }
    if h.starts_with('-') || h.ends_with('-') || h.contains("--") {
        return err("Hyphens go between letters or digits, one at a time.");
    }
    if RESERVED_HANDLES.contains(&h.as_str()) {
        return err("That handle is reserved. Choose another.");
    }
    Ok(h)
}

/// Email addresses: at most 254 characters, one `@`, a dotted domain.
pub fn email(input: &str) -> Result<String, AppError> {
    let e = input.trim();
    let err = |m: &str| Err(AppError::invalid("email", m));
    if e.is_empty() {
        return err("Enter an email address.");
    }
    if e.chars().count() > 254 {
        return err("An email address has at most 254 characters.");
    }
    let Some((local, domain)) = e.split_once('@') else {
        return err("Enter an email address like name@example.com.");
    };
    let bad = |c: char| c.is_whitespace() || c.is_control() || c == '@';
    let domain_ok = domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && domain
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '.');
    if local.is_empty() || local.len() > 64 || local.chars().any(bad) || !domain_ok {
        return err("Enter an email address like name@example.com.");
    }
    Ok(e.to_owned())
}

/// Passwords: 12–128 characters. (Whether it is a common one is checked on
/// the server, which holds the list.)
pub fn password(input: &str, field: &str) -> Result<(), AppError> {
    let n = input.chars().count();
    if n < 12 {
        return Err(AppError::invalid(field, "Use at least 12 characters."));
    }
    if n > 128 {
        return Err(AppError::invalid(field, "Use at most 128 characters."));
    }
    Ok(())
}

/// Whether `c` is an invisible formatting character that can make a name
/// show as something else: direction overrides, embeddings and isolates
/// (`\u{202e}` shows what follows backwards), direction marks, zero-width
/// spaces and joiners of words, line and paragraph separators, the
/// byte-order mark, invisible operators, the soft hyphen, the combining
/// grapheme joiner, Hangul and Khmer fillers and tag characters. The zero-width joiner and non-joiner
/// stay allowed: some scripts and emoji need them.
pub fn is_invisible_format(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180e}'
            | '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206f}'
            | '\u{3164}'
            | '\u{feff}'
            | '\u{ffa0}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e0000}'..='\u{e007f}'
    )
}

/// A short free text (names): trimmed, at most `max` characters, no control
/// or invisible formatting characters; empty only when `required` is false.
pub fn text(input: &str, field: &str, label: &str, required: bool) -> Result<String, AppError> {
    const MAX: usize = 100;
    let t = input.trim();
    if t.is_empty() && required {
        return Err(AppError::invalid(field, format!("Enter a {label}.")));
    }
    // Counted as sent, spaces and all (the forms cannot send more).
    if input.chars().count() > MAX {
        return Err(AppError::invalid(
            field,
            format!("The {label} has at most {MAX} characters."),
        ));
    }
    if t.chars().any(|c| c.is_control() || is_invisible_format(c)) {
        return Err(AppError::invalid(
            field,
            format!("The {label} cannot contain control or invisible formatting characters."),
        ));
    }
    Ok(t.to_owned())
}

/// An avatar address: https, at most 2048 characters, no spaces or control
/// characters; empty means none. The server never fetches it.
pub fn avatar_url(input: &str) -> Result<Option<String>, AppError> {
    let url = input.trim();
    if url.is_empty() && input.chars().count() <= 2048 {
        return Ok(None);
    }
    let rest = url.strip_prefix("https://").unwrap_or("");
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty()
        || input.chars().count() > 2048
        || url
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '"')
    {
        return Err(AppError::invalid(
            "avatar_url",
            "Use an https:// address of at most 2048 characters.",
        ));
    }
    Ok(Some(url.to_owned()))
}

/// The profile's three names, each required: trimmed, 1–100 characters.
pub fn names(first: &str, last: &str, display: &str) -> Result<[String; 3], AppError> {
    let [f, l, d] = NAMES;
    Ok([
        text(first, f.0, f.1, true)?,
        text(last, l.0, l.1, true)?,
        text(display, d.0, d.1, true)?,
    ])
}

/// The three names of a profile (first, last, display): field and label.
pub const NAMES: [(&str, &str); 3] = [
    ("first_name", "first name"),
    ("last_name", "last name"),
    ("display_name", "display name"),
];

/// The labels of the names that differ between `before` and `after`, for
/// the audit log ("first name, display name"); every form and the API say
/// it the same way.
pub fn changed_names(before: [&str; 3], after: [&str; 3]) -> Vec<&'static str> {
    NAMES
        .iter()
        .zip(before.iter().zip(after))
        .filter(|(_, (b, a))| *b != a)
        .map(|((_, label), _)| *label)
        .collect()
}

/// An optional token name.
pub fn token_name(input: &str) -> Result<String, AppError> {
    text(input, "name", "token name", false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_with_invisible_formatting_are_refused() {
        for bad in [
            "Ada\u{202e}ecalevol",
            "\u{2066}Ada\u{2069}",
            "A\u{200b}da",
            "Ada\u{feff}",
            "Ada\u{e0041}",
            "Ad\u{00ad}a",
            "Ada\u{200f}",
            "\u{3164}",
            "Ada\u{2028}Lovelace",
        ] {
            let e = text(bad, "first_name", "first name", true).unwrap_err();
            assert_eq!(e.field(), Some("first_name"), "{bad:?}");
        }
        // Scripts and emoji that need the joiners keep them.
        for good in [
            "\u{0645}\u{06cc}\u{200c}\u{062e}\u{0648}\u{0627}\u{0647}\u{0645}",
            "Ada \u{1f469}\u{200d}\u{1f4bb}",
            "Zoë Łukasz",
        ] {
            assert_eq!(text(good, "first_name", "first name", true).unwrap(), good);
        }
    }

    #[test]
    fn changed_names_lists_only_what_differs() {
        assert_eq!(
            changed_names(["A", "B", "C"], ["A", "b", "C"]),
            vec!["last name"]
        );
        assert!(changed_names(["A", "B", "C"], ["A", "B", "C"]).is_empty());
        assert_eq!(
            changed_names(["A", "B", "C"], ["a", "B", "c"]),
            vec!["first name", "display name"]
        );
    }

    #[test]
    fn handle_accepts_lowercase_digits_hyphens() {
        assert_eq!(handle("Ada-99").unwrap(), "ada-99");
        assert_eq!(handle(" abc ").unwrap(), "abc");
        assert!(handle(&"a".repeat(39)).is_ok());
    }

    #[test]
    fn handle_rejects_bad_shapes() {
        for bad in [
            "ab",
            &"a".repeat(40),
            "-abc",
            "abc-",
            "a--b",
            "a_b",
            "a b",
            "ädam",
            "",
        ] {
            assert_eq!(handle(bad).unwrap_err().field(), Some("handle"), "{bad}");
        }
    }

    #[test]
    fn handle_rejects_reserved_words() {
        for word in ["admin", "API", "settings", "login"] {
            assert!(handle(word).is_err(), "{word}");
        }
    }

    #[test]
    fn email_checks_shape_and_length() {
        assert_eq!(email(" Ada@Example.com ").unwrap(), "Ada@Example.com");
        for bad in [
            "", "ada", "ada@", "@x.io", "a b@x.io", "a@x", "a@.x.io", "a@x..io", "a@b@x.io",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        let long = format!("{}@{}.com", "a".repeat(60), "b".repeat(200));
        assert!(email(&long).is_err());
    }

    #[test]
    fn password_length_bounds() {
        assert!(password("short", "password").is_err());
        assert!(password(&"x".repeat(12), "password").is_ok());
        assert!(password(&"x".repeat(128), "password").is_ok());
        assert!(password(&"x".repeat(129), "password").is_err());
    }

    #[test]
    fn avatar_url_must_be_https() {
        assert_eq!(avatar_url(" ").unwrap(), None);
        assert_eq!(
            avatar_url("https://img.example.com/a.png")
                .unwrap()
                .as_deref(),
            Some("https://img.example.com/a.png")
        );
        for bad in [
            "http://x.io/a.png",
            "https://",
            "https:///a.png",
            "javascript:alert(1)",
            "https://x.io/a b.png",
            &format!("https://x.io/{}", "a".repeat(2048)),
        ] {
            assert_eq!(
                avatar_url(bad).unwrap_err().field(),
                Some("avatar_url"),
                "{bad}"
            );
        }
    }

    #[test]
    fn names_are_each_required() {
        assert!(names("Ada", "Lovelace", "Ada L.").is_ok());
        assert_eq!(names("", "L", "D").unwrap_err().field(), Some("first_name"));
        assert_eq!(names("A", " ", "D").unwrap_err().field(), Some("last_name"));
        assert_eq!(
            names("A", "L", "\u{7}").unwrap_err().field(),
            Some("display_name")
        );
    }

    #[test]
    fn text_trims_and_limits() {
        assert_eq!(token_name("  ci deploy ").unwrap(), "ci deploy");
        assert_eq!(token_name("").unwrap(), "");
        assert!(token_name(&"x".repeat(101)).is_err());
        assert!(token_name("tab\there").is_err());
        assert!(text("", "first_name", "first name", true).is_err());
    }
}
