//! `account-settings db copy --from <url> --to postgres://…`: moves a whole
//! installation (accounts, sessions, tokens, audit log, handle
//! reservations, avatars, sealed database passwords, the key check, rate
//! limit windows) into an empty PostgreSQL database, in one transaction.
//! Ids are kept and the sequences set past them (and past every id the
//! source ever handed out), so tokens, sessions and database passwords keep
//! working. The counts are compared table by table before the commit.

use futures::TryStreamExt;
use sqlx::{Postgres, QueryBuilder, Row};

use super::db::{self, Db};
use crate::on_db;

/// What a column holds.
#[derive(Clone, Copy)]
enum Kind {
    Int,
    Text,
    Flag,
    Bytes,
}

/// One value read from the source.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Flag(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

use Kind::{Bytes, Flag, Int, Text};

/// A table: its name, the key it is read in the order of, its columns.
type Table = (&'static str, &'static str, &'static [(&'static str, Kind)]);

/// Every table, parents before children.
const TABLES: &[Table] = &[
    (
        "users",
        "id",
        &[
            ("id", Int),
            ("handle", Text),
            ("email", Text),
            ("password_hash", Text),
            ("first_name", Text),
            ("last_name", Text),
            ("display_name", Text),
            ("avatar_url", Text),
            ("is_admin", Flag),
            ("disabled", Flag),
            ("created_at", Int),
            ("updated_at", Int),
            ("avatar_file", Text),
            ("db_password_enc", Bytes),
            ("db_password_key", Text),
            ("email_verified", Flag),
            ("mail_off", Int),
        ],
    ),
    (
        "sessions",
        "id",
        &[
            ("id", Int),
            ("secret_hash", Bytes),
            ("user_id", Int),
            ("created_at", Int),
            ("last_seen_at", Int),
            ("expires_at", Int),
            ("ip", Text),
            ("user_agent", Text),
        ],
    ),
    (
        "api_tokens",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("name", Text),
            ("token_hash", Bytes),
            ("prefix", Text),
            ("last_four", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("deactivated_at", Int),
            ("last_used_at", Int),
            ("last_used_ip", Text),
            ("scopes", Int),
            ("rotated_at", Int),
            ("reminded", Int),
            ("new_ip_noticed_at", Int),
            ("rate_window", Int),
            ("rate_used", Int),
        ],
    ),
    (
        "retired_token_secrets",
        "token_hash",
        &[
            ("token_hash", Bytes),
            ("token_id", Int),
            ("last_four", Text),
            ("valid_until", Int),
        ],
    ),
    (
        "token_ips",
        "token_id, ip",
        &[
            ("token_id", Int),
            ("ip", Text),
            ("first_seen_at", Int),
            ("last_seen_at", Int),
            ("checked", Flag),
        ],
    ),
    (
        "pending_tokens",
        "session_id",
        &[
            ("session_id", Int),
            ("token_hash", Bytes),
            ("created_at", Int),
        ],
    ),
    (
        "audit_events",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("created_at", Int),
            ("action", Text),
            ("token_id", Int),
            ("token_label", Text),
            ("method", Text),
            ("path", Text),
            ("status", Int),
            ("ip", Text),
            ("user_agent", Text),
            ("detail", Text),
        ],
    ),
    (
        "retired_handles",
        "handle",
        &[
            ("handle", Text),
            ("user_id", Int),
            ("retired_at", Int),
            ("until", Int),
        ],
    ),
    (
        "avatars",
        "name",
        &[
            ("name", Text),
            ("user_id", Int),
            ("png", Bytes),
            ("created_at", Int),
        ],
    ),
    (
        "key_check",
        "name",
        &[
            ("name", Text),
            ("sealed", Bytes),
            ("created_at", Int),
            ("key_id", Text),
        ],
    ),
    (
        "notices",
        "id",
        &[
            ("id", Int),
            ("user_id", Int),
            ("kind", Text),
            ("to_addr", Text),
            ("data", Text),
            ("link_sealed", Bytes),
            ("state", Text),
            ("attempts", Int),
            ("next_attempt_at", Int),
            ("claimed_until", Int),
            ("last_error", Text),
            ("created_at", Int),
            ("sent_at", Int),
            ("read_at", Int),
        ],
    ),
    (
        "account_links",
        "token_hash",
        &[
            ("token_hash", Bytes),
            ("user_id", Int),
            ("purpose", Text),
            ("email", Text),
            ("created_at", Int),
            ("expires_at", Int),
            ("used_at", Int),
        ],
    ),
    (
        "rate_limits",
        "key",
        &[("key", Bytes), ("window_start", Int), ("failures", Int)],
    ),
];

/// Rows per INSERT (at most 17 values each: far under PostgreSQL's limit).
const BATCH: usize = 500;

