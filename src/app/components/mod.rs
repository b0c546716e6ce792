//! Widgets shared by the pages.

pub mod clipboard;
pub mod dialog;
pub mod menu;
pub mod toast;
