//! An account's avatar in the database: where its picture is, setting or
//! removing it, and the stored PNGs.

use crate::error::AppError;
use crate::on_db;
use crate::on_tx;
use crate::server::db::Db;
use crate::server::events;
use crate::server::events::NewEvent;

/// Where an avatar picture is: the uploaded file (under `origin` when given,
/// else as a path) or the https address; `None` for initials.
pub fn avatar_location(
    file: Option<&str>,
    url: Option<&str>,
    origin: Option<&str>,
) -> Option<String> {
    match (file, url) {
        (Some(file), _) => Some(format!("{}/avatars/{file}", origin.unwrap_or(""))),
        (None, url) => url.map(str::to_owned),
    }
}

/// What the avatar becomes.
pub enum AvatarChange<'a> {
    Url(&'a str),
    /// An uploaded picture, processed: its new name and the PNG.
    Upload {
        name: &'a str,
        png: &'a [u8],
    },
    Remove,
}

/// Sets or removes the avatar in one transaction: a new picture is stored
/// with the change, the one it replaces is deleted with it, and `event`
/// is written with it.
pub async fn set_avatar(
    db: &Db,
    id: i64,
    change: AvatarChange<'_>,
    event: NewEvent,
) -> Result<(), AppError> {
    let (url, file) = match &change {
        AvatarChange::Url(u) => (Some(*u), None),
        AvatarChange::Upload { name, .. } => (None, Some(*name)),
        AvatarChange::Remove => (None, None),
    };
    let now = db.now();
    let mut tx = events::begin(db).await?;
    // Write first (see change_handle), then read what is replaced.
    let old: Option<String> = on_tx!(&mut tx, c => sqlx::query_scalar(
        "UPDATE users SET updated_at = $1 WHERE id = $2 RETURNING avatar_file",
    )
    .bind(now)
    .bind(id)
    .fetch_optional(c)
    .await)?
    .ok_or(AppError::Unauthorized)?;
    if let AvatarChange::Upload { name, png } = &change {
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO avatars (name, user_id, png, created_at) VALUES ($1, $2, $3, $4)",
        )
        .bind(*name)
        .bind(id)
        .bind(*png)
        .bind(now)
        .execute(c)
        .await
        .map(|_| ()))?;
    }
    on_tx!(&mut tx, c => sqlx::query(
        "UPDATE users SET avatar_url = $1, avatar_file = $2, updated_at = $3 WHERE id = $4",
    )
    .bind(url)
    .bind(file)
    .bind(now)
    .bind(id)
    .execute(c)
    .await
    .map(|_| ()))?;
    if let Some(old) = old {
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM avatars WHERE name = $1")
            .bind(old)
            .execute(c)
            .await
            .map(|_| ()))?;
    }
    events::commit(tx, &[event]).await?;
    Ok(())
}

/// A stored avatar's PNG.
pub async fn avatar_png(db: &Db, name: &str) -> Result<Option<Vec<u8>>, AppError> {
    Ok(
        on_db!(db, p => sqlx::query_scalar("SELECT png FROM avatars WHERE name = $1")
        .bind(name)
        .fetch_optional(p)
        .await)?,
    )
}
