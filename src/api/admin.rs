//! `/admin/users`: administrators list, create, edit, disable and enable
//! users. Everyone else gets "not found", as for a page that does not exist.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::account::{AdminUser, AdminUsersPage, CreatedUser};

#[cfg(feature = "ssr")]
mod ssr {
    use crate::error::AppError;
    use crate::model::audit::AuditAction;
    use crate::server::auth::session::Session;
    use crate::server::events::NewEvent;
    use crate::server::run::context::{self, ClientMeta};
    use crate::server::state::AppState;

    /// The signed-in administrator; anyone else gets "not found".
    pub async fn require_admin() -> Result<(Session, AppState), AppError> {
        let s = context::require_session().await?;
        if !s.user.is_admin {
            return Err(AppError::NotFound("Page".into()));
        }
        Ok((s, context::state()?))
    }

    /// An administrator's action as it is recorded: in both their log and
    /// the user's.
    pub fn events(
        admin: &Session,
        meta: &ClientMeta,
        target: i64,
        target_handle: &str,
        action: AuditAction,
        detail: &str,
    ) -> Vec<NewEvent> {
        let mut events = vec![NewEvent::new(admin.user.id, action)
            .client(meta)
            .detail(format!("{target_handle}: {detail}"))];
        if target != admin.user.id {
            events.push(
                NewEvent::new(target, action)
                    .client(meta)
                    .detail(format!("By administrator {}: {detail}", admin.user.handle)),
            );
        }
        events
    }

    /// The client details of the request being served.
    pub fn meta() -> Result<ClientMeta, AppError> {
        Ok(ClientMeta::of(&context::parts()?))
    }
}

/// One page of users matching `search`.
#[server]
pub async fn admin_list_users(
    #[server(default)] search: String,
    #[server(default)] page: i64,
) -> Result<AdminUsersPage, AppError> {
    use crate::server::identity::admin;
    let (s, state) = ssr::require_admin().await?;
    let search: String = search.chars().take(100).collect();
    let page = page.clamp(1, 1_000_000);
    let (users, total) = admin::list(&state.db, &search, page).await?;
    let failed = crate::server::notify::outbox::failed(&state.db).await?;
    Ok(AdminUsersPage {
        users,
        total,
        page,
        per_page: admin::PER_PAGE,
        me: s.user.id,
        failed_mail: failed.count,
        failed_mail_error: failed.last_error,
        services: crate::server::platform::services::list(&state.db).await?,
    })
}

/// Makes a service of the platform with a credential for
/// `POST /oauth/introspect`; its secret is in the answer, only this once.
#[server]
pub async fn admin_create_service(
    name: String,
) -> Result<crate::model::service::CreatedService, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::platform::services;
    let (s, state) = ssr::require_admin().await?;
    let name = crate::model::service::check_name(&name)?;
    let event = NewEvent::new(s.user.id, AuditAction::ServiceCreated)
        .client(&ssr::meta()?)
        .detail(format!("Service {name}"));
    services::create(&state.db, &name, Some(s.user.id), Some(event)).await
}

/// Revokes a service's credential: refused from now on.
#[server]
pub async fn admin_revoke_service(id: i64) -> Result<crate::model::service::ServiceView, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::events::NewEvent;
    use crate::server::platform::services;
    let (s, state) = ssr::require_admin().await?;
    let meta = ssr::meta()?;
    services::revoke(&state.db, services::Which::Id(id), |done| {
        Some(
            NewEvent::new(s.user.id, AuditAction::ServiceRevoked)
                .client(&meta)
                .detail(format!("Service {}", done.name)),
        )
    })
    .await
}

/// Queues every mail that could not be delivered again; returns how many.
#[server]
pub async fn admin_retry_mail() -> Result<u64, AppError> {
    use crate::server::notify::outbox;
    let (_, state) = ssr::require_admin().await?;
    outbox::retry_failed(&state.db, state.db.now()).await
}

/// Creates a user with a one-time initial password, returned once.
#[server]
pub async fn admin_create_user(
    handle: String,
    email: String,
    first_name: String,
    last_name: String,
    role: String,
) -> Result<CreatedUser, AppError> {
    use crate::model::account::parse_role;
    use crate::model::{audit::AuditAction, validate};
    use crate::server::identity::{admin, users};
    use rand::distr::{Alphanumeric, SampleString};

    let (s, state) = ssr::require_admin().await?;
    let handle = validate::handle(&handle)?;
    let email = validate::email(&email)?;
    let first = validate::text(&first_name, "first_name", "first name", true)?;
    let last = validate::text(&last_name, "last_name", "last name", true)?;
    // "First Last", cut to the 100 characters a display name may have.
    let display: String = format!("{first} {last}").chars().take(100).collect();
    let names = validate::names(&first, &last, display.trim())?;
    let is_admin = parse_role(&role)?;
    let initial_password = Alphanumeric.sample_string(&mut rand::rng(), 20);
    let hash = state.hasher.hash(initial_password.clone()).await?;
    let role = if is_admin { "administrator" } else { "user" };
    let meta = ssr::meta()?;
    let detail = format!("created as {role}");
    let id = users::create(&state.db, &handle, &email, &hash, is_admin, &names, |id| {
        ssr::events(&s, &meta, id, &handle, AuditAction::UserCreated, &detail)
    })
    .await?;
    let user = admin::get(&state.db, id).await?;
    Ok(CreatedUser {
        user,
        initial_password,
    })
}

/// Changes a user's names, email and role.
#[server]
pub async fn admin_update_user(
    id: i64,
    first_name: String,
    last_name: String,
    display_name: String,
    email: String,
    role: String,
) -> Result<AdminUser, AppError> {
    use crate::model::account::parse_role;
    use crate::model::{audit::AuditAction, validate};
    use crate::server::identity::admin;

    let (s, state) = ssr::require_admin().await?;
    let before = admin::get(&state.db, id).await?;
    let names = validate::names(&first_name, &last_name, &display_name)?;
    let email = validate::email(&email)?;
    let is_admin = parse_role(&role)?;
    let mut changed = validate::changed_names(
        [&before.first_name, &before.last_name, &before.display_name],
        names.each_ref().map(String::as_str),
    );
    changed.extend(
        [
            ("email", before.email != email),
            ("role", before.is_admin != is_admin),
        ]
        .into_iter()
        .filter_map(|(f, c)| c.then_some(f)),
    );
    let events = if changed.is_empty() {
        Vec::new()
    } else {
        let detail = format!("changed {}", changed.join(", "));
        let meta = ssr::meta()?;
        ssr::events(
            &s,
            &meta,
            id,
            &before.handle,
            AuditAction::UserUpdated,
            &detail,
        )
    };
    admin::update(&state.db, id, &names, &email, is_admin, &events).await?;
    admin::get(&state.db, id).await
}

/// Disables (sessions end, tokens are refused, sign-in fails) or enables a user.
#[server]
pub async fn admin_set_disabled(id: i64, disabled: bool) -> Result<AdminUser, AppError> {
    use crate::model::audit::AuditAction;
    use crate::server::identity::admin;

    let (s, state) = ssr::require_admin().await?;
    let before = admin::get(&state.db, id).await?;
    let (action, what) = if disabled {
        (AuditAction::UserDisabled, "disabled")
    } else {
        (AuditAction::UserEnabled, "enabled")
    };
    let events = ssr::events(&s, &ssr::meta()?, id, &before.handle, action, what);
    admin::set_disabled(&state.db, id, disabled, &events).await?;
    admin::get(&state.db, id).await
}
