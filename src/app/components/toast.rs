//! Toasts: short messages that announce themselves to screen readers
//! (`status` for news, `alert` for errors), dismiss themselves after a few
//! seconds and can be dismissed at once.
//!
//! The server renders the empty region; the browser adds toasts to it
//! directly, from any island or from the page-wide behaviour in
//! `app::enhance`. A toast meant for the next page load (after a reload or
//! a redirect) waits in the tab's session storage.

use leptos::prelude::*;

/// How long a toast stays, in milliseconds.
#[cfg(feature = "hydrate")]
const TOAST_MS: u32 = 6_000;

/// Where a toast for the next page load waits.
#[cfg(feature = "hydrate")]
const FLASH_KEY: &str = "account-settings.toast";

/// The handle islands use to show toasts; on the server it does nothing.
#[derive(Clone, Copy)]
pub struct Toasts;

impl Toasts {
    /// A success or information message.
    pub fn success(&self, text: impl Into<String>) {
        show(&text.into(), false);
    }

    /// A failure.
    pub fn error(&self, text: impl Into<String>) {
        show(&text.into(), true);
    }
}

/// The toasts of the current page.
pub fn use_toasts() -> Toasts {
    Toasts
}

/// The region toasts appear in; once per page.
#[component]
pub fn ToastRegion() -> impl IntoView {
    // A live region from the start: what is added to it is read out.
    view! { <div class="toasts" aria-live="polite"></div> }
}

/// Shows `text` as a success toast after the next page load.
pub fn flash(text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = session_storage() {
        let _ = s.set_item(FLASH_KEY, text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// Shows the toast left for this page load, if any.
pub fn show_flash() {
    #[cfg(feature = "hydrate")]
    if let Some(s) = session_storage() {
        if let Ok(Some(text)) = s.get_item(FLASH_KEY) {
            let _ = s.remove_item(FLASH_KEY);
            show(&text, false);
        }
    }
}

#[cfg(feature = "hydrate")]
pub(crate) fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

fn show(text: &str, error: bool) {
    #[cfg(feature = "hydrate")]
    {
        let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        let Ok(Some(region)) = doc.query_selector(".toasts") else {
            return;
        };
        let make = |tag: &str, class: &str| {
            let el = doc.create_element(tag).ok()?;
            el.set_class_name(class);
            Some(el)
        };
        let (Some(toast), Some(span), Some(button)) = (
            make("div", if error { "toast toast-error" } else { "toast" }),
            make("span", "toast-text"),
            make("button", "icon-button"),
        ) else {
            return;
        };
        let _ = toast.set_attribute("role", if error { "alert" } else { "status" });
        span.set_text_content(Some(text));
        let _ = button.set_attribute("type", "button");
        let _ = button.set_attribute("aria-label", "Dismiss");
        let _ = button.set_attribute("data-dismiss", "");
        button.set_text_content(Some("×"));
        let _ = toast.append_child(&span);
        let _ = toast.append_child(&button);
        let _ = region.append_child(&toast);
        gloo_timers::callback::Timeout::new(TOAST_MS, move || toast.remove()).forget();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (text, error);
}
