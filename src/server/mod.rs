//! Everything that only runs on the server, one folder per idea. Imports
//! point down this order, never up it; `tools/import_cycles.py` (run by
//! `make lint`) refuses a circle or an import up the order:
//!
//! `run` (composition: router, command line, serve) › `platform` (what the
//! platform's services call: forward auth) › `rest` (the API) ›
//! `http` (plumbing shared by every route, the export and avatar routes) ›
//! `state` (what every handler shares) › `auth` (sessions, limits, sign-in
//! and -up, mailed links) › `audit` (the log's queue and pages) › `tokens` ›
//! `identity` (accounts) › `notify` (mail, outbox worker, scans) › `events`
//! (what a change writes with itself: its events and notices) › `config` ›
//! `kernel` (client, secret box, token secrets, password hashing) ›
//! `db` (the pool, and the one clock it carries).

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod events;
pub mod http;
pub mod identity;
pub mod kernel;
pub mod notify;
pub mod platform;
pub mod rest;
pub mod run;
pub mod state;
pub mod tokens;
