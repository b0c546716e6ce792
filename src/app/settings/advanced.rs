//! `/settings/advanced`: change the handle (after a preview), delete the
//! account.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::advanced::{ChangeHandle, DeleteAccount, PreviewHandle};
use crate::app::components::dialog::{Dialog, DialogFoot, ModalDialog, OpenDialog};
use crate::app::components::form::FieldError;
use crate::app::components::toast::{flash, use_toasts};
use crate::app::page::use_session;
use crate::app::shared;
use leptos::server_fn::ServerFn;

#[component]
pub fn AdvancedSection() -> impl IntoView {
    let me = use_session().me;
    view! {
        <Title text="Advanced" />
        <h1>"Advanced"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                me.await
                    .map(|u| {
                        view! {
                            <HandleForm handle=u.handle.clone() />
                            <DeleteAccountCard handle=u.handle />
                        }
                    })
            })}
        </Suspense>
    }
}

/// The handle field, its preview and the confirmation; a change reloads
/// the page, header included.
#[island(lazy)]
fn HandleForm(handle: String) -> impl IntoView {
    shared::mark_hydrated();
    let toasts = use_toasts();
    let value = RwSignal::new(handle.clone());
    let preview = ServerAction::<PreviewHandle>::new();
    let change = ServerAction::<ChangeHandle>::new();
    let confirm = RwSignal::new(false);
    let error = Signal::derive(move || preview.value().get().and_then(Result::err));
    Effect::new(move |_| match preview.value().get() {
        Some(Ok(_)) => confirm.set(true),
        // A refusal of the handle shows beside it; any other as a toast.
        Some(Err(e)) if e.field().is_none() => toasts.error(e.to_string()),
        _ => {}
    });
    Effect::new(move |_| match change.value().get() {
        Some(Ok(new)) => {
            confirm.set(false);
            flash(&format!("Your handle is now {new}."));
            crate::app::page::reload();
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // The server checks the handle (and answers beside the field).
        preview.dispatch(PreviewHandle {
            handle: value.get_untracked(),
        });
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
                    disabled=move || preview.pending().get() || value.get().trim() == handle
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

/// The danger zone: a dialog asks for the handle, typed, and the password.
#[component]
fn DeleteAccountCard(handle: String) -> impl IntoView {
    view! {
        <section class="card danger-zone">
            <h2>"Delete account"</h2>
            <p>
                "Deleting your account removes your profile, tokens, sessions, avatar and audit log for good. Tokens stop working at once. This cannot be undone."
            </p>
            <OpenDialog id="delete-account" class="button danger">
                "Delete Personal Account"
            </OpenDialog>
        </section>
        <ModalDialog id="delete-account" title="Delete your account?">
            <form class="form" method="post" action={<DeleteAccount as ServerFn>::PATH} data-enhance="">
                <p>"This is permanent. Everything of your account is deleted at once."</p>
                <label for="confirm_handle">
                    "Type your handle, " <strong>{handle.clone()}</strong> ", to confirm"
                </label>
                <input
                    id="confirm_handle"
                    name="handle"
                    type="text"
                    autocomplete="off"
                    spellcheck="false"
                    required
                    pattern=handle
                    aria-describedby="confirm_handle-error"
                />
                <p class="field-error" id="confirm_handle-error"></p>
                <label for="delete_password">"Current password"</label>
                <input
                    id="delete_password"
                    name="current_password"
                    type="password"
                    autocomplete="current-password"
                    required
                    aria-describedby="delete_password-error"
                />
                <p class="field-error" id="delete_password-error"></p>
                <DialogFoot
                    id="delete-account"
                    label="Delete account"
                    busy="Deleting…"
                    danger=true
                    requires_valid=true
                />
            </form>
        </ModalDialog>
    }
}
