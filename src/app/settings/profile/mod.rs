//! `/settings/profile`: names and e-mail, the avatar, the database password.

use leptos::prelude::*;
use leptos_meta::Title;

mod avatar;
mod db_password;

use crate::api::profile::{get_profile, SaveProfile};
use crate::app::auth::{FieldError, FormError};
use crate::app::components::toast::use_toasts;
use crate::app::shared;
use crate::error::AppError;
use crate::model::account::ProfileView;
use crate::model::validate;

/// The profile the page shows; reloaded after a change.
#[derive(Clone, Copy)]
struct ProfileData {
    profile: RwSignal<ProfileView>,
}

impl ProfileData {
    /// Reloads the profile and the header's user.
    fn changed(&self) {
        let profile = self.profile;
        leptos::task::spawn_local(async move {
            if let Ok(p) = get_profile().await {
                profile.set(p);
            }
        });
        shared::refresh_me();
    }
}

#[component]
pub fn ProfileSection() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => view! { <ProfilePanel profile /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <db_password::DbPasswordCard />
    }
}

/// The avatar and the details form.
#[island]
fn ProfilePanel(profile: ProfileView) -> impl IntoView {
    shared::mark_hydrated();
    let data = ProfileData {
        profile: RwSignal::new(profile),
    };
    move || {
        let p = data.profile.get();
        view! {
            <avatar::AvatarCard profile=p.clone() data />
            <ProfileForm profile=p data />
        }
    }
}

/// First name, Last name, Display name, Email and Save.
#[component]
fn ProfileForm(profile: ProfileView, data: ProfileData) -> impl IntoView {
    let toasts = use_toasts();
    let save = ServerAction::<SaveProfile>::new();
    let first = RwSignal::new(profile.first_name.clone());
    let last = RwSignal::new(profile.last_name.clone());
    let display = RwSignal::new(profile.display_name.clone());
    let email = RwSignal::new(profile.email.clone());
    let password = RwSignal::new(String::new());
    let saved_email = profile.email.clone();
    let email_changed = Signal::derive(move || email.get().trim() != saved_email);
    // Checked here first with the very rules the server applies.
    let local = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || {
        local
            .get()
            .or_else(|| save.value().get().and_then(Result::err))
    });

    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            password.set(String::new());
            toasts.success("Profile saved.");
            data.changed();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let checked = validate::names(
            &first.get_untracked(),
            &last.get_untracked(),
            &display.get_untracked(),
        )
        .and_then(|_| validate::email(&email.get_untracked()));
        if let Err(e) = checked {
            local.set(Some(e));
            return;
        }
        local.set(None);
        save.dispatch(SaveProfile {
            first_name: first.get_untracked(),
            last_name: last.get_untracked(),
            display_name: display.get_untracked(),
            email: email.get_untracked(),
            current_password: password.get_untracked().into(),
        });
    };
    let field = move |id: &'static str,
                      label: &'static str,
                      value: RwSignal<String>,
                      auto: &'static str| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input
                    id=id
                    name=id
                    type="text"
                    maxlength="100"
                    autocomplete=auto
                    bind:value=value
                    aria-describedby=format!("{id}-error")
                />
                <FieldError error field=id />
            </div>
        }
    };

    view! {
        <section class="card">
            <h2>"Your details"</h2>
            <form
                class="form"
                method="post"
                action={<SaveProfile as leptos::server_fn::ServerFn>::PATH}
                on:submit=on_submit
                novalidate
            >
                <div class="form-grid">
                    {field("first_name", "First name", first, "given-name")}
                    {field("last_name", "Last name", last, "family-name")}
                    {field("display_name", "Display name", display, "nickname")}
                    <div>
                        <label for="email">"Email"</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            maxlength="254"
                            autocomplete="email"
                            bind:value=email
                            aria-describedby="email-error"
                        />
                        <FieldError error field="email" />
                    </div>
                </div>
                <Show when=move || email_changed.get()>
                    <div>
                        <label for="current_password">"Current password"</label>
                        <input
                            id="current_password"
                            name="current_password"
                            type="password"
                            autocomplete="current-password"
                            bind:value=password
                            aria-describedby="current_password-error current-password-hint"
                        />
                        <p class="hint" id="current-password-hint">
                            "Changing your e-mail address needs your current password."
                        </p>
                        <FieldError error field="current_password" />
                    </div>
                </Show>
                <FormError error />
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || save.pending().get()
                    aria-busy=move || save.pending().get().to_string()
                >
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
            </form>
        </section>
    }
}
