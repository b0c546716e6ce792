//! Widgets shared by the pages.

pub mod clipboard;
pub mod dialog;
pub mod form;
pub mod table;
pub mod toast;
