//! The page loaded again in the background, its changed parts put in place
//! of the old; and the countdowns it shows, kept up to date.

use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::dom::all;

/// Brings every `[data-countdown="<unix time>"]` up to date: "Expires in
/// 3 days", then "Expired" (lower case with `data-lower`).
pub(super) fn count_down() {
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
    for el in all(&root, "[data-expires-status]") {
        let at = el
            .get_attribute("data-expires-status")
            .and_then(|v| v.parse::<i64>().ok());
        if at.is_some_and(|at| at <= now) {
            el.set_class_name("badge badge-expired");
            el.set_text_content(Some("Expired"));
        }
    }
}

/// Loads this page again in the background and puts the fresh contents of
/// the elements with these ids (space-separated) in place of the old.
/// `false` when the page could not be loaded.
pub async fn refresh(ids: String) -> bool {
    let Some(fresh) = this_page_again().await else {
        return false;
    };
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return false;
    };
    for id in ids.split_whitespace() {
        if let (Some(old), Some(new)) = (doc.get_element_by_id(id), fresh.get_element_by_id(id)) {
            old.set_inner_html(&new.inner_html());
            super::fields::init(&old);
        }
    }
    count_down();
    true
}

async fn this_page_again() -> Option<web_sys::Document> {
    let window = web_sys::window()?;
    let href = window.location().href().ok()?;
    let res: web_sys::Response = JsFuture::from(window.fetch_with_str(&href))
        .await
        .ok()?
        .dyn_into()
        .ok()?;
    if !res.ok() {
        return None;
    }
    let html = JsFuture::from(res.text().ok()?).await.ok()?.as_string()?;
    web_sys::DomParser::new()
        .ok()?
        .parse_from_string(&html, web_sys::SupportedType::TextHtml)
        .ok()
}
