//! The `#[server]` functions the pages call, one module per section. Each is
//! compiled for both targets: the browser gets a typed HTTP call, the server
//! the body.

pub mod admin;
pub mod advanced;
pub mod audit;
pub mod auth;
pub mod notifications;
pub mod profile;
pub mod recovery;
pub mod security;
pub mod tokens;
