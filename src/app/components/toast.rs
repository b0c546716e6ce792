//! Toasts: short messages that announce themselves to screen readers
//! (`status` for news, `alert` for errors), dismiss themselves after a few
//! seconds and can be dismissed at once.

use leptos::prelude::*;

/// How long a toast stays, in milliseconds.
#[cfg(feature = "hydrate")]
const TOAST_MS: u32 = 6_000;

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    error: bool,
    text: String,
}

/// The handle islands use to show toasts. All islands of a page share
/// one list in the browser; on the server nothing is ever shown.
#[derive(Clone, Copy)]
pub struct Toasts;

#[cfg(feature = "hydrate")]
thread_local! {
    static LIST: ArcRwSignal<Vec<Toast>> = ArcRwSignal::new(Vec::new());
    static NEXT: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// The page's toasts: shared in the browser, a fresh empty list on the server.
fn list() -> ArcRwSignal<Vec<Toast>> {
    #[cfg(feature = "hydrate")]
    return LIST.with(Clone::clone);
    #[cfg(not(feature = "hydrate"))]
    ArcRwSignal::new(Vec::new())
}

impl Toasts {
    fn push(&self, text: String, error: bool) {
        #[cfg(feature = "hydrate")]
        {
            let id = NEXT.with(|n| {
                n.set(n.get() + 1);
                n.get()
            });
            let list = list();
            list.update(|l| l.push(Toast { id, error, text }));
            gloo_timers::callback::Timeout::new(TOAST_MS, move || {
                list.update(|l| l.retain(|t| t.id != id));
            })
            .forget();
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (text, error);
    }

    /// A success or information message.
    pub fn success(&self, text: impl Into<String>) {
        self.push(text.into(), false);
    }

    /// A failure.
    pub fn error(&self, text: impl Into<String>) {
        self.push(text.into(), true);
    }
}

/// The toasts of the current page.
pub fn use_toasts() -> Toasts {
    Toasts
}

/// Shows the toasts; once per page.
#[island]
pub fn ToastRegion() -> impl IntoView {
    crate::app::shared::mark_hydrated();
    let shown = list();
    let dismiss = list();
    view! {
        <div class="toasts" aria-label="Notifications">
            <For each=move || shown.get() key=|t| t.id let:toast>
                <div
                    class="toast"
                    class:toast-error=toast.error
                    role=if toast.error { "alert" } else { "status" }
                >
                    <span class="toast-text">{toast.text.clone()}</span>
                    <button
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click={
                            let dismiss = dismiss.clone();
                            move |_| dismiss.update(|l| l.retain(|t| t.id != toast.id))
                        }
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
