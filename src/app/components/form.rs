//! Where an island's form shows what the server refused.

use leptos::prelude::*;

use crate::error::AppError;

/// Shows an error beside the field it belongs to.
#[component]
pub fn FieldError(error: Signal<Option<AppError>>, #[prop(into)] field: String) -> impl IntoView {
    let id = format!("{field}-error");
    view! {
        <p class="field-error" id=id>
            {move || {
                error
                    .get()
                    .filter(|e| e.field() == Some(field.as_str()))
                    .map(|e| e.to_string())
            }}
        </p>
    }
}

/// An error that belongs to no field.
#[component]
pub fn FormError(error: Signal<Option<AppError>>) -> impl IntoView {
    view! {
        <p class="form-error" role="alert">
            {move || error.get().filter(|e| e.field().is_none()).map(|e| e.to_string())}
        </p>
    }
}

/// Where a plain form (not an island's) shows what the server refused.
/// Sent with JavaScript, the script writes the refusal here; posted without
/// it, the page the server redirects back to renders it (see
/// `server::refusal`), only under the form whose `action` was refused.
#[component]
pub fn Refusal(action: &'static str) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let message = crate::server::run::context::refusal_for_form(action);
    #[cfg(not(feature = "ssr"))]
    let message: Option<String> = {
        let _ = action;
        None
    };
    view! { <p class="form-error" role="alert">{message}</p> }
}

/// The **New password** field with its rules and what changing it ends
/// (`after`), as Security and the reset page ask for it.
#[component]
pub fn NewPasswordField(after: &'static str) -> impl IntoView {
    view! {
        <label for="new_password">"New password"</label>
        <input
            id="new_password"
            name="new_password"
            type="password"
            autocomplete="new-password"
            required
            minlength="12"
            maxlength="128"
            aria-describedby="new_password-error new-password-hint"
        />
        <p class="hint" id="new-password-hint">
            "12 to 128 characters; common passwords are refused. " {after}
        </p>
        <p class="field-error" id="new_password-error"></p>
    }
}
