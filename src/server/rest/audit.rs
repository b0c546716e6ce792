//! `GET /api/v1/audit-log`.

use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::auth::Authorized;
use super::error::{ApiError, ErrorBody};
use super::json::ApiQuery;
use crate::model::audit::{AuditEventView, AuditQuery};
use crate::model::scope::Scope;
use crate::model::time::rfc3339;
use crate::server::audit;
use crate::server::state::AppState;

/// Optional query parameters (`?limit=&cursor=&action=`), never path ones.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// Events per page, 1–200 (default 50).
    #[param(value_type = Option<u32>, minimum = 1, maximum = 200)]
    pub limit: Option<String>,
    /// `next_cursor` of the previous page.
    #[param(value_type = Option<i64>)]
    pub cursor: Option<String>,
    /// Only this action; the document lists every one.
    pub action: Option<String>,
}

impl AuditParams {
    /// The query and page size these parameters ask for, or what is wrong
    /// with them. (An action name the log does not know is refused when
    /// the page is read.)
    pub fn read(self) -> Result<(AuditQuery, i64), ApiError> {
        let limit = match self.limit.as_deref() {
            None => 50,
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=200).contains(n))
                .ok_or_else(|| ApiError::invalid("limit: use a whole number from 1 to 200."))?,
        };
        let before = match self.cursor.as_deref() {
            None => None,
            Some(s) => Some(s.parse::<i64>().map_err(|_| {
                ApiError::invalid("cursor: use the next_cursor of a previous page.")
            })?),
        };
        if self.action.as_deref() == Some("") {
            return Err(ApiError::invalid(
                "action: name an action, or leave the parameter out.",
            ));
        }
        let q = AuditQuery {
            action: self.action.unwrap_or_default(),
            before,
            ..AuditQuery::default()
        };
        Ok((q, limit))
    }
}

/// One audit event.
#[derive(Serialize, ToSchema)]
pub struct AuditEventBody {
    pub id: i64,
    pub created_at: String,
    pub action: String,
    /// Token name and prefix…last4, never the secret.
    pub token: Option<String>,
    pub method: Option<String>,
    /// The host of a platform request checked at `/auth/verify`; `null`
    /// for this app's own API.
    pub host: Option<String>,
    pub path: Option<String>,
    pub status: Option<i64>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub detail: Option<String>,
}

impl From<AuditEventView> for AuditEventBody {
    fn from(e: AuditEventView) -> Self {
        Self {
            id: e.id,
            created_at: rfc3339(e.created_at),
            action: e.action,
            token: e.token,
            method: e.method,
            host: e.host,
            path: e.path,
            status: e.status,
            ip: e.ip,
            user_agent: e.user_agent,
            detail: e.detail,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AuditListBody {
    pub events: Vec<AuditEventBody>,
    /// Pass as `cursor` for the next page; `null` on the last page.
    pub next_cursor: Option<String>,
}

/// The owner's audit log, newest first. Scope: `audit:read`.
#[utoipa::path(get, path = "/api/v1/audit-log", tag = "audit",
    security(("bearer" = ["audit:read"])),
    extensions(("x-required-scopes" = json!(["audit:read"]))),
    params(AuditParams),
    responses((status = 200, body = AuditListBody), (status = 401, body = ErrorBody),
              (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn list_audit(
    State(state): State<AppState>,
    Authorized(caller): Authorized<{ Scope::AuditRead as usize }>,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<AuditListBody>, ApiError> {
    let (q, limit) = params.read()?;
    state.audit.flush().await;
    let page = audit::page(&state.db, caller.user_id, &q, limit).await?;
    Ok(Json(AuditListBody {
        events: page.events.into_iter().map(Into::into).collect(),
        next_cursor: page.next.map(|c| c.to_string()),
    }))
}
