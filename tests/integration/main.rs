//! Integration tests: the real router, driven with `oneshot`, each test on a
//! fresh database of its own.

mod admin;
mod advanced;
mod audit;
mod audit_filters;
mod auth;
mod avatar;
mod bad_input;
mod common;
mod concurrency;
mod copy;
mod crash;
mod database;
mod profile;
mod rest;
mod security;
mod shutdown;
mod startup;
mod tokens;
