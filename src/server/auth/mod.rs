//! Who is signed in and how they got there: sessions and device cookies,
//! the limits on guessing, signing in, signing up by mail, confirming an
//! address, resetting a password, and the one-time links those mail.

pub mod deps;
pub mod device;
pub mod limit_keys;
pub mod limiter;
pub mod links;
pub mod password;
pub mod profile;
pub mod reauth;
pub mod reset;
pub mod session;
pub mod sign_in;
pub mod signup;
pub mod verify;
