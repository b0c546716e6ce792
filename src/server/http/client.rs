//! Who is on the other end of a request: the client's address (believing
//! `X-Forwarded-For` only from `TRUSTED_PROXIES`) and its user agent, as the
//! audit log, the sessions list and the rate limits use them.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::HeaderMap;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

use crate::server::kernel::client::ClientIp;

use crate::server::config::Settings;

/// The client's address: the peer's, unless the peer is a trusted proxy;
/// then the right-most `X-Forwarded-For` address that is not one (each
/// proxy appends the address it heard from, so only the entries added by
/// trusted proxies can be believed). When every entry is trusted, the
/// left-most; an entry that is not an address ends the walk there.
pub fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpNet]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(&ip.to_canonical()));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

/// `203.0.113.7`, `2001:db8::1`, `[2001:db8::1]:443` or `203.0.113.7:80`.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .ok()
        .or_else(|| hop.parse::<SocketAddr>().ok().map(|s| s.ip()))
}

/// Middleware: works out the client's address once and leaves it in the
/// request's extensions for everything after it.
pub async fn remember(
    State(settings): State<std::sync::Arc<Settings>>,
    mut req: Request,
    next: Next,
) -> Response {
    if let Some(ConnectInfo(peer)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let ip = client_ip(peer.ip(), req.headers(), &settings.trusted_proxies);
        req.extensions_mut().insert(ClientIp(ip));
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::server::config::parse_trusted;

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_peers() {
        let trusted = parse_trusted("10.0.0.0/8, 192.168.1.5").unwrap();
        let h = xff(&["198.51.100.9, 203.0.113.7"]);
        // From a stranger: the header is ignored.
        assert_eq!(
            client_ip(ip("198.51.100.1"), &h, &trusted),
            ip("198.51.100.1")
        );
        // From a trusted proxy: the right-most untrusted entry, not the
        // left-most one (which the client may have written itself).
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.7"));
        // Through two trusted proxies.
        let h = xff(&["198.51.100.9, 203.0.113.7", "192.168.1.5"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("203.0.113.7"));
        // Every entry trusted: the left-most.
        let h = xff(&["10.9.9.9, 192.168.1.5"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("10.9.9.9"));
        // No header: the proxy itself.
        assert_eq!(
            client_ip(ip("10.1.2.3"), &HeaderMap::new(), &trusted),
            ip("10.1.2.3")
        );
        // Garbage ends the walk at the last address believed.
        let h = xff(&["203.0.113.7, not-an-ip, 10.2.2.2"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("10.2.2.2"));
        // Ports and IPv6.
        let h = xff(&["[2001:db8::7]:4711"]);
        assert_eq!(client_ip(ip("10.1.2.3"), &h, &trusted), ip("2001:db8::7"));
        // Nothing trusted by default.
        let h = xff(&["203.0.113.7"]);
        assert_eq!(client_ip(ip("127.0.0.1"), &h, &[]), ip("127.0.0.1"));
    }

    #[test]
    fn trusted_proxies_parse_or_say_what_is_wrong() {
        assert_eq!(parse_trusted("").unwrap(), vec![]);
        assert_eq!(parse_trusted("127.0.0.1, ::1").unwrap().len(), 2);
        assert!(parse_trusted("10.0.0.0/33").is_err());
        let err = parse_trusted("10.0.0.1, proxy.internal").unwrap_err();
        assert!(err.contains("proxy.internal"), "{err}");
    }
}
