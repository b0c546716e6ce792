//! Reading the audit log: one page of a user's events, filtered, by cursor.

use crate::error::AppError;
use crate::model::audit::{AuditAction, AuditEventView, AuditQuery};
use crate::model::time::parse_date;
use crate::on_db;
use crate::server::db::Db;

/// A statement whose conditions depend on the filters in use: its text with
/// `$n` placeholders and the values to bind, in order (bound the same way on
/// either database).
struct Filtered {
    text: String,
    args: Vec<Arg>,
}

enum Arg {
    Int(i64),
    Text(String),
}

impl Filtered {
    fn new(start: &str) -> Self {
        Self {
            text: start.to_owned(),
            args: Vec::new(),
        }
    }

    fn push(&mut self, sql: &str) -> &mut Self {
        self.text.push_str(sql);
        self
    }

    fn arg(&mut self, arg: Arg) -> &mut Self {
        self.args.push(arg);
        let n = self.args.len();
        self.text.push_str(&format!("${n}"));
        self
    }

    fn int(&mut self, v: i64) -> &mut Self {
        self.arg(Arg::Int(v))
    }

    fn text(&mut self, v: &str) -> &mut Self {
        self.arg(Arg::Text(v.to_owned()))
    }
}

/// One page of events, newest first, with the cursors of its neighbours.
pub struct Page {
    pub events: Vec<AuditEventView>,
    /// Older events exist: pass as `before`.
    pub next: Option<i64>,
    /// Newer events exist: pass as `after`.
    pub prev: Option<i64>,
}

/// Reads one page of a user's events, newest first; `limit` is clamped to
/// 1..=500. `q.after` pages towards newer events, otherwise `q.before`
/// towards older ones.
///
/// Every page is a short walk of one index, whatever the log's size: the
/// statement names only the filters in use, so SQLite picks the index that
/// matches them (`user_id` with the action, the token, both, or neither, then
/// the id), and the date range becomes a range of ids (see [`id_range`]).
pub async fn page(db: &Db, user_id: i64, q: &AuditQuery, limit: i64) -> Result<Page, AppError> {
    let limit = limit.clamp(1, 500);
    let (from, to) = date_range(q)?;
    let (lo, hi) = id_range(db, from, to).await?;
    let mut sql = Filtered::new(
        "SELECT id, created_at, action, token_label AS token, method, host, path, status, ip,
                user_agent, detail
         FROM audit_events WHERE user_id = ",
    );
    sql.int(user_id);
    if !q.action.is_empty() {
        sql.push(" AND action = ").text(&q.action);
    }
    if let Some(token_id) = q.token_id {
        sql.push(" AND token_id = ").int(token_id);
    }
    // The id range holds the dates' events and a few around them (see
    // `id_range`); the times themselves pick the right ones.
    if from > 0 {
        sql.push(" AND created_at >= ").int(from);
    }
    if to < i64::MAX {
        sql.push(" AND created_at < ").int(to);
    }
    let newer = q.after.is_some();
    match q.after {
        Some(after) => sql
            .push(" AND id > ")
            .int(after.max(lo - 1))
            .push(" AND id < ")
            .int(hi)
            .push(" ORDER BY id ASC"),
        None => sql
            .push(" AND id >= ")
            .int(lo)
            .push(" AND id < ")
            .int(q.before.unwrap_or(i64::MAX).min(hi))
            .push(" ORDER BY id DESC"),
    };
    sql.push(" LIMIT ").int(limit + 1);
    let mut rows: Vec<AuditEventView> = on_db!(db, p => {
        let mut query = sqlx::query_as(&sql.text);
        for arg in &sql.args {
            query = match arg {
                Arg::Int(v) => query.bind(*v),
                Arg::Text(v) => query.bind(v.as_str()),
            };
        }
        query.fetch_all(p).await
    })?;
    let more = rows.len() as i64 > limit;
    rows.truncate(limit as usize);
    if newer {
        rows.reverse();
        return Ok(Page {
            prev: more.then(|| rows.first().map(|e| e.id)).flatten(),
            next: rows.last().map(|e| e.id),
            events: rows,
        });
    }
    Ok(Page {
        next: more.then(|| rows.last().map(|e| e.id)).flatten(),
        prev: q.before.and_then(|_| rows.first().map(|e| e.id)),
        events: rows,
    })
}

/// How far an event's time may precede that of an event written before it.
/// Times are taken when an event is queued and ids when it is written, so
/// they run in nearly the same order: requests finishing at the same moment
/// on different threads, or the CLI writing beside the server, swap places by
/// far less than a second. (A clock set back by more than this can hide
/// events from a date filter near the change.)
const OUT_OF_ORDER: i64 = 60;

/// Ids `[lo, hi)` that hold every event recorded in `[from, to)`, from two
/// seeks in the `created_at` index instead of a walk over every event in
/// between. Since times are out of id order by at most [`OUT_OF_ORDER`], an
/// event before `from - OUT_OF_ORDER` has a smaller id than any event in the
/// range, and one at or after `to + OUT_OF_ORDER` a larger one. The range may
/// also hold events of the minute around each end; the page query's own time
/// conditions leave those out.
async fn id_range(db: &Db, from: i64, to: i64) -> Result<(i64, i64), AppError> {
    let lo = if from <= 0 {
        0
    } else {
        let early = from.saturating_sub(OUT_OF_ORDER);
        let before: Option<i64> = on_db!(db, p => sqlx::query_scalar(
            "SELECT id FROM audit_events WHERE created_at < $1
             ORDER BY created_at DESC, id DESC LIMIT 1",
        )
        .bind(early)
        .fetch_optional(p)
        .await)?;
        before.map_or(0, |id| id + 1)
    };
    let hi = if to == i64::MAX {
        i64::MAX
    } else {
        let late = to.saturating_add(OUT_OF_ORDER);
        let after: Option<i64> = on_db!(db, p => sqlx::query_scalar(
            "SELECT id FROM audit_events WHERE created_at >= $1
             ORDER BY created_at, id LIMIT 1",
        )
        .bind(late)
        .fetch_optional(p)
        .await)?;
        after.unwrap_or(i64::MAX)
    };
    Ok((lo, hi))
}

/// The `[from, to)` range of a query's dates, whole days, UTC.
pub fn date_range(q: &AuditQuery) -> Result<(i64, i64), AppError> {
    let from = if q.from.trim().is_empty() {
        0
    } else {
        parse_date(&q.from)
            .ok_or_else(|| AppError::invalid("from", "Enter the date as YYYY-MM-DD."))?
    };
    let to = if q.to.trim().is_empty() {
        i64::MAX
    } else {
        parse_date(&q.to).ok_or_else(|| AppError::invalid("to", "Enter the date as YYYY-MM-DD."))?
            + 86_400
    };
    if from >= to {
        return Err(AppError::invalid(
            "to",
            "The end date is before the start date.",
        ));
    }
    if !q.action.is_empty() && AuditAction::from_name(&q.action).is_none() {
        return Err(AppError::invalid("action", "Unknown action."));
    }
    Ok((from, to))
}
