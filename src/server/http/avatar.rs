//! Avatar uploads: checked, decoded with limits, re-encoded and stored in
//! the database under a generated name; and served back with long-lived
//! caching.
//!
//! The upload is the raw file as the request body of
//! `POST /settings/avatar` (the dialog sends it with `fetch`), signed in by
//! the session cookie. Every refusal names the limit that was broken.

use std::io::Cursor;
use std::path::{Path, PathBuf};

use axum::body::{Body, Bytes};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use image::{ImageFormat, ImageReader, Limits};
use rand::RngCore;

use crate::error::{AppError, Reason};
use crate::model::audit::AuditAction;
use crate::model::avatar::{self, MAX_BYTES, MAX_SIDE, STORED_SIDE};
use crate::on_db;
use crate::server::auth::session;
use crate::server::db::Db;
use crate::server::events::NewEvent;
use crate::server::identity::users;
use crate::server::kernel::client::ClientMeta;
use crate::server::state::AppState;

/// The folder where an older version stored avatars as files.
pub fn dir(data_dir: &Path) -> PathBuf {
    data_dir.join("avatars")
}

/// The refusal of an upload of `bytes` bytes: over the limit (413).
fn too_large(bytes: u64) -> AppError {
    AppError::invalid("avatar", avatar::too_large(bytes)).because(Reason::TooLarge)
}

/// The most the decoder may allocate for one picture: 4096×4096 RGBA is
/// 64 MiB, with room for the decoder's own buffers.
pub const DECODER_MAX_ALLOC: u64 = 96 * 1024 * 1024;

/// The PNG signature every PNG file starts with.
const PNG_SIGNATURE: &[u8; 8] = b"\x89PNG\r\n\x1a\n";

/// A PNG with only the chunks its pixels need: the critical ones (`IHDR`,
/// `PLTE`, `IDAT`, `IEND`, named with a capital first letter) and `tRNS`
/// (transparency). Every other chunk is dropped unread: a colour profile
/// (`iCCP`) or text (`zTXt`, `iTXt`) is compressed, and a 2 MiB one can
/// inflate to gigabytes, which no pixel limit bounds. (The stored avatar
/// keeps none of them anyway.) Anything that is not a well-formed run of
/// chunks is left as it is, for the decoder to refuse. The other formats'
/// metadata is not compressed, so the upload's size bounds it.
pub fn essential_png(bytes: &[u8]) -> Option<Vec<u8>> {
    let mut rest = bytes.strip_prefix(PNG_SIGNATURE)?;
    let mut out = Vec::with_capacity(bytes.len());
    out.extend_from_slice(PNG_SIGNATURE);
    while rest.len() >= 12 {
        let length = u32::from_be_bytes(rest[..4].try_into().ok()?) as usize;
        let kind = &rest[4..8];
        let whole = length.checked_add(12)?;
        let chunk = rest.get(..whole)?;
        if kind[0].is_ascii_uppercase() || kind == b"tRNS" {
            out.extend_from_slice(chunk);
        }
        rest = &rest[whole..];
        if kind == b"IEND" {
            return Some(out);
        }
    }
    None
}

/// Checks and converts an upload into the stored PNG. CPU-bound: call it
/// off the async runtime.
pub fn process(bytes: &[u8]) -> Result<Vec<u8>, AppError> {
    let refuse = |m: String| AppError::invalid("avatar", m).because(Reason::Unreadable);
    let too_many_pixels = |w, h| {
        AppError::invalid("avatar", avatar::too_many_pixels(w, h)).because(Reason::TooManyPixels)
    };
    if bytes.len() > MAX_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    // A PNG is read with only the chunks its pixels need; one whose chunks
    // do not run to its end is damaged (and never reaches a decoder, which
    // would inflate what it meets on the way).
    let essential = match essential_png(bytes) {
        Some(kept) => Some(kept),
        None if bytes.starts_with(PNG_SIGNATURE) => return Err(refuse(avatar::DAMAGED.into())),
        None => None,
    };
    let bytes = essential.as_deref().unwrap_or(bytes);
    // Every reader allocates at most the decoder's limit, whatever the
    // file says; the pixel limits apply once the size has been read.
    let mut memory_only = Limits::default();
    memory_only.max_alloc = Some(DECODER_MAX_ALLOC);
    let mut limits = memory_only.clone();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    let reader = |limits: &Limits| {
        let mut r = ImageReader::new(Cursor::new(bytes))
            .with_guessed_format()
            .map_err(|_| refuse(avatar::NOT_AN_IMAGE.into()))?;
        r.limits(limits.clone());
        Ok::<_, AppError>(r)
    };
    // The type comes from the content, never from a name or a header.
    let format = reader(&memory_only)?.format();
    if !matches!(
        format,
        Some(ImageFormat::Png | ImageFormat::Jpeg | ImageFormat::Gif | ImageFormat::WebP)
    ) {
        return Err(refuse(avatar::NOT_AN_IMAGE.into()));
    }
    // The header alone says how big the picture claims to be.
    let (w, h) = reader(&memory_only)?
        .into_dimensions()
        .map_err(|_| refuse(avatar::DAMAGED.into()))?;
    if w > MAX_SIDE || h > MAX_SIDE {
        return Err(too_many_pixels(w, h));
    }
    // No pixels to show (a GIF may declare a screen 43 pixels wide and 0
    // high; found by the fuzzer, it came out 256×1).
    if w == 0 || h == 0 {
        return Err(refuse(avatar::DAMAGED.into()));
    }
    let image = reader(&limits)?.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => too_many_pixels(w, h),
        _ => refuse(avatar::DAMAGED.into()),
    })?;
    if image.width() == 0 || image.height() == 0 {
        return Err(refuse(avatar::DAMAGED.into()));
    }
    let square = image
        .resize_to_fill(
            STORED_SIDE,
            STORED_SIDE,
            image::imageops::FilterType::Triangle,
        )
        .to_rgba8();
    // Re-encoding keeps only pixels: no EXIF, no comments, no colour profile.
    let mut out = Cursor::new(Vec::new());
    square
        .write_to(&mut out, ImageFormat::Png)
        .map_err(AppError::internal)?;
    Ok(out.into_inner())
}

