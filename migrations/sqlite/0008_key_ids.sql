-- Which key sealed each value: the first 16 hex digits of a hash of the
-- key (never the key). Instances can then hold a previous key beside the
-- current one (SECRET_KEY_PREVIOUS) while a rotation rolls out, pick the
-- right one for each value, and `secret rotate` knows what is left to
-- re-seal. NULL: sealed before key ids were kept (tried with each key).
ALTER TABLE users ADD COLUMN db_password_key TEXT;
ALTER TABLE key_check ADD COLUMN key_id TEXT;
