//! Configuration: flags with environment fallbacks and defaults. A bad value
//! stops start-up with a message that names the setting.

pub mod platform;
pub mod request_path;
pub mod smtp;
mod values;

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{ArgAction, Args};

use crate::model::token::TokenPolicy;
use smtp::SmtpUrl;
use values::{
    parse_database_url, parse_prefix, parse_proxy_secret, parse_public_url, parse_trusted_proxies,
};
pub use values::{parse_secret, parse_trusted, DatabaseUrl, Secret, TrustedProxies};

/// Settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Database URL; defaults to an SQLite file in the data directory.
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true,
          value_parser = parse_database_url)]
    pub database_url: Option<DatabaseUrl>,
    /// Address to listen on.
    #[arg(
        long,
        env = "LISTEN_ADDR",
        global = true,
        default_value = "127.0.0.1:3000"
    )]
    pub listen_addr: SocketAddr,
    /// Proxies whose `X-Forwarded-For` is believed: comma-separated IP
    /// addresses or CIDR ranges (default none).
    #[arg(long, env = "TRUSTED_PROXIES", global = true, value_parser = parse_trusted_proxies)]
    pub trusted_proxies: Option<TrustedProxies>,
    /// The address users reach the site at (e.g. https://accounts.example.com).
    #[arg(long, env = "PUBLIC_URL", global = true, value_parser = parse_public_url)]
    pub public_url: Option<String>,
    /// Where the database and generated files live.
    #[arg(long, env = "DATA_DIR", global = true, default_value = "data")]
    pub data_dir: PathBuf,
    /// Prefix of every API token (lower-case letters and digits).
    #[arg(long, env = "TOKEN_PREFIX", global = true, default_value = "ast", value_parser = parse_prefix)]
    pub token_prefix: String,
    /// Tokens a user may hold at a time.
    #[arg(long, env = "MAX_TOKENS_PER_USER", global = true, default_value_t = 2,
          value_parser = clap::value_parser!(u32).range(1..=100))]
    pub max_tokens_per_user: u32,
    /// Days before expiry from which a token shows a warning.
    #[arg(long, env = "TOKEN_EXPIRY_WARNING_DAYS", global = true, default_value_t = 7,
          value_parser = clap::value_parser!(u32).range(0..=365))]
    pub token_expiry_warning_days: u32,
    /// Longest lifetime a token may be given, in days.
    #[arg(long, env = "MAX_TOKEN_LIFETIME_DAYS", global = true, default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=3650))]
    pub max_token_lifetime_days: u32,
    /// Offer "No expiration" for tokens.
    #[arg(long, env = "ALLOW_NON_EXPIRING_TOKENS", global = true, default_value_t = false,
          action = ArgAction::Set)]
    pub allow_non_expiring_tokens: bool,
    /// Let anyone create an account at /signup.
    #[arg(long, env = "ALLOW_SIGNUP", global = true, default_value_t = true, action = ArgAction::Set)]
    pub allow_signup: bool,
    /// Sign-up attempts one address may make in 15 minutes (each costs a
    /// password hash).
    #[arg(long, env = "SIGNUPS_PER_ADDRESS", global = true, default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub signups_per_address: u32,
    /// Password hashes run at once (each takes 19 MiB and a core for tens
    /// of milliseconds); 0: one per core.
    #[arg(long, env = "HASH_WORKERS", global = true, default_value_t = 0,
          value_parser = clap::value_parser!(u32).range(0..=256))]
    pub hash_workers: u32,
    /// Password hashes that may wait for a worker; past them a request is
    /// answered 503 with `Retry-After`. Default: 8 per worker.
    #[arg(long, env = "HASH_QUEUE", global = true,
          value_parser = clap::value_parser!(u32).range(0..=100_000))]
    pub hash_queue: Option<u32>,
    /// Requests each API token may make in an hour, counted across every
    /// instance (0: no limit).
    #[arg(long, env = "API_RATE_LIMIT_PER_HOUR", global = true, default_value_t = 5000,
          value_parser = clap::value_parser!(u32).range(0..=100_000_000))]
    pub api_rate_limit_per_hour: u32,
    /// Introspection requests (`POST /oauth/introspect`) each service may
    /// make in a minute, on each instance (0: no limit).
    #[arg(long, env = "SERVICE_RATE_LIMIT_PER_MINUTE", global = true, default_value_t = 60_000,
          value_parser = clap::value_parser!(u32).range(0..=100_000_000))]
    pub service_rate_limit_per_minute: u32,
    /// Where `GET /metrics` (Prometheus) is served, e.g. 127.0.0.1:9100;
    /// unset: no metrics are kept.
    #[arg(long, env = "METRICS_ADDR", global = true)]
    pub metrics_addr: Option<SocketAddr>,
    /// Domain under which each user's workspace database lives.
    #[arg(
        long,
        env = "WORKSPACE_DOMAIN",
        global = true,
        default_value = "db.localhost"
    )]
    pub workspace_domain: String,
    /// Days the audit log is kept.
    #[arg(long, env = "AUDIT_RETENTION_DAYS", global = true, default_value_t = 365,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub audit_retention_days: u32,
    /// Days without use after which a token is deactivated (unset: never).
    #[arg(long, env = "TOKEN_IDLE_REVOKE_DAYS", global = true,
          value_parser = clap::value_parser!(u32).range(1..=36500))]
    pub token_idle_revoke_days: Option<u32>,
    /// Minutes of inactivity after which a session ends.
    #[arg(long, env = "SESSION_IDLE_MINUTES", global = true, default_value_t = 30,
          value_parser = clap::value_parser!(u32).range(1..=10080))]
    pub session_idle_minutes: u32,
    /// Hours after which a session ends, however active.
    #[arg(long, env = "SESSION_MAX_HOURS", global = true, default_value_t = 12,
          value_parser = clap::value_parser!(u32).range(1..=8760))]
    pub session_max_hours: u32,
    /// Folder with the built site (WASM, CSS, assets).
    #[arg(
        long,
        env = "LEPTOS_SITE_ROOT",
        global = true,
        default_value = "target/site"
    )]
    pub site_root: String,
    /// The server key as 64 hex digits; by default it is generated into
    /// `DATA_DIR/secret.key` on first start.
    #[arg(long, env = "SECRET_KEY", global = true, hide_env_values = true,
          value_parser = parse_secret)]
    pub secret_key: Option<Secret>,
    /// While a key rotation rolls out: the previous key (64 hex digits), so
    /// that values it sealed still open.
    #[arg(long, env = "SECRET_KEY_PREVIOUS", global = true, hide_env_values = true,
          value_parser = parse_secret)]
    pub secret_key_previous: Option<Secret>,
    /// A file holding the server key (64 hex digits), instead of
    /// `SECRET_KEY`.
    #[arg(long, env = "SECRET_KEY_FILE", global = true)]
    pub secret_key_file: Option<PathBuf>,
    /// The mail server: `smtp://user:password@host:587` (STARTTLS),
    /// `smtps://user:password@host:465`, or `smtp://host:25?tls=none` for a
    /// relay on this machine. Unset: nothing is mailed.
    #[arg(long, env = "SMTP_URL", global = true, hide_env_values = true,
          value_parser = SmtpUrl::parse)]
    pub smtp_url: Option<SmtpUrl>,
    /// The sender of every mail, e.g. `Account Settings <accounts@example.com>`
    /// (default: accounts@ the host of PUBLIC_URL).
    #[arg(long, env = "MAIL_FROM", global = true)]
    pub mail_from: Option<String>,
    /// The secret a workspace database proxy sends to
    /// `POST /internal/db-auth`; that path is off while it is unset.
    #[arg(long, env = "DB_PROXY_SECRET", global = true, hide_env_values = true,
          value_parser = parse_proxy_secret)]
    pub db_proxy_secret: Option<Secret>,
    /// The operator's platform file (TOML): the scopes their services
    /// define and the rules `/auth/verify` applies. Read at start-up.
    #[arg(long, env = "PLATFORM_CONFIG", global = true, value_parser = platform::load)]
    pub platform_config: Option<std::sync::Arc<platform::Platform>>,
}

