//! Avatar uploads: what is accepted, how it is stored and served, and each
//! refusal with the limit it names.

use std::io::Cursor;

use account_settings::api::profile::{RemoveAvatar, SetAvatarUrl};
use axum::http::{header, StatusCode};
use image::{ImageFormat, RgbaImage};

use crate::common::{image as encode, TestApp, HOST};

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut c = (data.len() as u32).to_be_bytes().to_vec();
    c.extend_from_slice(kind);
    c.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    c.extend_from_slice(&crc.finalize().to_be_bytes());
    c
}

/// A small, valid-looking PNG whose header claims `w`×`h` pixels.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]);
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &ihdr));
    // A few KiB of zlib-compressed zeros would expand to gigabytes.
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[tokio::test]
async fn a_png_whose_colour_profile_inflates_to_hundreds_of_megabytes_is_stored_as_a_picture() {
    use account_settings::model::avatar::MAX_BYTES;
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let bomb = crate::bombs::iccp_bomb(300);
    assert!(bomb.len() < MAX_BYTES / 4, "{} bytes", bomb.len());
    let res = app.upload_avatar(Some(&cookie), bomb).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let url = res.json()["avatar"].as_str().unwrap().to_owned();
    let stored = app.get(&url, None).await;
    let back = image::load_from_memory(&stored.body).unwrap();
    assert_eq!((back.width(), back.height()), (256, 256));
}

/// The status, reason and message of a refused upload.
async fn refused(app: &TestApp, cookie: &str, bytes: Vec<u8>) -> (StatusCode, String, String) {
    let res = app.upload_avatar(Some(cookie), bytes).await;
    let e = &res.json()["Invalid"];
    let msg = e["message"]
        .as_str()
        .unwrap_or_else(|| panic!("not a refusal: {}", res.text()))
        .to_owned();
    (
        res.status,
        e["reason"].as_str().unwrap_or_default().to_owned(),
        msg,
    )
}

#[tokio::test]
async fn png_upload_is_stored_as_a_256_square_and_served_with_caching() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let res = app
        .upload_avatar(Some(&cookie), encode(640, 480, ImageFormat::Png))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let path = res.json()["avatar"].as_str().unwrap().to_owned();
    assert!(
        path.starts_with("/avatars/") && path.ends_with(".png"),
        "{path}"
    );
    assert_eq!(app.me(&cookie).await["avatar"], path.as_str());
    assert_eq!(app.avatar_files().await.len(), 1);

    let served = app.get(&path, None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.headers[header::CONTENT_TYPE], "image/png");
    assert!(served.headers[header::CACHE_CONTROL]
        .to_str()
        .unwrap()
        .contains("immutable"));
    let back = image::load_from_memory(&served.body).unwrap();
    assert_eq!((back.width(), back.height()), (256, 256));

    // A new upload replaces the file; the old one is deleted.
    let res = app
        .upload_avatar(Some(&cookie), encode(300, 300, ImageFormat::WebP))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let files = app.avatar_files().await;
    assert_eq!(files.len(), 1);
    assert_ne!(format!("/avatars/{}", files[0]), path);
    assert_eq!(app.get(&path, None).await.status, StatusCode::NOT_FOUND);
    // An address replaces it too, and removes the file.
    app.call::<SetAvatarUrl>(Some(&cookie), &[("avatar_url", "https://x.example/a.png")])
        .await;
    assert!(app.avatar_files().await.is_empty());
    let actions = app.actions(app.user_id("ada").await).await;
    assert_eq!(actions.iter().filter(|a| *a == "avatar_changed").count(), 3);
}

#[tokio::test]
async fn jpeg_and_gif_are_accepted_and_metadata_is_stripped() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let jpeg = encode(64, 64, ImageFormat::Jpeg);
    // Put an EXIF segment with "GPS" data right after the start marker.
    let payload = b"Exif\0\0SECRET-GPS-51.5N-0.1W";
    let mut with_exif = jpeg[..2].to_vec();
    with_exif.extend_from_slice(&[0xFF, 0xE1]);
    with_exif.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    with_exif.extend_from_slice(payload);
    with_exif.extend_from_slice(&jpeg[2..]);
    let res = app.upload_avatar(Some(&cookie), with_exif).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let stored = app
        .get(res.json()["avatar"].as_str().unwrap(), None)
        .await
        .body;
    assert!(!stored.windows(6).any(|w| w == b"SECRET"));
    assert!(!stored.windows(4).any(|w| w == b"Exif"));

    let res = app
        .upload_avatar(Some(&cookie), encode(32, 48, ImageFormat::Gif))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
}

#[tokio::test]
async fn files_that_lie_about_their_type_are_refused() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let svg = b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".to_vec();
    let html = b"\x89PNG but actually <html>".to_vec();
    let mut bmp = Vec::new();
    RgbaImage::new(4, 4)
        .write_to(&mut Cursor::new(&mut bmp), ImageFormat::Bmp)
        .ok();
    if bmp.is_empty() {
        bmp = b"BM\x46\x00\x00\x00\x00\x00\x00\x00\x36\x00\x00\x00".to_vec();
    }
    for bytes in [svg, html, bmp, b"just text".to_vec()] {
        let (status, why, _) = refused(&app, &cookie, bytes).await;
        assert_eq!(
            (status, why.as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, "unreadable")
        );
    }
    assert!(app.avatar_files().await.is_empty());
    assert_eq!(app.me(&cookie).await["avatar"], serde_json::Value::Null);
}

