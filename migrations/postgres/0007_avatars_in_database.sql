-- Uploaded avatars live in the database, so that every instance serves
-- them: the re-encoded 256x256 PNG (a few tens of KB) under its generated
-- name (32 random hex digits and .png; a name is never given twice, so an
-- answer may be cached for good). users.avatar_file names the user's
-- current one; the row goes with the account. Files an older version left
-- in DATA_DIR/avatars are moved in at start (server::avatar::import_files).
CREATE TABLE avatars (
    name       TEXT   PRIMARY KEY,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    png        BYTEA  NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX avatars_user ON avatars (user_id);
