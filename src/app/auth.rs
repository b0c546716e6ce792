//! `/login` and `/signup`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use super::use_session;
use crate::api::auth::{signup_open, Login, Signup};
use crate::api::recovery::password_reset_open;
use crate::app::components::form::Refusal;
use leptos::server_fn::ServerFn;

/// Redirects to the settings when someone already signed in opens the page.
#[component]
fn WhenSignedOut(children: ChildrenFn) -> impl IntoView {
    let me = use_session().me;
    let children = StoredValue::new(children);
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Some(_) => view! { <Redirect path="/settings/profile" /> }.into_any(),
                    None => children.read_value()().into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn LoginPage() -> impl IntoView {
    let reset_open = Resource::new(|| (), |_| password_reset_open());
    let query = leptos_router::hooks::use_query_map();
    let said = {
        let q = query.read_untracked();
        if q.get("reset").as_deref() == Some("done") {
            Some("Your password was changed and every session ended. Sign in with the new one.")
        } else if q.get("deleted").is_some() {
            Some("Your account was deleted, with its tokens and audit log. Thank you for using it.")
        } else if q.get("confirmed").is_some() {
            Some("Your email address is confirmed. Sign in to continue.")
        } else {
            None
        }
    };
    view! {
        <Title text="Sign in" />
        <WhenSignedOut>
            <section class="card narrow">
                <h1>"Sign in"</h1>
                {said.map(|s| view! { <p class="notice-info" role="status">{s}</p> })}
                <LoginForm />
                <Suspense>
                    {move || Suspend::new(async move {
                        reset_open
                            .await
                            .unwrap_or(false)
                            .then(|| view! { <p><A href="/forgot-password">"Forgot password?"</A></p> })
                    })}
                </Suspense>
                <p class="muted">"New here? " <A href="/signup">"Create an account"</A></p>
            </section>
        </WhenSignedOut>
    }
}

/// The sign-in form: a plain form post, sent with `fetch` once the page is
/// interactive (`app::enhance`); the server's answer sends the browser on.
#[component]
fn LoginForm() -> impl IntoView {
    view! {
        <form class="form" method="post" action={<Login as ServerFn>::PATH} data-enhance="">
            <label for="login">"Email or handle"</label>
            <input
                id="login"
                name="login"
                type="text"
                autocomplete="username"
                required
                maxlength="254"
            />
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="current-password"
                required
                maxlength="128"
            />
            <Refusal action={<Login as ServerFn>::PATH} />
            <button class="button primary" type="submit" data-busy="Signing in…">
                "Sign in"
            </button>
        </form>
    }
}

#[component]
pub fn SignupPage() -> impl IntoView {
    let open = Resource::new(|| (), |_| signup_open());
    view! {
        <Title text="Create account" />
        <WhenSignedOut>
            <section class="card narrow">
                <h1>"Create your account"</h1>
                <Suspense>
                    {move || Suspend::new(async move {
                        if open.await.unwrap_or(false) {
                            view! { <SignupForm /> }.into_any()
                        } else {
                            view! { <p>"Sign-up is closed on this server. Ask an administrator for an account."</p> }
                                .into_any()
                        }
                    })}
                </Suspense>
                <p class="muted">"Have an account? " <A href="/login">"Sign in"</A></p>
            </section>
        </WhenSignedOut>
    }
}

/// The sign-up form, sent like [`LoginForm`].
#[component]
fn SignupForm() -> impl IntoView {
    view! {
        <form class="form" method="post" action={<Signup as ServerFn>::PATH} data-enhance="">
            <label for="handle">"Handle"</label>
            <input
                id="handle"
                name="handle"
                type="text"
                autocomplete="username"
                required
                minlength="3"
                maxlength="39"
                aria-describedby="handle-hint handle-error"
            />
            <p class="hint" id="handle-hint">
                "3–39 characters: letters a–z, digits and single hyphens."
            </p>
            <p class="field-error" id="handle-error"></p>
            <label for="email">"Email"</label>
            <input
                id="email"
                name="email"
                type="email"
                autocomplete="email"
                required
                maxlength="254"
                aria-describedby="email-error"
            />
            <p class="field-error" id="email-error"></p>
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="new-password"
                required
                minlength="12"
                maxlength="128"
                aria-describedby="password-hint password-error"
            />
            <p class="hint" id="password-hint">"At least 12 characters."</p>
            <p class="field-error" id="password-error"></p>
            <Refusal action={<Signup as ServerFn>::PATH} />
            <button class="button primary" type="submit" data-busy="Creating account…">
                "Create account"
            </button>
        </form>
    }
}
