//! `/signup`, and with a mail server the two pages after it:
//! `/signup/sent` ("check your email") and `/signup/finish?token=…`, where
//! the mailed link's sign-up is finished with the password chosen.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::auth::WhenSignedOut;
use crate::api::auth::{check_signup_link, signup_open, FinishSignup, Signup};
use crate::app::components::form::Refusal;

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

#[component]
pub fn SignupSentPage() -> impl IntoView {
    view! {
        <Title text="Check your email" />
        <section class="card narrow">
            <h1>"Check your email"</h1>
            <p class="lead" role="status">
                "We sent a mail to the address you gave. Open its link and type your password to finish creating your account. The link works once, for 24 hours."
            </p>
            <p>
                "No mail after a few minutes? Look in your spam folder, or "
                <A href="/signup">"sign up again"</A>
                ". If that address already has an account, the mail says so instead."
            </p>
            <p class="muted">"Have an account? " <A href="/login">"Sign in"</A></p>
        </section>
    }
}

#[component]
pub fn FinishSignupPage() -> impl IntoView {
    let token = use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_signup_link(token.clone())
    });
    let token = StoredValue::new(token);
    view! {
        <Title text="Finish creating your account" />
        <section class="card narrow">
            <h1>"Finish creating your account"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match check.await {
                        Ok((handle, email)) => {
                            view! { <FinishForm token=token.get_value() handle email /> }.into_any()
                        }
                        Err(e) => {
                            view! {
                                <p class="form-error" role="alert">{e.to_string()}</p>
                                <p>
                                    <A href="/signup">"Sign up again"</A>
                                    " or "
                                    <A href="/login">"sign in"</A>
                                </p>
                            }
                                .into_any()
                        }
                    }
                })}
            </Suspense>
        </section>
    }
}

/// Asks for the password chosen at sign-up: someone else's sign-up with
/// this address cannot finish with a click of the address's owner.
#[component]
fn FinishForm(token: String, handle: String, email: String) -> impl IntoView {
    view! {
        <p>
            "Create the account " <strong>{handle}</strong> " for " <strong>{email}</strong>
            "? Type the password you chose when you signed up."
        </p>
        <form class="form" method="post" action={<FinishSignup as ServerFn>::PATH} data-enhance="">
            <input type="hidden" name="token" value=token />
            <label for="password">"Password"</label>
            <input
                id="password"
                name="password"
                type="password"
                autocomplete="current-password"
                required
                maxlength="128"
                aria-describedby="password-error"
            />
            <p class="field-error" id="password-error"></p>
            <p class="field-error" id="token-error"></p>
            <Refusal action={<FinishSignup as ServerFn>::PATH} />
            <button class="button primary" type="submit" data-busy="Creating account…">
                "Create account"
            </button>
        </form>
        <p class="muted">"Not your sign-up? Close this page: no account is made."</p>
    }
}
