//! Types shared by the server and the browser, and pure validation.
//!
//! Nothing in here does I/O: the browser calls the same validation before
//! sending a form, and the server calls it again before storing anything.

pub mod account;
pub mod agent;
pub mod audit;
pub mod avatar;
pub mod notice;
pub mod rotation;
pub mod scope;
pub mod secret;
pub mod service;
pub mod time;
pub mod token;
pub mod url;
pub mod user;
pub mod validate;
