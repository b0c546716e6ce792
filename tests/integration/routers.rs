//! Several routers in one process (the tests build one per app, at the
//! same time): building one must never stall a page another is rendering.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use account_settings::server::run::router;

use crate::common::TestApp;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_render_while_other_routers_are_built() {
    let app = TestApp::new().await;
    let cookie = app.signup("ada").await;
    let stop = Arc::new(AtomicBool::new(false));
    // Stops the builder however the test ends (the runtime waits for it).
    struct Stop(Arc<AtomicBool>);
    impl Drop for Stop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::Relaxed);
        }
    }
    let _stop = Stop(stop.clone());
    let builder = {
        let stop = stop.clone();
        let state = app.state.clone();
        tokio::task::spawn_blocking(move || {
            let mut built = 0;
            while !stop.load(Ordering::Relaxed) {
                drop(router::build(state.clone()));
                built += 1;
            }
            built
        })
    };
    for i in 0..40 {
        // A page waiting for data that never comes would wait for ever:
        // the limit only tells a stall from an answer.
        let page = tokio::time::timeout(
            Duration::from_secs(20),
            app.get("/settings/tokens", Some(&cookie)),
        )
        .await
        .unwrap_or_else(|_| panic!("render {i} stalled"));
        assert!(page.text().contains("Generate"), "render {i}");
    }
    stop.store(true, Ordering::Relaxed);
    let built = builder.await.unwrap();
    assert!(built > 0);
}
