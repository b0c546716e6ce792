//! Security headers on every answer: the page's Content-Security-Policy
//! (with the nonce of its inline scripts), the cross-origin isolation of
//! the window, the browser features the app never uses, and HSTS when the
//! site is served over https.
//!
//! The nonce is made here, before the request reaches anything that
//! renders, and handed to the page in the request's extensions
//! (`router::build` provides it to Leptos): the policy names the nonce the
//! page's scripts carry by construction, whatever order the page is
//! rendered and sent in.

use axum::extract::State;
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use leptos::nonce::Nonce;

use crate::server::config::Settings;

/// The nonce of this request's answer, as the page's scripts carry it
/// (`None` outside a request that passed [`security`]).
pub fn nonce_of(parts: &axum::http::request::Parts) -> Option<Nonce> {
    parts.extensions.get::<Nonce>().cloned()
}

/// The policy of a page whose inline scripts carry `nonce`. Scripts come from this site only (its
/// JavaScript and WASM); styles from this site plus `style` attributes
/// (avatar colours, table labels); pictures also from https (avatar URLs
/// are shown as given) and from the avatar editor's local preview.
pub fn content_security_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'nonce-{nonce}'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob: https:; \
         connect-src 'self'; object-src 'none'; base-uri 'none'; \
         frame-ancestors 'none'; form-action 'self'"
    )
}

/// Everything the app never asks the browser for.
const PERMISSIONS: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
     geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), \
     usb=(), xr-spatial-tracking=()";

/// One year, subdomains included (the workspace addresses live under the
/// same name).
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Adds the headers to every page's (and every browser-facing) answer: an
/// HTML answer's policy names the nonce made here for its inline scripts.
pub async fn security(
    State(settings): State<std::sync::Arc<Settings>>,
    mut req: axum::extract::Request,
    next: Next,
) -> Response {
    let nonce = Nonce::new();
    req.extensions_mut().insert(nonce.clone());
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let html = h
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if html {
        if let Ok(v) = HeaderValue::from_str(&content_security_policy(&nonce)) {
            h.insert(header::CONTENT_SECURITY_POLICY, v);
        }
    }
    fixed(h, &settings);
    res
}

/// The same headers on the answers of the machine-facing routes (the token
/// API, forward auth, the health checks), which no page is rendered for:
/// no nonce to make, and the rest in one pass. Every answer there is
/// personal or live, so `Cache-Control: no-store` unless it says otherwise.
pub async fn machine(
    State(settings): State<std::sync::Arc<Settings>>,
    req: axum::extract::Request,
    next: Next,
) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    fixed(h, &settings);
    for (name, value) in [
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::CACHE_CONTROL, "no-store"),
    ] {
        if !h.contains_key(&name) {
            h.insert(name, HeaderValue::from_static(value));
        }
    }
    res
}

/// What every answer carries, page or not.
fn fixed(h: &mut axum::http::HeaderMap, settings: &Settings) {
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(PERMISSIONS),
    );
    let https = settings
        .public_origin
        .as_deref()
        .is_some_and(|o| o.starts_with("https://"));
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::content_security_policy;

    #[test]
    fn the_policy_allows_inline_scripts_only_by_nonce() {
        let with = content_security_policy("abc");
        assert!(with.contains("script-src 'self' 'wasm-unsafe-eval' 'nonce-abc';"));
        for p in [with] {
            let scripts = p
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap();
            assert!(!scripts.contains("unsafe-inline"));
            for d in [
                "object-src 'none'",
                "base-uri 'none'",
                "frame-ancestors 'none'",
                "form-action 'self'",
            ] {
                assert!(p.contains(d), "{d} missing from {p}");
            }
        }
    }
}
