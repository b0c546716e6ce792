//! HTTP plumbing shared by pages, server functions and the REST API:
//! request ids, security headers, the origin check, the client's address,
//! error statuses, refusals of forms posted without JavaScript; and the
//! routes that are neither pages nor API: avatars and the audit export.

pub mod audit_export;
pub mod avatar;
pub mod client;
pub mod fn_errors;
pub mod headers;
pub mod origin;
pub mod refusal;
pub mod request_id;
