//! What the browser adds to the server-rendered pages, the same for all of
//! them, so that a page needs no code of its own unless it has an island:
//!
//! - A `form[data-enhance]` is sent with `fetch` to its server function.
//!   Its submit button shows it is busy (`data-busy` text) and cannot be
//!   pressed twice. A refusal is shown beside its field (`#<field>-error`)
//!   or in the form's `.form-error`. Success follows the server's redirect,
//!   or reloads the page and then shows the form's `data-toast`
//!   (`data-done="stay"` keeps the page and resets the form;
//!   `data-done="refresh"` reloads only the elements named in
//!   `data-refresh`, see [`refresh`]).
//! - `[data-countdown]` shows the time left until then, kept current.
//! - `[data-open="<id>"]` opens that `<dialog>` (browsers with invoker
//!   commands open it themselves through `commandfor`); `[data-close]`
//!   closes its dialog, and so does a click on the backdrop.
//! - A `[popover][role=menu]` opens under its button; the arrow keys move
//!   between its items, Tab closes it.
//! - A `[data-requires-valid]` button is enabled only while its form is
//!   valid (`required`, `pattern`).
//! - `[data-shown-if-changed="<input id>"]` appears once that input differs
//!   from the value the page came with.
//! - `[data-dismiss]` removes its toast.
//!
//! Without JavaScript the forms still work: the server answers a plain form
//! post with a redirect.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, HtmlElement, HtmlFormElement, KeyboardEvent};

use crate::app::components::toast::{flash, show_flash, Toasts};
use crate::error::AppError;

/// Listens on the document for everything above; called once per page load.
pub fn start() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    listen(&doc, "submit", on_submit, false);
    listen(&doc, "click", on_click, false);
    listen(&doc, "keydown", on_key, false);
    listen(&doc, "input", on_input, false);
    // `toggle` does not bubble: listen while it goes down.
    listen(&doc, "toggle", on_toggle, true);
    show_flash();
    count_down();
    gloo_timers::callback::Interval::new(30_000, count_down).forget();
}

/// Brings every `[data-countdown="<unix time>"]` up to date: "Expires in
/// 3 days", then "Expired" (lower case with `data-lower`).
fn count_down() {
    let Some(root) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    else {
        return;
    };
    let now = crate::model::time::now();
    for el in all(&root, "[data-countdown]") {
        let Some(at) = el
            .get_attribute("data-countdown")
            .and_then(|v| v.parse::<i64>().ok())
        else {
            continue;
        };
        let text = if at > now {
            format!("Expires in {}", crate::model::time::span(at - now))
        } else {
            "Expired".to_owned()
        };
        let text = if el.has_attribute("data-lower") {
            text.to_ascii_lowercase()
        } else {
            text
        };
        el.set_text_content(Some(&text));
    }
}

/// Loads this page again in the background and puts the fresh contents of
/// the elements with these ids (space-separated) in place of the old.
pub async fn refresh(ids: &'static str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(href) = window.location().href() else {
        return;
    };
    let Ok(res) = JsFuture::from(window.fetch_with_str(&href)).await else {
        return;
    };
    let Ok(res) = res.dyn_into::<web_sys::Response>() else {
        return;
    };
    let Ok(text) = res.text() else { return };
    let Some(html) = JsFuture::from(text).await.ok().and_then(|t| t.as_string()) else {
        return;
    };
    let Ok(parser) = web_sys::DomParser::new() else {
        return;
    };
    let Ok(fresh) = parser.parse_from_string(&html, web_sys::SupportedType::TextHtml) else {
        return;
    };
    let Some(doc) = window.document() else { return };
    for id in ids.split_whitespace() {
        if let (Some(old), Some(new)) = (doc.get_element_by_id(id), fresh.get_element_by_id(id)) {
            old.set_inner_html(&new.inner_html());
        }
    }
    count_down();
}

fn listen(doc: &web_sys::Document, name: &str, f: fn(Event), capture: bool) {
    let cb = Closure::<dyn Fn(Event)>::new(f);
    let _ =
        doc.add_event_listener_with_callback_and_bool(name, cb.as_ref().unchecked_ref(), capture);
    cb.forget();
}

fn target(ev: &Event) -> Option<Element> {
    ev.target().and_then(|t| t.dyn_into::<Element>().ok())
}

fn closest(el: &Element, selector: &str) -> Option<Element> {
    el.closest(selector).ok().flatten()
}

fn on_submit(ev: Event) {
    let Some(form) = ev
        .target()
        .and_then(|t| t.dyn_into::<HtmlFormElement>().ok())
    else {
        return;
    };
    if !form.has_attribute("data-enhance") {
        return;
    }
    ev.prevent_default();
    if form.has_attribute("aria-busy") {
        return;
    }
    wasm_bindgen_futures::spawn_local(send(form));
}

