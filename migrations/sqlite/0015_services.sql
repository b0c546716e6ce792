-- The platform's services that introspect tokens (POST /oauth/introspect,
-- RFC 7662), each with a credential: its client id and the SHA-256 of its
-- secret (shown once, when it is made). Revoked services stay listed.
CREATE TABLE services (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    name         TEXT    NOT NULL UNIQUE,
    client_id    TEXT    NOT NULL UNIQUE,
    secret_hash  BLOB    NOT NULL,
    created_at   INTEGER NOT NULL,
    -- The administrator who made it; NULL: the command line (or since deleted).
    created_by   INTEGER REFERENCES users (id) ON DELETE SET NULL,
    revoked_at   INTEGER,
    last_used_at INTEGER
);
