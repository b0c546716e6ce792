//! Every validator of what people type, fed the same text: none panics,
//! and what each accepts keeps its rule and is accepted again unchanged.
#![no_main]

use account_settings::model::{scope::Scopes, time, token::Expiry, validate};
use libfuzzer_sys::fuzz_target;

fn no_control(s: &str) -> bool {
    !s.chars().any(char::is_control)
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(h) = validate::handle(text) {
        assert!((3..=39).contains(&h.len()), "{h:?}");
        assert!(h
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'));
        assert_eq!(validate::handle(&h).as_ref().ok(), Some(&h));
    }
    if let Ok(e) = validate::email(text) {
        assert!(
            e.contains('@') && e.chars().count() <= 254 && no_control(&e),
            "{e:?}"
        );
        assert_eq!(validate::email(&e).as_ref().ok(), Some(&e));
    }
    if validate::password(text, "password").is_ok() {
        assert!((12..=128).contains(&text.chars().count()), "{text:?}");
    }
    if let Ok(t) = validate::text(text, "first_name", "first name", true) {
        assert!(!t.is_empty() && t.chars().count() <= 100 && no_control(&t));
        assert_eq!(t, t.trim());
    }
    if let Ok(n) = validate::token_name(text) {
        assert!(n.chars().count() <= 100 && no_control(&n), "{n:?}");
    }
    if let Ok(Some(u)) = validate::avatar_url(text) {
        assert!(
            u.starts_with("https://") && u.chars().count() <= 2048,
            "{u:?}"
        );
        assert!(!u.chars().any(char::is_whitespace) && no_control(&u));
    }
    // Three names from one input, split where the input says.
    let mut parts = text.splitn(3, '\n');
    let (a, b, c) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    if let Ok(names) = validate::names(a, b, c) {
        assert!(names
            .iter()
            .all(|n| no_control(n) && n.chars().count() <= 100));
    }
    let _ = Scopes::parse(text.split(' '));
    let _ = Expiry::parse(a, b);
    if let Some(day) = time::parse_date(text) {
        assert_eq!(day.rem_euclid(86_400), 0, "midnight UTC: {text:?}");
    }
});
