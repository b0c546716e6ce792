-- Rate-limit windows (failed sign-ins and current-password checks), kept in
-- the database so that every instance counts the same failures. `key` is the
-- SHA-256 of what is limited ("account:<name as typed>", "ip:<address>"):
-- names typed at sign-in (sometimes a password typed in the wrong field) are
-- never stored as text.
CREATE TABLE rate_limits (
    key          BYTEA  PRIMARY KEY,
    window_start BIGINT NOT NULL,
    failures     BIGINT NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
