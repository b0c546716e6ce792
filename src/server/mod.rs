//! Everything that only runs on the server.

pub mod account;
pub mod admin;
pub mod audit;
pub mod audit_export;
pub mod avatar;
pub mod cli;
pub mod client;
pub mod config;
pub mod context;
pub mod copy;
pub mod db;
pub mod db_password;
pub mod device;
pub mod fn_errors;
pub mod limiter;
pub mod origin;
pub mod password;
pub mod rest;
pub mod router;
pub mod secret_box;
pub mod session;
pub mod sign_in;
pub mod state;
pub mod token_secret;
pub mod tokens;
pub mod users;
