-- A value sealed with the server key when the database first met it, so
-- that an instance started with another SECRET_KEY refuses to start instead
-- of failing later on every sealed database password (every instance must
-- share one key). `name` is 'current'; the sealed text is fixed.
CREATE TABLE key_check (
    name       TEXT   PRIMARY KEY,
    sealed     BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
