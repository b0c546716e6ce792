//! What a form posted without JavaScript was refused for. The server
//! function's failure is answered with a redirect back to the form's page
//! (Leptos does that for plain form posts); this seals the refusal in a
//! short-lived cookie on that redirect, and the page, rendering the form
//! whose action failed, shows its message. The text shown is always the
//! server's own (a cookie this server sealed, for that form): nothing a
//! link's query string says is ever shown.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::server::config::Settings;
use crate::server::kernel::secret_box::{from_hex, to_hex, SecretBox};

/// What sealing and reading refusals needs: the settings (cookie name and
/// flags) and the server key.
#[derive(Clone)]
pub struct Keys {
    pub settings: std::sync::Arc<Settings>,
    pub secrets: std::sync::Arc<SecretBox>,
}

/// Sealed as this owner, which no account is (accounts count from 1, the
/// key check is 0), so no other sealed value opens as a refusal.
const OWNER: i64 = -1;
/// Long enough to follow the redirect, short enough not to linger.
const MAX_AGE_SECS: i64 = 60;
/// Largest refusal read back (messages are a sentence or two).
const MAX_COOKIE: usize = 2_048;

fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-refusal"
    } else {
        "refusal"
    }
}

/// A refused form: the server function's path (the form's action) and
/// what to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub action: String,
    pub message: String,
}

fn set_cookie(settings: &Settings, value: &str, max_age: i64) -> Option<HeaderValue> {
    crate::server::auth::session::set_cookie(settings, cookie_name(settings), value, max_age)
}

/// The `Set-Cookie` value that carries `refusal` to the next page.
pub fn cookie(refusal: &Refusal, settings: &Settings, keys: &SecretBox) -> Option<HeaderValue> {
    let json = serde_json::to_string(refusal).ok()?;
    let sealed = keys.seal(OWNER, &json).ok()?;
    set_cookie(settings, &to_hex(&sealed), MAX_AGE_SECS)
}

/// The refusal the request's cookie carries, if this server sealed it.
pub fn read(headers: &HeaderMap, settings: &Settings, keys: &SecretBox) -> Option<Refusal> {
    let value = crate::server::auth::session::cookie_value(headers, cookie_name(settings))?;
    if value.is_empty() || value.len() > MAX_COOKIE {
        return None;
    }
    let json = keys.try_open(OWNER, &from_hex(value)?)?;
    serde_json::from_str(&json).ok()
}

/// Middleware: a server function's failure answered with a redirect (a
/// plain form post) gets its refusal sealed in the cookie and a `Location`
/// without Leptos' `__err` text; a page fetched with the cookie gets it
/// removed (the page has read it by then).
pub async fn carry(State(state): State<Keys>, req: Request, next: Next) -> Response {
    let action = req.uri().path().to_owned();
    let carried = req.method() == Method::GET
        && read(req.headers(), &state.settings, &state.secrets).is_some();
    let res = next.run(req).await;
    let refused = res.headers().contains_key("serverfnerror")
        && (res.status() == StatusCode::FOUND || res.status() == StatusCode::SEE_OTHER);
    if refused {
        return seal_refusal(&state, action, res).await;
    }
    let mut res = res;
    if carried {
        if let Some(clear) = set_cookie(&state.settings, "", 0) {
            res.headers_mut().append(header::SET_COOKIE, clear);
        }
    }
    res
}

async fn seal_refusal(state: &Keys, action: String, res: Response) -> Response {
    let (mut parts, body) = res.into_parts();
    let bytes = axum::body::to_bytes(body, super::fn_errors::MAX_ERROR_BODY)
        .await
        .unwrap_or_default();
    let message = match serde_json::from_slice::<AppError>(&bytes) {
        Ok(e) => e.to_string(),
        Err(_) => AppError::Internal.to_string(),
    };
    if let Some(c) = cookie(
        &Refusal { action, message },
        &state.settings,
        &state.secrets,
    ) {
        parts.headers.append(header::SET_COOKIE, c);
    }
    if let Some(location) = parts
        .headers
        .get(header::LOCATION)
        .and_then(|l| l.to_str().ok())
        .map(without_error_text)
        .and_then(|l| HeaderValue::from_str(&l).ok())
    {
        parts.headers.insert(header::LOCATION, location);
    }
    parts.status = StatusCode::SEE_OTHER;
    parts.headers.remove("serverfnerror");
    parts.headers.remove(header::CONTENT_LENGTH);
    parts.headers.remove(header::CONTENT_TYPE);
    Response::from_parts(parts, Body::empty())
}

/// `location` without the `__err` and `__path` query parameters.
fn without_error_text(location: &str) -> String {
    let Some((path, query)) = location.split_once('?') else {
        return location.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((q, f)) => (q, Some(f)),
        None => (query, None),
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|p| {
            let key = p.split('=').next().unwrap_or_default();
            !key.is_empty() && key != "__err" && key != "__path"
        })
        .collect();
    let mut out = path.to_owned();
    if !kept.is_empty() {
        out.push('?');
        out.push_str(&kept.join("&"));
    }
    if let Some(f) = fragment {
        out.push('#');
        out.push_str(f);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_text_is_taken_out_of_the_location() {
        assert_eq!(without_error_text("/login"), "/login");
        assert_eq!(
            without_error_text("http://h/login?__err=abc&__path=%2Fapi"),
            "http://h/login"
        );
        assert_eq!(
            without_error_text("/reset?token=t&__err=x#top"),
            "/reset?token=t#top"
        );
    }

    #[test]
    fn a_refusal_opens_only_with_its_key_and_as_a_refusal() {
        let settings = Settings::defaults();
        let keys = SecretBox::new([7; 32]);
        let refusal = Refusal {
            action: "/api/login".into(),
            message: "Invalid email, handle or password.".into(),
        };
        let set = cookie(&refusal, &settings, &keys).unwrap();
        let value = set.to_str().unwrap().split(';').next().unwrap().to_owned();
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, HeaderValue::from_str(&value).unwrap());
        assert_eq!(read(&headers, &settings, &keys), Some(refusal));
        assert_eq!(read(&headers, &settings, &SecretBox::new([8; 32])), None);
        // A device cookie's sealed value (another owner) is no refusal.
        let other = to_hex(
            &keys
                .seal(1, "{\"action\":\"/\",\"message\":\"x\"}")
                .unwrap(),
        );
        headers.insert(
            header::COOKIE,
            HeaderValue::from_str(&format!("refusal={other}")).unwrap(),
        );
        assert_eq!(read(&headers, &settings, &keys), None);
    }
}
