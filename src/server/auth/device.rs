//! Device cookies (OWASP's design against lock-out by strangers): a browser
//! that signed in to an account gets a cookie naming it, sealed with the
//! server key for that account. When strangers' failures slow sign-ins to
//! the account, a browser carrying its cookie is not held back, and its own
//! failures count against it, not against its address.

use axum::http::{HeaderMap, HeaderValue};
use rand::RngCore;

use crate::server::config::Settings;
use crate::server::kernel::secret_box::{from_hex, to_hex, SecretBox};

/// How long a browser stays known: a little over a year (browsers cap
/// cookies at 400 days).
const MAX_AGE_SECS: i64 = 400 * 86_400;

/// A browser an account signed in from before.
#[derive(Clone, PartialEq, Eq)]
pub struct Device {
    pub user_id: i64,
    /// Random, unique to the browser (and the account).
    pub id: String,
}

impl std::fmt::Debug for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("user_id", &self.user_id)
            .finish_non_exhaustive()
    }
}

/// The cookie's name: `__Host-` only works (and is only allowed) over https.
fn cookie_name(settings: &Settings) -> &'static str {
    if settings.secure_cookies {
        "__Host-device"
    } else {
        "device"
    }
}

/// The device the request's cookie names, if the cookie is one this server
/// sealed; anything else is no device.
pub fn read(headers: &HeaderMap, settings: &Settings, keys: &SecretBox) -> Option<Device> {
    let value = super::session::cookie_value(headers, cookie_name(settings))?;
    if value.len() > 256 {
        return None;
    }
    let (user, sealed) = value.split_once('.')?;
    let user_id: i64 = user.parse().ok()?;
    let id = keys.try_open(user_id, &from_hex(sealed)?)?;
    Some(Device { user_id, id })
}

/// A new device for `user_id`.
pub fn new(user_id: i64) -> Device {
    let mut id = [0u8; 16];
    rand::rng().fill_bytes(&mut id);
    Device {
        user_id,
        id: to_hex(&id),
    }
}

/// The `Set-Cookie` value that makes the browser known as `device`.
pub fn cookie(device: &Device, settings: &Settings, keys: &SecretBox) -> Option<HeaderValue> {
    let sealed = keys.seal(device.user_id, &device.id).ok()?;
    let value = format!("{}.{}", device.user_id, to_hex(&sealed));
    super::session::set_cookie(settings, cookie_name(settings), &value, MAX_AGE_SECS)
}

#[cfg(test)]
mod tests {
    use super::*;

    use axum::http::header;

    fn headers(cookie: &HeaderValue) -> HeaderMap {
        let pair = cookie
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            format!("session=x; {pair}").parse().unwrap(),
        );
        h
    }

    #[test]
    fn a_device_cookie_reads_back_for_its_account_only() {
        let settings = Settings::defaults();
        let keys = SecretBox::new([3; 32]);
        let d = new(7);
        let c = cookie(&d, &settings, &keys).unwrap();
        assert_eq!(read(&headers(&c), &settings, &keys), Some(d.clone()));
        // Another key, another account, or a changed value: no device.
        assert_eq!(
            read(&headers(&c), &settings, &SecretBox::new([4; 32])),
            None
        );
        let text = c.to_str().unwrap().replacen("device=7.", "device=8.", 1);
        assert_eq!(
            read(&headers(&text.parse().unwrap()), &settings, &keys),
            None
        );
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, "device=7.zz".parse().unwrap());
        assert_eq!(read(&h, &settings, &keys), None);
        assert!(!format!("{d:?}").contains(&d.id));
    }
}
