//! Any query string sent to `GET /api/v1/audit-log`: read as the server
//! reads it (the form decoding axum's `Query` uses, then the parameters'
//! rules), it never panics, and what it accepts asks for 1 to 200 events.
#![no_main]

use account_settings::server::rest::audit::AuditParams;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(params) = serde_urlencoded::from_bytes::<AuditParams>(data) else {
        return;
    };
    let (cursor, action) = (params.cursor.clone(), params.action.clone());
    if let Ok((query, limit)) = params.read() {
        assert!((1..=200).contains(&limit));
        assert_eq!(query.before, cursor.map(|c| c.parse::<i64>().unwrap()));
        assert_eq!(Some(query.action.clone()).filter(|a| !a.is_empty()), action);
    }
});
