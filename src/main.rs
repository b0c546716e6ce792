//! The `account-settings` binary: parses the command line and hands over to
//! the library.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    account_settings::server::cli::run().await
}
