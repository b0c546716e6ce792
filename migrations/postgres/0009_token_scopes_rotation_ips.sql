-- What a token may do: a set of scopes, one bit each.
--   1 user:read   2 user:write   4 tokens:read   8 tokens:write   16 audit:read
-- Tokens made before scopes existed keep working as they did: every scope.
ALTER TABLE api_tokens ADD COLUMN scopes BIGINT NOT NULL DEFAULT 31;
-- When the token's secret was last regenerated (NULL: never). A new secret
-- gets the lifetime the previous one was given, counted from this moment.
ALTER TABLE api_tokens ADD COLUMN rotated_at BIGINT;

-- Secrets a token had before it was regenerated. One keeps working until
-- `valid_until` (the grace chosen at the rotation; the rotation's own time
-- when none), and is afterwards refused as `token_rotated` rather than as
-- unknown, until the housekeeping forgets it.
CREATE TABLE retired_token_secrets (
    token_hash  BYTEA  PRIMARY KEY,
    token_id    BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    last_four   TEXT   NOT NULL,
    valid_until BIGINT NOT NULL
);
CREATE INDEX retired_token_secrets_token ON retired_token_secrets (token_id);

-- The last few distinct client addresses each token was used from, kept
-- current by the audit writer (off the request path) and trimmed to five.
CREATE TABLE token_ips (
    token_id      BIGINT NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    ip            TEXT   NOT NULL,
    first_seen_at BIGINT NOT NULL,
    last_seen_at  BIGINT NOT NULL,
    PRIMARY KEY (token_id, ip)
);
