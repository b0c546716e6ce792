//! `bare-axum ADDR`: answers every GET with a small fixed body, on tokio's
//! multi-threaded runtime, as axum does with nothing in front of it.

use axum::routing::get;

#[tokio::main]
async fn main() {
    let addr = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "127.0.0.1:3390".to_owned());
    let listener = tokio::net::TcpListener::bind(&addr)
        .await
        .unwrap_or_else(|e| panic!("{addr}: {e}"));
    let app = axum::Router::new().fallback(get(|| async { "ok" }));
    axum::serve(listener, app).await.expect("serve");
}
