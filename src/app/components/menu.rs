//! A menu button: `aria-haspopup="menu"`, a `role="menu"` list of
//! `menuitem`s, Escape and a click outside close it, arrow keys move.

use leptos::prelude::*;

/// One entry of a [`MenuButton`]'s menu.
#[derive(Clone)]
pub struct MenuItem {
    pub label: String,
    pub danger: bool,
    pub on_select: Callback<()>,
}

/// A button that opens a menu of actions.
#[component]
pub fn MenuButton(
    /// The button's accessible name.
    #[prop(into)]
    label: String,
    /// The entries.
    #[prop(into)]
    items: Signal<Vec<MenuItem>>,
    /// What the button shows.
    children: Children,
) -> impl IntoView {
    let open = RwSignal::new(false);
    let menu = NodeRef::<leptos::html::Div>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if open.get() {
            if let Some(el) = menu.get() {
                super::dialog::web_sys_like::focus_first(&el);
            }
        }
    });
    let on_key = move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
        "Escape" | "Tab" => open.set(false),
        #[cfg(feature = "hydrate")]
        "ArrowDown" | "ArrowUp" => {
            ev.prevent_default();
            move_focus(&menu, ev.key() == "ArrowDown");
        }
        _ => {}
    };
    view! {
        <div class="menu-wrap">
            <button
                class="icon-button"
                aria-label=label
                aria-haspopup="menu"
                aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)
            >
                {children()}
            </button>
            <Show when=move || open.get()>
                <div class="menu-backdrop" on:click=move |_| open.set(false)></div>
                <div class="menu" role="menu" node_ref=menu on:keydown=on_key>
                    <For
                        each=move || items.get().into_iter().enumerate()
                        key=|(i, item)| (*i, item.label.clone())
                        let:entry
                    >
                        {
                            let item = entry.1;
                            let on_select = item.on_select;
                            view! {
                                <button
                                    role="menuitem"
                                    class="menu-item"
                                    class:danger=item.danger
                                    on:click=move |_| {
                                        open.set(false);
                                        on_select.run(());
                                    }
                                >
                                    {item.label.clone()}
                                </button>
                            }
                        }
                    </For>
                </div>
            </Show>
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn move_focus(menu: &NodeRef<leptos::html::Div>, down: bool) {
    use wasm_bindgen::JsCast;
    let Some(root) = menu.get() else { return };
    let Ok(list) = root.query_selector_all("[role=menuitem]") else {
        return;
    };
    let n = list.length();
    if n == 0 {
        return;
    }
    let active: Option<web_sys::Node> = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
        .map(Into::into);
    let current = (0..n).find(|i| list.item(*i) == active);
    let next = match (current, down) {
        (Some(i), true) => (i + 1) % n,
        (Some(i), false) => (i + n - 1) % n,
        (None, _) => 0,
    };
    if let Some(el) = list
        .item(next)
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}
