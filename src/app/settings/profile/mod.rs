//! `/settings/profile`: names and email, the avatar, the database password.

use leptos::prelude::*;
use leptos_meta::Title;

mod avatar;
mod db_password;

use crate::app::components::form::Refusal;
use leptos::server_fn::ServerFn;

use crate::api::profile::{get_profile, SaveProfile};
use crate::api::recovery::{CancelEmailChange, ResendEmailConfirmation};
use crate::model::account::ProfileView;
use crate::model::user::{AvatarFace, CurrentUser};

#[component]
pub fn ProfileSection() -> impl IntoView {
    let profile = Resource::new(|| (), |_| get_profile());
    view! {
        <Title text="Profile" />
        <h1>"Profile"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match profile.await {
                    Ok(profile) => {
                        view! {
                            <avatar::AvatarCard face=face_of(&profile) avatar_url=profile.avatar_url.clone() />
                            <ProfileForm profile />
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
        <db_password::DbPasswordCard />
    }
}

/// The avatar of the profile's owner.
fn face_of(p: &ProfileView) -> AvatarFace {
    CurrentUser {
        id: 0,
        handle: p.handle.clone(),
        email: p.email.clone(),
        display_name: p.display_name.clone(),
        is_admin: false,
        avatar: p.avatar.clone(),
        unread_notices: 0,
        email_verified: true,
    }
    .face()
}

/// First name, Last name, Display name, Email and Save. The current
/// password is asked for once the email address is changed.
#[component]
fn ProfileForm(profile: ProfileView) -> impl IntoView {
    let field = move |id: &'static str, label: &'static str, value: String, auto: &'static str| {
        view! {
            <div>
                <label for=id>{label}</label>
                <input
                    id=id
                    name=id
                    type="text"
                    maxlength="100"
                    autocomplete=auto
                    value=value
                    aria-describedby=format!("{id}-error")
                />
                <p class="field-error" id=format!("{id}-error")></p>
            </div>
        }
    };
    let pending = view! {
        <PendingEmail
            email=profile.email.clone()
            verified=profile.email_verified
            pending=profile.pending_email.clone()
        />
    };
    view! {
        <section class="card">
            <h2>"Your details"</h2>
            <form
                class="form"
                method="post"
                action={<SaveProfile as ServerFn>::PATH}
                data-enhance=""
                data-toast="Profile saved."
                novalidate
            >
                <div class="form-grid">
                    {field("first_name", "First name", profile.first_name, "given-name")}
                    {field("last_name", "Last name", profile.last_name, "family-name")}
                    {field("display_name", "Display name", profile.display_name, "nickname")}
                    <div>
                        <label for="email">"Email"</label>
                        <input
                            id="email"
                            name="email"
                            type="email"
                            maxlength="254"
                            autocomplete="email"
                            value=profile.email
                            aria-describedby="email-error"
                        />
                        <p class="field-error" id="email-error"></p>
                    </div>
                </div>
                // Hidden as served (shown by the page's script once the
                // address is edited; always shown without JavaScript).
                <div data-shown-if-changed="email" hidden>
                    <label for="current_password">"Current password"</label>
                    <input
                        id="current_password"
                        name="current_password"
                        type="password"
                        autocomplete="current-password"
                        aria-describedby="current_password-error current-password-hint"
                    />
                    <p class="hint" id="current-password-hint">
                        "Changing your email address needs your current password. Where mail is set up, the new address is used once you open the link mailed to it."
                    </p>
                    <p class="field-error" id="current_password-error"></p>
                </div>
                <Refusal action={<SaveProfile as ServerFn>::PATH} />
                <button class="button primary" type="submit" data-busy="Saving…">
                    "Save"
                </button>
            </form>
            {pending}
        </section>
    }
}

/// An address waiting for its link: which, and **Resend** (and **Cancel**
/// for a change; an unconfirmed first address can only be changed).
#[component]
fn PendingEmail(email: String, verified: bool, pending: Option<String>) -> impl IntoView {
    let waiting = match (verified, pending) {
        (true, Some(p)) if p != email => Some((p, true)),
        (false, p) => Some((p.unwrap_or(email), false)),
        _ => None,
    };
    waiting.map(|(address, change)| {
        let text = if change {
            "Waiting for you to confirm "
        } else {
            "Your email address is not confirmed yet: open the link we sent to "
        };
        view! {
            <div class="pending-email" role="status">
                <p>
                    {text} <strong>{address}</strong>
                    {if change { ". Until then, mail goes to your current address." } else { "." }}
                </p>
                <div class="row-actions">
                    <form
                        method="post"
                        action={<ResendEmailConfirmation as ServerFn>::PATH}
                        data-enhance=""
                        data-toast="A new link is on its way."
                    >
                        <Refusal action={<ResendEmailConfirmation as ServerFn>::PATH} />
                        <button class="button secondary small" type="submit">"Resend"</button>
                    </form>
                    {change
                        .then(|| {
                            view! {
                                <form
                                    method="post"
                                    action={<CancelEmailChange as ServerFn>::PATH}
                                    data-enhance=""
                                    data-toast="The change of address was cancelled."
                                >
                                    <button class="button secondary small" type="submit">"Cancel"</button>
                                </form>
                            }
                        })}
                </div>
            </div>
        }
    })
}
