//! What the platform's own services call to trust a token: forward auth
//! for reverse proxies (`/auth/verify`). SPEC §13.

pub mod verify;
