//! API tokens in the database: saving, listing, deactivating, deleting;
//! the check every API request goes through ([`lookup`], [`cache`]); regenerating and
//! revoking ([`rotate`]); where each was used ([`ips`]).

pub mod cache;
mod ips;
mod lookup;
pub mod quota;
mod rotate;
mod store;

pub use ips::{record_ips, tokens_seen, UsedFrom, INSERT_IP, TRIM_IPS};
pub use lookup::{find_by_hash, OwnerHeaders, TokenOwner};
pub use rotate::{deactivate_idle, forget_retired, revoke_leaked, rotate, Rotated};

pub use store::{
    count, delete, get, insert, list, set_active, set_pending, take_pending, NewToken,
};