/// A new random name for a stored avatar.
fn new_name() -> String {
    let mut raw = [0u8; 16];
    rand::rng().fill_bytes(&mut raw);
    raw.iter().map(|b| format!("{b:02x}")).collect::<String>() + ".png"
}

/// Moves the avatar files an older version kept in `DATA_DIR/avatars` into
/// the database (those an account still uses), then removes the files.
/// Run at start; a file that cannot be read stays for the next start.
pub async fn import_files(db: &Db, data_dir: &Path) -> Result<usize, String> {
    let dir = dir(data_dir);
    let Ok(mut entries) = tokio::fs::read_dir(&dir).await else {
        return Ok(0);
    };
    let mut moved = 0;
    while let Ok(Some(entry)) = entries.next_entry().await {
        let name = entry.file_name().to_string_lossy().into_owned();
        if !valid_name(&name) {
            continue;
        }
        let Ok(png) = tokio::fs::read(entry.path()).await else {
            continue;
        };
        let done = on_db!(db, p => sqlx::query(
            "INSERT INTO avatars (name, user_id, png, created_at)
             SELECT $1, id, $2, updated_at FROM users WHERE avatar_file = $1
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(&name)
        .bind(&png)
        .execute(p)
        .await
        .map(|d| d.rows_affected()))
        .map_err(|e| format!("moving avatar files into the database: {e}"))?;
        moved += done as usize;
        if let Err(e) = tokio::fs::remove_file(entry.path()).await {
            tracing::warn!(error = %e, file = name, "avatar file not removed after the move");
        }
    }
    if moved > 0 {
        tracing::info!(avatars = moved, "moved avatar files into the database");
    }
    Ok(moved)
}

/// Generated names only: 32 lower-case hex digits and `.png`.
fn valid_name(name: &str) -> bool {
    name.strip_suffix(".png").is_some_and(|stem| {
        stem.len() == 32
            && stem
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

/// What the upload answers.
#[derive(serde::Serialize)]
struct Uploaded {
    avatar: String,
}

fn refusal(status: StatusCode, error: AppError) -> Response {
    (status, Json(error)).into_response()
}

/// `POST /settings/avatar`: the raw image file as the body.
pub async fn upload(State(state): State<AppState>, req: axum::extract::Request) -> Response {
    let (parts, body) = req.into_parts();
    match upload_inner(&state, &parts, body).await {
        Ok(path) => Json(Uploaded { avatar: path }).into_response(),
        Err(e) => {
            let status = e.status();
            refusal(status, e)
        }
    }
}

async fn upload_inner(
    state: &AppState,
    parts: &axum::http::request::Parts,
    body: Body,
) -> Result<String, AppError> {
    let headers = &parts.headers;
    let Some(s) = session::current(&state.db, &state.settings, headers).await? else {
        return Err(AppError::Unauthorized);
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(n) = declared.filter(|n| *n > MAX_BYTES as u64) {
        return Err(too_large(n));
    }
    let bytes: Bytes = axum::body::to_bytes(body, MAX_BYTES)
        .await
        .map_err(|_| too_large(MAX_BYTES as u64 + 1))?;
    if bytes.is_empty() {
        return Err(AppError::invalid("avatar", "Choose an image file first."));
    }
    // Decoding may take ~100 MiB: at most two at a time, whatever comes in.
    static DECODING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);
    let _permit = DECODING.acquire().await.map_err(AppError::internal)?;
    let png = tokio::task::spawn_blocking(move || process(&bytes))
        .await
        .map_err(AppError::internal)??;
    let name = new_name();
    let meta = ClientMeta::of(parts);
    users::set_avatar(
        &state.db,
        s.user.id,
        users::AvatarChange::Upload {
            name: &name,
            png: &png,
        },
        NewEvent::new(s.user.id, AuditAction::AvatarChanged)
            .client(&meta)
            .detail("Uploaded a new picture"),
    )
    .await?;
    Ok(format!("/avatars/{name}"))
}

/// `GET /avatars/{name}`: a stored avatar, from the database (so any
/// instance serves it). Names are never reused, so it may be cached for good.
pub async fn serve(State(state): State<AppState>, UrlPath(name): UrlPath<String>) -> Response {
    if !valid_name(&name) {
        return StatusCode::NOT_FOUND.into_response();
    }
    match users::avatar_png(&state.db, &name).await {
        Ok(Some(bytes)) => (
            [
                (header::CONTENT_TYPE, HeaderValue::from_static("image/png")),
                (
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                ),
            ],
            bytes,
        )
            .into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => refusal(e.status(), e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([10, 20, 30, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn a_picture_without_pixels_is_refused_as_damaged() {
        // A GIF whose screen is 43×0 around a 1×1 frame (a fuzzer's find).
        let gif = b"GIF89a+\0\0\0\x80\0\0\0\0\0\xff\xff\xff!\xf9\x04\x01\0\0\0\0,\0\0\0\0\x01\0\x01\0\0\x02II*\0;";
        let err = process(gif).unwrap_err();
        assert_eq!(err.to_string(), avatar::DAMAGED);
    }

    #[test]
    fn a_small_png_becomes_a_256_square() {
        let out = process(&png(300, 120)).unwrap();
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (256, 256));
    }

    /// A chunk of `kind` holding `data`, with its CRC.
    fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut c = (data.len() as u32).to_be_bytes().to_vec();
        c.extend_from_slice(kind);
        c.extend_from_slice(data);
        c.extend_from_slice(&crc32fast::hash(&c[4..]).to_be_bytes());
        c
    }

    /// The chunk names of a PNG, in order.
    fn chunk_names(png: &[u8]) -> Vec<String> {
        let mut rest = &png[8..];
        let mut names = Vec::new();
        while rest.len() >= 12 {
            let length = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            names.push(String::from_utf8_lossy(&rest[4..8]).into_owned());
            rest = &rest[length + 12..];
        }
        names
    }

    #[test]
    fn a_png_keeps_only_the_chunks_its_pixels_need() {
        let plain = png(20, 10);
        let mut with_extras = plain[..33].to_vec();
        // A colour profile claiming zlib data (never inflated), text, and
        // transparency.
        with_extras.extend(chunk(b"iCCP", b"bomb\0\0\x78\x9c\xff\xff\xff"));
        with_extras.extend(chunk(b"zTXt", b"Comment\0\0\x78\x9c"));
        with_extras.extend(chunk(b"tRNS", &[0, 0]));
        with_extras.extend(&plain[33..]);
        let kept = essential_png(&with_extras).unwrap();
        let names = chunk_names(&kept);
        assert!(
            !names.iter().any(|n| n == "iCCP" || n == "zTXt"),
            "{names:?}"
        );
        assert!(names.contains(&"tRNS".to_owned()) && names.contains(&"IDAT".to_owned()));
        assert_eq!(names.first().map(String::as_str), Some("IHDR"));
        assert_eq!(names.last().map(String::as_str), Some("IEND"));
        // What is left decodes to the same picture.
        let a = image::load_from_memory(&kept).unwrap().to_rgba8();
        let b = image::load_from_memory(&plain).unwrap().to_rgba8();
        assert_eq!(a, b);
        // Not a run of chunks (cut short, a length past the end, not a
        // PNG): left alone for the decoder to refuse.
        assert_eq!(essential_png(&with_extras[..with_extras.len() - 5]), None);
        // Such a PNG is refused as damaged, never handed to a decoder that
        // would inflate its profile on the way to the pixels.
        let cut = &with_extras[..with_extras.len() - 12];
        assert_eq!(process(cut).unwrap_err().to_string(), avatar::DAMAGED);
        assert_eq!(essential_png(b"GIF89a"), None);
        let mut huge = plain[..8].to_vec();
        huge.extend(u32::MAX.to_be_bytes());
        huge.extend(b"IHDR\0\0\0\0\0\0\0\0");
        assert_eq!(essential_png(&huge), None);
    }

    #[test]
    fn text_is_not_an_image() {
        let e = process(b"hello, this is not a picture").unwrap_err();
        assert_eq!(e.to_string(), avatar::NOT_AN_IMAGE);
    }

    #[test]
    fn names_are_only_generated_ones() {
        assert!(valid_name("0123456789abcdef0123456789abcdef.png"));
        assert!(!valid_name("../secret.key"));
        assert!(!valid_name("0123456789ABCDEF0123456789abcdef.png"));
    }
}
