//! Leaves every other folder may use, which use nothing of the server:
//! the clock, the server key's secret box, API token secrets and password
//! hashing.

pub mod client;
pub mod clock;
pub mod password;
pub mod secret_box;
pub mod token_secret;
