//! What the Profile, Security, Advanced and Users pages show, as sent from
//! the server to the browser.

use serde::{Deserialize, Serialize};

/// The Profile page's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileView {
    pub handle: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    /// The picture to show (uploaded file or https address); `None` for initials.
    pub avatar: Option<String>,
    /// The https address, when that is what the avatar is.
    pub avatar_url: Option<String>,
    /// Whether `email` was confirmed (see `REQUIRE_VERIFIED_EMAIL`).
    #[serde(default)]
    pub email_verified: bool,
    /// An address a confirmation link was mailed to and not opened yet.
    #[serde(default)]
    pub pending_email: Option<String>,
}

/// The workspace database connection string, whole and masked.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbConnection {
    pub masked: String,
    pub full: String,
}

impl std::fmt::Debug for DbConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DbConnection")
            .field("masked", &self.masked)
            .finish_non_exhaustive()
    }
}

/// The connection string with the password replaced by dots.
pub fn masked_connection(handle: &str, workspace_domain: &str) -> String {
    format!("postgres://{handle}:••••••••••••@{handle}.{workspace_domain}:9193/{handle}")
}

/// The workspace address of a handle.
pub fn workspace_host(handle: &str, workspace_domain: &str) -> String {
    format!("{handle}.{workspace_domain}")
}

/// One live browser session on the Security page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: i64,
    /// Browser and operating system, e.g. "Chrome 156 on Linux".
    pub device: String,
    pub user_agent: String,
    pub ip: Option<String>,
    pub created_at: i64,
    pub last_seen_at: i64,
    /// The session this page was loaded with.
    pub current: bool,
}

/// What a handle change would change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandlePreview {
    pub old: String,
    pub new: String,
    pub old_host: String,
    pub new_host: String,
    pub new_connection: String,
    /// Days the old handle stays reserved for you.
    pub reserved_days: u32,
}

/// A user as the administrators' list shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sqlx::FromRow))]
pub struct AdminUser {
    pub id: i64,
    pub handle: String,
    pub email: String,
    pub first_name: String,
    pub last_name: String,
    pub display_name: String,
    pub is_admin: bool,
    pub disabled: bool,
    pub created_at: i64,
    /// Whether the address was confirmed by a link mailed to it.
    pub email_verified: bool,
}

/// One page of the administrators' list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminUsersPage {
    pub users: Vec<AdminUser>,
    /// Users matching the search, on all pages.
    pub total: i64,
    /// 1-based.
    pub page: i64,
    pub per_page: i64,
    /// The signed-in administrator, who cannot disable or demote themselves
    /// into having no administrator left.
    pub me: i64,
    /// Mail that could not be delivered after every retry, and the latest
    /// error (the mail server's words, never a secret).
    pub failed_mail: i64,
    /// The platform's services that introspect tokens, newest first.
    #[serde(default)]
    pub services: Vec<crate::model::service::ServiceView>,
    pub failed_mail_error: Option<String>,
}

impl AdminUsersPage {
    pub fn pages(&self) -> i64 {
        ((self.total + self.per_page - 1) / self.per_page).max(1)
    }
}

/// A user an administrator just created, with the one-time password.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedUser {
    pub user: AdminUser,
    pub initial_password: String,
}

impl std::fmt::Debug for CreatedUser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreatedUser")
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// The role field of the administrators' forms.
pub fn parse_role(role: &str) -> Result<bool, crate::error::AppError> {
    match role {
        "admin" => Ok(true),
        "user" => Ok(false),
        _ => Err(crate::error::AppError::invalid(
            "role",
            "Choose User or Administrator.",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masked_connection_hides_the_password_only() {
        let m = masked_connection("ada", "db.example.com");
        assert!(m.starts_with("postgres://ada:"));
        assert!(m.ends_with("@ada.db.example.com:9193/ada"));
    }

    #[test]
    fn debug_never_shows_secrets() {
        let c = DbConnection {
            masked: "m".into(),
            full: "postgres://a:SECRETPW@a.x:9193/a".into(),
        };
        assert!(!format!("{c:?}").contains("SECRETPW"));
    }

    #[test]
    fn roles_are_user_or_admin() {
        assert_eq!(parse_role("admin"), Ok(true));
        assert_eq!(parse_role("user"), Ok(false));
        assert!(parse_role("root").is_err());
    }

    #[test]
    fn pages_round_up() {
        let p = AdminUsersPage {
            users: vec![],
            total: 41,
            page: 1,
            per_page: 20,
            me: 1,
            failed_mail: 0,
            failed_mail_error: None,
            services: Vec::new(),
        };
        assert_eq!(p.pages(), 3);
    }
}
