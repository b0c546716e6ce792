//! Forms sent with `fetch`: busy state, refusals beside their fields, and
//! what happens after success (see the module above).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, HtmlFormElement};

use super::{all, refresh};
use crate::app::components::toast::{flash, Toasts};
use crate::error::AppError;

pub(super) fn on_submit(ev: Event) {
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
                refresh(ids).await;
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

pub(super) fn on_input(ev: Event) {
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
