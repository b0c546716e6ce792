//! Dialogs, popover menus and toasts: opening, closing, placing and the
//! arrow keys (see the module above).

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement, KeyboardEvent};

use super::dom::{all, closest, focus, target};

fn dialog(id: &str) -> Option<web_sys::HtmlDialogElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into()
        .ok()
}

thread_local! {
    /// Whether the last press of the mouse began on a dialog's backdrop.
    static PRESSED_ON_BACKDROP: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Notes where a press begins: a drag from a field inside a dialog that
/// ends on the backdrop is not a click on the backdrop.
pub(super) fn on_press(ev: Event) {
    let on_backdrop = target(&ev).is_some_and(|el| el.tag_name() == "DIALOG");
    PRESSED_ON_BACKDROP.with(|p| p.set(on_backdrop));
}

pub(super) fn on_click(ev: Event) {
    let Some(el) = target(&ev) else { return };
    if let Some(button) = closest(&el, "[popovertarget]") {
        place_menu(&button);
    } else if let Some(opener) = closest(&el, "[data-open]") {
        if let Some(d) = opener.get_attribute("data-open").and_then(|id| dialog(&id)) {
            super::focus::note_opener(&opener, &d);
            if !d.open() {
                let _ = d.show_modal();
            }
        }
    } else if let Some(closer) = closest(&el, "[data-close]") {
        if let Some(d) =
            closest(&closer, "dialog").and_then(|d| d.dyn_into::<web_sys::HtmlDialogElement>().ok())
        {
            d.close();
        }
    } else if let Some(toast) = closest(&el, "[data-dismiss]").and_then(|b| closest(&b, ".toast")) {
        toast.remove();
    } else if let Some(button) = closest(&el, "[data-dismiss-banner]") {
        // A cookie without an expiry: gone when the browser closes. The
        // server leaves the banner out while it is there.
        let cookie = button
            .get_attribute("data-dismiss-banner")
            .unwrap_or_default();
        if let Some(doc) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.dyn_into::<web_sys::HtmlDocument>().ok())
        {
            let _ = doc.set_cookie(&format!("{cookie}; path=/settings; SameSite=Lax"));
        }
        if let Some(banner) = closest(&button, ".banner") {
            banner.remove();
        }
    } else if let Ok(d) = el.dyn_into::<web_sys::HtmlDialogElement>() {
        // The dialog's own box is covered by its contents: a click on the
        // dialog itself, pressed and released there, is on the backdrop.
        // One showing a secret stays until it is closed on purpose.
        if PRESSED_ON_BACKDROP.with(|p| p.get()) && !d.has_attribute("data-holds-secret") {
            d.close();
        }
    }
}

pub(super) fn on_key(ev: Event) {
    let Ok(key) = ev.clone().dyn_into::<KeyboardEvent>() else {
        return;
    };
    let Some(menu) = target(&ev).and_then(|el| closest(&el, "[popover][role=menu]")) else {
        return;
    };
    match key.key().as_str() {
        "ArrowDown" | "ArrowUp" => {
            ev.prevent_default();
            let items = all(&menu, "[role=menuitem]");
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let n = items.len();
            let at = items.iter().position(|i| Some(i) == active.as_ref());
            let next = match (at, key.key() == "ArrowDown") {
                (Some(i), true) => (i + 1) % n.max(1),
                (Some(i), false) => (i + n - 1) % n.max(1),
                (None, _) => 0,
            };
            focus(items.get(next));
        }
        "Home" | "End" => {
            ev.prevent_default();
            let items = all(&menu, "[role=menuitem]");
            let at = if key.key() == "Home" {
                items.first()
            } else {
                items.last()
            };
            focus(at);
        }
        "Tab" => {
            if let Ok(m) = menu.dyn_into::<HtmlElement>() {
                let _ = m.hide_popover();
            }
        }
        _ => {}
    }
}

/// Puts a menu under the right edge of its button, before it opens.
fn place_menu(button: &Element) {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(menu) = button
        .get_attribute("popovertarget")
        .and_then(|id| doc.get_element_by_id(&id))
        .and_then(|m| m.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    // Whole pixels: formatting floats would cost the WASM about 14 KB.
    let r = button.get_bounding_client_rect();
    let width = doc.document_element().map_or(0, |e| e.client_width());
    let style = menu.style();
    let _ = style.set_property("top", &format!("{}px", r.bottom() as i32 + 6));
    let _ = style.set_property("right", &format!("{}px", width - r.right() as i32));
}

/// Once a menu is open: above its button if it does not fit below, and its
/// first item focused.
pub(super) fn on_toggle(ev: Event) {
    let Some(menu) = target(&ev) else { return };
    if menu.get_attribute("role").as_deref() != Some("menu")
        || !menu.matches(":popover-open").unwrap_or(false)
    {
        return;
    }
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let height = doc.document_element().map_or(0, |e| e.client_height());
    let m = menu.get_bounding_client_rect();
    let button = doc
        .query_selector(&format!("[popovertarget=\"{}\"]", menu.id()))
        .ok()
        .flatten();
    if let (Some(button), Some(el)) = (button, menu.dyn_ref::<HtmlElement>()) {
        let r = button.get_bounding_client_rect();
        if m.bottom() as i32 > height && r.top() as i32 > m.height() as i32 + 6 {
            let top = r.top() as i32 - 6 - m.height() as i32;
            let _ = el.style().set_property("top", &format!("{top}px"));
        }
    }
    focus(all(&menu, "[role=menuitem]").first());
}