/// What the running server needs to know, derived once from [`Config`].
#[derive(Debug, Clone)]
pub struct Settings {
    pub policy: TokenPolicy,
    pub token_prefix: String,
    /// `scheme://host[:port]` when configured; otherwise the request's Host counts.
    pub public_origin: Option<String>,
    /// Cookies get `Secure` and the `__Host-` name.
    pub secure_cookies: bool,
    pub allow_signup: bool,
    /// Sign-up attempts per address in a limiter window.
    pub signups_per_address: u32,
    /// Password hashes at once, and waiting.
    pub hash_workers: usize,
    pub hash_queue: usize,
    /// API requests per token and hour (0: no limit).
    pub api_rate_limit_per_hour: u32,
    /// Introspection requests per service and minute (0: no limit).
    pub service_rate_limit_per_minute: u32,
    /// Where `/metrics` is served (`None`: nothing is counted).
    pub metrics_addr: Option<std::net::SocketAddr>,
    pub workspace_domain: String,
    pub audit_retention_days: u32,
    /// Tokens unused this many days are deactivated (`None`: never).
    pub token_idle_revoke_days: Option<u32>,
    pub session_idle_secs: i64,
    pub session_max_secs: i64,
    /// Where uploaded avatars (and the server key) live.
    pub data_dir: PathBuf,
    /// The configured server key; `None` means the key file in `data_dir`.
    pub secret_key: Option<Secret>,
    /// What a database proxy must present to verify passwords.
    pub db_proxy_secret: Option<Secret>,
    /// The previous server key while a rotation rolls out.
    pub secret_key_previous: Option<Secret>,
    /// Peers whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Where mail goes out (`None`: nothing is mailed).
    pub smtp: Option<SmtpUrl>,
    /// The sender of every mail.
    pub mail_from: String,
    /// The clock the server runs on, put into its [`Db`](super::db::Db)
    /// (tests move it forward).
    pub clock: super::db::Clock,
    /// The operator's scopes and rules (empty without `PLATFORM_CONFIG`).
    pub platform: std::sync::Arc<platform::Platform>,
}

