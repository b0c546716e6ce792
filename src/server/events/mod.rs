//! The seam every change goes through: an account event, the notices it
//! asks for, and the transaction that commits them with the change. The
//! audit log reads the events; the mail worker sends the notices.

mod event;
mod notice;
mod tx;

pub use event::{insert, NewEvent, INSERT_INTO};
pub use notice::{queue, send, wake, Notice, NoticeData, WAKE};
pub use tx::{begin, begin_accounts, commit, commit_with, write};
