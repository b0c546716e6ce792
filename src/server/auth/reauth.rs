//! Asking again for the current password before a sensitive change (email,
//! password, deleting the account), with its own limit per user.

use crate::error::{AppError, Reason};

/// Checks the signed-in user's current password before a sensitive change
/// (email, password, deleting the account). Wrong guesses are limited per
/// user, so a stolen session cannot be used to guess the password at
/// leisure; strangers' failed sign-ins never count here.
pub async fn verify_current(
    state: &super::deps::Deps<'_>,
    user_id: i64,
    password: String,
    field: &str,
) -> Result<(), AppError> {
    if password.is_empty() {
        return Err(AppError::invalid(field, "Enter your current password."));
    }
    let keys = crate::server::auth::limiter::current_password_keys(user_id);
    state.limit(&keys).await?;
    let hash = crate::server::identity::users::password_hash(state.db, user_id).await?;
    let right = if password.chars().count() > 128 {
        false
    } else {
        match state.hasher.verify(password, Some(hash)).await {
            Ok(right) => right,
            Err(e) => {
                state.login_limiter.give_back(&keys).await?;
                return Err(e);
            }
        }
    };
    if right {
        state.login_limiter.give_back(&keys).await?;
    } else {
        return Err(
            AppError::invalid(field, "That is not your current password.")
                .because(Reason::WrongPassword),
        );
    }
    Ok(())
}
