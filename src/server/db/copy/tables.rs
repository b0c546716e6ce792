//! The tables `db copy` moves, parents before children, with each
//! column's kind.

/// What a column holds.
#[derive(Clone, Copy)]
pub(super) enum Kind {
    Int,
    Text,
    Flag,
    Bytes,
}

use Kind::{Bytes, Flag, Int, Text};

/// A table: its name, the key it is read in the order of, its columns.
pub(super) type Table = (&'static str, &'static str, &'static [(&'static str, Kind)]);

/// Every table, parents before children.
pub(super) const TABLES: &[Table] = &[
    (
        "users",
        "id",
        &[
            ("id", Int),
            ("handle", Text),
            ("email", Text),
            ("password_hash", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("display_name", Text),
            ("avatar_url", Text),
            ("is_admin", Flag),
            ("disabled", Flag),
            ("created_at", Int),
            ("updated_at", Int),
            ("avatar_file", Text),
            ("db_password_enc", Bytes),
            ("db_password_key", Text),
            ("email_verified", Flag),
            ("mail_off", Int),
        ],
    ),
    (
        "sessions",
        "id",
        &[
            ("id", Int),
            ("secret_hash", Bytes),
            ("user_id", Int),
            ("created_at", Int),
            ("last_seen_at", Int),
            ("expires_at", Int),
            ("ip", Text),
            ("user_agent", Text),
        ],
    ),
    (
        "api_tokens",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("token_hash", Bytes),
            ("prefix", Text),
            ("last_four", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("deactivated_at", Int),
            ("last_used_at", Int),
            ("last_used_ip", Text),
            ("scopes", Int),
            ("rotated_at", Int),
            ("reminded", Int),
            ("new_ip_noticed_at", Int),
            ("rate_window", Int),
            ("rate_used", Int),
            ("platform_scopes", Text),
        ],
    ),
    (
        "retired_token_secrets",
        "token_hash",
        &[
            ("token_hash", Bytes),
            ("token_id", Int),
            ("last_four", Text),
            ("valid_until", Int),
        ],
    ),
    (
        "token_ips",
        "token_id, ip",
        &[
            ("token_id", Int),
            ("ip", Text),
            ("first_seen_at", Int),
            ("last_seen_at", Int),
            ("checked", Flag),
        ],
    ),
    (
        "pending_tokens",
        "session_id",
        &[
            ("session_id", Int),
            ("token_hash", Bytes),
            ("created_at", Int),
        ],
    ),
    (
        "audit_events",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("created_at", Int),
            ("action", Text),
            ("token_id", Int),
            ("token_label", Text),
            ("method", Text),
            ("host", Text),
            ("path", Text),
            ("status", Int),
            ("ip", Text),
            ("user_agent", Text),
            ("detail", Text),
        ],
    ),
    (
        "retired_handles",
        "handle",
        &[
            ("handle", Text),
            ("user_id", Int),
            ("retired_at", Int),
            ("until", Int),
        ],
    ),
    (
        "avatars",
        "name",
        &[
            ("name", Text),
            ("user_id", Int),
            ("png", Bytes),
            ("created_at", Int),
        ],
    ),
    (
        "key_check",
        "name",
        &[
            ("name", Text),
            ("sealed", Bytes),
            ("created_at", Int),
            ("key_id", Text),
        ],
    ),
    (
        "notices",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("to_addr", Text),
            ("data", Text),
            ("link_sealed", Bytes),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("claimed_until", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("sent_at", Int),
            ("read_at", Int),
        ],
    ),
    (
        "account_links",
        "token_hash",
        &[
            ("token_hash", Bytes),
            ("user_id", Int),
            ("purpose", Text),
            ("email", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
        ],
    ),
    (
        "signup_links",
        "token_hash",
        &[
            ("token_hash", Bytes),
            ("handle", Text),
            ("email", Text),
            ("password_hash", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
        ],
    ),
    (
        "rate_limits",
        "key",
        &[("key", Bytes), ("window_start", Int), ("failures", Int)],
    ),
    (
        "services",
        "id",
        &[
            ("id", Int),
            ("name", Text),
            ("client_id", Text),
            ("secret_hash", Bytes),
            ("created_at", Int),
            ("created_by", Int),
            ("revoked_at", Int),
            ("last_used_at", Int),
        ],
    ),
];
