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
