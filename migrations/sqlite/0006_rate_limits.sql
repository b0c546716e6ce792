-- Rate-limit windows (failed sign-ins and current-password checks), kept in
-- the database so that every instance counts the same failures. `key` is the
-- SHA-256 of what is limited ("account:<name as typed>", "ip:<address>"):
-- names typed at sign-in (sometimes a password typed in the wrong field) are
-- never stored as text.
CREATE TABLE rate_limits (
    key          BLOB    PRIMARY KEY,
    window_start INTEGER NOT NULL,
    failures     INTEGER NOT NULL
);
CREATE INDEX rate_limits_window ON rate_limits (window_start);
