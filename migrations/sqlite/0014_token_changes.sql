-- What the token check's cache needs to know (SPEC §13, revocation on
-- every instance at once): a count that every change to a token's standing,
-- a replaced secret or a user's row moves on, made by any process (the
-- server, the CLI). Each server reads it every 50 ms and drops its cached
-- answers when it moved (src/server/db/changes.rs). Usage columns (last_used_*, rate_*,
-- reminded, new_ip_noticed_at) do not count.
CREATE TABLE token_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    n  INTEGER NOT NULL
);
INSERT INTO token_epoch (id, n) VALUES (1, 1);

-- The operator's scopes (PLATFORM_CONFIG) a token carries, space-separated,
-- beside the built-in ones in `scopes`.
ALTER TABLE api_tokens ADD COLUMN platform_scopes TEXT NOT NULL DEFAULT '';

CREATE TRIGGER api_tokens_changed AFTER UPDATE OF
    user_id, name, token_hash, prefix, last_four, expires_at, deactivated_at, scopes, platform_scopes
    ON api_tokens
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
CREATE TRIGGER api_tokens_deleted AFTER DELETE ON api_tokens
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
CREATE TRIGGER retired_token_secrets_changed AFTER UPDATE ON retired_token_secrets
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
CREATE TRIGGER retired_token_secrets_deleted AFTER DELETE ON retired_token_secrets
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
CREATE TRIGGER users_changed AFTER UPDATE OF
    disabled, handle, email, first_name, last_name, display_name, avatar_url, avatar_file
    ON users
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
CREATE TRIGGER users_deleted AFTER DELETE ON users
BEGIN
    UPDATE token_epoch SET n = n + 1;
END;
