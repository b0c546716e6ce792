//! What the islands of one page share in the browser: the clock, and
//! knowing when all of them are interactive.
//!
//! Islands hydrate one by one and share no context, so these live in the
//! browser's single thread. The server never keeps them: every call there
//! makes a fresh value, so nothing passes from one request to another.

use leptos::prelude::*;

#[cfg(feature = "hydrate")]
thread_local! {
    static CLOCK: ArcRwSignal<Option<i64>> = {
        let clock = ArcRwSignal::new(Some(crate::model::time::now()));
        let tick = clock.clone();
        gloo_timers::callback::Interval::new(30_000, move || {
            tick.set(Some(crate::model::time::now()));
        })
        .forget();
        clock
    };
}

/// The browser's clock, ticking every 30 seconds; `None` on the server
/// (pages use the server's time then).
pub fn clock() -> RwSignal<Option<i64>> {
    #[cfg(feature = "hydrate")]
    return RwSignal::from(CLOCK.with(Clone::clone));
    #[cfg(not(feature = "hydrate"))]
    RwSignal::new(None)
}

/// Marks `<body>` once every island of the page is interactive (browser
/// tests wait for it). Each island calls this; its effect runs after the
/// island has been hydrated.
pub fn mark_hydrated() {
    #[cfg(feature = "hydrate")]
    Effect::new(|_| count_hydrated(1));
}

/// Adds `n` islands to those hydrated; marks `<body>` when all are.
/// `hydrate()` calls it with 0 for pages without islands.
#[cfg(feature = "hydrate")]
pub fn count_hydrated(n: u32) {
    thread_local!(static DONE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
    let done = DONE.with(|d| {
        d.set(d.get() + n);
        d.get()
    });
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let total = doc
        .query_selector_all("leptos-island")
        .map(|l| l.length())
        .unwrap_or(0);
    if done >= total {
        if let Some(body) = doc.body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    }
}
