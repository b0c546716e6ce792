//! API token secrets: `<prefix>_<30 base62 random><6 base62 CRC32>`.
//!
//! The checksum lets a mistyped or made-up token be refused without touching
//! the database. Only the SHA-256 of the whole token is ever stored.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

const RANDOM_LEN: usize = 30;
const CHECK_LEN: usize = 6;
const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// A whole token in plain text. Not `Serialize`, and its `Debug` is redacted.
pub struct PlainToken(String);

impl std::fmt::Debug for PlainToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PlainToken([redacted])")
    }
}

/// The SHA-256 of a token: what the database stores and looks up.
#[derive(Clone, PartialEq, Eq)]
pub struct TokenHash(pub [u8; 32]);

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenHash(..)")
    }
}

fn checksum(random: &str) -> String {
    let mut n = crc32fast::hash(random.as_bytes());
    let mut out = [b'0'; CHECK_LEN];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    // 62^6 > 2^32, so nothing is left over and the encoding is exact.
    String::from_utf8_lossy(&out).into_owned()
}

impl PlainToken {
    /// A new random token with the given prefix.
    pub fn generate(prefix: &str) -> Self {
        let random = Alphanumeric.sample_string(&mut rand::rng(), RANDOM_LEN);
        let check = checksum(&random);
        Self(format!("{prefix}_{random}{check}"))
    }

    /// Checks the shape and checksum; `None` means "not one of ours", decided
    /// without any I/O.
    pub fn parse(input: &str, prefix: &str) -> Option<Self> {
        let (p, body) = input.rsplit_once('_')?;
        if p != prefix || body.len() != RANDOM_LEN + CHECK_LEN {
            return None;
        }
        if !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return None;
        }
        let (random, check) = body.split_at(RANDOM_LEN);
        (checksum(random) == check).then(|| Self(input.to_owned()))
    }

    pub fn hash(&self) -> TokenHash {
        TokenHash(Sha256::digest(self.0.as_bytes()).into())
    }

    pub fn last_four(&self) -> &str {
        &self.0[self.0.len() - 4..]
    }

    /// The secret itself, for the one moment it is handed to its owner.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_token_has_the_documented_shape() {
        let t = PlainToken::generate("ast");
        let s = t.expose();
        assert!(s.starts_with("ast_"));
        assert_eq!(s.len(), 4 + 36);
        assert!(s[4..].bytes().all(|b| b.is_ascii_alphanumeric()));
        assert!(PlainToken::parse(s, "ast").is_some());
    }

    #[test]
    fn generated_tokens_differ() {
        let a = PlainToken::generate("ast");
        let b = PlainToken::generate("ast");
        assert_ne!(a.expose(), b.expose());
        assert_ne!(a.hash(), b.hash());
    }

    #[test]
    fn checksum_is_crc32_in_base62() {
        // crc32("") == 0 → all zeros; crc32("a") == 0xe8b7be43 == 3904355907
        assert_eq!(checksum(""), "000000");
        let mut n: u64 = 3_904_355_907;
        let mut expect = Vec::new();
        for _ in 0..6 {
            expect.push(BASE62[(n % 62) as usize]);
            n /= 62;
        }
        expect.reverse();
        assert_eq!(checksum("a").as_bytes(), expect.as_slice());
    }

    #[test]
    fn parse_rejects_wrong_checksum_prefix_and_shape() {
        let t = PlainToken::generate("ast");
        let s = t.expose().to_owned();
        // Change one character of the random part.
        let mut bad: Vec<u8> = s.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(PlainToken::parse(std::str::from_utf8(&bad).unwrap(), "ast").is_none());
        assert!(PlainToken::parse(&s, "xyz").is_none());
        assert!(PlainToken::parse(&s[..s.len() - 1], "ast").is_none());
        assert!(PlainToken::parse("ast_", "ast").is_none());
        assert!(PlainToken::parse("", "ast").is_none());
        assert!(PlainToken::parse(&format!("{s}é"), "ast").is_none());
    }

    #[test]
    fn debug_never_shows_the_secret() {
        let t = PlainToken::generate("ast");
        let shown = format!("{t:?} {:?}", t.hash());
        assert!(!shown.contains(&t.expose()[4..]));
    }

    #[test]
    fn last_four_is_the_tail() {
        let t = PlainToken::generate("ast");
        assert_eq!(t.last_four(), &t.expose()[36..]);
    }
}
