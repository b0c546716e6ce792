//! `GET /metrics` in Prometheus' text format, served only on
//! `METRICS_ADDR` (a separate address, for the operator's scraper; the
//! public one never answers it). Off unless set: then nothing is counted.
//!
//! - `http_requests_total{route, method, status}` and
//!   `http_request_duration_seconds{route}` (a histogram); `route` is the
//!   route's pattern (`/api/v1/tokens/{id}`), never the path as sent, and
//!   `unmatched` for anything no route answers (so a scanner cannot grow
//!   the label set);
//! - `api_token_checks_total{outcome}`: `ok`, `invalid`, `expired`,
//!   `deactivated`, `rotated`, `rate_limited`;
//! - `rate_limit_refusals_total{route}`: every 429;
//! - `audit_queue_depth` and `audit_events_dropped_total` (events a
//!   failed batch did not write);
//! - `db_pool_connections{state}` (`idle`, `in_use`) and
//!   `db_pool_max_connections`;
//! - `password_hashes{state}` (`running`, `waiting`),
//!   `password_hash_workers` and `password_hashes_refused_total` (answered
//!   503 because the queue was full).
//!
//! Labels never hold a secret, an address or anything a client typed.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;

use crate::server::kernel::password::HasherUse;

/// What `/metrics` reports besides its counters, read at each scrape.
pub struct Gauges {
    /// API events waiting for the audit writer.
    pub audit_queued: usize,
    /// API events the writer could not write, since start.
    pub audit_dropped: u64,
    /// The database pool: connections open, idle, and the most allowed.
    pub pool: (u32, u32, u32),
    pub hashing: HasherUse,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabels {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct PoolLabels {
    state: &'static str,
}

/// Latency buckets, in seconds: 1 ms to 10 s.
fn latency_histogram() -> Histogram {
    Histogram::new([
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
    ])
}

/// What is counted; one per server.
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RouteLabels, Histogram, fn() -> Histogram>,
    token_checks: Family<OutcomeLabels, Counter>,
    refusals: Family<RouteLabels, Counter>,
    audit_queue: Gauge,
    audit_dropped: Counter,
    pool: Family<PoolLabels, Gauge>,
    pool_max: Gauge,
    hashes: Family<PoolLabels, Gauge>,
    hash_workers: Gauge,
    hashes_refused: Counter,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    pub fn new() -> Self {
        let requests = Family::<RequestLabels, Counter>::default();
        let latency: Family<RouteLabels, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(latency_histogram);
        let token_checks = Family::<OutcomeLabels, Counter>::default();
        let refusals = Family::<RouteLabels, Counter>::default();
        let audit_queue = Gauge::default();
        let audit_dropped = Counter::default();
        let pool = Family::<PoolLabels, Gauge>::default();
        let pool_max = Gauge::default();
        let hashes = Family::<PoolLabels, Gauge>::default();
        let hash_workers = Gauge::default();
        let hashes_refused = Counter::default();
        let mut r = Registry::default();
        r.register(
            "http_requests",
            "Requests answered, by route pattern, method and status",
            requests.clone(),
        );
        r.register(
            "http_request_duration_seconds",
            "Time from a request's arrival to its answer, by route pattern",
            latency.clone(),
        );
        r.register(
            "api_token_checks",
            "API token checks, by outcome",
            token_checks.clone(),
        );
        r.register(
            "rate_limit_refusals",
            "Requests refused with 429 by a rate limit, by route pattern",
            refusals.clone(),
        );
        r.register(
            "audit_queue_depth",
            "API audit events queued and not yet written",
            audit_queue.clone(),
        );
        r.register(
            "audit_events_dropped",
            "API audit events a failed batch did not write",
            audit_dropped.clone(),
        );
        r.register(
            "db_pool_connections",
            "The database pool's connections, by state",
            pool.clone(),
        );
        r.register(
            "db_pool_max_connections",
            "The most connections the database pool opens",
            pool_max.clone(),
        );
        r.register(
            "password_hashes",
            "Password hashes running and waiting for a worker",
            hashes.clone(),
        );
        r.register(
            "password_hash_workers",
            "Password hashes that run at once",
            hash_workers.clone(),
        );
        r.register(
            "password_hashes_refused",
            "Password hashes refused (503) because the queue was full",
            hashes_refused.clone(),
        );
        Self {
            registry: r,
            requests,
            latency,
            token_checks,
            refusals,
            audit_queue,
            audit_dropped,
            pool,
            pool_max,
            hashes,
            hash_workers,
            hashes_refused,
        }
    }

    /// Counts a token check's outcome.
    pub fn token_checked(&self, outcome: &'static str) {
        self.token_checks
            .get_or_create(&OutcomeLabels { outcome })
            .inc();
    }

    /// The text of `/metrics`, with the gauges read just now.
    pub fn render(&self, now: &Gauges) -> String {
        self.audit_queue
            .set(i64::try_from(now.audit_queued).unwrap_or(i64::MAX));
        let written = self.audit_dropped.get();
        let dropped = now.audit_dropped;
        if dropped > written {
            self.audit_dropped.inc_by(dropped - written);
        }
        let (size, idle, max) = now.pool;
        self.pool
            .get_or_create(&PoolLabels { state: "idle" })
            .set(i64::from(idle));
        self.pool
            .get_or_create(&PoolLabels { state: "in_use" })
            .set(i64::from(size.saturating_sub(idle)));
        self.pool_max.set(i64::from(max));
        let hashing = &now.hashing;
        let gauge = |n: usize| i64::try_from(n).unwrap_or(i64::MAX);
        self.hashes
            .get_or_create(&PoolLabels { state: "running" })
            .set(gauge(hashing.running));
        self.hashes
            .get_or_create(&PoolLabels { state: "waiting" })
            .set(gauge(hashing.waiting));
        self.hash_workers.set(gauge(hashing.workers));
        let counted = self.hashes_refused.get();
        if hashing.refused > counted {
            self.hashes_refused.inc_by(hashing.refused - counted);
        }
        let mut out = String::new();
        if let Err(e) = prometheus_client::encoding::text::encode(&mut out, &self.registry) {
            tracing::error!(error = %e, "metrics not encoded");
        }
        out
    }
}

/// Middleware (only when metrics are on): counts and times every request
/// by its route's pattern.
pub async fn track(State(metrics): State<Arc<Metrics>>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or("unmatched", MatchedPath::as_str)
        .to_owned();
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let res = next.run(req).await;
    let status = res.status().as_u16();
    let labels = RouteLabels { route };
    metrics
        .latency
        .get_or_create(&labels)
        .observe(started.elapsed().as_secs_f64());
    if status == 429 {
        metrics.refusals.get_or_create(&labels).inc();
    }
    metrics
        .requests
        .get_or_create(&RequestLabels {
            route: labels.route,
            method,
            status,
        })
        .inc();
    res
}
