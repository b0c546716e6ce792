//! Everything that only runs on the server.

pub mod audit;
pub mod audit_export;
pub mod cli;
pub mod config;
pub mod context;
pub mod db;
pub mod limiter;
pub mod origin;
pub mod password;
pub mod rest;
pub mod router;
pub mod session;
pub mod state;
pub mod token_secret;
pub mod tokens;
pub mod users;
