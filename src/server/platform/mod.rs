//! What the platform's own services call to trust a token: forward auth
//! for reverse proxies (`/auth/verify`), and introspection for services
//! that hold a token (`/oauth/introspect`) with the services' credentials.
//! SPEC §13.

pub mod introspect;
pub mod services;
pub mod verify;
