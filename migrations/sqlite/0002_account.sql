-- Account Settings: the rest of the account (profile avatar, database
-- password, retired handles).

-- An uploaded avatar: the generated file name under DATA_DIR/avatars. When
-- set it wins over avatar_url (an https address the server never fetches).
ALTER TABLE users ADD COLUMN avatar_file TEXT;

-- The workspace database password, encrypted with the server key
-- (XChaCha20-Poly1305: 24-byte nonce followed by the ciphertext, the user id
-- as associated data). NULL until first shown or verified.
ALTER TABLE users ADD COLUMN db_password_enc BLOB;

-- Handles given up by a rename or an account deletion stay reserved for a
-- while so nobody can take over the old workspace address. The user who gave
-- one up may take it back; once their account is deleted the row names
-- nobody (user_id NULL) and only the expiry frees the handle.
CREATE TABLE retired_handles (
    handle     TEXT    PRIMARY KEY,
    user_id    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    retired_at INTEGER NOT NULL,
    -- after this moment anyone may take the handle
    until      INTEGER NOT NULL
);
CREATE INDEX retired_handles_user ON retired_handles (user_id);
