//! Builds the whole application: pages, server functions, REST API, files.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::routing::{any, get, post};
use axum::{middleware, Router};
use leptos::config::LeptosOptions;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::app::{shell, App};
use crate::server::audit::AuditLog;
use crate::server::auth::limiter::LoginLimiter;
use crate::server::config::Settings;
use crate::server::db::Db;
use crate::server::http::audit_export as export;
use crate::server::http::{avatar, client, fn_errors, headers, origin, refusal, request_id};
use crate::server::kernel::metrics;
use crate::server::kernel::secret_box::SecretBox;
use crate::server::platform::{introspect, verify};
use crate::server::rest;
use crate::server::state::{AppState, Shared};

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

/// Connections kept for the API's token check (besides the pool).
const LOOKUP_CONNECTIONS: usize = 4;

/// The state for a database and settings: loads (or creates) the server
/// key and starts the audit writer. Fails with a message naming the setting.
pub fn state(db: Db, settings: Settings, site_root: &str) -> Result<AppState, String> {
    let db = db.with_clock(settings.clock.clone());
    let mut secrets = SecretBox::load_or_create(
        &settings.data_dir,
        settings.secret_key.as_ref().map(|s| s.expose()),
    )?;
    if let Some(previous) = &settings.secret_key_previous {
        secrets = secrets.with_previous(previous.expose())?;
    }
    let mailer = match &settings.smtp {
        Some(url) => Some(Arc::new(crate::server::notify::Mailer::new(
            url,
            &settings.mail_from,
        )?)),
        None => None,
    };
    // Tokens stopped by other instances or processes reach the token cache.
    match &db.pool {
        crate::server::db::Pool::Postgres(pool) => {
            crate::server::db::changes::listen(pool, db.changes());
        }
        crate::server::db::Pool::Sqlite(pool) => {
            crate::server::db::changes::watch_sqlite(pool, db.changes());
        }
    }
    let api_limits = Arc::new(crate::server::tokens::quota::ApiLimits::new(
        settings.api_rate_limit_per_hour,
    ));
    Ok(AppState::new(Shared {
        mailer,
        leptos_options: Arc::new(leptos_options(site_root)),
        audit: AuditLog::spawn(db.clone(), api_limits.clone()),
        api_limits,
        service_limits: Arc::new(crate::server::kernel::window::WindowCounts::new(
            settings.service_rate_limit_per_minute,
            60,
        )),
        metrics: settings
            .metrics_addr
            .map(|_| Arc::new(crate::server::kernel::metrics::Metrics::new())),
        login_limiter: Arc::new(LoginLimiter::new(db.clone())),
        hasher: Arc::new(crate::server::kernel::password::Hasher::new(
            settings.hash_workers,
            settings.hash_queue,
        )),
        lookups: crate::server::db::Lookups::new(db.clone(), LOOKUP_CONNECTIONS),
        token_cache: crate::server::tokens::cache::TokenCache::default(),
        db,
        settings: Arc::new(settings),
        secrets: Arc::new(secrets),
    }))
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

/// Refuses (413) a body over [`MAX_BODY`], whether its length is declared
/// or it comes in chunks: it is read here, in full, before any handler sees
/// it (the bodies allowed are small), so no handler meets a body that ends
/// in an error half-way.
async fn limit_body(
    req: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::body::{Body, HttpBody};
    use axum::response::IntoResponse;
    let api = req.uri().path().starts_with("/api/v1/");
    let refuse = |status: axum::http::StatusCode, message: String| {
        if api {
            rest::error::ApiError::new(status, "payload_too_large", message).into_response()
        } else {
            (status, message).into_response()
        }
    };
    let too_large = || {
        refuse(
            axum::http::StatusCode::PAYLOAD_TOO_LARGE,
            format!("The request body is larger than {} KiB.", MAX_BODY / 1024),
        )
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY as u64) {
        return too_large();
    }
    if req.body().is_end_stream() {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => {
            next.run(axum::extract::Request::from_parts(parts, Body::from(bytes)))
                .await
        }
        Err(e) => {
            let over = std::error::Error::source(&e)
                .is_some_and(|s| s.is::<http_body_util::LengthLimitError>());
            if over {
                too_large()
            } else {
                refuse(
                    axum::http::StatusCode::BAD_REQUEST,
                    "The request body could not be read.".into(),
                )
            }
        }
    }
}

/// The pages' routes, found once per process. Finding them runs the app
/// with resources held back by a process-wide switch, and a page rendered
/// by another router of this process at that moment would wait for its
/// data forever (leptos_server's `SuppressResourceLoad`; leptos issue
/// 4773): a server builds one router, but the tests build many at once.
fn page_routes() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: std::sync::OnceLock<Vec<leptos_axum::AxumRouteListing>> =
        std::sync::OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The application's router.
pub fn build(state: AppState) -> Router {
    let routes = page_routes();
    let context = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            // The nonce the security layer made for this answer, which its
            // policy names (see `headers`), in place of one of Leptos' own.
            if let Some(nonce) = use_context::<axum::http::request::Parts>()
                .as_ref()
                .and_then(headers::nonce_of)
            {
                provide_context(nonce);
            }
        }
    };
    let shell_options = state.leptos_options.as_ref().clone();
    let fallback_context = context.clone();
    // What machines call: the token API, forward auth and the health
    // checks. No page is rendered for them and nothing a browser holds
    // authenticates them (a bearer token is never sent on its own), so they
    // skip the browser's layers below: the origin check (a proxy such as
    // Envoy passes the original request's `Origin` and cookies on to
    // `/auth/verify`, and a POST from the platform's own pages must not be
    // refused here), the form refusals, the server functions' errors and
    // the page's nonce. Forward auth reads no body, so it is outside the
    // body limit too; every request of the platform comes through it.
    let machine = Router::new()
        .route("/healthz", get(rest::meta::healthz))
        .route("/livez", get(rest::meta::livez))
        .nest("/api/v1", rest::router(state.clone()))
        .layer(middleware::from_fn(limit_body))
        .route(verify::PATH, any(verify::verify))
        .route(
            &format!("{}/{{*original}}", verify::PATH),
            any(verify::verify),
        )
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            headers::machine,
        ));
    let browser = Router::new()
        .route("/settings/audit-log/export.csv", get(export::csv))
        .route("/settings/audit-log/export.json", get(export::json))
        .route("/avatars/{name}", get(avatar::serve))
        .route("/internal/db-auth", post(rest::db_auth::db_auth))
        .route(introspect::PATH, post(introspect::introspect))
        .leptos_routes_with_context(&state, routes, context, move || {
            shell(shell_options.clone())
        })
        .fallback(leptos_axum::file_and_error_handler_with_context::<
            AppState,
            _,
        >(fallback_context, shell))
        .layer(middleware::map_response(fn_errors::status))
        .layer(middleware::from_fn_with_state(
            refusal::Keys {
                settings: state.settings.clone(),
                secrets: state.secrets.clone(),
            },
            refusal::carry,
        ))
        .layer(middleware::from_fn(limit_body))
        // The avatar upload is outside the three layers above, on purpose:
        // its body may be larger than MAX_BODY (it reads up to its own limit
        // and says so), it is fetched by the page's script, never posted as
        // a form (so there is no refusal to carry), and it answers its own
        // status with an `AppError` body (what fn_errors gives server
        // functions). The origin check and everything outside it apply.
        .route("/settings/avatar", post(avatar::upload))
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            origin::guard,
        ))
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
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            headers::security,
        ));
    let app = machine
        .merge(browser)
        // Every layer and handler sees the client's address.
        .layer(middleware::from_fn_with_state(
            state.settings.clone(),
            client::remember,
        ));
    let app = match state.metrics.clone() {
        Some(metrics) => app.layer(middleware::from_fn_with_state(metrics, metrics::track)),
        None => app,
    };
    // Outermost: everything logged for a request carries its id.
    app.layer(middleware::from_fn(request_id::trace))
        .with_state(state)
}
