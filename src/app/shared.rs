//! What the islands of one page share in the browser: the signed-in user
//! shown in the header, the toasts and the clock.
//!
//! Islands hydrate one by one and share no context, so these live in the
//! browser's single thread. The server never keeps them: every call there
//! makes a fresh value, so nothing passes from one request to another.

use leptos::prelude::*;

use crate::model::user::CurrentUser;

#[cfg(feature = "hydrate")]
thread_local! {
    static ME: ArcRwSignal<Option<CurrentUser>> = ArcRwSignal::new(None);
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

/// The user the header shows once a page has changed it (names, avatar,
/// handle, role); `None` until then, when the header shows what the
/// server rendered.
pub fn me() -> RwSignal<Option<CurrentUser>> {
    RwSignal::from(me_arc())
}

fn me_arc() -> ArcRwSignal<Option<CurrentUser>> {
    #[cfg(feature = "hydrate")]
    return ME.with(Clone::clone);
    #[cfg(not(feature = "hydrate"))]
    ArcRwSignal::new(None)
}

/// Reloads the signed-in user for the header, after a change to it.
pub fn refresh_me() {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Ok(Some(user)) = crate::api::auth::get_me().await {
            me_arc().set(Some(user));
        }
    });
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
    Effect::new(|_| {
        thread_local!(static DONE: std::cell::Cell<u32> = const { std::cell::Cell::new(0) });
        let done = DONE.with(|d| {
            d.set(d.get() + 1);
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
    });
}
