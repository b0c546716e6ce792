//! The transport of a remote `TestApp`: requests built for the router,
//! sent over HTTP to real servers (the balanced tests: nginx in front of
//! release instances).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;

use crate::common::Response;

/// Real servers reached over HTTP, and whatever keeps them running.
pub struct Remote {
    /// `http://host:port`.
    base: String,
    client: Client<HttpConnector, Body>,
    _servers: Arc<dyn std::any::Any + Send + Sync>,
}

impl Remote {
    /// A client of the servers at `base` (`http://host:port`); `servers`
    /// is kept alive as long as the client.
    pub fn new(base: &str, servers: Arc<dyn std::any::Any + Send + Sync>) -> Self {
        let client = Client::builder(hyper_util::rt::TokioExecutor::new()).build_http();
        Remote {
            base: base.trim_end_matches('/').to_owned(),
            client,
            _servers: servers,
        }
    }

    /// Sends `req` (built for the router's host and origin) to the real servers,
    /// its host and origin changed to theirs.
    pub async fn send(&self, mut req: Request<Body>) -> Response {
        let path = req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned();
        *req.uri_mut() = format!("{}{path}", self.base).parse().expect("URL");
        let host = self.base.trim_start_matches("http://").to_owned();
        let headers = req.headers_mut();
        headers.insert(header::HOST, host.parse().expect("host"));
        if headers.contains_key(header::ORIGIN) {
            headers.insert(header::ORIGIN, self.base.parse().expect("origin"));
        }
        let res = self
            .client
            .request(req)
            .await
            .unwrap_or_else(|e| panic!("{}{path}: {e}", self.base));
        Response::read(res).await
    }
}
