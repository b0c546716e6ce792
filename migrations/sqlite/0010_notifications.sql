-- Notifications (SPEC §12).

-- Whether the account's e-mail address was confirmed by a link sent to it.
-- Addresses from before verification existed count as confirmed.
ALTER TABLE users ADD COLUMN email_verified INTEGER NOT NULL DEFAULT 1;
-- The optional kinds of mail the person turned off, one bit each (see
-- model::notice::Kind::bit); security mail cannot be turned off.
ALTER TABLE users ADD COLUMN mail_off INTEGER NOT NULL DEFAULT 0;

-- Which expiry reminder went out last: 0 none, 1 seven days before, 2 one
-- day before, 3 at expiry. Regenerating a token starts it again.
ALTER TABLE api_tokens ADD COLUMN reminded INTEGER NOT NULL DEFAULT 0;
-- When the token last told its owner about a new address (one a day).
ALTER TABLE api_tokens ADD COLUMN new_ip_noticed_at INTEGER;
-- Whether the new-address check has looked at this row yet.
ALTER TABLE token_ips ADD COLUMN checked INTEGER NOT NULL DEFAULT 0;
CREATE INDEX token_ips_unchecked ON token_ips (token_id) WHERE NOT checked;

-- Every notice: the in-app list and the outbox in one. A notice is written
-- in the transaction of the change it reports and mailed by a worker.
--   state: queued (to be mailed), sent, failed (gave up after retries),
--          held (no mail server configured), off (the person turned the
--          kind off)
CREATE TABLE notices (
    id              INTEGER PRIMARY KEY,
    -- NULL once the account is gone (the notice that it was deleted).
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    kind            TEXT    NOT NULL,
    to_addr         TEXT    NOT NULL,
    -- What the mail says, as JSON; never a secret.
    data            TEXT    NOT NULL,
    -- A one-time link's secret, sealed with the server key; dropped once
    -- the mail is sent or given up.
    link_sealed     BLOB,
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    -- A worker sending it holds it until then.
    claimed_until   INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    sent_at         INTEGER,
    read_at         INTEGER
);
CREATE INDEX notices_due ON notices (next_attempt_at) WHERE state = 'queued';
CREATE INDEX notices_user ON notices (user_id, id);
CREATE INDEX notices_failed ON notices (id) WHERE state = 'failed';

-- One-time links sent by mail: confirming an e-mail address, resetting a
-- password. Only the hash of the link's secret is kept.
CREATE TABLE account_links (
    token_hash BLOB    PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT    NOT NULL,
    -- The address being confirmed.
    email      TEXT,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER
) WITHOUT ROWID;
CREATE INDEX account_links_user ON account_links (user_id, purpose);
