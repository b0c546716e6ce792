-- Sign-up by mail (SPEC §12): with a mail server, a sign-up makes no
-- account until the link mailed to its address is opened and the password
-- typed again. Until then the request waits here. Only the SHA-256 of the
-- link's secret is kept; the password as its Argon2 hash, as in `users`.
CREATE TABLE signup_links (
    token_hash    BYTEA   PRIMARY KEY,
    handle        TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    password_hash TEXT    NOT NULL,
    created_at    BIGINT  NOT NULL,
    expires_at    BIGINT  NOT NULL,
    used_at       BIGINT
);
CREATE INDEX signup_links_expiry ON signup_links (expires_at);
