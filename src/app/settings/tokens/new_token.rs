//! The *API token* field with Generate, Reveal and Copy, the expiry choice,
//! the optional name and Save.

use leptos::prelude::*;

use crate::api::tokens::{GenerateToken, SaveToken};
use crate::app::components::clipboard::CopyButton;
use crate::app::components::form::FieldError;
use crate::app::components::toast::use_toasts;
use crate::app::shared;
use crate::error::AppError;
use crate::model::scope::{PlatformScope, Scope, Scopes};
use crate::model::time::{format_date, format_utc};
use crate::model::token::{TokenPolicy, DEFAULT_EXPIRY, EXPIRY_CHOICES};

/// The *API token* field, Generate, Expiration Date, Name, scopes and
/// Save. A generated token is not valid until saved, so **Reveal** and
/// **Copy to Clipboard** wait for the save, leaving the page asks first,
/// and only **Save** saves (not Enter in the field). Once saved, or at the
/// limit, the form folds away. The token in the field stays until the page
/// is left; saving it reloads the list beside it.
#[island(lazy)]
pub(super) fn NewToken(
    policy: TokenPolicy,
    count: u32,
    server_now: i64,
    /// The scope checkboxes ([`ScopeChoices`]).
    children: Children,
) -> impl IntoView {
    shared::mark_hydrated();
    let toasts = use_toasts();
    let count = RwSignal::new(count);
    let at_limit = move || count.get() >= policy.max_per_user;
    // The token in the field: generated, maybe saved.
    let secret = RwSignal::new(None::<String>);
    let saved = RwSignal::new(false);
    let generate = ServerAction::<GenerateToken>::new();
    let save = ServerAction::<SaveToken>::new();
    let save_error = Signal::derive(move || save.value().get().and_then(Result::err));
    // A generated token not saved yet: leaving or generating again loses it.
    let unsaved = move || secret.get().is_some() && !saved.get();
    let replacing = RwSignal::new(false);
    Effect::new(move |_| match generate.value().get() {
        Some(Ok(t)) => {
            secret.set(Some(t.secret));
            saved.set(false);
            if replacing.get_untracked() {
                toasts.success("A new token replaced the unsaved one.".to_owned());
            }
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    #[cfg(feature = "hydrate")]
    warn_before_leaving(Signal::derive(unsaved));
    Effect::new(move |_| match save.value().get() {
        // Refusals of a field show beside it; any other (the limit, a lost
        // session, the network) as a toast.
        Some(Err(e)) if e.field().is_none() => toasts.error(e.to_string()),
        Some(Ok(t)) => {
            saved.set(true);
            count.update(|c| *c += 1);
            // The form folds away under the focused Save: focus the token,
            // which is what the user came for.
            #[cfg(feature = "hydrate")]
            if let Some(field) = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.get_element_by_id("api-token"))
            {
                use wasm_bindgen::JsCast;
                if let Ok(field) = field.dyn_into::<web_sys::HtmlElement>() {
                    let _ = field.focus();
                }
            }
            toasts.success(format!(
                "Token {} saved. Copy it now: it will not be shown again.",
                t.masked()
            ));
            #[cfg(feature = "hydrate")]
            // Should the list not reload, it is only stale: the token stays
            // in its field either way.
            leptos::task::spawn_local(async {
                crate::app::enhance::refresh(super::list::REFRESHED.into()).await;
            });
        }
        _ => {}
    });
    let revealed = RwSignal::new(false);
    let expiry = RwSignal::new(DEFAULT_EXPIRY.to_owned());
    let expires_on = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let clock = shared::clock();

    let expiry_hint = move || {
        let now = clock.get().map_or(server_now, |c| c.max(server_now));
        let choice = crate::model::token::Expiry::parse(&expiry.get(), &expires_on.get());
        match choice.and_then(|c| c.resolve(now, &policy)) {
            Ok(Some(at)) => format!("The token will expire on {}.", format_utc(at)),
            Ok(None) => "The token will never expire.".to_owned(),
            // Said once: beside its field when Save was refused for it.
            Err(e) if save_error.with(|s| s.as_ref().and_then(AppError::field) == e.field()) => {
                String::new()
            }
            Err(e) => e.to_string(),
        }
    };
    let max_date = format_date(server_now + i64::from(policy.max_lifetime_days) * 86_400);
    let min_date = format_date(server_now + 86_400);

    // The form folds away once the token is saved, and at the limit.
    let editing = move || !at_limit() && !saved.get();
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if save.pending().get_untracked() {
            return;
        }
        let Some(s) = secret.get_untracked() else {
            return;
        };
        save.dispatch(SaveToken {
            secret: s.into(),
            name: name.get_untracked(),
            expiry: expiry.get_untracked(),
            expires_on: expires_on.get_untracked(),
            scopes: checked_scopes(&ev),
        });
    };

    view! {
        <section class="card">
            <h2>"New token"</h2>
            <form class="form" on:submit=on_save>
                <label for="api-token">"API token"</label>
                <div class="token-row">
                    <input
                        id="api-token"
                        class="mono"
                        type=move || if revealed.get() { "text" } else { "password" }
                        readonly
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="Press Generate to create a token"
                        prop:value=move || secret.get().unwrap_or_default()
                        aria-describedby="api-token-hint secret-error"
                        // Only Save saves: Enter here would save the defaults.
                        on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                            if ev.key() == "Enter" {
                                ev.prevent_default();
                            }
                        }
                    />
                    <button
                        type="button"
                        class="button secondary"
                        disabled=move || !saved.get()
                        on:click=move |_| revealed.update(|r| *r = !*r)
                    >
                        {move || if revealed.get() { "Hide" } else { "Reveal" }}
                    </button>
                    <CopyButton value=Signal::derive(move || secret.get().filter(|_| saved.get())) />
                    // Busy while generating, not disabled: a disabled
                    // button would drop the keyboard's focus.
                    <button
                        type="button"
                        class="button secondary"
                        disabled=at_limit
                        aria-busy=move || generate.pending().get().to_string()
                        on:click=move |_| {
                            if generate.pending().get_untracked() {
                                return;
                            }
                            replacing.set(unsaved());
                            generate.dispatch(GenerateToken {});
                        }
                    >
                        "Generate"
                    </button>
                </div>
                <FieldError error=save_error field="secret" />
                <p class="hint" id="api-token-hint">
                    {move || {
                        if saved.get() {
                            "Saved. This is the only time the whole token is shown: copy it now. Once you leave this page only its prefix and last four characters are shown."
                        } else if secret.get().is_some() {
                            "Not valid until you Save: choose an expiration date and scopes, then press Save. Generate again replaces it."
                        } else {
                            "A token is shown in full only until you leave this page; afterwards only its prefix and last four characters are shown."
                        }
                    }}
                </p>
                {move || {
                    at_limit()
                        .then(|| {
                            view! {
                                <p class="notice" role="status">
                                    {crate::model::token::limit_notice(policy.max_per_user)}
                                </p>
                            }
                        })
                }}
                <div class="token-settings" hidden=move || !editing()>
                <div class="form-grid">
                    <div>
                        <label for="token-expiry">"Expiration Date"</label>
                        <select
                            id="token-expiry"
                            name="expiry"
                            on:change=move |ev| expiry.set(event_target_value(&ev))
                            prop:value=move || expiry.get()
                        >
                            {EXPIRY_CHOICES
                                .iter()
                                .map(|(value, label)| {
                                    view! {
                                        <option value=*value selected=*value == DEFAULT_EXPIRY>
                                            {*label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                            <option value="custom">"Custom…"</option>
                            {policy
                                .allow_non_expiring
                                .then(|| view! { <option value="never">"No expiration"</option> })}
                        </select>
                        <FieldError error=save_error field="expiry" />
                    </div>
                    <Show when=move || expiry.get() == "custom">
                        <div>
                            <label for="token-expires-on">"Custom expiration date"</label>
                            <input
                                id="token-expires-on"
                                type="date"
                                min=min_date.clone()
                                max=max_date.clone()
                                bind:value=expires_on
                            />
                            <FieldError error=save_error field="expires_on" />
                        </div>
                    </Show>
                    <div>
                        <label for="token-name">"Name (optional)"</label>
                        <input
                            id="token-name"
                            type="text"
                            maxlength="100"
                            placeholder="e.g. CI deploy"
                            bind:value=name
                        />
                        <FieldError error=save_error field="name" />
                    </div>
                </div>
                <p class="hint">{expiry_hint}</p>
                // The scope checkboxes, rendered by the server (no code
                // of theirs in the WASM); Save reads what is checked.
                {children()}
                <FieldError error=save_error field="scopes" />
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || !unsaved()
                    aria-busy=move || save.pending().get().to_string()
                >
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
                </div>
            </form>
        </section>
    }
}

/// The names of the scope checkboxes checked in the submitted form.
fn checked_scopes(ev: &leptos::ev::SubmitEvent) -> String {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let data = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
            .and_then(|f| web_sys::FormData::new_with_form(&f).ok());
        if let Some(data) = data {
            return data
                .get_all("scopes")
                .iter()
                .filter_map(|v| v.as_string())
                .collect::<Vec<_>>()
                .join(" ");
        }
    }
    let _ = ev;
    String::new()
}

/// The scopes a token can be given, as checkboxes: the built-in ones (the
/// reading ones checked), then the operator's (`PLATFORM_CONFIG`), with
/// what each allows.
#[component]
pub(super) fn ScopeChoices(platform: Vec<PlatformScope>) -> impl IntoView {
    let built_in = Scope::ALL.into_iter().map(|scope| {
        (
            scope.as_str().to_owned(),
            scope.describe().to_owned(),
            Scopes::READ.contains(scope),
        )
    });
    let platform = platform.into_iter().map(|s| (s.name, s.description, false));
    view! {
        <fieldset class="scopes" aria-describedby="scopes-error">
            <legend>"Scopes"</legend>
            <p class="hint">"What the token may do. Reading is chosen for you; add writing only where a script needs it."</p>
            {built_in
                .chain(platform)
                .map(|(name, description, checked)| {
                    let id = format!("scope-{}", name.replace([':', '.'], "-"));
                    let label_for = id.clone();
                    view! {
                        <label class="check" for=label_for>
                            <input id=id type="checkbox" name="scopes" value=name.clone() checked=checked />
                            <code>{name}</code>
                            <span class="muted">{description}</span>
                        </label>
                    }
                })
                .collect_view()}
        </fieldset>
    }
}

/// Asks before the page is left while `unsaved` holds (the browser's own
/// "Leave site?" prompt).
#[cfg(feature = "hydrate")]
fn warn_before_leaving(unsaved: Signal<bool>) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let ask = Closure::<dyn Fn(web_sys::Event)>::new(move |ev: web_sys::Event| {
        if unsaved.get_untracked() {
            ev.prevent_default();
        }
    });
    let _ = window.add_event_listener_with_callback("beforeunload", ask.as_ref().unchecked_ref());
    ask.forget();
}
