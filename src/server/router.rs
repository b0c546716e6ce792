//! Builds the whole application: pages, server functions, REST API, files.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::{get, post};
use axum::{middleware, Router};
use leptos::config::LeptosOptions;
use leptos::prelude::provide_context;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::set_header::SetResponseHeaderLayer;

use super::audit::AuditLog;
use super::config::Settings;
use super::db::Db;
use super::limiter::LoginLimiter;
use super::secret_box::SecretBox;
use super::state::AppState;
use super::{audit_export, avatar, client, fn_errors, origin, rest};
use crate::app::{shell, App};

/// Largest request body accepted anywhere.
pub const MAX_BODY: usize = 1024 * 1024;

/// The Leptos options for a site whose built files are in `site_root`.
pub fn leptos_options(site_root: &str) -> LeptosOptions {
    LeptosOptions::builder()
        .output_name("account-settings")
        .site_root(site_root)
        .site_pkg_dir("pkg")
        .build()
}

/// The state for a database and settings: loads (or creates) the server
/// key and starts the audit writer. Fails with a message naming the setting.
pub fn state(db: Db, settings: Settings, site_root: &str) -> Result<AppState, String> {
    let mut secrets = SecretBox::load_or_create(
        &settings.data_dir,
        settings.secret_key.as_ref().map(|s| s.expose()),
    )?;
    if let Some(previous) = &settings.secret_key_previous {
        secrets = secrets.with_previous(previous.expose())?;
    }
    Ok(AppState {
        leptos_options: Arc::new(leptos_options(site_root)),
        audit: AuditLog::spawn(db.clone()),
        login_limiter: Arc::new(LoginLimiter::new(db.clone())),
        db,
        settings: Arc::new(settings),
        secrets: Arc::new(secrets),
    })
}

/// Pages, server functions and API answers hold personal data: no cache
/// (browser or proxy) may keep them. Built assets and avatars (whose names
/// change with their content) set their own caching.
async fn no_store(req: axum::extract::Request, next: middleware::Next) -> axum::response::Response {
    let path = req.uri().path();
    let cacheable =
        path.starts_with("/pkg/") || path.starts_with("/avatars/") || path == "/favicon.ico";
    let mut res = next.run(req).await;
    if !cacheable && !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The application's router.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let context = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let shell_options = state.leptos_options.as_ref().clone();
    let fallback_context = context.clone();
    Router::new()
        .route("/healthz", get(rest::healthz))
        .route("/livez", get(rest::livez))
        .nest("/api/v1", rest::router(state.clone()))
        .route("/settings/audit-log/export.csv", get(audit_export::csv))
        .route("/settings/audit-log/export.json", get(audit_export::json))
        .route("/avatars/{name}", get(avatar::serve))
        .route("/internal/db-auth", post(rest::db_auth::db_auth))
        .leptos_routes_with_context(&state, routes, context, move || {
            shell(shell_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(fallback_context, shell))
        .layer(middleware::map_response(fn_errors::status))
        .layer(RequestBodyLimitLayer::new(MAX_BODY))
        // Avatars have their own, larger limit, checked with a clear message.
        .route("/settings/avatar", post(avatar::upload))
        .layer(middleware::from_fn_with_state(state.clone(), origin::guard))
        .layer(middleware::from_fn(no_store))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::REFERRER_POLICY,
            HeaderValue::from_static("same-origin"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        // Outermost: every layer and handler sees the client's address.
        .layer(middleware::from_fn_with_state(
            state.clone(),
            client::remember,
        ))
        .with_state(state)
}
