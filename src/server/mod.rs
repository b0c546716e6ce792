//! Everything that only runs on the server, one folder per idea. Imports
//! point down this list: a folder uses those below it, never one above
//! (`tools/import_cycles.py`, run by `make lint`, finds any circle).

pub mod audit;
pub mod auth;
pub mod config;
pub mod db;
pub mod http;
pub mod identity;
pub mod kernel;
pub mod notify;
pub mod rest;
pub mod run;
pub mod tokens;
