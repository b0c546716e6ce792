//! The command line: `serve` (the default), `user create`, `token issue`,
//! `service create|list|revoke`, `secret rotate`, `db copy`.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use tracing_subscriber::EnvFilter;

use super::open::{open, read_key_file};
use crate::model::audit::AuditAction;
use crate::model::scope::Scopes;
use crate::model::token::Expiry;
use crate::model::validate;
use crate::server::config::{Config, Settings};
use crate::server::events;
use crate::server::identity::users;
use crate::server::kernel::password;
use crate::server::kernel::token_secret::PlainToken;
use crate::server::{db, tokens};

#[derive(Parser)]
#[command(
    name = "account-settings",
    version,
    about = "Self-hostable account settings portal"
)]
struct Cli {
    #[command(flatten)]
    config: Config,
    /// How log lines are written: `text` for people, `json` (one object per
    /// line, with the request's span) for log collectors.
    #[arg(long, env = "LOG_FORMAT", global = true, default_value = "text", value_parser = ["text", "json"])]
    log_format: String,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the REST API (the default).
    Serve,
    /// Manage users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Manage the platform's services that introspect tokens
    /// (`POST /oauth/introspect`).
    Service {
        #[command(subcommand)]
        command: ServiceCommand,
    },
    /// Manage the server key.
    Secret {
        #[command(subcommand)]
        command: SecretCommand,
    },
    /// Move the installation between databases.
    Db {
        #[command(subcommand)]
        command: DbCommand,
    },
}

#[derive(Subcommand)]
enum SecretCommand {
    /// Re-seal every stored database password with a new key, in one
    /// transaction. The current key comes from SECRET_KEY, SECRET_KEY_FILE
    /// or DATA_DIR/secret.key (which is then replaced by the new one).
    /// Restart every instance with the new key afterwards.
    Rotate {
        /// A file holding the new key: 64 hexadecimal digits
        /// (e.g. `od -An -tx1 -N32 /dev/urandom | tr -d ' \n'`).
        #[arg(long)]
        new_key_file: std::path::PathBuf,
    },
}

#[derive(Subcommand)]
enum ServiceCommand {
    /// Make a service and print its client id and secret (the secret only
    /// this once): the HTTP Basic credential of its introspection requests.
    Create {
        /// 1 to 64 of a-z, 0-9, '-', '_', '.'.
        #[arg(long)]
        name: String,
    },
    /// List the services: name, client id, made, last used, revoked.
    List,
    /// Revoke a service's credential: refused from now on.
    Revoke {
        #[arg(long)]
        name: String,
    },
}

