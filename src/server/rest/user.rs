//! `GET /api/v1/user` and `PATCH /api/v1/user`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::auth::Authorized;
use super::error::{ApiError, ErrorBody};
use super::json::ApiJson;
use crate::model::audit::AuditAction;
use crate::model::scope::Scope;
use crate::model::time::rfc3339;
use crate::model::validate;
use crate::server::events::NewEvent;
use crate::server::identity::profile::NameChange;
use crate::server::identity::users::{self, Profile};
use crate::server::state::AppState;

/// The signed-in user's profile.
#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: i64,
    pub handle: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub avatar_url: Option<String>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

impl UserBody {
    /// The body for a profile; an uploaded avatar's address is made absolute
    /// when `PUBLIC_URL` is set.
    fn new(p: Profile, origin: Option<&str>) -> Self {
        Self {
            avatar_url: p.avatar(origin),
            id: p.id,
            handle: p.handle,
            email: p.email,
            first_name: p.first_name,
            last_name: p.last_name,
            display_name: p.display_name,
            created_at: rfc3339(p.created_at),
        }
    }
}

/// The fields that may be changed; absent fields stay as they are.
#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserPatch {
    /// At most 100 characters, not only spaces, no control characters;
    /// spaces at either end are dropped.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub first_name: Option<String>,
    /// As `first_name`.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub last_name: Option<String>,
    /// As `first_name`.
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"^[^\x00-\x1f\x7f-\x9f]*[^\s\x00-\x1f\x7f-\x9f][^\x00-\x1f\x7f-\x9f]*$"
    )]
    pub display_name: Option<String>,
    /// An https URL (no spaces, control characters or `"` in it), or an
    /// empty string to remove the avatar; at most 2048 characters, spaces
    /// at either end dropped.
    #[schema(
        max_length = 2048,
        pattern = r#"^\s*(https://[^\s"/?#\x00-\x1f\x7f-\x9f][^\s"\x00-\x1f\x7f-\x9f]*)?\s*$"#
    )]
    pub avatar_url: Option<String>,
}

/// The profile of the token's owner. Scope: `user:read`.
#[utoipa::path(get, path = "/api/v1/user", tag = "user",
    security(("bearer" = ["user:read"])),
    extensions(("x-required-scopes" = json!(["user:read"]))),
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody)))]
pub async fn get_user(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::UserRead as usize }>,
) -> Json<UserBody> {
    Json(UserBody::new(
        caller.user.as_ref().clone(),
        state.settings.public_origin.as_deref(),
    ))
}

/// Changes names, display name or avatar URL. Scope: `user:write`.
#[utoipa::path(patch, path = "/api/v1/user", tag = "user",
    security(("bearer" = ["user:write"])),
    extensions(("x-required-scopes" = json!(["user:write"]))),
    request_body = UserPatch,
    responses((status = 200, body = UserBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 413, body = ErrorBody),
              (status = 422, body = ErrorBody)))]
pub async fn patch_user(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::UserWrite as usize }>,
    ApiJson(patch): ApiJson<UserPatch>,
) -> Result<Json<UserBody>, ApiError> {
    let p = users::profile(&state.db, caller.user_id).await?;
    // Only the names given are written (see `users::update_names`); the
    // audit names those that differ from what was there.
    let names = NameChange::of(
        [&p.first_name, &p.last_name, &p.display_name].map(String::as_str),
        [&patch.first_name, &patch.last_name, &patch.display_name].map(Option::as_deref),
    )?;
    // Check everything before changing anything.
    let avatar = match &patch.avatar_url {
        Some(url) => Some(validate::avatar_url(url)?),
        None => None,
    };
    let touched = !names.is_empty() || avatar.is_some();
    if let Some(event) = names.event(p.id, " (through the API)") {
        users::update_names(
            &state.db,
            p.id,
            names.new.each_ref().map(Option::as_deref),
            event,
        )
        .await?;
    }
    if let Some(url) = avatar {
        if p.avatar_url != url || (url.is_none() && p.avatar_file.is_some()) {
            // An address replaces an uploaded picture; "" removes either.
            let change = match &url {
                Some(u) => users::AvatarChange::Url(u),
                None => users::AvatarChange::Remove,
            };
            let event = NewEvent::new(p.id, AuditAction::AvatarChanged).detail(if url.is_some() {
                "Set a picture address (through the API)"
            } else {
                "Removed the picture (through the API)"
            });
            users::set_avatar(&state.db, p.id, change, event).await?;
        }
    }
    // The profile as it is now, other clients' changes included.
    let p = if touched {
        users::profile(&state.db, p.id).await?
    } else {
        p
    };
    Ok(Json(UserBody::new(
        p,
        state.settings.public_origin.as_deref(),
    )))
}
