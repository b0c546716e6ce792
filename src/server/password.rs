//! Password hashing: argon2id (m=19 MiB, t=2, p=1), always off the async
//! runtime because one hash takes tens of milliseconds of CPU.

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{AppError, Reason};

fn argon2() -> Argon2<'static> {
    // The parameters are constants known to be valid.
    let params = Params::new(19 * 1024, 2, 1, None).unwrap_or_default();
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub async fn hash(password: String) -> Result<String, AppError> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
    })
    .await
    .map_err(AppError::internal)?
    .map_err(AppError::internal)
}

/// Checks a password against a stored hash. With no stored hash (unknown
/// user) it still does the work of one check, so timing does not tell
/// whether an account exists.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool, AppError> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| dummy_hash().to_owned());
        let Ok(parsed) = PasswordHash::new(&stored) else {
            return false;
        };
        argon2()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
            && known
    })
    .await
    .map_err(AppError::internal)
}

/// Whether a password is among the 10,000 most common (ignoring case).
pub fn is_common(password: &str) -> bool {
    static LIST: std::sync::LazyLock<std::collections::HashSet<&'static str>> =
        std::sync::LazyLock::new(|| {
            include_str!("common-passwords.txt")
                .lines()
                .filter(|l| !l.starts_with('#') && !l.is_empty())
                .collect()
        });
    LIST.contains(password.to_lowercase().as_str())
}

/// The rules for a new password: [`crate::model::validate::password`] plus the list of
/// common ones, which only the server holds.
pub fn check_new(password: &str, field: &str) -> Result<(), AppError> {
    crate::model::validate::password(password, field)?;
    if is_common(password) {
        return Err(AppError::invalid(
            field,
            "This password is one of the most common ones. Choose another.",
        ));
    }
    Ok(())
}

/// Checks the signed-in user's current password before a sensitive change
/// (email, password, deleting the account). Wrong guesses are limited per
/// user, so a stolen session cannot be used to guess the password at
/// leisure; strangers' failed sign-ins never count here.
pub async fn verify_current(
    state: &super::state::AppState,
    user_id: i64,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::invalid(field, "Enter your current password."));
    }
    let keys = super::limiter::current_password_keys(user_id);
    let now = super::db::now();
    if let Some(retry_after) = state.login_limiter.check(&keys, now).await?.retry_after {
        return Err(AppError::RateLimited(retry_after));
    }
    let hash = super::users::password_hash(&state.db, user_id).await?;
    if password.chars().count() > 128 || !verify(password, Some(hash)).await? {
        state.login_limiter.fail(&keys, now).await?;
        return Err(
            AppError::invalid(field, "That is not your current password.")
                .because(Reason::WrongPassword),
        );
    }
    Ok(())
}

/// A hash of a random password nobody knows, made once per process.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| {
        let salt = SaltString::generate(&mut OsRng);
        let secret = SaltString::generate(&mut OsRng);
        argon2()
            .hash_password(secret.as_str().as_bytes(), &salt)
            .map(|h| h.to_string())
            .unwrap_or_default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hash_then_verify() {
        let h = hash("correct horse battery".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify("correct horse battery".into(), Some(h.clone()))
            .await
            .unwrap());
        assert!(!verify("wrong horse battery".into(), Some(h)).await.unwrap());
    }

    #[test]
    fn common_passwords_are_refused() {
        assert!(is_common("qwerty123456"));
        assert!(is_common("QWERTY123456"));
        assert!(is_common("password"));
        assert!(!is_common("correct horse battery staple"));
        assert_eq!(
            check_new("1qaz2wsx3edc", "password").unwrap_err().field(),
            Some("password")
        );
        assert!(check_new("correct horse battery staple", "password").is_ok());
        assert!(check_new("short", "password").is_err());
    }

    #[tokio::test]
    async fn verify_without_user_is_false() {
        assert!(!verify("anything at all".into(), None).await.unwrap());
    }
}
