//! What the browser adds to the server-rendered pages, the same for all of
//! them, so that a page needs no code of its own unless it has an island:
//!
//! - A `form[data-enhance]` is sent with `fetch` to its server function.
//!   Its submit button shows it is busy (`data-busy` text) and cannot be
//!   pressed twice. A refusal is shown beside its field (`#<field>-error`)
//!   or in the form's `.form-error`. Success follows the server's redirect,
//!   or reloads the page and then shows the form's `data-toast`
//!   (`data-done="refresh"` reloads only the elements named in
//!   `data-refresh`, see [`refresh`]).
//! - `[data-countdown]` shows the time left until then, kept current, and
//!   a `[data-expires-status]` badge turns "Expired" when its time comes.
//! - `[data-open="<id>"]` opens that `<dialog>` (browsers with invoker
//!   commands open it themselves through `commandfor`); `[data-close]`
//!   closes its dialog, and so does a click on the backdrop.
//! - A `[popover][role=menu]` opens under its button; the arrow keys move
//!   between its items, Home and End to the first and last, Tab closes it.
//! - A `[data-requires-valid]` button is enabled only while its form is
//!   valid (`required`, `pattern`).
//! - `[data-shown-if-changed="<input id>"]` appears once that input differs
//!   from the value the page came with.
//! - `[data-dismiss]` removes its toast; `[data-dismiss-banner="<cookie>"]`
//!   removes its banner and sets that cookie until the browser closes.
//! - A `form[data-done="secret"]` in a dialog shows the secret it gets back
//!   in the dialog's `[data-secret-result]`, once; `[data-reveal="<input
//!   id>"]` shows it (and then says **Hide**) or masks it again,
//!   `[data-copy="<input id>"]` copies it; closing the dialog forgets it and
//!   reloads the form's `data-refresh` elements.
//!
//! - Focus never falls to the page's body: a closed dialog gives it back
//!   to what opened it, a form's change to the control it came from or to
//!   the heading of what changed, also across a reload (see [`focus`]).
//!
//! - A page opened at `#<dialog id>` (a mail's "Regenerate" link) opens
//!   that dialog.
//!
//! Without JavaScript the forms still work: the server answers a plain form
//! post with a redirect.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::Event;

use crate::app::components::toast::show_flash;

mod dom;
mod fields;
mod focus;
mod forms;
mod menus;
mod reload;
mod secrets;

use reload::count_down;
pub use reload::refresh;

/// Listens on the document for everything above; called once per page load.
pub fn start() {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    listen(&doc, "submit", forms::on_submit, false);
    listen(&doc, "mousedown", menus::on_press, false);
    listen(&doc, "click", menus::on_click, false);
    listen(&doc, "click", secrets::on_click, false);
    listen(&doc, "keydown", menus::on_key, false);
    listen(&doc, "input", forms::on_input, false);
    // `toggle` and `close` do not bubble: listen while they go down.
    listen(&doc, "toggle", menus::on_toggle, true);
    listen(&doc, "close", secrets::on_close, true);
    listen(&doc, "close", focus::on_close, true);
    show_flash();
    focus::restore();
    if let Some(root) = doc.document_element() {
        fields::init(&root);
    }
    count_down();
    gloo_timers::callback::Interval::new(30_000, count_down).forget();
    open_from_hash(&doc);
}

/// Opens the `<dialog>` the address's fragment names, if there is one.
fn open_from_hash(doc: &web_sys::Document) {
    let hash = web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default();
    let Some(id) = hash.strip_prefix('#').filter(|id| !id.is_empty()) else {
        return;
    };
    if let Some(dialog) = doc
        .get_element_by_id(id)
        .and_then(|el| el.dyn_into::<web_sys::HtmlDialogElement>().ok())
    {
        let _ = dialog.show_modal();
    }
}

fn listen(doc: &web_sys::Document, name: &str, f: fn(Event), capture: bool) {
    let cb = Closure::<dyn Fn(Event)>::new(f);
    let _ =
        doc.add_event_listener_with_callback_and_bool(name, cb.as_ref().unchecked_ref(), capture);
    cb.forget();
}
