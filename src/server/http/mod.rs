//! HTTP plumbing shared by pages, server functions and the REST API:
//! request ids, metrics, security headers, the origin check, the client's
//! address, what a server function knows of its request, error statuses,
//! refusals of forms posted without JavaScript, and the avatar routes.

pub mod avatar;
pub mod client;
pub mod fn_errors;
pub mod headers;
pub mod metrics;
pub mod origin;
pub mod refusal;
pub mod request_id;
