//! Where focus goes when what had it goes away: a dialog closes, part of
//! the page is loaded again, or the page reloads after a change. Never to
//! the page's body: back to the control that opened the dialog (for an
//! item of a popover menu, the menu's button), else to the heading of what
//! changed.

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

use super::dom::{closest, target};
use crate::app::components::toast::session_storage;

/// Where focus goes on the next page load (a change that reloads the page).
const FOCUS_KEY: &str = "focus-after";

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The id of the control to come back to from `el`: the button of the
/// popover menu `el` is in, else `el` itself.
fn back_to(el: &Element) -> Option<String> {
    let back = closest(el, "[popover]")
        .and_then(|menu| {
            document()?
                .query_selector(&format!("[popovertarget=\"{}\"]", menu.id()))
                .ok()
                .flatten()
        })
        .unwrap_or_else(|| el.clone());
    Some(back.id()).filter(|id| !id.is_empty())
}

/// Notes on a dialog (`data-opener`) what opened it.
pub(super) fn note_opener(opener: &Element, dialog: &Element) {
    if let Some(id) = back_to(opener) {
        let _ = dialog.set_attribute("data-opener", &id);
    }
}

/// Once a dialog has closed: if focus is lost (its opener was inside a menu that has closed
/// since), to the dialog's opener.
pub(super) fn on_close(ev: Event) {
    let Some(dialog) = target(&ev).filter(|d| d.tag_name() == "DIALOG") else {
        return;
    };
    // The browser has put focus back (if it could) before `close` fires.
    if let Some(id) = dialog.get_attribute("data-opener").filter(|_| lost()) {
        to(&id);
    }
}

/// The control focus comes back to once `form`'s change is done:
/// `data-focus-after`, else what opened the form's dialog, else the menu
/// the form is in, else the form's submit button.
pub(super) fn return_id(form: &Element) -> Option<String> {
    if let Some(id) = form.get_attribute("data-focus-after") {
        return Some(id);
    }
    if let Some(id) = closest(form, "dialog").and_then(|d| d.get_attribute("data-opener")) {
        return Some(id);
    }
    let submit = form.query_selector("[type=submit]").ok().flatten()?;
    back_to(&submit)
}

/// After the elements `ids` were loaded again: to `id` if it is still
/// there, else to the first heading of those elements.
pub(super) fn after_refresh(id: Option<&str>, ids: &str) {
    if !lost() {
        return;
    }
    if id.is_some_and(to) {
        return;
    }
    let Some(doc) = document() else { return };
    let heading = ids
        .split_whitespace()
        .filter_map(|i| doc.get_element_by_id(i))
        .find_map(|region| region.query_selector("h1, h2").ok().flatten());
    if let Some(h) = heading {
        focus_heading(&h);
    }
}

/// Before the page reloads: focus `id` (or, without one, the page's
/// heading) once it has.
pub(super) fn after_reload(id: Option<&str>) {
    if let Some(s) = session_storage() {
        let _ = s.set_item(FOCUS_KEY, id.unwrap_or_default());
    }
}

/// On page load, where [`after_reload`] asked focus to go.
pub(super) fn restore() {
    let Some(s) = session_storage() else {
        return;
    };
    let Ok(Some(id)) = s.get_item(FOCUS_KEY) else {
        return;
    };
    let _ = s.remove_item(FOCUS_KEY);
    if !to(&id) {
        if let Some(h) = document().and_then(|d| d.query_selector("main h1").ok().flatten()) {
            focus_heading(&h);
        }
    }
}

/// Whether nothing useful has focus: the body, or an element that is no
/// longer shown.
fn lost() -> bool {
    let Some(doc) = document() else { return false };
    match doc.active_element() {
        None => true,
        Some(el) => doc.body().is_some_and(|b| b.is_same_node(Some(&el))) || !shown(&el),
    }
}

/// Whether `el` is in the page and laid out (not in a closed menu or
/// dialog, not hidden).
fn shown(el: &Element) -> bool {
    el.is_connected()
        && el
            .dyn_ref::<HtmlElement>()
            .is_some_and(|h| h.offset_parent().is_some())
}

/// Focuses the shown element `id`; `false` when there is none.
fn to(id: &str) -> bool {
    let Some(el) = document()
        .and_then(|d| d.get_element_by_id(id))
        .filter(shown)
        .and_then(|el| el.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    el.focus().is_ok()
}

/// A heading takes focus (and is read out) without joining the tab order.
fn focus_heading(h: &Element) {
    if !h.has_attribute("tabindex") {
        let _ = h.set_attribute("tabindex", "-1");
    }
    if let Some(h) = h.dyn_ref::<HtmlElement>() {
        let _ = h.focus();
    }
}
