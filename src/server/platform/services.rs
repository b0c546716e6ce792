//! The platform's services and their credentials for
//! `POST /oauth/introspect`: made by an administrator (**Services** on the
//! Users page) or `account-settings service create --name N`, the secret
//! shown once and kept as its SHA-256 (it is random, so that suffices);
//! revoked ones are refused at once and stay listed.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};

use crate::error::AppError;
use crate::model::service::{CreatedService, ServiceView};
use crate::server::db::{unique_constraint, Db};
use crate::server::events::{self, NewEvent};
use crate::{on_db, on_tx};

const VIEW: &str = "SELECT id, name, client_id, created_at, revoked_at, last_used_at FROM services";

/// Every service, newest first.
pub async fn list(db: &Db) -> Result<Vec<ServiceView>, AppError> {
    let sql = format!("{VIEW} ORDER BY id DESC");
    Ok(on_db!(db, p => sqlx::query_as(&sql).fetch_all(p).await)?)
}

fn digest(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// Makes a service called `name` (checked by the caller) with a new
/// credential, recording `event` (an administrator's; `None` from the
/// command line). A name in use is refused.
pub async fn create(
    db: &Db,
    name: &str,
    created_by: Option<i64>,
    event: Option<NewEvent>,
) -> Result<CreatedService, AppError> {
    let (client_id, secret) = {
        let mut rng = rand::rng();
        (
            format!(
                "svc_{}",
                Alphanumeric
                    .sample_string(&mut rng, 16)
                    .to_ascii_lowercase()
            ),
            Alphanumeric.sample_string(&mut rng, 40),
        )
    };
    let now = db.now();
    let mut tx = events::begin(db).await?;
    let inserted = on_tx!(&mut tx, c => sqlx::query_scalar::<_, i64>(
        "INSERT INTO services (name, client_id, secret_hash, created_at, created_by)
         VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(name)
    .bind(&client_id)
    .bind(digest(&secret))
    .bind(now)
    .bind(created_by)
    .fetch_one(c)
    .await);
    let id = match inserted {
        Ok(id) => id,
        Err(e) if unique_constraint(&e).is_some() => {
            return Err(AppError::invalid(
                "name",
                format!("A service called {name} exists already."),
            ))
        }
        Err(e) => return Err(e.into()),
    };
    let events: Vec<NewEvent> = event.into_iter().collect();
    events::commit(tx, &events).await?;
    Ok(CreatedService {
        service: ServiceView {
            id,
            name: name.to_owned(),
            client_id,
            created_at: now,
            revoked_at: None,
            last_used_at: None,
        },
        secret,
    })
}

/// Revokes service `id`, or the one called `name`; its credential is
/// refused from now on. Returns it; not found if there is none.
pub async fn revoke(
    db: &Db,
    which: Which<'_>,
    event: impl FnOnce(&ServiceView) -> Option<NewEvent>,
) -> Result<ServiceView, AppError> {
    let now = db.now();
    let mut tx = events::begin(db).await?;
    let (sql, id, name) = match which {
        Which::Id(id) => (
            "UPDATE services SET revoked_at = COALESCE(revoked_at, $1) WHERE id = $2
             RETURNING id, name, client_id, created_at, revoked_at, last_used_at",
            id,
            "",
        ),
        Which::Name(name) => (
            "UPDATE services SET revoked_at = COALESCE(revoked_at, $1) WHERE name = $3
             RETURNING id, name, client_id, created_at, revoked_at, last_used_at",
            0,
            name,
        ),
    };
    let done: Option<ServiceView> = on_tx!(&mut tx, c => sqlx::query_as(sql)
        .bind(now)
        .bind(id)
        .bind(name)
        .fetch_optional(c)
        .await)?;
    let done = done.ok_or_else(|| AppError::NotFound("Service".into()))?;
    let events: Vec<NewEvent> = event(&done).into_iter().collect();
    events::commit(tx, &events).await?;
    Ok(done)
}

/// Which service [`revoke`] revokes.
pub enum Which<'a> {
    Id(i64),
    Name(&'a str),
}

/// A service whose credential was presented and holds.
#[derive(Debug, Clone)]
pub struct Caller {
    pub id: i64,
    pub name: String,
}

/// The service whose client id and secret these are, if it exists and is
/// not revoked. One indexed read; the secret's hash is compared in
/// constant time.
pub async fn authenticate(
    db: &Db,
    client_id: &str,
    secret: &str,
) -> Result<Option<Caller>, AppError> {
    let row: Option<(i64, String, Vec<u8>, Option<i64>)> = on_db!(db, p => sqlx::query_as(
        "SELECT id, name, secret_hash, revoked_at FROM services WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_optional(p)
    .await)?;
    let Some((id, name, stored, revoked_at)) = row else {
        return Ok(None);
    };
    let given = digest(secret);
    let same = stored.len() == given.len()
        && stored
            .iter()
            .zip(&given)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0;
    Ok((same && revoked_at.is_none()).then_some(Caller { id, name }))
}

/// Records that service `id` was used now (called at most once a minute
/// per service and instance).
pub async fn mark_used(db: &Db, id: i64) -> Result<(), AppError> {
    let now = db.now();
    on_db!(db, p => sqlx::query("UPDATE services SET last_used_at = $1 WHERE id = $2")
        .bind(now)
        .bind(id)
        .execute(p)
        .await
        .map(|_| ()))?;
    Ok(())
}
