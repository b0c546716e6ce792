//! The server key and what it protects: secrets that must be shown again
//! (the workspace database password), so they cannot be hashed.
//!
//! The key is 32 random bytes kept in `DATA_DIR/secret.key` (created on first
//! start, readable by the owner only) or given as 64 hex digits in
//! `SECRET_KEY`. Each value is sealed with XChaCha20-Poly1305 under a fresh
//! random nonce, bound to its owner's id so sealed values cannot be swapped
//! between rows.

use std::io::Write;
use std::path::Path;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::RngCore;

use crate::error::AppError;
use crate::on_db;
use crate::on_tx;
use crate::server::db::{Db, Lock};

/// The owner a link is sealed for while no account exists (a sign-up's);
/// no account has this id.
pub const NO_ACCOUNT: i64 = -2;

const NONCE: usize = 24;
const KEY_FILE: &str = "secret.key";
/// What the key check seals (as owner 0, which no account has).
const KEY_CHECK_TEXT: &str = "account-settings key check";
const KEY_CHECK_OWNER: i64 = 0;

/// One key: its id (stored beside what it seals) and its cipher.
struct Key {
    id: String,
    cipher: XChaCha20Poly1305,
}

impl Key {
    fn new(key: [u8; 32]) -> Self {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        h.update(b"account-settings key id:");
        h.update(key);
        Self {
            id: to_hex(&h.finalize()[..8]),
            cipher: XChaCha20Poly1305::new(&key.into()),
        }
    }
}

/// The server key (and, while a rotation rolls out, the previous one). Its
/// `Debug` shows nothing of them.
pub struct SecretBox {
    current: Key,
    previous: Option<Key>,
}

impl std::fmt::Debug for SecretBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretBox(..)")
    }
}

impl SecretBox {
    /// A box for a 32-byte key.
    pub fn new(key: [u8; 32]) -> Self {
        Self {
            current: Key::new(key),
            previous: None,
        }
    }

    /// Also opens what `previous` (64 hex digits) sealed: for instances
    /// started with the new key while a rotation rolls out.
    pub fn with_previous(mut self, previous: &str) -> Result<Self, String> {
        let key = parse_hex(previous.trim())
            .ok_or_else(|| "SECRET_KEY_PREVIOUS: must be 64 hexadecimal digits".to_owned())?;
        self.previous = Some(Key::new(key));
        Ok(self)
    }

    /// The id of the key that seals: stored beside each sealed value.
    pub fn id(&self) -> &str {
        &self.current.id
    }

