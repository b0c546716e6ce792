//! Forms sent with `fetch`: busy state, refusals beside their fields, and
//! what happens after success (see the module above).

use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Event, HtmlFormElement};

use super::dom::all;
use super::fields::follow;
use super::reload::refresh;
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
    let back = super::focus::return_id(&form);
    set_busy(&form, true);
    for el in all(&form, ".field-error, .form-error") {
        el.set_text_content(Some(""));
    }
    for el in all(&form, "[aria-invalid]") {
        let _ = el.remove_attribute("aria-invalid");
    }
    match post(&form).await {
        Ok(Answer::Redirect(location)) => crate::app::page::go_to(&location),
        Ok(Answer::Done(body)) if form.get_attribute("data-done").as_deref() == Some("secret") => {
            set_busy(&form, false);
            if !super::secrets::show(&form, &body) {
                Toasts.error("The new secret could not be shown. Reload the page and try again.");
            }
        }
        Ok(Answer::Done(_)) => {
            let toast = form.get_attribute("data-toast");
            if form.get_attribute("data-done").as_deref() == Some("refresh") {
                let ids = form.get_attribute("data-refresh").unwrap_or_default();
                if refresh(ids.clone()).await {
                    set_busy(&form, false);
                    super::focus::after_refresh(back.as_deref(), &ids);
                    if let Some(t) = toast {
                        Toasts.success(t);
                    }
                    return;
                }
                // Not loaded in the background: load the page the plain way.
            }
            if let Some(t) = toast {
                flash(&t);
            }
            super::focus::after_reload(back.as_deref());
            crate::app::page::reload();
        }
        Err(e) => {
            set_busy(&form, false);
            show_refusal(&form, &e);
        }
    }
}

/// Beside the field it names (which gets the focus), else in the form's
/// `.form-error`, else as a toast.
fn show_refusal(form: &HtmlFormElement, e: &AppError) {
    let text = e.to_string();
    let field = e.field().unwrap_or_default();
    let input = (!field.is_empty())
        .then(|| {
            form.query_selector(&format!("[name=\"{field}\"], #{field}"))
                .ok()
                .flatten()
        })
        .flatten();
    if let Some(input) = &input {
        let _ = input.set_attribute("aria-invalid", "true");
        if let Some(i) = input.dyn_ref::<web_sys::HtmlElement>() {
            let _ = i.focus();
        }
    }
    let beside = (!field.is_empty())
        .then(|| {
            form.query_selector(&format!("#{field}-error"))
                .ok()
                .flatten()
        })
        .flatten()
        .or_else(|| form.query_selector(".form-error").ok().flatten());
    match beside {
        Some(el) => el.set_text_content(Some(&text)),
        None => Toasts.error(text),
    }
}

/// What a server function answered.
enum Answer {
    /// Go there.
    Redirect(String),
    /// Done; the body of the answer.
    Done(String),
}

/// Posts the form to its server function.
async fn post(form: &HtmlFormElement) -> Result<Answer, AppError> {
    let failed = |_| AppError::Invalid {
        field: None,
        reason: crate::error::Reason::Invalid,
        message: crate::error::UNREACHABLE.into(),
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
            return Ok(Answer::Redirect(to));
        }
        let body = JsFuture::from(res.text().map_err(failed)?)
            .await
            .map_err(failed)?
            .as_string()
            .unwrap_or_default();
        return Ok(Answer::Done(body));
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
    // Not `disabled`: a focused button that is disabled loses the focus.
    // A second press is ignored while the form is busy.
    for b in all(form, "button[type=submit]") {
        if busy {
            let _ = b.set_attribute("aria-disabled", "true");
        } else {
            let _ = b.remove_attribute("aria-disabled");
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
    if let Some(input) = ev
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
    {
        follow(&input);
    }
}
