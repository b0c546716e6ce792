//! The composition root: the shared state, the router that puts every
//! route and layer together, the command line, `serve` and the periodic
//! housekeeping. Nothing else in the server imports from here.

pub mod cli;
pub mod context;
pub mod housekeeping;
pub mod metrics;
pub mod open;
pub mod router;
pub mod serve;
pub mod state;