    /// The key from `configured` (64 hex digits) if given, else from the key
    /// file in `data_dir`, which is created on first start.
    pub fn load_or_create(data_dir: &Path, configured: Option<&str>) -> Result<Self, String> {
        if let Some(hex) = configured {
            return parse_hex(hex.trim())
                .map(Self::new)
                .ok_or_else(|| "SECRET_KEY: must be 64 hexadecimal digits".to_owned());
        }
        let path = data_dir.join(KEY_FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => parse_hex(text.trim()).map(Self::new).ok_or_else(|| {
                format!(
                    "DATA_DIR: {} is not a key (64 hexadecimal digits)",
                    path.display()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut key = [0u8; 32];
                rand::rng().fill_bytes(&mut key);
                write_new_key(&path, &to_hex(&key))
                    .map_err(|e| format!("DATA_DIR: cannot write {}: {e}", path.display()))?;
                tracing::info!(path = %path.display(), "generated a new server key");
                Ok(Self::new(key))
            }
            Err(e) => Err(format!("DATA_DIR: cannot read {}: {e}", path.display())),
        }
    }

    /// Checks this key against the one the database has known since it
    /// first met one (recording it then): a server with another key stops
    /// at start, with a message, instead of failing on every sealed value.
    pub async fn check_against(&self, db: &Db) -> Result<(), String> {
        let fail = |e: sqlx::Error| format!("database: cannot check the server key: {e}");
        let sealed = self
            .seal(KEY_CHECK_OWNER, KEY_CHECK_TEXT)
            .map_err(|_| "SECRET_KEY: cannot seal with this key".to_owned())?;
        // Several instances starting at once: the first insert wins and every
        // instance compares with what was kept.
        on_db!(db, p => sqlx::query(
            "INSERT INTO key_check (name, sealed, created_at, key_id)
             VALUES ('current', $1, $2, $3)
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&sealed)
        .bind(db.now())
        .bind(self.id())
        .execute(p)
        .await
        .map(|_| ()))
        .map_err(fail)?;
        let (kept, key_id): (Vec<u8>, Option<String>) = on_db!(db, p => sqlx::query_as(
            "SELECT sealed, key_id FROM key_check WHERE name = 'current'",
        )
        .fetch_one(p)
        .await)
        .map_err(fail)?;
        // The current key, or the previous one while a rotation rolls out.
        match self.open_by(KEY_CHECK_OWNER, &kept, key_id.as_deref()) {
            Ok(text) if text == KEY_CHECK_TEXT => Ok(()),
            _ => Err(
                "SECRET_KEY: this is not the key the database's sealed values were made \
                      with; start every instance with the same SECRET_KEY (or SECRET_KEY_FILE), \
                      the one first used with this database"
                    .to_owned(),
            ),
        }
    }

    /// Re-seals every stored database password, and the key check, from
    /// this key to `new`, in one transaction; returns how many passwords.
    /// The database must know this key (see [`SecretBox::check_against`]).
    pub async fn reseal_all(&self, db: &Db, new: &SecretBox) -> Result<u64, String> {
        self.check_against(db).await?;
        let fail = |e: sqlx::Error| format!("database: {e}");
        let mut tx = db.begin_locked(Lock::Accounts).await.map_err(fail)?;
        let sealed: Vec<(i64, Vec<u8>, Option<String>)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id, db_password_enc, db_password_key FROM users
             WHERE db_password_enc IS NOT NULL ORDER BY id",
        )
        .fetch_all(c)
        .await)
        .map_err(fail)?;
        let mut n = 0;
        for (id, value, key_id) in sealed {
            // Sealed with the new key already (by an instance that has it).
            if key_id.as_deref() == Some(new.id()) {
                continue;
            }
            let plain = self.open_by(id, &value, key_id.as_deref()).map_err(|_| {
                format!("the database password of user {id} does not open with the current key")
            })?;
            let resealed = new
                .seal(id, &plain)
                .map_err(|_| "cannot seal with the new key".to_owned())?;
            on_tx!(&mut tx, c => sqlx::query(
                "UPDATE users SET db_password_enc = $1, db_password_key = $2 WHERE id = $3",
            )
                .bind(&resealed)
                .bind(new.id())
                .bind(id)
                .execute(c)
                .await
                .map(|_| ()))
            .map_err(fail)?;
            n += 1;
        }
        let check = new
            .seal(KEY_CHECK_OWNER, KEY_CHECK_TEXT)
            .map_err(|_| "cannot seal with the new key".to_owned())?;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE key_check SET sealed = $1, key_id = $2 WHERE name = 'current'",
        )
            .bind(&check)
            .bind(new.id())
            .execute(c)
            .await
            .map(|_| ()))
        .map_err(fail)?;
        tx.commit().await.map_err(fail)?;
        Ok(n)
    }

    /// A box for a key given as 64 hex digits; `what` names its source in
    /// the message.
    pub fn from_hex(hex: &str, what: &str) -> Result<Self, String> {
        parse_hex(hex.trim())
            .map(Self::new)
            .ok_or_else(|| format!("{what}: must be 64 hexadecimal digits"))
    }

    /// Replaces the key file in `data_dir` with `hex` (written aside, then
    /// renamed over it).
    pub fn replace_key_file(data_dir: &Path, hex: &str) -> Result<(), String> {
        let path = data_dir.join(KEY_FILE);
        let tmp = data_dir.join(format!("{KEY_FILE}.new"));
        let _ = std::fs::remove_file(&tmp);
        write_new_key(&tmp, hex.trim())
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| format!("DATA_DIR: cannot write {}: {e}", path.display()))
    }

    /// Whether the key in use comes from `data_dir` (none configured).
    pub fn key_file(data_dir: &Path) -> std::path::PathBuf {
        data_dir.join(KEY_FILE)
    }

    /// Seals `plain` for the owner `owner_id`: nonce followed by ciphertext.
    pub fn seal(&self, owner_id: i64, plain: &str) -> Result<Vec<u8>, AppError> {
        let mut nonce = [0u8; NONCE];
        rand::rng().fill_bytes(&mut nonce);
        let aad = owner_id.to_be_bytes();
        let sealed = self
            .current
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| AppError::internal("sealing failed"))?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        Ok(out)
    }

    /// Opens what [`SecretBox::seal`] sealed for the same owner, with the
    /// key named by `key_id` (stored beside the value); without an id (a
    /// value sealed before ids were kept), with whichever key opens it.
    pub fn open_by(
        &self,
        owner_id: i64,
        sealed: &[u8],
        key_id: Option<&str>,
    ) -> Result<String, AppError> {
        let keys = [Some(&self.current), self.previous.as_ref()];
        let mut tried = false;
        for key in keys.into_iter().flatten() {
            if key_id.is_some_and(|id| id != key.id) {
                continue;
            }
            tried = true;
            if let Some(plain) = Self::open_with(key, owner_id, sealed) {
                return Ok(plain);
            }
        }
        Err(AppError::internal(if tried {
            "sealed value does not open with this key"
        } else {
            "sealed with a key this server does not have"
        }))
    }

    /// [`SecretBox::open_by`] without a key id.
    pub fn open(&self, owner_id: i64, sealed: &[u8]) -> Result<String, AppError> {
        self.open_by(owner_id, sealed, None)
    }

    /// Opens quietly what may not be this server's at all (a value that came
    /// from outside, such as a cookie): `None` unless one of its keys sealed
    /// it for `owner_id`.
    pub fn try_open(&self, owner_id: i64, sealed: &[u8]) -> Option<String> {
        [Some(&self.current), self.previous.as_ref()]
            .into_iter()
            .flatten()
            .find_map(|key| Self::open_with(key, owner_id, sealed))
    }

    /// The plain text, if `key` sealed `sealed` for `owner_id`.
    fn open_with(key: &Key, owner_id: i64, sealed: &[u8]) -> Option<String> {
        if sealed.len() <= NONCE {
            return None;
        }
        let (nonce, body) = sealed.split_at(NONCE);
        let aad = owner_id.to_be_bytes();
        let plain = key
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: &aad,
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

fn write_new_key(path: &Path, hex: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(hex.as_bytes())?;
    file.write_all(b"\n")?;
    file.sync_all()
}

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of lower- or upper-case hex text, if that is what it is.
pub(crate) fn from_hex(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.is_ascii() {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).ok())
        .collect()
}

