//! What every command opens first: the data directory and the database,
//! and the server key read from `SECRET_KEY_FILE`.

use crate::server::config::Config;
use crate::server::db;

pub async fn open(config: &Config) -> Result<db::Db, String> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|e| format!("DATA_DIR: cannot create {}: {e}", config.data_dir.display()))?;
    let url = config.database_url.as_ref().map_or_else(
        || db::default_url(&config.data_dir),
        |u| u.expose().to_owned(),
    );
    db::connect(&url).await
}

/// Reads `SECRET_KEY_FILE` into `secret_key`, when given.
pub fn read_key_file(config: &mut Config) -> Result<(), String> {
    if let Some(path) = &config.secret_key_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("SECRET_KEY_FILE: cannot read {}: {e}", path.display()))?;
        config.secret_key = Some(
            crate::server::config::parse_secret(text.trim())
                .map_err(|e| format!("SECRET_KEY_FILE: {e}"))?,
        );
    }
    Ok(())
}
