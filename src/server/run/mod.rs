//! The composition root: the router that puts every route and layer
//! together, the command line, `serve`, the `/metrics` server, the periodic
//! housekeeping and what a server function knows of its request. Nothing
//! else in the server imports from here.

pub mod cli;
pub mod context;
pub mod housekeeping;
pub mod metrics;
pub mod open;
pub mod router;
pub mod serve;
