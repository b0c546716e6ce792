//! The pages a mailed link opens, and the one that mails it:
//! `/forgot-password`, `/reset-password?token=…`, `/confirm-email?token=…`.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use crate::api::recovery::{
    check_email_link, check_reset_link, password_reset_open, ConfirmEmail, RequestPasswordReset,
    ResetPassword,
};
use crate::app::components::form::NewPasswordField;
use crate::app::components::form::Refusal;

/// What asking for a link always answers (see `server::reset::ASKED`).
const ASKED: &str = "If an account has that email address or handle, a link to choose a new \
                     password is on its way to the account's address. It works once, for 30 minutes.";

/// The `token` of the page's address.
fn token() -> String {
    use_query_map()
        .read_untracked()
        .get("token")
        .unwrap_or_default()
}

#[component]
pub fn ForgotPasswordPage() -> impl IntoView {
    let open = Resource::new(|| (), |_| password_reset_open());
    view! {
        <Title text="Forgot password" />
        <section class="card narrow">
            <h1>"Forgot your password?"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    if open.await.unwrap_or(false) {
                        view! { <ForgotForm /> }.into_any()
                    } else {
                        view! {
                            <p>
                                "This server does not send mail, so a password cannot be reset by mail. Ask an administrator to set a new one."
                            </p>
                        }
                            .into_any()
                    }
                })}
            </Suspense>
            <p class="muted">"Remembered it? " <A href="/login">"Sign in"</A></p>
        </section>
    }
}

#[component]
fn ForgotForm() -> impl IntoView {
    view! {
        <p class="lead">"Enter your email address or handle, and we will mail you a link to choose a new password."</p>
        <form
            class="form"
            method="post"
            action={<RequestPasswordReset as ServerFn>::PATH}
            data-enhance=""
            data-toast=ASKED
        >
            <label for="login">"Email or handle"</label>
            <input
                id="login"
                name="login"
                type="text"
                autocomplete="username"
                required
                maxlength="254"
                aria-describedby="login-error"
            />
            <p class="field-error" id="login-error"></p>
            <Refusal action={<RequestPasswordReset as ServerFn>::PATH} />
            <button class="button primary" type="submit" data-busy="Sending…">
                "Send the link"
            </button>
        </form>
    }
}

#[component]
pub fn ResetPasswordPage() -> impl IntoView {
    let token = token();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_reset_link(token.clone())
    });
    let token = StoredValue::new(token);
    view! {
        <Title text="Choose a new password" />
        <section class="card narrow">
            <h1>"Choose a new password"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match check.await {
                        Ok(()) => view! { <ResetForm token=token.get_value() /> }.into_any(),
                        Err(e) => {
                            view! {
                                <p class="form-error" role="alert">{e.to_string()}</p>
                                <p>
                                    <A href="/forgot-password">"Ask for a new link"</A>
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

#[component]
fn ResetForm(token: String) -> impl IntoView {
    view! {
        <form class="form" method="post" action={<ResetPassword as ServerFn>::PATH} data-enhance="">
            <input type="hidden" name="token" value=token />
            <NewPasswordField after="Every browser signed in to your account will be signed out; API tokens keep working." />
            <p class="field-error" id="token-error"></p>
            <Refusal action={<ResetPassword as ServerFn>::PATH} />
            <button class="button primary" type="submit" data-busy="Saving…">
                "Set new password"
            </button>
        </form>
    }
}

#[component]
pub fn ConfirmEmailPage() -> impl IntoView {
    let token = token();
    let check = Resource::new(|| (), {
        let token = token.clone();
        move |_| check_email_link(token.clone())
    });
    let token = StoredValue::new(token);
    view! {
        <Title text="Confirm your email address" />
        <section class="card narrow">
            <h1>"Confirm your email address"</h1>
            <Suspense>
                {move || Suspend::new(async move {
                    match check.await {
                        Ok(email) => {
                            view! {
                                <p>"Use " <strong>{email}</strong> " for your account?"</p>
                                <form
                                    class="form"
                                    method="post"
                                    action={<ConfirmEmail as ServerFn>::PATH}
                                    data-enhance=""
                                >
                                    <input type="hidden" name="token" value=token.get_value() />
                                    <p class="field-error" id="token-error"></p>
                                    <Refusal action={<ConfirmEmail as ServerFn>::PATH} />
                                    <button class="button primary" type="submit" data-busy="Confirming…">
                                        "Confirm email address"
                                    </button>
                                </form>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! {
                                <p class="form-error" role="alert">{e.to_string()}</p>
                                <p>
                                    "Profile can send a new link: " <A href="/settings/profile">"Go to your profile"</A>
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