/// `HASH_WORKERS`, with 0 meaning one per core.
fn hash_workers(configured: u32) -> usize {
    match configured {
        0 => super::kernel::password::Hasher::default_workers(),
        n => n as usize,
    }
}

impl Settings {
    pub fn from_config(c: &Config) -> Self {
        Self {
            policy: TokenPolicy {
                max_per_user: c.max_tokens_per_user,
                warning_days: c.token_expiry_warning_days,
                max_lifetime_days: c.max_token_lifetime_days,
                allow_non_expiring: c.allow_non_expiring_tokens,
            },
            token_prefix: c.token_prefix.clone(),
            public_origin: c.public_url.clone(),
            secure_cookies: c
                .public_url
                .as_deref()
                .is_some_and(|u| u.starts_with("https://")),
            allow_signup: c.allow_signup,
            signups_per_address: c.signups_per_address,
            hash_workers: hash_workers(c.hash_workers),
            hash_queue: c
                .hash_queue
                .map_or(8 * hash_workers(c.hash_workers), |q| q as usize),
            api_rate_limit_per_hour: c.api_rate_limit_per_hour,
            service_rate_limit_per_minute: c.service_rate_limit_per_minute,
            metrics_addr: c.metrics_addr,
            workspace_domain: c.workspace_domain.clone(),
            audit_retention_days: c.audit_retention_days,
            token_idle_revoke_days: c.token_idle_revoke_days,
            session_idle_secs: i64::from(c.session_idle_minutes) * 60,
            session_max_secs: i64::from(c.session_max_hours) * 3600,
            data_dir: c.data_dir.clone(),
            secret_key: c.secret_key.clone(),
            db_proxy_secret: c.db_proxy_secret.clone(),
            secret_key_previous: c.secret_key_previous.clone(),
            trusted_proxies: c.trusted_proxies.clone().unwrap_or_default().0,
            smtp: c.smtp_url.clone(),
            mail_from: c.mail_from.clone().unwrap_or_else(|| {
                let host = c
                    .public_url
                    .as_deref()
                    .and_then(|u| u.split_once("://"))
                    .map(|(_, rest)| rest.split(':').next().unwrap_or(rest))
                    .unwrap_or("localhost");
                format!("Account Settings <accounts@{host}>")
            }),
            clock: super::db::Clock::system(),
            platform: c.platform_config.clone().unwrap_or_default(),
        }
    }

    /// The start of every absolute link in mail: `PUBLIC_URL`, or the
    /// listening address's loopback form when it is unset.
    pub fn mail_base(&self) -> String {
        self.public_origin
            .clone()
            .unwrap_or_else(|| "http://localhost:3000".to_owned())
    }

    /// Defaults, as a fresh install gets them: the built-in values only,
    /// whatever the environment says (so tests do not depend on the shell).
    pub fn defaults() -> Self {
        use clap::{CommandFactory, FromArgMatches, Parser};
        #[derive(Parser)]
        struct Only {
            #[command(flatten)]
            config: Config,
        }
        let matches = Only::command()
            .mut_args(|a| a.env(None))
            .get_matches_from(["account-settings"]);
        let only = Only::from_arg_matches(&matches).expect("the defaults parse");
        Self::from_config(&only.config)
    }
}
