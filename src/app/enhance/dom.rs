//! Small helpers over the DOM every enhancement uses.

use wasm_bindgen::JsCast;
use web_sys::{Element, Event, HtmlElement};

pub(super) fn target(ev: &Event) -> Option<Element> {
    ev.target().and_then(|t| t.dyn_into::<Element>().ok())
}

pub(super) fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

pub(super) fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
        .collect()
}

pub(super) fn focus(el: Option<&Element>) {
    if let Some(el) = el.and_then(|e| e.dyn_ref::<HtmlElement>()) {
        let _ = el.focus();
    }
}
