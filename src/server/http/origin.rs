//! Cross-site request forgery and DNS rebinding protection: the browser-facing
//! site answers only to its own host name, and a state-changing request must
//! come from the site's own pages.
//!
//! Browsers say where a request comes from in `Sec-Fetch-Site` (modern) and
//! `Origin`. A request that carries neither and no cookie was not sent by a
//! browser on behalf of another site (the REST API's clients, scripts), so
//! it cannot be a forgery and passes; bearer tokens are never sent
//! automatically anyway. One with a cookie but neither header is refused.
//!
//! A page of another site can still reach this one under its own name, by
//! pointing that name at this server's address (DNS rebinding): to the
//! browser the request is then same-origin. So the `Host` must be the one
//! `PUBLIC_URL` names or, without it, a loopback name (`localhost`,
//! `127.0.0.1`, `[::1]`), which no other site can take.

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, Method, Request, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::server::config::Settings;

/// Refuses (400) a request for the browser-facing site under another host
/// name, and (403) an unsafe request that comes from another origin.
pub async fn guard(
    State(settings): State<std::sync::Arc<Settings>>,
    mut req: Request<Body>,
    next: Next,
) -> Response {
    let public_origin = settings.public_origin.as_deref();
    let host = req
        .headers()
        .get(header::HOST)
        .map(|h| h.to_str().unwrap_or_default().to_owned());
    if let Some(host) = &host {
        if browser_facing(req.uri().path()) && !known_host(host, public_origin) {
            tracing::warn!(host = %host.escape_debug(), path = %req.uri().path(), "unknown host name refused");
            return (
                StatusCode::BAD_REQUEST,
                "This server does not answer to that host name. Its operator sets PUBLIC_URL \
                 to the address people use to reach it.",
            )
                .into_response();
        }
    }
    let safe = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
    if safe || same_origin(&req, host.as_deref(), public_origin) {
        // A form posted without JavaScript is answered with a redirect back
        // to its `Referer`: only ever to a page of this site.
        let foreign_referer = req.headers().get(header::REFERER).is_some_and(|r| {
            !same_origin_url(
                r.to_str().unwrap_or_default(),
                host.as_deref(),
                public_origin,
            )
        });
        if foreign_referer {
            req.headers_mut().remove(header::REFERER);
        }
        next.run(req).await
    } else {
        tracing::warn!(method = %req.method(), path = %req.uri().path(), "cross-origin request refused");
        (
            StatusCode::FORBIDDEN,
            "Cross-origin request refused: this action must come from the site's own pages.",
        )
            .into_response()
    }
}

/// Whether a path belongs to what browsers use (pages, server functions,
/// exports, avatars). The token-authenticated API, forward auth,
/// introspection, the
/// health checks and the database proxy's endpoint are reached under
/// internal names too, and nothing a browser holds authenticates them.
fn browser_facing(path: &str) -> bool {
    !(path.starts_with("/api/v1/")
        || path == "/auth/verify"
        || path.starts_with("/auth/verify/")
        || path == "/oauth/introspect"
        || path == "/livez"
        || path == "/healthz"
        || path.starts_with("/internal/"))
}

/// `host[:port]` in lower case, without the scheme's default port.
fn normalise(authority: &str, https: bool) -> String {
    let a = authority.to_ascii_lowercase();
    let default = if https { ":443" } else { ":80" };
    match a.strip_suffix(default) {
        Some(stripped) => stripped.to_owned(),
        None => a,
    }
}

/// Whether `host` (a `Host` header) names this site.
fn known_host(host: &str, public_origin: Option<&str>) -> bool {
    match public_origin {
        Some(origin) => {
            let https = origin.starts_with("https://");
            let authority = origin.split_once("://").map_or(origin, |(_, a)| a);
            normalise(host, https) == normalise(authority, https)
        }
        None => loopback(host),
    }
}

