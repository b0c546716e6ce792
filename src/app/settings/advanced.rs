//! `/settings/advanced`: change the handle (after a preview), delete the
//! account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::advanced::{ChangeHandle, DeleteAccount, PreviewHandle};
use crate::app::auth::FieldError;
use crate::app::components::dialog::Dialog;
use crate::app::components::toast::use_toasts;
use crate::app::{shared, use_session};
use crate::error::AppError;
use crate::model::validate;

#[component]
pub fn AdvancedSection() -> impl IntoView {
    let me = use_session().me;
    view! {
        <Title text="Advanced" />
        <h1>"Advanced"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                me.await.map(|u| view! { <AdvancedPanel handle=u.handle /> })
            })}
        </Suspense>
    }
}

/// Both cards; they follow a change of handle.
#[island]
fn AdvancedPanel(handle: String) -> impl IntoView {
    shared::mark_hydrated();
    let handle = RwSignal::new(handle);
    view! {
        <HandleForm handle />
        <DeleteAccountCard handle />
    }
}

#[component]
fn HandleForm(handle: RwSignal<String>) -> impl IntoView {
    let toasts = use_toasts();
    let value = RwSignal::new(handle.get_untracked());
    let preview = ServerAction::<PreviewHandle>::new();
    let change = ServerAction::<ChangeHandle>::new();
    let confirm = RwSignal::new(false);
    let local = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || {
        local
            .get()
            .or_else(|| preview.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = preview.value().get() {
            confirm.set(true);
        }
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(new)) => {
            confirm.set(false);
            toasts.success(format!("Your handle is now {new}."));
            value.set(new.clone());
            handle.set(new);
            shared::refresh_me();
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match validate::handle(&value.get_untracked()) {
            Err(e) => local.set(Some(e)),
            Ok(h) => {
                local.set(None);
                preview.dispatch(PreviewHandle { handle: h });
            }
        }
    };
    view! {
        <section class="card">
            <h2>"Change handle"</h2>
            <p class="lead">
                "Your handle names your workspace address and database. 3 to 39 characters: letters a–z, digits and single hyphens."
            </p>
            <form class="form" on:submit=on_submit novalidate>
                <label for="handle">"Handle"</label>
                <input
                    id="handle"
                    name="handle"
                    type="text"
                    maxlength="39"
                    autocomplete="username"
                    spellcheck="false"
                    bind:value=value
                    aria-describedby="handle-error"
                />
                <FieldError error field="handle" />
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || preview.pending().get() || handle.with(|h| value.get().trim() == h)
                    aria-busy=move || preview.pending().get().to_string()
                >
                    "Save"
                </button>
            </form>
        </section>
        <Dialog open=confirm id="confirm-handle" title="Change your handle?">
            {move || {
                preview
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|p| {
                        let new = p.new.clone();
                        view! {
                            <dl class="changes">
                                <dt>"Handle"</dt>
                                <dd><code>{p.old.clone()}</code>" → "<code>{p.new.clone()}</code></dd>
                                <dt>"Workspace address"</dt>
                                <dd><code>{p.old_host.clone()}</code>" → "<code>{p.new_host.clone()}</code></dd>
                                <dt>"Connection string"</dt>
                                <dd><code class="wrap">{p.new_connection.clone()}</code></dd>
                            </dl>
                            <p class="hint">
                                {format!(
                                    "Update anything that uses the old address. The old handle stays reserved for you for {} days.",
                                    p.reserved_days,
                                )}
                            </p>
                            <div class="dialog-actions">
                                <button class="button secondary" type="button" on:click=move |_| confirm.set(false)>
                                    "Cancel"
                                </button>
                                <button
                                    class="button primary"
                                    type="button"
                                    disabled=move || change.pending().get()
                                    aria-busy=move || change.pending().get().to_string()
                                    on:click=move |_| {
                                        change.dispatch(ChangeHandle { handle: new.clone() });
                                    }
                                >
                                    "Change handle"
                                </button>
                            </div>
                        }
                    })
            }}
        </Dialog>
    }
}

#[component]
fn DeleteAccountCard(handle: RwSignal<String>) -> impl IntoView {
    let open = RwSignal::new(false);
    let delete = ServerAction::<DeleteAccount>::new();
    let typed = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = Signal::derive(move || delete.value().get().and_then(Result::err));
    Effect::new(move |_| {
        if let Some(Ok(())) = delete.value().get() {
            // The server's answer sends the browser to the sign-in page.
            open.set(false);
        }
    });
        view! {
        <section class="card danger-zone">
            <h2>"Delete account"</h2>
            <p>
                "Deleting your account removes your profile, tokens, sessions, avatar and audit log for good. Tokens stop working at once. This cannot be undone."
            </p>
            <button class="button danger" type="button" on:click=move |_| open.set(true)>
                "Delete Personal Account"
            </button>
        </section>
        <Dialog open id="delete-account" title="Delete your account?">
            <form
                class="form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    delete.dispatch(DeleteAccount {
                        handle: typed.get_untracked(),
                        current_password: password.get_untracked().into(),
                    });
                }
            >
                <p>"This is permanent. Everything of your account is deleted at once."</p>
                <label for="confirm_handle">
                    "Type your handle, " <strong>{move || handle.get()}</strong> ", to confirm"
                </label>
                <input
                    id="confirm_handle"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    bind:value=typed
                    aria-describedby="confirm_handle-error"
                />
                <FieldError error field="confirm_handle" />
                <label for="delete_password">"Current password"</label>
                <input
                    id="delete_password"
                    type="password"
                    autocomplete="current-password"
                    bind:value=password
                    aria-describedby="delete_password-error"
                />
                <FieldError error field="delete_password" />
                <p class="form-error" role="alert">
                    {move || error.get().filter(|e| e.field().is_none()).map(|e| e.to_string())}
                </p>
                <div class="dialog-actions">
                    <button class="button secondary" type="button" on:click=move |_| open.set(false)>
                        "Cancel"
                    </button>
                    <button
                        class="button danger"
                        type="submit"
                        disabled=move || {
                            delete.pending().get() || handle.with(|h| typed.get() != *h)
                                || password.get().is_empty()
                        }
                        aria-busy=move || delete.pending().get().to_string()
                    >
                        "Delete"
                    </button>
                </div>
            </form>
        </Dialog>
    }
}
