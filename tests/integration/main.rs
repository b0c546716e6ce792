//! Integration tests: the real router, driven with `oneshot`, each test on a
//! fresh database of its own.

mod audit;
mod auth;
mod bad_input;
mod common;
mod rest;
mod shutdown;
mod tokens;
