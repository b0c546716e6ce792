//! What the tests read and send: a whole response, form bodies, pictures.

use account_settings::model::url::encode;
use axum::http::{header, HeaderMap, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;

pub struct Response {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Response {
    /// Reads a whole response, from the router or from the network.
    pub async fn read<B>(res: axum::http::Response<B>) -> Self
    where
        B: axum::body::HttpBody,
    {
        let status = res.status();
        let headers = res.headers().clone();
        let body = res
            .into_body()
            .collect()
            .await
            .map(|b| b.to_bytes().to_vec())
            .unwrap_or_default();
        Response {
            status,
            headers,
            body,
        }
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The `session` cookie this response sets, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("session="))
            .map(|v| v.split(';').next().unwrap_or_default().to_owned())
    }
}

/// A `w`×`h` picture encoded as `format`.
pub fn image(w: u32, h: u32, format: image::ImageFormat) -> Vec<u8> {
    let img = image::RgbaImage::from_fn(w, h, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, 255])
    });
    let mut out = std::io::Cursor::new(Vec::new());
    if format == image::ImageFormat::Jpeg {
        image::DynamicImage::ImageRgba8(img)
            .to_rgb8()
            .write_to(&mut out, format)
            .expect("encode");
    } else {
        img.write_to(&mut out, format).expect("encode");
    }
    out.into_inner()
}

/// Form-encodes key/value pairs.
pub fn form(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The `error` field of a server function's failure.
pub fn app_error(res: &Response) -> Value {
    assert!(
        !res.status.is_success(),
        "expected a failure, got {}: {}",
        res.status,
        res.text()
    );
    res.json()
}

/// Why a server function refused: its error's `reason` (`"token_limit"`,
/// `"link_used"`, …), what code decides by; the wording is free to change.
pub fn reason(res: &Response) -> String {
    let e = app_error(res);
    ["Invalid", "Conflict"]
        .iter()
        .find_map(|v| e[v]["reason"].as_str())
        .unwrap_or_else(|| panic!("no reason in {e}"))
        .to_owned()
}
