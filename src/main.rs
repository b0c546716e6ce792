//! The `account-settings` binary: parses the command line and hands over to
//! the library.

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    account_settings::server::run::cli::run().await
}
