-- What the token check's cache needs to know (SPEC §13, revocation on
-- every instance at once): every change to a token's standing, a replaced
-- secret or a user's row notifies `account_settings_tokens`, from any
-- process (an instance, the CLI). Each instance listens and drops its
-- cached answers (src/server/db/changes.rs). Usage columns (last_used_*,
-- rate_*, reminded, new_ip_noticed_at) do not notify.

-- The operator's scopes (PLATFORM_CONFIG) a token carries, space-separated,
-- beside the built-in ones in `scopes`.
ALTER TABLE api_tokens ADD COLUMN platform_scopes TEXT NOT NULL DEFAULT '';

CREATE FUNCTION account_settings_tokens_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('account_settings_tokens', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER api_tokens_changed AFTER UPDATE OF
    user_id, name, token_hash, prefix, last_four, expires_at, deactivated_at, scopes, platform_scopes
    ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION account_settings_tokens_changed();
CREATE TRIGGER api_tokens_deleted AFTER DELETE
    ON api_tokens FOR EACH STATEMENT EXECUTE FUNCTION account_settings_tokens_changed();
CREATE TRIGGER retired_token_secrets_changed AFTER UPDATE OR DELETE
    ON retired_token_secrets FOR EACH STATEMENT EXECUTE FUNCTION account_settings_tokens_changed();
CREATE TRIGGER users_changed AFTER UPDATE OF
    disabled, handle, email, first_name, last_name, display_name, avatar_url, avatar_file
    ON users FOR EACH STATEMENT EXECUTE FUNCTION account_settings_tokens_changed();
CREATE TRIGGER users_deleted AFTER DELETE
    ON users FOR EACH STATEMENT EXECUTE FUNCTION account_settings_tokens_changed();
