//! The Audit Log page's data.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::audit::{AuditPage, AuditQuery};

/// One page of the signed-in user's audit log.
#[server]
pub async fn get_audit_page(query: AuditQuery) -> Result<AuditPage, AppError> {
    use crate::model::audit::AUDIT_PAGE_SIZE;
    use crate::server::audit;
    use crate::server::run::context;
    let state = context::state()?;
    let s = context::require_session().await?;
    state.audit.flush().await;
    let page = audit::page(&state.db, s.user.id, &query, AUDIT_PAGE_SIZE).await?;
    Ok(AuditPage {
        events: page.events,
        next_cursor: page.next,
        prev_cursor: page.prev,
    })
}
