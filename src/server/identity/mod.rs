//! Accounts: the users table and its profile fields, the avatar stored in
//! the database, the handle and the account as a whole (rename, delete),
//! administration of users, and the workspace database password.

pub mod account;
pub mod admin;
pub mod avatar;
pub mod db_password;
pub mod profile;
pub mod users;
