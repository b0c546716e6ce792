//! The Profile page: names and email, avatar address, database password.
//! (Avatar files are uploaded to `POST /settings/avatar`, see
//! `server::avatar`.)

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::{DbConnection, ProfileView};
use crate::model::secret::Password;

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::model::account::{masked_connection, DbConnection, ProfileView};
    use crate::server::identity::db_password;
    use crate::server::identity::users::{self, Profile};
    use crate::server::state::AppState;

    /// The page's view of `p`, with where its address stands.
    pub async fn view(
        state: &AppState,
        p: Profile,
        verified: bool,
    ) -> Result<ProfileView, AppError> {
        let pending = crate::server::auth::links::pending_email(&state.db, p.id)
            .await?
            .map(|(email, _)| email);
        Ok(ProfileView {
            email_verified: verified,
            pending_email: pending,
            avatar: p.avatar(None),
            avatar_url: p
                .avatar_file
                .is_none()
                .then(|| p.avatar_url.clone())
                .flatten(),
            handle: p.handle,
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            display_name: p.display_name,
        })
    }

    /// Sets or removes the signed-in user's avatar and records it.
    pub async fn change_avatar(
        change: users::AvatarChange<'_>,
        detail: &str,
    ) -> Result<ProfileView, AppError> {
        use crate::model::audit::AuditAction;
        use crate::server::events::NewEvent;
        use crate::server::run::context;

        let s = context::require_session().await?;
        let state = context::state()?;
        let meta = context::ClientMeta::of(&context::parts()?);
        let event = NewEvent::new(s.user.id, AuditAction::AvatarChanged)
            .client(&meta)
            .detail(detail);
        users::set_avatar(&state.db, s.user.id, change, event).await?;
        view(
            &state,
            users::profile(&state.db, s.user.id).await?,
            s.user.email_verified,
        )
        .await
    }

    pub async fn connection(
        state: &AppState,
        user_id: i64,
        password: Option<String>,
    ) -> Result<DbConnection, AppError> {
        let handle = users::profile(&state.db, user_id).await?.handle;
        let password = match password {
            Some(p) => p,
            None => db_password::get_or_create(&state.db, &state.secrets, user_id).await?,
        };
        let domain = &state.settings.workspace_domain;
        Ok(DbConnection {
            masked: masked_connection(&handle, domain),
            full: db_password::connection_string(&handle, &password, domain),
        })
    }
}

/// The signed-in user's profile.
#[server]
pub async fn get_profile() -> Result<ProfileView, AppError> {
    use crate::server::identity::users;
    use crate::server::run::context;
    let s = context::require_session().await?;
    let state = context::state()?;
    ssr::view(
        &state,
        users::profile(&state.db, s.user.id).await?,
        s.user.email_verified,
    )
    .await
}

/// Saves names and email. A new email address needs the current password,
/// and (when the server mails) takes effect once the link mailed to it is
/// opened; until then the account keeps the old one.
#[server]
pub async fn save_profile(
    first_name: String,
    last_name: String,
    display_name: String,
    email: String,
    #[server(default)] current_password: Password,
) -> Result<ProfileView, AppError> {
    use crate::server::auth::profile::{self, ProfileForm};
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let form = ProfileForm {
        names: [&first_name, &last_name, &display_name].map(String::as_str),
        email: &email,
        current_password: current_password.0,
    };
    let p = profile::save(&state.auth(), s.user.id, form, &meta).await?;
    ssr::view(&state, p, s.user.email_verified).await
}

/// Uses an https address as the avatar (never fetched by the server); an
/// empty address is refused here: removing is [`remove_avatar`].
#[server]
pub async fn set_avatar_url(avatar_url: String) -> Result<ProfileView, AppError> {
    use crate::model::validate;
    use crate::server::identity::users::AvatarChange;

    let Some(url) = validate::avatar_url(&avatar_url)? else {
        return Err(AppError::invalid(
            "avatar_url",
            "Enter an https:// address, or choose Remove avatar.",
        ));
    };
    ssr::change_avatar(AvatarChange::Url(&url), "Set a picture address").await
}

/// Removes the avatar (file or address); initials show instead.
#[server]
pub async fn remove_avatar() -> Result<ProfileView, AppError> {
    use crate::server::identity::users::AvatarChange;
    ssr::change_avatar(AvatarChange::Remove, "Removed the picture").await
}

/// The workspace database connection string (made on first view).
#[server]
pub async fn get_db_connection() -> Result<DbConnection, AppError> {
    use crate::server::run::context;
    let s = context::require_session().await?;
    let state = context::state()?;
    ssr::connection(&state, s.user.id, None).await
}

/// Makes a new database password; the old one stops working at once.
#[server]
pub async fn rotate_db_password() -> Result<DbConnection, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::identity::db_password;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let meta = context::ClientMeta::of(&context::parts()?);
    let event = NewEvent::new(s.user.id, AuditAction::DbPasswordRotated).client(&meta);
    let password = db_password::rotate(&state.db, &state.secrets, s.user.id, event).await?;
    ssr::connection(&state, s.user.id, Some(password)).await
}
