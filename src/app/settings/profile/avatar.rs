//! The avatar card and the **Edit Avatar** dialog: drop zone, **Choose
//! file**, a preview before saving, Avatar URL, **Remove avatar**.
//!
//! A chosen file goes to `POST /settings/avatar` as the request body; the
//! server checks it again and names any limit it breaks.

use leptos::prelude::*;

use crate::api::profile::{RemoveAvatar, SetAvatarUrl};
use crate::app::components::dialog::Dialog;
use crate::app::components::form::FieldError;
use crate::app::components::toast::flash;
use crate::app::page::reload;
use crate::app::page::Avatar;
use crate::error::AppError;
use crate::model::avatar::{too_large, MAX_BYTES};
use crate::model::user::AvatarFace;

/// The avatar and the **Edit Avatar** dialog; a saved change reloads the
/// page, header included.
#[island(lazy)]
pub(super) fn AvatarCard(face: AvatarFace, avatar_url: Option<String>) -> impl IntoView {
    crate::app::shared::mark_hydrated();
    let open = RwSignal::new(false);
    let has_picture = face.src.is_some();
    view! {
        <section class="card avatar-card">
            <Avatar face=face.clone() large=true />
            <div>
                <h2>"Avatar"</h2>
                <p class="muted">
                    {if has_picture {
                        "Shown next to your name across the site."
                    } else {
                        "No picture yet: your initials are shown instead."
                    }}
                </p>
                <button class="button secondary" type="button" on:click=move |_| open.set(true)>
                    "Edit Avatar"
                </button>
            </div>
        </section>
        <Dialog open id="edit-avatar" title="Edit avatar">
            <AvatarEditor face=face.clone() avatar_url=avatar_url.clone() open />
        </Dialog>
    }
}

