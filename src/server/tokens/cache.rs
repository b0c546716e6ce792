//! The token check's answers, kept in memory so that a request with a
//! known token needs no round trip to the database (SPEC §13: the hot path
//! of the whole platform).
//!
//! An entry is used only under the [`Changes`] generation it was filled
//! in, and only while the database's watcher vouches for the cache. So a
//! token stopped by any process on any instance is refused here within
//! moments (see `db::changes`). Only tokens that exist are kept: an unknown secret is
//! looked up every time.
//!
//! [`Changes`]: crate::server::db::Changes

use std::collections::HashMap;
use std::sync::RwLock;

/// At most this many tokens are kept; a full cache starts again empty.
const CAPACITY: usize = 20_000;

/// Answers by the hash of a token's secret (`T`: the lookup's answer,
/// `lookup::TokenOwner`).
#[derive(Debug)]
pub struct TokenCache<T> {
    inner: RwLock<Inner<T>>,
}

#[derive(Debug)]
struct Inner<T> {
    /// The generation the entries were filled under.
    generation: u64,
    by_hash: HashMap<[u8; 32], T>,
}

impl<T> Default for TokenCache<T> {
    fn default() -> Self {
        Self {
            inner: RwLock::new(Inner {
                generation: 0,
                by_hash: HashMap::new(),
            }),
        }
    }
}

impl<T: Clone> TokenCache<T> {
    /// The answer kept for `hash` under `generation`.
    pub fn get(&self, hash: &[u8; 32], generation: u64) -> Option<T> {
        let inner = self.inner.read().ok()?;
        if inner.generation != generation {
            return None;
        }
        inner.by_hash.get(hash).cloned()
    }

    /// Keeps `owner`, read from the database after the generation was
    /// `generation`. An older answer than what the cache holds is dropped;
    /// a newer one empties it first.
    pub fn put(&self, hash: [u8; 32], owner: &T, generation: u64) {
        let Ok(mut inner) = self.inner.write() else {
            return;
        };
        if generation != inner.generation {
            if generation < inner.generation {
                return;
            }
            inner.generation = generation;
            inner.by_hash.clear();
        }
        if inner.by_hash.len() >= CAPACITY {
            inner.by_hash.clear();
        }
        inner.by_hash.insert(hash, owner.clone());
    }

    /// How many answers are kept (for the tests).
    pub fn len(&self) -> usize {
        self.inner.read().map_or(0, |i| i.by_hash.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
