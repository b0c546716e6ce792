-- Account Settings: the initial schema.
-- Timestamps are whole seconds since the Unix epoch, UTC (INTEGER), so that
-- comparisons and cursors are plain integer comparisons on every database.

-- One row per account. Handles are stored lower-case; e-mail addresses are
-- kept as typed but unique ignoring case.
CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    handle        TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    -- argon2id PHC string; never leaves the server.
    password_hash TEXT    NOT NULL,
    first_name    TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL DEFAULT '',
    display_name  TEXT    NOT NULL DEFAULT '',
    avatar_url    TEXT,
    is_admin      INTEGER NOT NULL DEFAULT 0 CHECK (is_admin IN (0, 1)),
    disabled      INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_handle_key ON users (handle);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

-- Browser sessions. The cookie holds a random secret; only its SHA-256 is
-- stored, so a copy of the database cannot be used to hijack a session.
CREATE TABLE sessions (
    id           INTEGER PRIMARY KEY,
    secret_hash  BLOB    NOT NULL UNIQUE,
    user_id      INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    -- absolute end of the session, whatever the activity
    expires_at   INTEGER NOT NULL,
    ip           TEXT,
    user_agent   TEXT
);
CREATE INDEX sessions_user ON sessions (user_id);

-- API tokens. Only the SHA-256 of the whole token is stored, with what may be
-- shown again: the display prefix and the last four characters.
CREATE TABLE api_tokens (
    id             INTEGER PRIMARY KEY,
    user_id        INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name           TEXT    NOT NULL DEFAULT '',
    token_hash     BLOB    NOT NULL UNIQUE,
    prefix         TEXT    NOT NULL,
    last_four      TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    -- NULL: never expires (only where the operator allows it)
    expires_at     INTEGER,
    deactivated_at INTEGER,
    last_used_at   INTEGER,
    last_used_ip   TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

-- A token that was generated but not yet saved: one per session. Saving
-- proves the token came from the server; leaving the page abandons it.
CREATE TABLE pending_tokens (
    session_id INTEGER PRIMARY KEY REFERENCES sessions (id) ON DELETE CASCADE,
    token_hash BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);

-- The audit log. Token details are copied as text (never the secret) so that
-- the history stays readable after a token is deleted.
CREATE TABLE audit_events (
    id          INTEGER PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  INTEGER NOT NULL,
    action      TEXT    NOT NULL,
    token_id    INTEGER,
    token_label TEXT,
    method      TEXT,
    path        TEXT,
    status      INTEGER,
    ip          TEXT,
    user_agent  TEXT,
    detail      TEXT
);
CREATE INDEX audit_events_user ON audit_events (user_id, id);
CREATE INDEX audit_events_user_action ON audit_events (user_id, action, id);
CREATE INDEX audit_events_user_token ON audit_events (user_id, token_id, id);
CREATE INDEX audit_events_created ON audit_events (created_at);
