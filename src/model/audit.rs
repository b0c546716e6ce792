//! Audit log entries as the pages and the REST API see them.

use serde::{Deserialize, Serialize};

/// What happened. Stored as the `snake_case` name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AuditAction {
    ApiRequest,
    SignIn,
    SignInFailed,
    SignOut,
    SignUp,
    TokenCreated,
    TokenDeactivated,
    TokenActivated,
    TokenDeleted,
    TokenRejectedExpired,
    TokenRejectedDeactivated,
    TokenRegenerated,
    TokenRejectedRotated,
    TokenRevokedLeaked,
    TokenDeactivatedIdle,
    ProfileUpdated,
    AvatarChanged,
    EmailChanged,
    PasswordChanged,
    DbPasswordRotated,
    HandleChanged,
    SessionSignedOut,
    UserCreated,
    UserUpdated,
    UserDisabled,
    UserEnabled,
    ServiceCreated,
    ServiceRevoked,
}

impl AuditAction {
    pub const ALL: [AuditAction; 28] = [
        Self::ApiRequest,
        Self::SignIn,
        Self::SignInFailed,
        Self::SignOut,
        Self::SignUp,
        Self::TokenCreated,
        Self::TokenDeactivated,
        Self::TokenActivated,
        Self::TokenDeleted,
        Self::TokenRejectedExpired,
        Self::TokenRejectedDeactivated,
        Self::TokenRegenerated,
        Self::TokenRejectedRotated,
        Self::TokenRevokedLeaked,
        Self::TokenDeactivatedIdle,
        Self::ProfileUpdated,
        Self::AvatarChanged,
        Self::EmailChanged,
        Self::PasswordChanged,
        Self::DbPasswordRotated,
        Self::HandleChanged,
        Self::SessionSignedOut,
        Self::UserCreated,
        Self::UserUpdated,
        Self::UserDisabled,
        Self::UserEnabled,
        Self::ServiceCreated,
        Self::ServiceRevoked,
    ];

    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ApiRequest => "api_request",
            Self::SignIn => "sign_in",
            Self::SignInFailed => "sign_in_failed",
            Self::SignOut => "sign_out",
            Self::SignUp => "sign_up",
            Self::TokenCreated => "token_created",
            Self::TokenDeactivated => "token_deactivated",
            Self::TokenActivated => "token_activated",
            Self::TokenDeleted => "token_deleted",
            Self::TokenRejectedExpired => "token_rejected_expired",
            Self::TokenRejectedDeactivated => "token_rejected_deactivated",
            Self::TokenRegenerated => "token_regenerated",
            Self::TokenRejectedRotated => "token_rejected_rotated",
            Self::TokenRevokedLeaked => "token_revoked_leaked",
            Self::TokenDeactivatedIdle => "token_deactivated_idle",
            Self::ProfileUpdated => "profile_updated",
            Self::AvatarChanged => "avatar_changed",
            Self::EmailChanged => "email_changed",
            Self::PasswordChanged => "password_changed",
            Self::DbPasswordRotated => "db_password_rotated",
            Self::HandleChanged => "handle_changed",
            Self::SessionSignedOut => "session_signed_out",
            Self::UserCreated => "user_created",
            Self::UserUpdated => "user_updated",
            Self::UserDisabled => "user_disabled",
            Self::UserEnabled => "user_enabled",
            Self::ServiceCreated => "service_created",
            Self::ServiceRevoked => "service_revoked",
        }
    }

    /// The name a person reads.
    pub fn label(self) -> &'static str {
        match self {
            Self::ApiRequest => "API request",
            Self::SignIn => "Signed in",
            Self::SignInFailed => "Failed sign-in",
            Self::SignOut => "Signed out",
            Self::SignUp => "Account created",
            Self::TokenCreated => "Token created",
            Self::TokenDeactivated => "Token deactivated",
            Self::TokenActivated => "Token activated",
            Self::TokenDeleted => "Token deleted",
            Self::TokenRejectedExpired => "Expired token used",
            Self::TokenRejectedDeactivated => "Deactivated token used",
            Self::TokenRegenerated => "Token regenerated",
            Self::TokenRejectedRotated => "Replaced token secret used",
            Self::TokenRevokedLeaked => "Token revoked as leaked",
            Self::TokenDeactivatedIdle => "Token deactivated: unused",
            Self::ProfileUpdated => "Profile updated",
            Self::AvatarChanged => "Avatar changed",
            Self::EmailChanged => "Email changed",
            Self::PasswordChanged => "Password changed",
            Self::DbPasswordRotated => "Database password rotated",
            Self::HandleChanged => "Handle changed",
            Self::SessionSignedOut => "Session signed out",
            Self::UserCreated => "User created (admin)",
            Self::UserUpdated => "User edited (admin)",
            Self::UserDisabled => "User disabled (admin)",
            Self::UserEnabled => "User enabled (admin)",
            Self::ServiceCreated => "Service created (admin)",
            Self::ServiceRevoked => "Service revoked (admin)",
        }
    }

    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }
}

/// One event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AuditEventView {
    pub id: i64,
    pub created_at: i64,
    pub action: String,
    pub token: Option<String>,
    pub method: Option<String>,
    /// Where a platform request went (checked at `/auth/verify`); `None`
    /// for this app's own API.
    #[serde(default)]
    pub host: Option<String>,
    pub path: Option<String>,
    pub status: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

impl AuditEventView {
    /// The action's readable name (the stored name if unknown).
    pub fn action_label(&self) -> String {
        AuditAction::from_name(&self.action)
            .map(|a| a.label().to_owned())
            .unwrap_or_else(|| self.action.clone())
    }

    /// The request as the log shows it: `GET /api/v1/user`, or with the
    /// host of a platform request, `GET api.example.com/v1/things`.
    pub fn request(&self) -> Option<String> {
        match (&self.method, &self.path) {
            (Some(m), Some(p)) => Some(format!("{m} {}{p}", self.host.as_deref().unwrap_or(""))),
            _ => None,
        }
    }
}

/// Filters and position for one page of the log.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Stored action name, or empty for all.
    pub action: String,
    /// Token id, or none for all.
    pub token_id: Option<i64>,
    /// `YYYY-MM-DD`, inclusive, or empty.
    pub from: String,
    /// `YYYY-MM-DD`, inclusive, or empty.
    pub to: String,
    /// Show events older than this id (the next page).
    pub before: Option<i64>,
    /// Show events newer than this id (the previous page).
    pub after: Option<i64>,
}

/// One page of events, newest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditPage {
    pub events: Vec<AuditEventView>,
    /// Pass as `before` to get the next (older) page.
    pub next_cursor: Option<i64>,
    /// Pass as `after` to get the previous (newer) page.
    pub prev_cursor: Option<i64>,
}

/// Events per page on the Audit Log page.
pub const AUDIT_PAGE_SIZE: i64 = 25;