/// `localhost`, `*.localhost`, `127.x.x.x` or `[::1]`, with any port.
fn loopback(host: &str) -> bool {
    let name = if let Some(rest) = host.strip_prefix('[') {
        rest.split(']').next().unwrap_or_default()
    } else {
        host.rsplit_once(':').map_or(host, |(name, _)| name)
    };
    let name = name.to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn same_origin(req: &Request<Body>, host: Option<&str>, public_origin: Option<&str>) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        if !matches!(site, "same-origin" | "none") {
            return false;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        // `Sec-Fetch-Site` said same-origin, or the request is not a
        // browser's. Every browser in use sends one of the two headers with
        // an unsafe request, so one that carries a cookie but neither header
        // is refused rather than trusted.
        return headers.contains_key("sec-fetch-site") || !headers.contains_key(header::COOKIE);
    };
    let Ok(origin) = origin.to_str() else {
        return false;
    };
    same_origin_url(origin, host, public_origin)
}

/// Whether `url` (an origin, or a whole URL such as a `Referer`) is of this
/// site: `PUBLIC_URL`'s origin or, without it, plain HTTP under the name
/// the browser used. Scheme, host and port must all match.
fn same_origin_url(url: &str, host: Option<&str>, public_origin: Option<&str>) -> bool {
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let https = scheme.eq_ignore_ascii_case("https");
    let origin = format!(
        "{}://{}",
        scheme.to_ascii_lowercase(),
        normalise(authority, https)
    );
    match public_origin {
        Some(expected) => origin == normalise(expected, expected.starts_with("https://")),
        None => host.is_some_and(|h| origin == format!("http://{}", normalise(h, false))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_names_are_known_without_public_url() {
        for host in [
            "localhost:3000",
            "LOCALHOST",
            "app.localhost:80",
            "127.0.0.1:3000",
            "127.1.2.3",
            "[::1]:3000",
            "[::1]",
        ] {
            assert!(known_host(host, None), "{host}");
        }
        for host in [
            "evil.example",
            "evil.example:3000",
            "192.168.1.5:3000",
            "localhost.evil.example",
            "[::2]:3000",
            "",
        ] {
            assert!(!known_host(host, None), "{host}");
        }
    }

    #[test]
    fn with_public_url_only_its_host_and_port_are_known() {
        let public = Some("https://accounts.example.com");
        assert!(known_host("accounts.example.com", public));
        assert!(known_host("Accounts.Example.com:443", public));
        assert!(!known_host("accounts.example.com:8443", public));
        assert!(!known_host("localhost:3000", public));
        let public = Some("http://127.0.0.1:3200");
        assert!(known_host("127.0.0.1:3200", public));
        assert!(!known_host("127.0.0.1:3201", public));
    }

    #[test]
    fn same_origin_urls_match_in_scheme_host_and_port() {
        let host = Some("localhost:3000");
        assert!(same_origin_url("http://localhost:3000", host, None));
        assert!(same_origin_url(
            "http://LOCALHOST:3000/settings?x=1",
            host,
            None
        ));
        assert!(!same_origin_url("https://localhost:3000/", host, None));
        assert!(!same_origin_url(
            "http://localhost:3000.evil.example/",
            host,
            None
        ));
        assert!(!same_origin_url("/settings", host, None));
        let public = Some("https://accounts.example.com");
        assert!(same_origin_url(
            "https://accounts.example.com:443/login",
            host,
            public
        ));
        assert!(!same_origin_url(
            "http://accounts.example.com/login",
            host,
            public
        ));
    }

    #[test]
    fn only_the_health_checks_api_and_internal_routes_skip_the_host_check() {
        assert!(browser_facing("/"));
        assert!(browser_facing("/api/signup123"));
        assert!(browser_facing("/settings/audit-log/export.csv"));
        assert!(!browser_facing("/api/v1/user"));
        assert!(!browser_facing("/healthz"));
        assert!(!browser_facing("/internal/db-auth"));
    }
}
