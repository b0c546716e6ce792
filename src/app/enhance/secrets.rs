//! A secret shown once in a dialog (see the module above): a regenerated
//! token's new secret, with **Reveal** and **Copy to Clipboard**.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Element, Event, HtmlFormElement, HtmlInputElement};

use super::dom::{closest, focus, target};
use crate::app::components::toast::Toasts;
use crate::model::time::format_utc;

/// What is read of the answer (a `model::rotation::RegeneratedToken`): no
/// more, so that the main module carries no decoder for the rest.
#[derive(serde::Deserialize)]
struct Answer {
    secret: String,
    token: Masked,
    old_valid_until: Option<i64>,
}

#[derive(serde::Deserialize)]
struct Masked {
    prefix: String,
    last_four: String,
}

/// Shows the secret of a `form[data-done="secret"]`'s answer in its
/// dialog, in place of the form. `false` if the answer or the dialog is not
/// as expected.
pub(super) fn show(form: &HtmlFormElement, body: &str) -> bool {
    let Ok(r) = serde_json::from_str::<Answer>(body) else {
        return false;
    };
    let Some(dialog) = closest(form, "dialog") else {
        return false;
    };
    let Some(result) = find(&dialog, "[data-secret-result]") else {
        return false;
    };
    let Some(input) =
        find(&result, "[data-secret]").and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
    else {
        return false;
    };
    input.set_type("password");
    input.set_value(&r.secret);
    if let Some(reveal) = find(&result, "[data-reveal]") {
        reveal.set_text_content(Some("Reveal"));
    }
    let old = match r.old_valid_until {
        Some(at) => format!("The old secret keeps working until {}.", format_utc(at)),
        None => "The old secret has stopped working.".to_owned(),
    };
    if let Some(note) = find(&result, "[data-secret-note]") {
        note.set_text_content(Some(&format!(
            "This is the only time the new secret {}_…{} is shown: copy it now. {old}",
            r.token.prefix, r.token.last_four
        )));
    }
    form.set_hidden(true);
    let _ = result.remove_attribute("hidden");
    if let Some(ids) = form.get_attribute("data-refresh") {
        let _ = dialog.set_attribute("data-refresh-on-close", &ids);
    }
    let _ = dialog.set_attribute("data-holds-secret", "");
    focus(find(&result, "[data-copy]").as_ref());
    Toasts.success(format!(
        "Token {}_…{} regenerated.",
        r.token.prefix, r.token.last_four
    ));
    true
}

pub(super) fn on_click(ev: Event) {
    let Some(el) = target(&ev) else { return };
    if let Some(button) = closest(&el, "[data-reveal]") {
        let Some(input) = input(&button, "data-reveal") else {
            return;
        };
        let shown = input.type_() == "text";
        input.set_type(if shown { "password" } else { "text" });
        button.set_text_content(Some(if shown { "Reveal" } else { "Hide" }));
    } else if let Some(button) = closest(&el, "[data-copy]") {
        let Some(input) = input(&button, "data-copy") else {
            return;
        };
        let status = button.parent_element().and_then(|p| find(&p, ".copied"));
        wasm_bindgen_futures::spawn_local(copy(input.value(), status));
    }
}

/// A dialog that showed a secret forgets it when closed, and the list
/// behind it is brought up to date.
pub(super) fn on_close(ev: Event) {
    let Some(dialog) = target(&ev).filter(|d| d.has_attribute("data-holds-secret")) else {
        return;
    };
    let _ = dialog.remove_attribute("data-holds-secret");
    if let Some(input) =
        find(&dialog, "[data-secret]").and_then(|i| i.dyn_into::<HtmlInputElement>().ok())
    {
        input.set_value("");
    }
    if let Some(ids) = dialog.get_attribute("data-refresh-on-close") {
        let _ = dialog.remove_attribute("data-refresh-on-close");
        let back = dialog.get_attribute("data-opener");
        wasm_bindgen_futures::spawn_local(async move {
            if super::reload::refresh(ids.clone()).await {
                super::focus::after_refresh(back.as_deref(), &ids);
            } else {
                crate::app::page::reload();
            }
        });
    }
}

async fn copy(text: String, status: Option<Element>) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let ok = JsFuture::from(window.navigator().clipboard().write_text(&text))
        .await
        .is_ok();
    let Some(status) = status else { return };
    status.set_text_content(Some(if ok {
        "Copied"
    } else {
        "Copy failed: select the text and copy it yourself."
    }));
    let _ = status.set_attribute("class", "copied shown");
    gloo_timers::future::TimeoutFuture::new(2_000).await;
    status.set_text_content(Some(""));
    let _ = status.set_attribute("class", "copied");
}

fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).ok().flatten()
}

/// The input a button names in `attr`.
fn input(button: &Element, attr: &str) -> Option<HtmlInputElement> {
    let id = button.get_attribute(attr)?;
    web_sys::window()?
        .document()?
        .get_element_by_id(&id)?
        .dyn_into()
        .ok()
}
