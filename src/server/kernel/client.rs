//! Who is on the other end of a request, as flows record it: the client's
//! address (worked out once by `http::client::remember`) and its browser.

use std::net::{IpAddr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::{header, HeaderMap};

/// The client's address, worked out once per request by [`remember`](crate::server::http::client::remember).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Where a request came from, as the audit log and the sessions list show it.
#[derive(Debug, Clone, Default)]
pub struct ClientMeta {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientMeta {
    pub fn of(parts: &axum::http::request::Parts) -> Self {
        Self::from_request(&parts.headers, &parts.extensions)
    }

    pub fn from_request(headers: &HeaderMap, ext: &axum::http::Extensions) -> Self {
        let ip = ext
            .get::<ClientIp>()
            .map(|ClientIp(ip)| *ip)
            .or_else(|| {
                ext.get::<ConnectInfo<SocketAddr>>()
                    .map(|ConnectInfo(addr)| addr.ip())
            })
            .map(|ip| ip.to_canonical().to_string());
        let user_agent = headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect());
        Self { ip, user_agent }
    }
}