/// What a copy did: rows per table, as counted in both databases.
pub struct Copied {
    pub tables: Vec<(&'static str, i64)>,
}

async fn count(db: &Db, table: &str) -> Result<i64, String> {
    let sql = format!("SELECT COUNT(*) FROM {table}");
    on_db!(db, p => sqlx::query_scalar(&sql).fetch_one(p).await)
        .map_err(|e| format!("counting {table}: {e}"))
}

/// Copies everything from `from` into the empty PostgreSQL database `to`.
pub async fn copy(from_url: &str, to_url: &str) -> Result<Copied, String> {
    if !(to_url.starts_with("postgres://") || to_url.starts_with("postgresql://")) {
        return Err(format!(
            "--to: expected a postgres:// URL, got {}",
            db::redact_url(to_url)
        ));
    }
    if let Some(path) = from_url.strip_prefix("sqlite://") {
        // Opening would create an empty database where none is.
        let path = path.split('?').next().unwrap_or_default();
        if !std::path::Path::new(path).exists() {
            return Err(format!("--from: there is no database at {path}"));
        }
    }
    let from = db::connect(from_url)
        .await
        .map_err(|e| e.replacen("DATABASE_URL", "--from", 1))?;
    let to = db::connect(to_url)
        .await
        .map_err(|e| e.replacen("DATABASE_URL", "--to", 1))?;
    let Db::Postgres(target) = &to else {
        return Err("--to: expected a PostgreSQL database".into());
    };
    for (table, _, _) in TABLES {
        let n = count(&to, table).await?;
        if n > 0 {
            return Err(format!(
                "--to: the target database is not empty ({table} has {n} rows); \
                 copy into a new, empty database"
            ));
        }
    }

    let mut tx = target
        .begin()
        .await
        .map_err(|e| format!("--to: cannot begin: {e}"))?;
    let mut copied = Vec::new();
    for (table, key, columns) in TABLES {
        let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
        let select = format!("SELECT {} FROM {table} ORDER BY {key}", names.join(", "));
        let insert = format!("INSERT INTO {table} ({}) ", names.join(", "));
        let mut batch: Vec<Vec<Value>> = Vec::with_capacity(BATCH);
        let mut n = 0i64;
        on_db!(&from, p => {
            let mut rows = sqlx::query(&select).fetch(p);
            while let Some(row) = rows
                .try_next()
                .await
                .map_err(|e| format!("--from: reading {table}: {e}"))?
            {
                let mut values = Vec::with_capacity(columns.len());
                for (i, (name, kind)) in columns.iter().enumerate() {
                    let value = match kind {
                        Int => row.try_get(i).map(Value::Int),
                        Text => row.try_get(i).map(Value::Text),
                        Flag => row.try_get(i).map(Value::Flag),
                        Bytes => row.try_get(i).map(Value::Bytes),
                    };
                    values.push(value.map_err(|e| format!("--from: {table}.{name}: {e}"))?);
                }
                batch.push(values);
                if batch.len() == BATCH {
                    n += write(&mut tx, &insert, &mut batch, table).await?;
                }
            }
        });
        n += write(&mut tx, &insert, &mut batch, table).await?;
        copied.push((*table, n));
    }

    // Ids go on after the largest ever handed out, deleted ones included.
    let high = |name: &'static str| high_water(&from, name);
    let users_high = high("users").await?;
    let tokens_high = high("api_tokens").await?;
    for (table, floor) in [
        ("users", users_high),
        ("sessions", 0),
        ("api_tokens", tokens_high),
        ("audit_events", 0),
        ("notices", 0),
    ] {
        let sql = format!(
            "SELECT setval(pg_get_serial_sequence('{table}', 'id'),
                           GREATEST((SELECT COALESCE(MAX(id), 0) FROM {table}), $1, 1))"
        );
        sqlx::query(&sql)
            .bind(floor)
            .execute(&mut *tx)
            .await
            .map_err(|e| format!("--to: setting the {table} ids: {e}"))?;
    }

    // Verified before the commit: every table holds what the source holds.
    for (table, n) in &copied {
        let source = count(&from, table).await?;
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let target: i64 = sqlx::query_scalar(&sql)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| format!("--to: counting {table}: {e}"))?;
        if source != *n || target != *n {
            return Err(format!(
                "{table}: {source} rows in the source, {n} copied, {target} in the target; \
                 nothing was written (was the source in use?)"
            ));
        }
    }
    tx.commit()
        .await
        .map_err(|e| format!("--to: cannot commit: {e}"))?;
    from.close().await;
    to.close().await;
    Ok(Copied { tables: copied })
}

/// The largest id `table` ever handed out: SQLite keeps it in
/// `id_high_water` (deleted rows included); audit events may name deleted
/// tokens.
async fn high_water(from: &Db, table: &'static str) -> Result<i64, String> {
    let fail = |e: sqlx::Error| format!("--from: reading the {table} ids: {e}");
    let mut high = 0;
    if let Db::Sqlite(p) = from {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM id_high_water WHERE name = $1")
            .bind(table)
            .fetch_optional(p)
            .await
            .map_err(fail)?;
        high = seq.unwrap_or(0);
    }
    if table == "api_tokens" {
        let named: Option<i64> = on_db!(from, p => sqlx::query_scalar(
            "SELECT MAX(token_id) FROM audit_events",
        )
        .fetch_one(p)
        .await)
        .map_err(fail)?;
        high = high.max(named.unwrap_or(0));
    }
    Ok(high)
}

/// Writes a batch of rows into the target; returns how many.
async fn write(
    tx: &mut sqlx::Transaction<'static, Postgres>,
    insert: &str,
    batch: &mut Vec<Vec<Value>>,
    table: &str,
) -> Result<i64, String> {
    if batch.is_empty() {
        return Ok(0);
    }
    let n = batch.len() as i64;
    let mut sql = QueryBuilder::<Postgres>::new(insert);
    // Ids are given, not drawn: `GENERATED BY DEFAULT` allows it.
    sql.push_values(batch.drain(..), |mut row, values| {
        for v in values {
            match v {
                Value::Int(x) => row.push_bind(x),
                Value::Text(x) => row.push_bind(x),
                Value::Flag(x) => row.push_bind(x),
                Value::Bytes(x) => row.push_bind(x),
            };
        }
    });
    sql.build()
        .execute(&mut **tx)
        .await
        .map_err(|e| format!("--to: writing {table}: {e}"))?;
    Ok(n)
}
