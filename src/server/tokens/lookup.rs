//! The check every API request goes through: a token's hash to the token
//! and its owner, in one indexed read.

use crate::error::AppError;
use crate::model::scope::Scopes;
use crate::model::token::label;
use crate::on_lookup;
use crate::server::db::Lookups;
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
    pub deactivated: bool,
    pub user_disabled: bool,
    pub scopes: Scopes,
    /// `Some` when the secret used is one the token had before it was
    /// regenerated: it works until then, and is refused afterwards.
    pub retired_until: Option<i64>,
    /// The rate-limit count the token's row held (see [`super::quota`]).
    pub rate: super::quota::Stored,
    pub user: Profile,
}

/// The row [`find_by_hash`] reads.
#[derive(sqlx::FromRow)]
struct OwnerRow {
    id: i64,
    name: String,
    prefix: String,
    last_four: String,
    expires_at: Option<i64>,
    deactivated: bool,
    scopes: i64,
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

/// Looks a token and its owner up by the hash of the secret presented: one
/// indexed query for a token's current secret; a second only when that
/// finds nothing, for a secret the token had before it was regenerated.
pub async fn find_by_hash(
    lookups: &Lookups,
    hash: &TokenHash,
) -> Result<Option<TokenOwner>, AppError> {
    static CURRENT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT t.id, t.name, t.prefix, t.last_four, t.expires_at,
                    t.deactivated_at IS NOT NULL AS deactivated, t.scopes,
                    CAST(NULL AS BIGINT) AS retired_until, {USER_COLUMNS}
             FROM api_tokens t JOIN users u ON u.id = t.user_id
             WHERE t.token_hash = $1"
        )
    });
    static RETIRED: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT t.id, t.name, t.prefix, r.last_four, t.expires_at,
                    t.deactivated_at IS NOT NULL AS deactivated, t.scopes,
                    r.valid_until AS retired_until, {USER_COLUMNS}
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
    // An SQLite file: in place, on this thread (see `db::lookup`).
    if let Some(sqlite) = lookups.in_place() {
        let row = sqlite
            .run(|c| {
                use rusqlite::OptionalExtension;
                let current = c
                    .prepare_cached(&CURRENT)?
                    .query_row([digest], OwnerRow::read)
                    .optional()?;
                if current.is_some() {
                    return Ok(current);
                }
                c.prepare_cached(&RETIRED)?
                    .query_row([digest], OwnerRow::read)
                    .optional()
            })
            .map_err(|e| {
                tracing::error!(error = %e, "token check failed");
                AppError::Internal
            })?;
        return Ok(row.map(TokenOwner::from));
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
    Ok(row.map(TokenOwner::from))
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
            deactivated: r.get("deactivated")?,
            scopes: r.get("scopes")?,
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
        TokenOwner {
            token_id: r.id,
            label: label(&r.name, &r.prefix, &r.last_four),
            expires_at: r.expires_at,
            deactivated: r.deactivated,
            user_disabled: r.user_disabled,
            scopes: Scopes::from_bits(r.scopes),
            retired_until: r.retired_until,
            rate: super::quota::Stored {
                window: r.rate_window,
                used: r.rate_used,
            },
            user: Profile {
                id: r.user_id,
                handle: r.handle,
                email: r.email,
                first_name: r.first_name,
                last_name: r.last_name,
                display_name: r.display_name,
                avatar_url: r.avatar_url,
                avatar_file: r.avatar_file,
                created_at: r.created_at,
            },
        }
    }
}