async fn send(form: HtmlFormElement) {
    set_busy(&form, true);
    for el in all(&form, ".field-error, .form-error") {
        el.set_text_content(Some(""));
    }
    match post(&form).await {
        Ok(Some(location)) => crate::app::go_to(&location),
        Ok(None) => {
            let toast = form.get_attribute("data-toast");
            let done = form.get_attribute("data-done");
            if done.as_deref() == Some("stay") {
                set_busy(&form, false);
                form.reset();
                if let Some(t) = toast {
                    Toasts.success(t);
                }
            } else if done.as_deref() == Some("refresh") {
                let ids = form.get_attribute("data-refresh").unwrap_or_default();
                // Ids come from the page's own markup; leaked once per change.
                refresh(Box::leak(ids.into_boxed_str())).await;
                set_busy(&form, false);
                if let Some(t) = toast {
                    Toasts.success(t);
                }
            } else {
                if let Some(t) = toast {
                    flash(&t);
                }
                crate::app::reload();
            }
        }
        Err(e) => {
            set_busy(&form, false);
            let text = e.to_string();
            let beside = e
                .field()
                .and_then(|f| form.query_selector(&format!("#{f}-error")).ok().flatten())
                .or_else(|| form.query_selector(".form-error").ok().flatten());
            match beside {
                Some(el) => el.set_text_content(Some(&text)),
                None => Toasts.error(text),
            }
        }
    }
}

/// Posts the form to its server function. `Ok(Some(to))` when the server
/// sends the browser elsewhere.
async fn post(form: &HtmlFormElement) -> Result<Option<String>, AppError> {
    let failed = |_| AppError::Invalid {
        field: None,
        message: "The request failed. Check your connection and try again.".into(),
    };
    let window = web_sys::window().ok_or(JsValue::NULL).map_err(failed)?;
    let data = web_sys::FormData::new_with_form(form).map_err(failed)?;
    let body = web_sys::UrlSearchParams::new_with_str_sequence_sequence(&data).map_err(failed)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&body);
    let headers = web_sys::Headers::new().map_err(failed)?;
    headers.set("Accept", "application/json").map_err(failed)?;
    init.set_headers(&headers);
    let res = JsFuture::from(window.fetch_with_str_and_init(&form.action(), &init))
        .await
        .map_err(failed)?;
    let res: web_sys::Response = res.dyn_into().map_err(failed)?;
    if res.ok() {
        let h = res.headers();
        if h.has("serverfnredirect").unwrap_or(false) {
            let to = h
                .get("location")
                .ok()
                .flatten()
                .unwrap_or_else(|| "/".into());
            return Ok(Some(to));
        }
        return Ok(None);
    }
    let text = JsFuture::from(res.text().map_err(failed)?)
        .await
        .map_err(failed)?
        .as_string()
        .unwrap_or_default();
    Err(serde_json::from_str::<AppError>(&text).unwrap_or(AppError::Internal))
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let Ok(list) = root.query_selector_all(selector) else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i).and_then(|n| n.dyn_into::<Element>().ok()))
        .collect()
}

fn set_busy(form: &HtmlFormElement, busy: bool) {
    if busy {
        let _ = form.set_attribute("aria-busy", "true");
    } else {
        let _ = form.remove_attribute("aria-busy");
    }
    for b in all(form, "button[type=submit]") {
        if busy {
            let _ = b.set_attribute("disabled", "");
        } else {
            let _ = b.remove_attribute("disabled");
        }
        if let Some(label) = b.get_attribute("data-busy") {
            // Swap the label and the busy text.
            let now = b.text_content().unwrap_or_default();
            b.set_text_content(Some(&label));
            let _ = b.set_attribute("data-busy", &now);
        }
    }
}

fn dialog(id: &str) -> Option<web_sys::HtmlDialogElement> {
    web_sys::window()?
        .document()?
        .get_element_by_id(id)?
        .dyn_into()
        .ok()
}

fn on_click(ev: Event) {
    let Some(el) = target(&ev) else { return };
    if let Some(button) = closest(&el, "[popovertarget]") {
        place_menu(&button);
    } else if let Some(opener) = closest(&el, "[data-open]") {
        if let Some(d) = opener.get_attribute("data-open").and_then(|id| dialog(&id)) {
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
    } else if let Ok(d) = el.dyn_into::<web_sys::HtmlDialogElement>() {
        // The dialog's own box is covered by its contents: a click on the
        // dialog itself is a click on the backdrop.
        d.close();
    }
}

fn on_key(ev: Event) {
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
        "Tab" => {
            if let Ok(m) = menu.dyn_into::<HtmlElement>() {
                let _ = m.hide_popover();
            }
        }
        _ => {}
    }
}

fn focus(el: Option<&Element>) {
    if let Some(el) = el.and_then(|e| e.dyn_ref::<HtmlElement>()) {
        let _ = el.focus();
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
fn on_toggle(ev: Event) {
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

fn on_input(ev: Event) {
    let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    else {
        return;
    };
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
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let id = input.id();
    if id.is_empty() {
        return;
    }
    let changed = input.value().trim() != input.default_value().trim();
    for el in all(
        &doc.document_element()
            .unwrap_or_else(|| input.clone().into()),
        &format!("[data-shown-if-changed=\"{id}\"]"),
    ) {
        if changed {
            let _ = el.remove_attribute("hidden");
        } else {
            let _ = el.set_attribute("hidden", "");
        }
    }
}