#[tokio::test]
async fn oversize_file_is_refused_with_the_size_limit() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let mut big = encode(16, 16, ImageFormat::Png);
    big.resize(3 * 1024 * 1024, 0);
    let (status, why, msg) = refused(&app, &cookie, big).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(why, "too_large");
    // The limit broken is said (its wording is the model's, tested there).
    assert_eq!(
        msg,
        account_settings::model::avatar::too_large(3 * 1024 * 1024)
    );
    assert!(app.avatar_files().await.is_empty());
}

#[tokio::test]
async fn over_dimension_and_bomb_headers_are_refused_before_decoding() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let pixels = account_settings::model::avatar::too_many_pixels;
    let (_, why, msg) = refused(&app, &cookie, encode(4100, 8, ImageFormat::Png)).await;
    assert_eq!((why.as_str(), msg), ("too_many_pixels", pixels(4100, 8)));
    let (status, why, msg) = refused(&app, &cookie, png_claiming(100_000, 100_000)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        (why.as_str(), msg),
        ("too_many_pixels", pixels(100_000, 100_000))
    );
    assert!(app.avatar_files().await.is_empty());
}

#[tokio::test]
async fn truncated_image_is_refused_as_damaged() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let png = encode(200, 200, ImageFormat::Png);
    let (status, why, _) = refused(&app, &cookie, png[..png.len() / 2].to_vec()).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(why, "unreadable");
    // A header claiming a plausible size but with no pixel data at all.
    let (_, why, msg) = refused(&app, &cookie, png_claiming(64, 64)).await;
    assert_eq!(
        (why.as_str(), msg.as_str()),
        ("unreadable", account_settings::model::avatar::DAMAGED)
    );
}

#[tokio::test]
async fn upload_needs_a_session_and_the_sites_origin() {
    let app = TestApp::new().await;
    let res = app
        .upload_avatar(None, encode(8, 8, ImageFormat::Png))
        .await;
    assert_eq!(res.status, StatusCode::UNAUTHORIZED);
    let cookie = app.signup("ada").await;
    let req = axum::http::Request::builder()
        .method("POST")
        .uri("/settings/avatar")
        .header(header::HOST, HOST)
        .header(header::ORIGIN, "https://evil.example")
        .header(header::COOKIE, &cookie)
        .body(axum::body::Body::from(encode(8, 8, ImageFormat::Png)))
        .unwrap();
    assert_eq!(app.send(req).await.status, StatusCode::FORBIDDEN);
    assert!(app.avatar_files().await.is_empty());
    // Removing with nothing set is harmless.
    let res = app.call::<RemoveAvatar>(Some(&cookie), &[]).await;
    assert_eq!(res.status, StatusCode::OK);
}

#[tokio::test]
async fn avatar_paths_outside_the_generated_names_are_404() {
    let app = TestApp::new().await;
    for path in [
        "/avatars/..%2Fsecret.key",
        "/avatars/secret.key",
        "/avatars/x.png",
    ] {
        assert_eq!(
            app.get(path, None).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn an_avatar_uploaded_to_one_instance_is_served_by_another() {
    let first = TestApp::new().await;
    let second = first.second_instance().await;
    let cookie = first.signup("ada").await;
    let res = first
        .upload_avatar(Some(&cookie), encode(64, 64, ImageFormat::Png))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.text());
    let path = res.json()["avatar"].as_str().unwrap().to_owned();
    let served = second.get(&path, None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert!(served.body.starts_with(b"\x89PNG"));
    // Nothing was written to the data directory.
    assert!(!first.state.settings.data_dir.join("avatars").exists());
}

#[tokio::test]
async fn avatar_files_of_an_older_install_move_into_the_database() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let name = "0123456789abcdef0123456789abcdef.png";
    let dir = app.state.settings.data_dir.join("avatars");
    std::fs::create_dir_all(&dir).unwrap();
    let png = encode(256, 256, ImageFormat::Png);
    std::fs::write(dir.join(name), &png).unwrap();
    // A file nobody uses any more goes too, without a row.
    std::fs::write(dir.join("fedcba9876543210fedcba9876543210.png"), &png).unwrap();
    app.exec(&format!(
        "UPDATE users SET avatar_file = '{name}' WHERE handle = 'ada'"
    ))
    .await;

    let moved = account_settings::server::http::avatar::import_files(
        &app.state.db,
        &app.state.settings.data_dir,
    )
    .await
    .unwrap();
    assert_eq!(moved, 1);
    assert_eq!(app.avatar_files().await, vec![name.to_owned()]);
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    let served = app.get(&format!("/avatars/{name}"), None).await;
    assert_eq!(served.status, StatusCode::OK);
    assert_eq!(served.body, png);
    assert_eq!(
        app.me(&cookie).await["avatar"],
        format!("/avatars/{name}").as_str()
    );
}
