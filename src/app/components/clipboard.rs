//! Copying to the clipboard, with a short "Copied" confirmation.

use leptos::prelude::*;

/// A **Copy to Clipboard** button for the text `value` returns.
#[component]
pub fn CopyButton(
    /// The text to copy; `None` disables the button.
    #[prop(into)]
    value: Signal<Option<String>>,
) -> impl IntoView {
    let copied = RwSignal::new(false);
    let failed = RwSignal::new(false);
    let copy = move |_| {
        let Some(text) = value.get_untracked() else {
            return;
        };
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            let ok = write_clipboard(&text).await;
            copied.set(ok);
            failed.set(!ok);
            gloo_timers::future::TimeoutFuture::new(2_000).await;
            copied.set(false);
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    };
    view! {
        <button
            type="button"
            class="button secondary"
            disabled=move || value.get().is_none()
            on:click=copy
        >
            "Copy to Clipboard"
        </button>
        <span class=move || if copied.get() || failed.get() { "copied shown" } else { "copied" } role="status">
            {move || {
                if copied.get() {
                    "Copied"
                } else if failed.get() {
                    "Copy failed: select the text and copy it yourself."
                } else {
                    ""
                }
            }}
        </span>
    }
}

#[cfg(feature = "hydrate")]
async fn write_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}
