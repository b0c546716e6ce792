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

/// The handle pages use to show toasts; provided by [`ToastRegion`].
#[derive(Clone, Copy)]
pub struct Toasts {
    list: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

impl Toasts {
    fn push(&self, text: String, error: bool) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.list.update(|l| l.push(Toast { id, error, text }));
        #[cfg(feature = "hydrate")]
        {
            let list = self.list;
            gloo_timers::callback::Timeout::new(TOAST_MS, move || {
                list.try_update(|l| l.retain(|t| t.id != id));
            })
            .forget();
        }
    }

    /// A success or information message.
    pub fn success(&self, text: impl Into<String>) {
        self.push(text.into(), false);
    }

    /// A failure.
    pub fn error(&self, text: impl Into<String>) {
        self.push(text.into(), true);
    }

    fn dismiss(&self, id: u64) {
        self.list.update(|l| l.retain(|t| t.id != id));
    }
}

/// The toasts of the current page, from context.
pub fn use_toasts() -> Toasts {
    use_context::<Toasts>().unwrap_or_else(|| Toasts {
        list: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    })
}

/// Provides [`Toasts`] and shows them; wrap the app in it.
#[component]
pub fn ToastRegion(children: Children) -> impl IntoView {
    let toasts = Toasts {
        list: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(toasts);
    view! {
        {children()}
        <div class="toasts" aria-label="Notifications">
            <For each=move || toasts.list.get() key=|t| t.id let:toast>
                <div
                    class="toast"
                    class:toast-error=toast.error
                    role=if toast.error { "alert" } else { "status" }
                >
                    <span class="toast-text">{toast.text.clone()}</span>
                    <button
                        class="icon-button"
                        aria-label="Dismiss"
                        on:click=move |_| toasts.dismiss(toast.id)
                    >
                        "×"
                    </button>
                </div>
            </For>
        </div>
    }
}
