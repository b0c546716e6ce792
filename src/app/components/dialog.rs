//! Modal dialogs: the browser's own `<dialog>`, which keeps focus inside,
//! closes on Escape and marks the page behind it inert.
//!
//! [`ModalDialog`] is rendered closed by the server and opened by an
//! [`OpenDialog`] button; [`Dialog`] is the same element driven by an
//! island's signal.

use leptos::prelude::*;

/// A modal dialog shown while `open` is true (inside an island).
#[component]
pub fn Dialog(
    /// Whether the dialog is shown.
    open: RwSignal<bool>,
    /// The heading, which also names the dialog.
    #[prop(into)]
    title: String,
    /// A unique id for the dialog.
    #[prop(into)]
    id: String,
    children: ChildrenFn,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Dialog>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let want = open.get();
        if let Some(d) = root.get() {
            if want && !d.open() {
                let _ = d.show_modal();
            } else if !want && d.open() {
                d.close();
            }
        }
    });
    let labelled_by = format!("{id}-title");
    let title_id = labelled_by.clone();
    view! {
        <dialog
            class="dialog"
            id=id
            aria-labelledby=labelled_by
            node_ref=root
            on:close=move |_| open.set(false)
        >
            <div class="dialog-body">
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </dialog>
    }
}

/// A modal dialog the server renders, closed: the browser's own `<dialog>`
/// (focus kept inside, Escape closes). [`OpenDialog`] opens it.
#[component]
pub fn ModalDialog(
    /// The dialog's id, which its buttons name.
    #[prop(into)]
    id: String,
    /// The heading, which also names the dialog.
    #[prop(into)]
    title: String,
    children: Children,
) -> impl IntoView {
    let labelled_by = format!("{id}-title");
    let title_id = labelled_by.clone();
    view! {
        <dialog id=id class="dialog" aria-labelledby=labelled_by>
            <div class="dialog-body">
                <h2 id=title_id>{title}</h2>
                {children()}
            </div>
        </dialog>
    }
}

/// A button that opens the [`ModalDialog`] `id`: by itself where the
/// browser knows invoker commands, through `app::enhance` elsewhere.
#[component]
pub fn OpenDialog(
    #[prop(into)] id: String,
    #[prop(into)] class: String,
    /// `menuitem` inside a menu.
    #[prop(optional)]
    role: Option<&'static str>,
    /// The accessible name, where the visible text alone is not enough
    /// (an **Edit** on every row names its row).
    #[prop(optional, into)]
    label: Option<String>,
    /// The button's id (`<dialog id>-opener` unless given): focus comes
    /// back to it when the dialog closes, also after a reload.
    #[prop(optional, into)]
    button_id: Option<String>,
    children: Children,
) -> impl IntoView {
    let button_id = button_id.unwrap_or_else(|| format!("{id}-opener"));
    view! {
        <button
            type="button"
            id=button_id
            class=class
            role=role
            aria-label=label
            commandfor=id.clone()
            command="show-modal"
            data-open=id
        >
            {children()}
        </button>
    }
}

/// **Cancel** (or `label`): closes the [`ModalDialog`] `id` it is in;
/// `primary` where closing is what the dialog ends with (**Close**,
/// **Done**).
#[component]
pub fn CloseDialog(
    #[prop(into)] id: String,
    #[prop(optional)] label: Option<&'static str>,
    #[prop(optional)] primary: bool,
) -> impl IntoView {
    let class = if primary {
        "button primary"
    } else {
        "button secondary"
    };
    view! {
        <button type="button" class=class commandfor=id command="close" data-close="">
            {label.unwrap_or("Cancel")}
        </button>
    }
}

/// The foot of a form in a [`ModalDialog`]: where its refusal shows,
/// **Cancel**, and the submit button (`label`, `busy` while sent; in the
/// danger colour for what cannot be undone; enabled only while the form is
/// valid with `requires_valid`).
#[component]
pub fn DialogFoot(
    #[prop(into)] id: String,
    label: &'static str,
    busy: &'static str,
    #[prop(optional)] danger: bool,
    #[prop(optional)] requires_valid: bool,
) -> impl IntoView {
    let class = if danger {
        "button danger"
    } else {
        "button primary"
    };
    view! {
        <p class="form-error" role="alert"></p>
        <div class="dialog-actions">
            <CloseDialog id />
            <button class=class type="submit" data-busy=busy data-requires-valid=requires_valid.then_some("")>
                {label}
            </button>
        </div>
    }
}
