//! Everything that only runs on the server, one folder per idea. Imports
//! point down this order; `tools/import_cycles.py` (run by `make lint`)
//! refuses any circle and lists with `--up` the imports that still point up
//! (handlers that take the whole `run::state::AppState`):
//!
//! `run` (composition: state, router, command line) › `rest` (the API) ›
//! `http` (plumbing shared by every route) › `auth` (sessions, limits,
//! sign-in and -up, mailed links) › `audit` (the log's queue, pages and
//! exports) › `tokens` › `identity` (accounts) › `notify` (mail, outbox
//! worker, scans) › `events` (what a change writes with itself: its events
//! and notices) › `db` › `kernel` (clock, secret box, token secrets,
//! password hashing) › `config`.

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod events;
pub mod http;
pub mod identity;
pub mod kernel;
pub mod notify;
pub mod rest;
pub mod run;
pub mod tokens;
