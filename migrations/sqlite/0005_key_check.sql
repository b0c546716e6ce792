-- A value sealed with the server key when the database first met it, so
-- that a server started with another key (a different SECRET_KEY, a lost
-- secret.key) refuses to start instead of failing later on every sealed
-- database password. `name` is 'current'; the sealed text is fixed.
CREATE TABLE key_check (
    name       TEXT    PRIMARY KEY,
    sealed     BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
