//! Account Settings: a self-hostable account portal.
//!
//! `app` is the user interface (built for the server and the browser), `api`
//! holds the `#[server]` functions the pages call, `model` the shared types
//! and validation, and `server` (feature `ssr`) everything that only runs on
//! the server: configuration, database, sessions, tokens, audit, REST API.

#![recursion_limit = "256"]

pub mod api;
pub mod app;
pub mod error;
pub mod model;
#[cfg(feature = "ssr")]
pub mod server;

/// Browser entry point: the server rendered the whole page; this adds the
/// behaviour every page shares (`app::enhance`) and makes the page's
/// islands (`#[island(lazy)]`) interactive. A server function that answers with
/// a redirect (sign-in, sign-out, account deletion) sends the browser there.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    // Panics named in the console while developing; the release build
    // leaves the hook out (its message formatting costs the download).
    #[cfg(debug_assertions)]
    console_error_panic_hook::set_once();
    let _ = leptos::server_fn::redirect::set_redirect_hook(app::page::go_to);
    app::enhance::start();
    leptos::mount::hydrate_islands();
    app::shared::count_hydrated(0);
}
