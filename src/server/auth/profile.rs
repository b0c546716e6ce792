//! The Profile page's save: the names (the rule of
//! [`crate::server::identity::profile::NameChange`]) and the email address,
//! which needs the current password and, when the server mails, changes
//! only once the link mailed to the new address is opened.

use super::deps::Deps;
use super::{reauth, verify};
use crate::error::AppError;
use crate::model::{audit::AuditAction, notice::Kind, validate};
use crate::server::events::{NewEvent, Notice, NoticeData};
use crate::server::identity::profile::NameChange;
use crate::server::identity::users::{self, Profile};
use crate::server::kernel::client::ClientMeta;

/// What the Profile form sends.
pub struct ProfileForm<'a> {
    pub names: [&'a str; 3],
    pub email: &'a str,
    /// Asked for only when the address changes.
    pub current_password: String,
}

/// Saves `form` for `user_id` and returns the profile as it is now.
/// Everything is checked before anything is written.
pub async fn save(
    deps: &Deps<'_>,
    user_id: i64,
    form: ProfileForm<'_>,
    meta: &ClientMeta,
) -> Result<Profile, AppError> {
    let db = deps.db;
    let before = users::profile(db, user_id).await?;
    let stored = [&before.first_name, &before.last_name, &before.display_name].map(String::as_str);
    let change = NameChange::of(stored, form.names.map(Some))?;
    let email = validate::email(form.email)?;
    // The same address in other letters' case is the same address.
    let email_changed = !before.email.eq_ignore_ascii_case(&email);
    if email_changed {
        if form.current_password.is_empty() {
            return Err(AppError::invalid(
                "current_password",
                "Enter your current password to change your email address.",
            ));
        }
        verify::count_change(deps, user_id).await?;
        reauth::verify_current(deps, user_id, form.current_password, "current_password").await?;
    }
    if change.is_empty() && !email_changed {
        return Ok(before);
    }
    let names = change.after(stored);
    let mut events = Vec::new();
    if let Some(event) = change.event(user_id, "") {
        events.push(event.client(meta));
    }
    if email_changed && deps.mailer.is_some() {
        // The names now; the address once its link is opened.
        verify::request(deps, user_id, &email, meta).await?;
        if !events.is_empty() {
            users::save_profile(db, user_id, &names, &before.email, &events, Vec::new()).await?;
        }
    } else {
        // Nothing can be mailed: the address changes at once, and the old
        // one is told (held in the list).
        let mut notices = Vec::new();
        let email = if email_changed {
            events.push(
                NewEvent::new(user_id, AuditAction::EmailChanged)
                    .client(meta)
                    .detail(format!("{} → {}", before.email, email)),
            );
            notices.push(Notice {
                user_id: Some(user_id),
                kind: Kind::EmailChanged,
                to: Some(before.email.clone()),
                data: NoticeData {
                    email: Some(email.clone()),
                    ip: meta.ip.clone(),
                    agent: meta.user_agent.clone(),
                    ..NoticeData::default()
                },
                link_sealed: None,
            });
            email
        } else {
            before.email.clone()
        };
        users::save_profile(db, user_id, &names, &email, &events, notices).await?;
    }
    users::profile(db, user_id).await
}