#[derive(Subcommand)]
enum DbCommand {
    /// Copy a whole installation into an empty PostgreSQL database, in one
    /// transaction, verified table by table. Stop the servers first.
    Copy {
        /// The installation to copy (sqlite://… or postgres://…).
        #[arg(long)]
        from: String,
        /// An empty PostgreSQL database (postgres://…).
        #[arg(long)]
        to: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; the password is read from standard input.
    Create {
        #[arg(long)]
        handle: String,
        #[arg(long)]
        email: String,
        /// Make the user an administrator.
        #[arg(long)]
        admin: bool,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a token for a user and print it (once).
    Issue {
        #[arg(long)]
        handle: String,
        #[arg(long, default_value = "")]
        name: String,
        /// Days until it expires (default 30).
        #[arg(long, default_value_t = 30)]
        expires_days: u32,
        /// A scope the token gets (repeatable): user:read, user:write,
        /// tokens:read, tokens:write, audit:read. Default: all of them.
        #[arg(long = "scope")]
        scopes: Vec<String>,
    },
}

/// Runs the command line; the exit code tells how it went.
pub async fn run() -> ExitCode {
    let cli = Cli::parse();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")),
        )
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: a log file or collector
        // gets plain text (and each request's span costs less to write).
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    if cli.log_format == "json" {
        logs.json()
            .with_current_span(true)
            .with_span_list(false)
            .init();
    } else {
        logs.init();
    }
    let result = match cli.command.unwrap_or(Command::Serve) {
        Command::Serve => super::serve::serve(cli.config).await,
        Command::User {
            command:
                UserCommand::Create {
                    handle,
                    email,
                    admin,
                },
        } => create_user(cli.config, handle, email, admin).await,
        Command::Token {
            command:
                TokenCommand::Issue {
                    handle,
                    name,
                    expires_days,
                    scopes,
                },
        } => issue_token(cli.config, handle, name, expires_days, scopes).await,
        Command::Service { command } => service(cli.config, command).await,
        Command::Db {
            command: DbCommand::Copy { from, to },
        } => copy_database(&from, &to).await,
        Command::Secret {
            command: SecretCommand::Rotate { new_key_file },
        } => rotate_key(cli.config, &new_key_file).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn rotate_key(mut config: Config, new_key_file: &std::path::Path) -> Result<(), String> {
    use crate::server::kernel::secret_box::SecretBox;
    read_key_file(&mut config)?;
    let text = std::fs::read_to_string(new_key_file).map_err(|e| {
        format!(
            "--new-key-file: cannot read {}: {e}",
            new_key_file.display()
        )
    })?;
    let new = SecretBox::from_hex(&text, "--new-key-file")?;
    let old = match &config.secret_key {
        Some(key) => SecretBox::from_hex(key.expose(), "SECRET_KEY")?,
        None => {
            let path = SecretBox::key_file(&config.data_dir);
            let hex = std::fs::read_to_string(&path).map_err(|e| {
                format!(
                    "SECRET_KEY: not set, and {} cannot be read: {e}",
                    path.display()
                )
            })?;
            SecretBox::from_hex(&hex, "DATA_DIR/secret.key")?
        }
    };
    let pool = open(&config).await?;
    let n = old.reseal_all(&pool, &new).await?;
    pool.close().await;
    println!("re-sealed {n} database passwords with the new key");
    if config.secret_key.is_none() {
        SecretBox::replace_key_file(&config.data_dir, &text)?;
        println!(
            "{} now holds the new key",
            SecretBox::key_file(&config.data_dir).display()
        );
    } else {
        println!("start every instance with the new key (SECRET_KEY or SECRET_KEY_FILE)");
    }
    Ok(())
}

async fn copy_database(from: &str, to: &str) -> Result<(), String> {
    let copied = crate::server::db::copy::copy(from, to).await?;
    println!("copied into {}:", db::redact_url(to));
    for (table, n) in copied.tables {
        println!("  {table:<16} {n:>10} rows (counts match)");
    }
    println!("Start the servers with DATABASE_URL set to the new database and the same SECRET_KEY");
    println!("(on SQLite the key was in DATA_DIR/secret.key).");
    Ok(())
}

async fn create_user(
    config: Config,
    handle: String,
    email: String,
    admin: bool,
) -> Result<(), String> {
    let handle = validate::handle(&handle).map_err(|e| format!("--handle: {e}"))?;
    let email = validate::email(&email).map_err(|e| format!("--email: {e}"))?;
    let mut secret = String::new();
    std::io::stdin()
        .read_to_string(&mut secret)
        .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
    let secret = secret.trim_end_matches(['\r', '\n']).to_owned();
    password::check_new(&secret, "password").map_err(|e| format!("password: {e}"))?;
    let pool = open(&config).await?;
    let hash = password::Hasher::new(1, 0)
        .hash(secret)
        .await
        .map_err(|e| e.to_string())?;
    let id = users::create(
        &pool,
        &handle,
        &email,
        &hash,
        admin,
        &Default::default(),
        |id| {
            vec![events::NewEvent::new(id, AuditAction::SignUp)
                .detail("Created from the command line")]
        },
    )
    .await
    .map_err(|e| e.to_string())?;
    println!("created user {handle} (id {id})");
    Ok(())
}

async fn service(config: Config, command: ServiceCommand) -> Result<(), String> {
    use crate::server::platform::services;
    let db = open(&config).await?;
    match command {
        ServiceCommand::Create { name } => {
            let name =
                crate::model::service::check_name(&name).map_err(|e| format!("--name: {e}"))?;
            let made = services::create(&db, &name, None, None)
                .await
                .map_err(|e| format!("--name: {e}"))?;
            eprintln!(
                "service {} made; its secret is shown only now",
                made.service.name
            );
            println!("client_id={}", made.service.client_id);
            println!("client_secret={}", made.secret);
        }
        ServiceCommand::List => {
            let fmt =
                |t: Option<i64>| t.map_or_else(|| "-".to_owned(), crate::model::time::rfc3339);
            println!("name\tclient_id\tcreated\tlast_used\trevoked");
            for s in services::list(&db).await.map_err(|e| e.to_string())? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    s.name,
                    s.client_id,
                    fmt(Some(s.created_at)),
                    fmt(s.last_used_at),
                    fmt(s.revoked_at)
                );
            }
        }
        ServiceCommand::Revoke { name } => {
            let s = services::revoke(&db, services::Which::Name(name.trim()), |_| None)
                .await
                .map_err(|e| format!("--name: {e}"))?;
            eprintln!("service {} revoked", s.name);
        }
    }
    db.close().await;
    Ok(())
}

async fn issue_token(
    config: Config,
    handle: String,
    name: String,
    days: u32,
    scopes: Vec<String>,
) -> Result<(), String> {
    let settings = Settings::from_config(&config);
    let name = validate::token_name(&name).map_err(|e| format!("--name: {e}"))?;
    let (scopes, platform_scopes) = if scopes.is_empty() {
        (Scopes::ALL, String::new())
    } else {
        settings
            .platform
            .split_scopes(&scopes.join(" "))
            .map_err(|e| format!("--scope: {e}"))?
    };
    let pool = open(&config).await?;
    let user_id = users::id_by_handle(&pool, &handle)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("--handle: no user {handle}"))?;
    let expires_at = Expiry::Days(days)
        .resolve(pool.now(), &settings.policy)
        .map_err(|e| format!("--expires-days: {e}"))?;
    let token = PlainToken::generate(&settings.token_prefix);
    tokens::insert(
        &pool,
        user_id,
        tokens::NewToken {
            name: &name,
            token: &token,
            prefix: &settings.token_prefix,
            expires_at,
            scopes,
            platform_scopes: &platform_scopes,
        },
        settings.policy.max_per_user,
        events::NewEvent::new(user_id, AuditAction::TokenCreated)
            .detail("Issued from the command line"),
    )
    .await
    .map_err(|e| e.to_string())?;
    // The token alone on standard output, for scripts to capture.
    let mut names = scopes.names();
    names.extend(platform_scopes.split(' ').filter(|s| !s.is_empty()));
    eprintln!("scopes: {}", names.join(" "));
    println!("{}", token.expose());
    Ok(())
}