fn parse_hex(s: &str) -> Option<[u8; 32]> {
    if s.len() != 64 || !s.is_ascii() {
        return None;
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&s[i * 2..i * 2 + 2], 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_then_open_for_the_same_owner_only() {
        let b = SecretBox::new([7; 32]);
        let sealed = b.seal(5, "hunter2-but-longer").unwrap();
        assert!(!sealed.windows(6).any(|w| w == b"hunter"));
        assert_eq!(b.open(5, &sealed).unwrap(), "hunter2-but-longer");
        assert!(b.open(6, &sealed).is_err());
        assert!(SecretBox::new([8; 32]).open(5, &sealed).is_err());
        assert!(b.open(5, &sealed[..10]).is_err());
    }

    #[test]
    fn key_file_is_created_once_and_reused() {
        let dir = tempfile::tempdir().unwrap();
        let a = SecretBox::load_or_create(dir.path(), None).unwrap();
        let sealed = a.seal(1, "x").unwrap();
        let b = SecretBox::load_or_create(dir.path(), None).unwrap();
        assert_eq!(b.open(1, &sealed).unwrap(), "x");
        assert!(format!("{b:?}").len() < 20);
    }

    #[test]
    fn configured_key_must_be_hex() {
        let dir = tempfile::tempdir().unwrap();
        assert!(SecretBox::load_or_create(dir.path(), Some("zz")).is_err());
        let ok = SecretBox::load_or_create(dir.path(), Some(&"ab".repeat(32)));
        assert!(ok.is_ok());
        assert!(!dir.path().join(KEY_FILE).exists());
    }
}
