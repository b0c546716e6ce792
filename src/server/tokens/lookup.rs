//! The check every API request goes through: a token's hash to the token
//! and its owner, in one indexed read, or none when the answer is in the
//! cache ([`super::cache`]).

use crate::error::AppError;
use crate::model::scope::Scopes;
use crate::model::token::label;
use crate::on_lookup;
use crate::server::db::Lookups;
use axum::http::HeaderValue;
use std::sync::Arc;

use super::cache::TokenCache;
use crate::server::identity::users::Profile;
use crate::server::kernel::token_secret::TokenHash;

/// What the API knows about the token that authenticated a request, and
/// about its owner (read in the same query, so that `GET /api/v1/user`
/// needs no second one).
#[derive(Debug, Clone)]
pub struct TokenOwner {
    pub token_id: i64,
    /// How the audit log names it, with the last four of the secret used.
    pub label: String,
    pub expires_at: Option<i64>,
    /// When the secret used was made (the token's last regeneration, else
    /// its creation; for a replaced secret, the token's creation).
    pub issued_at: i64,
    pub deactivated: bool,
    pub user_disabled: bool,
    pub scopes: Scopes,
    /// The operator's scopes (`PLATFORM_CONFIG`) it carries, space-separated.
    pub platform_scopes: Arc<str>,
    /// `Some` when the secret used is one the token had before it was
    /// regenerated: it works until then, and is refused afterwards.
    pub retired_until: Option<i64>,
    /// The rate-limit count the token's row held (see [`super::quota`]).
    pub rate: super::quota::Stored,
    pub user: Arc<Profile>,
    /// The identity as forward auth answers it, made once per lookup (so
    /// once per cached token, not per request).
    pub headers: Arc<OwnerHeaders>,
}

/// A token's owner, the token and when its secret stops, as header values.
#[derive(Debug)]
pub struct OwnerHeaders {
    pub user_id: HeaderValue,
    pub handle: HeaderValue,
    pub email: HeaderValue,
    pub token_id: HeaderValue,
    /// Every scope, built-in ones first, space-separated.
    pub scopes: HeaderValue,
    /// [`TokenOwner::stops`] as RFC 3339.
    pub stops: Option<HeaderValue>,
}

impl TokenOwner {
    /// When the secret used stops working: the token's expiry, or sooner
    /// the end of a replaced secret's grace.
    pub fn stops(&self) -> Option<i64> {
        stops(self.expires_at, self.retired_until)
    }
}

fn stops(expires_at: Option<i64>, retired_until: Option<i64>) -> Option<i64> {
    match (expires_at, retired_until) {
        (Some(e), Some(r)) => Some(e.min(r)),
        (e, r) => e.or(r),
    }
}

