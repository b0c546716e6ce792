//! What flows of every folder share and nothing of theirs: the
//! client's address and browser, the metrics counters, the server key's
//! secret box, API token secrets, password hashing and counts in windows of
//! time. Only `db` is below.

pub mod client;
pub mod metrics;
pub mod password;
pub mod secret_box;
pub mod token_secret;
pub mod window;
