//! A modal dialog: `role="dialog"`, focus moved inside and kept there,
//! Escape and Cancel close it.

use leptos::prelude::*;

/// Keeps Tab and Shift+Tab inside `root`; Escape calls `close`.
pub fn trap_keys(
    ev: &leptos::ev::KeyboardEvent,
    root: Option<web_sys_like::Element>,
    close: impl Fn(),
) {
    if ev.key() == "Escape" {
        ev.prevent_default();
        close();
        return;
    }
    #[cfg(feature = "hydrate")]
    if ev.key() == "Tab" {
        if let Some(root) = root {
            web_sys_like::cycle_focus(ev, &root);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = root;
}

/// Browser helpers; on the server they are never called.
pub mod web_sys_like {
    #[cfg(feature = "hydrate")]
    pub type Element = web_sys::Element;
    #[cfg(not(feature = "hydrate"))]
    pub type Element = ();

    #[cfg(feature = "hydrate")]
    const FOCUSABLE: &str =
        "button:not([disabled]), [href], input:not([disabled]):not([tabindex='-1']), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex='-1'])";

    /// Moves focus to the first focusable element inside `root`.
    #[cfg(feature = "hydrate")]
    pub fn focus_first(root: &web_sys::Element) {
        use wasm_bindgen::JsCast;
        if let Ok(Some(el)) = root.query_selector(FOCUSABLE) {
            if let Ok(el) = el.dyn_into::<web_sys::HtmlElement>() {
                let _ = el.focus();
            }
        }
    }

    #[cfg(feature = "hydrate")]
    pub fn cycle_focus(ev: &leptos::ev::KeyboardEvent, root: &web_sys::Element) {
        use wasm_bindgen::JsCast;
        let Ok(list) = root.query_selector_all(FOCUSABLE) else {
            return;
        };
        let n = list.length();
        if n == 0 {
            return;
        }
        let first = list.item(0);
        let last = list.item(n - 1);
        let active = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.active_element());
        let active_node: Option<web_sys::Node> = active.map(Into::into);
        let target = if ev.shift_key() {
            (active_node.as_ref() == first.as_ref()).then_some(last)
        } else {
            (active_node.as_ref() == last.as_ref()).then_some(first)
        };
        if let Some(Some(node)) = target {
            if let Ok(el) = node.dyn_into::<web_sys::HtmlElement>() {
                ev.prevent_default();
                let _ = el.focus();
            }
        }
    }
}

/// A modal dialog shown while `open` is true.
#[component]
pub fn Dialog(
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
    /// The heading, which also names the dialog.
    #[prop(into)]
    title: String,
    /// A unique id for the heading.
    #[prop(into)]
    id: String,
    children: ChildrenFn,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let title_id = format!("{id}-title");
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if open.get() {
            if let Some(el) = root.get() {
                web_sys_like::focus_first(&el);
            }
        }
    });
    let children = StoredValue::new(children);
    let title = StoredValue::new(title);
    let title_id = StoredValue::new(title_id);
    view! {
        <Show when=move || open.get()>
            <div class="overlay" on:click=move |_| open.set(false)></div>
            <div
                class="dialog"
                role="dialog"
                aria-modal="true"
                aria-labelledby=title_id.get_value()
                node_ref=root
                on:keydown=move |ev| {
                    #[cfg(feature = "hydrate")]
                    let el: Option<web_sys_like::Element> = root.get().map(Into::into);
                    #[cfg(not(feature = "hydrate"))]
                    let el: Option<web_sys_like::Element> = None;
                    trap_keys(&ev, el, || open.set(false));
                }
            >
                <h2 id=title_id.get_value()>{title.get_value()}</h2>
                {children.read_value()()}
            </div>
        </Show>
    }
}