/// A header value of `text`. An address beyond ASCII goes as its UTF-8
/// bytes; a value no header can carry (none passes the checks on saving)
/// goes empty rather than left out, so that a proxy copying the header
/// still replaces whatever the client sent under its name.
fn value(text: &str) -> HeaderValue {
    HeaderValue::from_bytes(text.as_bytes()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// The row [`find_by_hash`] reads.
#[derive(sqlx::FromRow)]
struct OwnerRow {
    id: i64,
    name: String,
    prefix: String,
    last_four: String,
    expires_at: Option<i64>,
    issued_at: i64,
    deactivated: bool,
    scopes: i64,
    platform_scopes: String,
    retired_until: Option<i64>,
    user_id: i64,
    user_disabled: bool,
    handle: String,
    email: String,
    first_name: String,
    last_name: String,
    display_name: String,
    avatar_url: Option<String>,
    avatar_file: Option<String>,
    created_at: i64,
    rate_window: i64,
    rate_used: i64,
}

/// The owner's columns and the token's rate-limit count, the same for
/// both queries below.
const USER_COLUMNS: &str = "u.id AS user_id, u.disabled AS user_disabled, u.handle, u.email,
                            u.first_name, u.last_name, u.display_name, u.avatar_url,
                            u.avatar_file, u.created_at, t.rate_window, t.rate_used";

/// Looks a token and its owner up by the hash of the secret presented: in
/// the cache, else one indexed query for a token's current secret and a
/// second only when that finds nothing, for a secret the token had before
/// it was regenerated.
pub async fn find_by_hash(
    lookups: &Lookups,
    cache: &TokenCache<TokenOwner>,
    hash: &TokenHash,
) -> Result<Option<TokenOwner>, AppError> {
    static CURRENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT t.id, t.name, t.prefix, t.last_four, t.expires_at,
                    COALESCE(t.rotated_at, t.created_at) AS issued_at,
                    t.deactivated_at IS NOT NULL AS deactivated, t.scopes,
                    t.platform_scopes, CAST(NULL AS BIGINT) AS retired_until, {USER_COLUMNS}
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1"
        )
    });
    static RETIRED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT t.id, t.name, t.prefix, r.last_four, t.expires_at,
                    t.created_at AS issued_at, t.deactivated_at IS NOT NULL AS deactivated, t.scopes,
                    t.platform_scopes, r.valid_until AS retired_until, {USER_COLUMNS}
             FROM retired_token_secrets r
             JOIN api_tokens t ON t.id = r.token_id
             JOIN users u ON u.id = t.user_id
             WHERE r.token_hash = $1"
        )
    });
    let digest = hash.0.as_slice();
    if lookups.closed() {
        return Err(AppError::from(sqlx::Error::PoolClosed));
    }
    let changes = lookups.changes();
    // Read before the database, so that an answer read across a change is
    // filed under the generation before it (and never used).
    let generation = changes.generation();
    let trusted = changes.trusted();
    if trusted {
        if let Some(hit) = cache.get(&hash.0, generation) {
            return Ok(Some(hit));
        }
    }
    // Kept only if nothing changed meanwhile and the watcher still vouches.
    let keep = |owner: &Option<TokenOwner>| {
        if let Some(owner) = owner {
            if trusted && changes.trusted() && changes.generation() == generation {
                cache.put(hash.0, owner, generation);
            }
        }
    };
    // An SQLite file: in place, on this thread (see `db::lookup`).
    if let Some(sqlite) = lookups.in_place() {
        let found = sqlite
            .run(|c| {
                use rusqlite::OptionalExtension;
                let mut row = c
                    .prepare_cached(&CURRENT)?
                    .query_row([digest], OwnerRow::read)
                    .optional()?;
                if row.is_none() {
                    row = c
                        .prepare_cached(&RETIRED)?
                        .query_row([digest], OwnerRow::read)
                        .optional()?;
                }
                Ok(row.map(TokenOwner::from))
            })
            .map_err(|e| {
                tracing::error!(error = %e, "token check failed");
                AppError::Internal
            })?;
        keep(&found);
        return Ok(found);
    }
    let row: Option<OwnerRow> = lookups
        .run(async |conn| {
            let current: Option<OwnerRow> = on_lookup!(conn, c => sqlx::query_as(CURRENT.as_str())
                .bind(digest)
                .fetch_optional(c)
                .await)?;
            if current.is_some() {
                return Ok(current);
            }
            on_lookup!(conn, c => sqlx::query_as(RETIRED.as_str())
                .bind(digest)
                .fetch_optional(c)
                .await)
        })
        .await?;
    let owner = row.map(TokenOwner::from);
    keep(&owner);
    Ok(owner)
}

impl OwnerRow {
    /// The row as rusqlite reads it: by column name, as sqlx does, so the
    /// queries may list their columns in any order.
    fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Self> {
        Ok(Self {
            id: r.get("id")?,
            name: r.get("name")?,
            prefix: r.get("prefix")?,
            last_four: r.get("last_four")?,
            expires_at: r.get("expires_at")?,
            issued_at: r.get("issued_at")?,
            deactivated: r.get("deactivated")?,
            scopes: r.get("scopes")?,
            platform_scopes: r.get("platform_scopes")?,
            retired_until: r.get("retired_until")?,
            user_id: r.get("user_id")?,
            user_disabled: r.get("user_disabled")?,
            handle: r.get("handle")?,
            email: r.get("email")?,
            first_name: r.get("first_name")?,
            last_name: r.get("last_name")?,
            display_name: r.get("display_name")?,
            avatar_url: r.get("avatar_url")?,
            avatar_file: r.get("avatar_file")?,
            created_at: r.get("created_at")?,
            rate_window: r.get("rate_window")?,
            rate_used: r.get("rate_used")?,
        })
    }
}

impl From<OwnerRow> for TokenOwner {
    fn from(r: OwnerRow) -> Self {
        let scopes = Scopes::from_bits(r.scopes);
        let mut names = scopes.names();
        names.extend(r.platform_scopes.split(' ').filter(|s| !s.is_empty()));
        let user = Profile {
            id: r.user_id,
            handle: r.handle,
            email: r.email,
            first_name: r.first_name,
            last_name: r.last_name,
            display_name: r.display_name,
            avatar_url: r.avatar_url,
            avatar_file: r.avatar_file,
            created_at: r.created_at,
        };
        let headers = OwnerHeaders {
            user_id: HeaderValue::from(user.id),
            handle: value(&user.handle),
            email: value(&user.email),
            token_id: HeaderValue::from(r.id),
            scopes: value(&names.join(" ")),
            stops: stops(r.expires_at, r.retired_until)
                .and_then(|t| HeaderValue::from_str(&crate::model::time::rfc3339(t)).ok()),
        };
        TokenOwner {
            token_id: r.id,
            label: label(&r.name, &r.prefix, &r.last_four),
            expires_at: r.expires_at,
            issued_at: r.issued_at,
            deactivated: r.deactivated,
            user_disabled: r.user_disabled,
            scopes,
            platform_scopes: r.platform_scopes.into(),
            retired_until: r.retired_until,
            rate: super::quota::Stored {
                window: r.rate_window,
                used: r.rate_used,
            },
            user: Arc::new(user),
            headers: Arc::new(headers),
        }
    }
}
