//! What depends on a form's inputs follows them: buttons enabled once the
//! script runs or while the form is valid, text shown while a field changed.

use wasm_bindgen::JsCast;

use super::dom::all;

/// The page as served works without JavaScript (every button enabled,
/// every field shown, except `[data-needs-script]` buttons, whose outcome
/// only the script can show); once it runs, those are enabled and what
/// depends on the inputs follows them.
pub(super) fn init(root: &web_sys::Element) {
    for b in all(root, "button[data-needs-script]") {
        let _ = b.remove_attribute("disabled");
    }
    for input in all(root, "form input") {
        if let Ok(input) = input.dyn_into::<web_sys::HtmlInputElement>() {
            follow(&input);
        }
    }
}

/// Enables a form's `[data-requires-valid]` buttons while it is valid, and
/// shows `[data-shown-if-changed]` while the input differs from its first value.
pub(super) fn follow(input: &web_sys::HtmlInputElement) {
    if let Some(form) = input.form() {
        let valid = form.check_validity();
        for b in all(&form, "[data-requires-valid]") {
            if valid {
                let _ = b.remove_attribute("disabled");
            } else {
                let _ = b.set_attribute("disabled", "");
            }
        }
    }
    let id = input.id();
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    if id.is_empty() {
        return;
    }
    let changed = input.value().trim() != input.default_value().trim();
    for el in all(&root, &format!("[data-shown-if-changed=\"{id}\"]")) {
        if changed {
            let _ = el.remove_attribute("hidden");
        } else {
            let _ = el.set_attribute("hidden", "");
        }
    }
}
