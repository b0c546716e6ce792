-- Ids of accounts and tokens are never handed out twice. SQLite gives a new
-- row the highest rowid + 1, so deleting the newest account (or token) would
-- pass its id to the next one: an audit event still queued for a deleted
-- account would land in a newcomer's log, and a new token would inherit the
-- audit history of a deleted one. Each INSERT takes the id after the highest
-- ever used, kept here by the triggers below. (AUTOINCREMENT would do the
-- same, but `users` cannot be rebuilt inside a migration's transaction
-- without its ON DELETE CASCADE emptying the tables that refer to it.)
CREATE TABLE id_high_water (
    name TEXT    PRIMARY KEY,
    seq  INTEGER NOT NULL
) WITHOUT ROWID;

INSERT INTO id_high_water (name, seq) VALUES
    ('users', (SELECT COALESCE(MAX(id), 0) FROM users)),
    -- Deleted tokens may still be named by audit events.
    ('api_tokens', MAX((SELECT COALESCE(MAX(id), 0) FROM api_tokens),
                       (SELECT COALESCE(MAX(token_id), 0) FROM audit_events)));

CREATE TRIGGER users_high_water AFTER INSERT ON users BEGIN
    UPDATE id_high_water SET seq = MAX(seq, NEW.id) WHERE name = 'users';
END;

CREATE TRIGGER api_tokens_high_water AFTER INSERT ON api_tokens BEGIN
    UPDATE id_high_water SET seq = MAX(seq, NEW.id) WHERE name = 'api_tokens';
END;
