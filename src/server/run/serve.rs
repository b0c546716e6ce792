//! `serve`: the settings checked together, the database opened, the
//! background work started (mail, scans, housekeeping), and the server run
//! until SIGTERM or Ctrl-C.

use super::open::{open, read_key_file};
use super::router;
use crate::server::config::{Config, Settings};
use crate::server::db;

pub async fn serve(mut config: Config) -> Result<(), String> {
    read_key_file(&mut config)?;
    if config
        .trusted_proxies
        .as_ref()
        .is_some_and(|t| !t.0.is_empty())
        && config.public_url.is_none()
    {
        return Err(
            "PUBLIC_URL: required when TRUSTED_PROXIES is set (behind a proxy the \
                    request's own Host cannot be trusted for the same-origin check)"
                .into(),
        );
    }
    if config.smtp_url.is_some() && config.public_url.is_none() {
        return Err(
            "PUBLIC_URL: required when SMTP_URL is set (every mail links back to the site)".into(),
        );
    }
    let pool = open(&config).await?;
    if pool.backend() == db::Backend::Postgres && config.secret_key.is_none() {
        return Err(
            "SECRET_KEY: required with a PostgreSQL DATABASE_URL (every instance must \
                    seal with the same key): set SECRET_KEY to 64 hexadecimal digits, or \
                    SECRET_KEY_FILE to a file holding them"
                .into(),
        );
    }
    let settings = Settings::from_config(&config);
    let state = router::state(pool.clone(), settings.clone(), &config.site_root)?;
    state.secrets.check_against(&pool).await?;
    crate::server::http::avatar::import_files(&pool, &config.data_dir).await?;
    let audit_log = state.audit.clone();
    match &settings.smtp {
        Some(url) => {
            tracing::info!(server = %url.redacted(), from = %settings.mail_from, "mailing notices")
        }
        None => tracing::info!(
            "SMTP_URL is not set: nothing is mailed (notices are listed in the app), \
             and sign-in does not offer a password reset"
        ),
    }
    if let Some(addr) = settings.metrics_addr {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| format!("METRICS_ADDR: cannot listen on {addr}: {e}"))?;
        tracing::info!(%addr, "metrics on http://{addr}/metrics");
        let metrics = super::metrics::router(state.clone());
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, metrics).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    tokio::spawn(state.outbox().run());
    tokio::spawn(crate::server::notify::scan::run(pool.clone()));
    let app = router::build(state);

    tokio::spawn(super::housekeeping::run(pool, settings));

    let listener = tokio::net::TcpListener::bind(config.listen_addr)
        .await
        .map_err(|e| format!("LISTEN_ADDR: cannot listen on {}: {e}", config.listen_addr))?;
    tracing::info!(addr = %config.listen_addr, "listening on http://{}", config.listen_addr);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .map_err(|e| format!("server error: {e}"))?;
    // Write whatever the audit queue still holds before exiting.
    audit_log.flush().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
