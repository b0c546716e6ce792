//! `account-settings db copy --from <url> --to postgres://…`: moves a whole
//! installation (accounts, sessions, tokens, audit log, handle
//! reservations, avatars, sealed database passwords, the key check, rate
//! limit windows, the platform's services) into an empty PostgreSQL database, in one transaction.
//! Ids are kept and the sequences set past them (and past every id the
//! source ever handed out), so tokens, sessions and database passwords keep
//! working. The counts are compared table by table before the commit.

use futures::TryStreamExt;
use sqlx::{Postgres, QueryBuilder, Row};

use crate::on_db;
use crate::server::db::{self, Db, Pool};

mod tables;

use self::tables::Kind::{Bytes, Flag, Int, Text};
use self::tables::TABLES;

/// One value read from the source.
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Flag(Option<bool>),
    Bytes(Option<Vec<u8>>),
}

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
    let Pool::Postgres(target) = &to.pool else {
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
        ("services", 0),
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
    if let Pool::Sqlite(p) = &from.pool {
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
