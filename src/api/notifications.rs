//! The Notifications page: which optional mail is sent, and the latest
//! notices (SPEC §12).

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::notice::NotificationsView;

/// The switches and the latest notices; every notice counts as read once
/// listed.
#[server]
pub async fn get_notifications() -> Result<NotificationsView, AppError> {
    use crate::model::notice::Kind;
    use crate::server::notify;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let off = notify::mail_off(&state.db, s.user.id).await?;
    let notices = notify::list(&state.db, s.user.id).await?;
    notify::mark_read(&state.db, s.user.id, state.db.now()).await?;
    Ok(NotificationsView {
        switches: Kind::OPTIONAL
            .into_iter()
            .map(|k| (k, k.bit().is_some_and(|b| off & b == 0)))
            .collect(),
        notices,
        mail_enabled: state.mailer.is_some(),
    })
}

/// Turns the mail of one optional kind on or off.
#[server]
pub async fn set_notification(kind: String, mail: bool) -> Result<(), AppError> {
    use crate::model::notice::Kind;
    use crate::server::notify;
    use crate::server::run::context;

    let s = context::require_session().await?;
    let state = context::state()?;
    let kind = Kind::parse(&kind)
        .ok_or_else(|| AppError::invalid("kind", "There is no such kind of notice."))?;
    notify::set_mail(&state.db, s.user.id, kind, mail).await?;
    Ok(())
}
