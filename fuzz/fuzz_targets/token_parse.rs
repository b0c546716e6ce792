//! Any text offered as a bearer token: parsing never panics, and what it
//! accepts has the one shape a token has and survives a second parse.
#![no_main]

use account_settings::server::kernel::token_secret::PlainToken;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for prefix in ["ast", "x", ""] {
        if let Some(token) = PlainToken::parse(text, prefix) {
            assert_eq!(token.expose(), text);
            assert_eq!(text.len(), prefix.len() + 1 + 36, "{text:?}");
            assert!(text.starts_with(prefix) && text[prefix.len()..].starts_with('_'));
            assert!(text[prefix.len() + 1..]
                .bytes()
                .all(|b| b.is_ascii_alphanumeric()));
            assert_eq!(token.last_four(), &text[text.len() - 4..]);
            assert!(PlainToken::parse(token.expose(), prefix).is_some());
            // One character changed is refused (the checksum sees it).
            let mut changed = text.as_bytes().to_vec();
            let i = text.len() - 1 - (data.len() % 36);
            changed[i] = if changed[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(changed).unwrap();
            if changed != text {
                assert!(PlainToken::parse(&changed, prefix).is_none(), "{changed:?}");
            }
        }
    }
});