/// The dialog's contents; made afresh each time it opens.
#[component]
fn AvatarEditor(
    face: AvatarFace,
    avatar_url: Option<String>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let preview = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<AppError>);
    let url = RwSignal::new(avatar_url.unwrap_or_default());
    let busy = RwSignal::new(false);
    let dragging = RwSignal::new(false);
    let set_url = ServerAction::<SetAvatarUrl>::new();
    let remove = ServerAction::<RemoveAvatar>::new();
    let input = NodeRef::<leptos::html::Input>::new();
    #[cfg(feature = "hydrate")]
    let file = StoredValue::new_local(None::<web_sys::File>);
    // Each opening starts afresh: nothing chosen, no message.
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        if open.get() {
            error.set(None);
            file.set_value(None);
            if let Some(old) = preview.get_untracked() {
                let _ = web_sys::Url::revoke_object_url(&old);
            }
            preview.set(None);
            if let Some(i) = input.get_untracked() {
                i.set_value("");
            }
        }
    });

    let done = move |message: &'static str| {
        open.set(false);
        flash(message);
        reload();
    };
    Effect::new(move |_| match set_url.value().get() {
        Some(Ok(_)) => done("Avatar saved."),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });
    Effect::new(move |_| match remove.value().get() {
        Some(Ok(_)) => done("Avatar removed."),
        Some(Err(e)) => error.set(Some(e)),
        None => {}
    });

    // Takes a file from the picker or a drop: checks its size here (the
    // server checks everything again) and shows it.
    #[cfg(feature = "hydrate")]
    let take = move |f: web_sys::File| {
        error.set(None);
        if f.size() > MAX_BYTES as f64 {
            error.set(Some(AppError::invalid(
                "avatar",
                too_large(f.size() as u64),
            )));
            file.set_value(None);
            preview.set(None);
            return;
        }
        if let Some(old) = preview.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        preview.set(web_sys::Url::create_object_url_with_blob(&f).ok());
        file.set_value(Some(f));
    };
    #[cfg(not(feature = "hydrate"))]
    let _ = (too_large, MAX_BYTES);

    let on_change = move |_ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        if let Some(f) = input.get().and_then(|i| i.files()).and_then(|l| l.get(0)) {
            take(f);
        }
    };
    let on_drop = move |ev: leptos::ev::DragEvent| {
        ev.prevent_default();
        dragging.set(false);
        #[cfg(feature = "hydrate")]
        if let Some(f) = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|l| l.get(0))
        {
            take(f);
        }
    };
    let on_save = move |_| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(f) = file.get_value() {
            busy.set(true);
            leptos::task::spawn_local(async move {
                let result = upload(f).await;
                busy.set(false);
                match result {
                    Ok(()) => done("Avatar saved."),
                    Err(e) => error.set(Some(e)),
                }
            });
            return;
        }
        // The server checks the address; here only that there is one.
        let u = url.get_untracked();
        if u.trim().is_empty() {
            error.set(Some(AppError::invalid(
                "avatar",
                "Choose a picture or enter an https:// address first.",
            )));
        } else {
            set_url.dispatch(SetAvatarUrl { avatar_url: u });
        }
    };
    let pending = move || busy.get() || set_url.pending().get() || remove.pending().get();
    let current = face.src.clone();
    let initials = AvatarFace { src: None, ..face };
    let shown = move || preview.get().or_else(|| current.clone());
    let err = Signal::derive(move || error.get());

    view! {
        <div
            class="drop-zone"
            class:dragging=move || dragging.get()
            on:dragover=move |ev| {
                ev.prevent_default();
                dragging.set(true);
            }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop
            data-testid="drop-zone"
        >
            {move || match shown() {
                Some(src) => view! { <img class="avatar-preview" src=src alt="Avatar preview" /> }.into_any(),
                None => view! { <Avatar face=initials.clone() large=true /> }.into_any(),
            }}
            <p>"Drop a PNG, JPEG, GIF or WebP image here (at most 2 MiB and 4096×4096 pixels)."</p>
            <input
                type="file"
                class="visually-hidden"
                id="avatar-file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                tabindex="-1"
                aria-hidden="true"
                node_ref=input
                on:change=on_change
            />
            // The dialog opens with the focus here, shown (not on the
            // hidden file input).
            <button
                class="button secondary"
                type="button"
                autofocus
                on:click=move |_| {
                    if let Some(i) = input.get() {
                        i.click();
                    }
                }
            >
                "Choose file"
            </button>
        </div>
        <p class="form-error" role="alert">
            {move || error.get().filter(|e| e.field() != Some("avatar_url")).map(|e| e.to_string())}
        </p>
        <label for="avatar_url">"Avatar URL"</label>
        <input
            id="avatar_url"
            type="url"
            placeholder="https://"
            maxlength="2048"
            bind:value=url
            aria-describedby="avatar_url-error avatar-url-hint"
        />
        <p class="hint" id="avatar-url-hint">"An https address; it is shown as is and never fetched by this site."</p>
        <FieldError error=err field="avatar_url" />
        <div class="dialog-actions">
            <button
                class="button danger-text"
                type="button"
                disabled=pending
                on:click=move |_| {
                    remove.dispatch(RemoveAvatar {});
                }
            >
                "Remove avatar"
            </button>
            <span class="spacer"></span>
            <button class="button secondary" type="button" on:click=move |_| open.set(false)>
                "Cancel"
            </button>
            <button
                class="button primary"
                type="button"
                disabled=pending
                aria-busy=move || pending().to_string()
                on:click=on_save
            >
                {move || if pending() { "Saving…" } else { "Save" }}
            </button>
        </div>
    }
}

/// Sends the file; the server's refusal comes back as an [`AppError`].
#[cfg(feature = "hydrate")]
async fn upload(file: web_sys::File) -> Result<(), AppError> {
    use wasm_bindgen::JsCast;
    use wasm_bindgen_futures::JsFuture;

    let failed = || {
        AppError::invalid(
            "avatar",
            "The upload failed. Check your connection and try again.",
        )
    };
    let window = web_sys::window().ok_or_else(failed)?;
    let init = web_sys::RequestInit::new();
    init.set_method("POST");
    init.set_body(&file);
    let res = JsFuture::from(window.fetch_with_str_and_init("/settings/avatar", &init))
        .await
        .map_err(|_| failed())?;
    let res: web_sys::Response = res.dyn_into().map_err(|_| failed())?;
    if res.ok() {
        return Ok(());
    }
    let text = JsFuture::from(res.text().map_err(|_| failed())?)
        .await
        .map_err(|_| failed())?
        .as_string()
        .unwrap_or_default();
    Err(serde_json::from_str::<AppError>(&text).unwrap_or_else(|_| failed()))
}
