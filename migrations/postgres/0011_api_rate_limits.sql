-- The API's rate limit per token (API_RATE_LIMIT_PER_HOUR): requests
-- counted in the token's current one-hour window, which starts at
-- rate_window (seconds since the epoch). Each instance adds what it let
-- through with the audit writer's batch, and reads the total with the token
-- check, so several instances share one count.
ALTER TABLE api_tokens ADD COLUMN rate_window BIGINT NOT NULL DEFAULT 0;
ALTER TABLE api_tokens ADD COLUMN rate_used BIGINT NOT NULL DEFAULT 0;
