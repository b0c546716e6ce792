//! `Export CSV` and `Export JSON` of the Audit Log page: the signed-in user's
//! events, filtered like the page, streamed from the database page by page so
//! memory stays bounded whatever the log's size.

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use futures::stream::{self, StreamExt};
use serde::Deserialize;

use crate::error::AppError;
use crate::model::audit::{AuditEventView, AuditQuery};
use crate::model::time::rfc3339;
use crate::server::audit;
use crate::server::auth::session;
use crate::server::state::AppState;

/// Rows read from the database per step of the stream.
const CHUNK: i64 = 500;

#[derive(Debug, Deserialize, Default)]
pub struct ExportParams {
    #[serde(default)]
    action: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

#[derive(Clone, Copy, PartialEq)]
enum Format {
    Csv,
    Json,
}

pub async fn csv(state: State<AppState>, headers: HeaderMap, q: Query<ExportParams>) -> Response {
    export(state, headers, q, Format::Csv).await
}

pub async fn json(state: State<AppState>, headers: HeaderMap, q: Query<ExportParams>) -> Response {
    export(state, headers, q, Format::Json).await
}

async fn export(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(p): Query<ExportParams>,
    format: Format,
) -> Response {
    let session = match session::current(&state.db, &state.settings, &headers).await {
        Ok(Some(s)) => s,
        Ok(None) => {
            return (StatusCode::UNAUTHORIZED, "Please sign in to continue.").into_response()
        }
        Err(e) => return (e.status(), e.to_string()).into_response(),
    };
    let token_id = match p.token.trim() {
        "" => None,
        t => match t.parse() {
            Ok(id) => Some(id),
            Err(_) => return (StatusCode::UNPROCESSABLE_ENTITY, "Unknown token.").into_response(),
        },
    };
    let query = AuditQuery {
        action: p.action,
        token_id,
        from: p.from,
        to: p.to,
        before: None,
        after: None,
    };
    if let Err(e) = audit::date_range(&query) {
        return (e.status(), e.to_string()).into_response();
    }
    state.audit.flush().await;

    let user_id = session.user.id;
    // State of the stream: the query (with its moving cursor), and whether
    // anything was written yet (for JSON commas) or the end was reached.
    let start = (state.clone(), query, true, false);
    let body = stream::unfold(start, move |(state, mut q, first, done)| async move {
        if done {
            return None;
        }
        match audit::page(&state.db, user_id, &q, CHUNK).await {
            Ok(audit::Page { events, next, .. }) => {
                let chunk = render(&events, format, first, next.is_none());
                q.before = next;
                Some((Ok::<_, AppError>(chunk), (state, q, false, next.is_none())))
            }
            Err(e) => Some((Err(e), (state, q, false, true))),
        }
    })
    .map(|r| r.map_err(|e| std::io::Error::other(e.to_string())));

    let (kind, name) = match format {
        Format::Csv => ("text/csv; charset=utf-8", "audit-log.csv"),
        Format::Json => ("application/json", "audit-log.json"),
    };
    let mut res = Body::from_stream(body).into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The columns, in order, of both formats.
const COLUMNS: [&str; 11] = [
    "id",
    "created_at",
    "action",
    "token",
    "method",
    "host",
    "path",
    "status",
    "ip",
    "user_agent",
    "detail",
];

/// A text cell a spreadsheet will not run: one starting with `=`, `+`,
/// `-`, `@`, a tab or a carriage return (a formula, to Excel, LibreOffice
/// and Google Sheets) gets a leading `'`, which they show as text (OWASP's
/// advice on CSV injection). User agents, token names and paths come from
/// strangers: a failed sign-in's user agent lands in its victim's log.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

fn render(events: &[AuditEventView], format: Format, first: bool, last: bool) -> Vec<u8> {
    match format {
        Format::Csv => {
            let mut w = csv::WriterBuilder::new().from_writer(Vec::new());
            if first {
                let _ = w.write_record(COLUMNS);
            }
            for e in events {
                let status = e.status.map(|s| s.to_string()).unwrap_or_default();
                fn text(v: &Option<String>) -> std::borrow::Cow<'_, str> {
                    inert(v.as_deref().unwrap_or(""))
                }
                let _ = w.write_record([
                    e.id.to_string().as_str(),
                    &rfc3339(e.created_at),
                    &inert(&e.action),
                    &text(&e.token),
                    &text(&e.method),
                    &text(&e.host),
                    &text(&e.path),
                    &status,
                    &text(&e.ip),
                    &text(&e.user_agent),
                    &text(&e.detail),
                ]);
            }
            w.into_inner().unwrap_or_default()
        }
        Format::Json => {
            let mut out = Vec::new();
            if first {
                out.push(b'[');
            }
            for (i, e) in events.iter().enumerate() {
                if !(first && i == 0) {
                    out.push(b',');
                }
                let row = serde_json::json!({
                    "id": e.id,
                    "created_at": rfc3339(e.created_at),
                    "action": e.action,
                    "token": e.token,
                    "method": e.method,
                    "host": e.host,
                    "path": e.path,
                    "status": e.status,
                    "ip": e.ip,
                    "user_agent": e.user_agent,
                    "detail": e.detail,
                });
                out.extend_from_slice(row.to_string().as_bytes());
                out.push(b'\n');
            }
            if last {
                out.push(b']');
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn cells_a_spreadsheet_would_run_are_made_text() {
        for formula in ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(inert(formula), format!("'{formula}"));
        }
        for plain in ["Mozilla/5.0", "ci (ast_…k3Qz)", "/api/v1/user", "", "a=b"] {
            assert_eq!(inert(plain), plain);
        }
    }
}
