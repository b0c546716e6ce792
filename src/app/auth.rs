//! `/login`.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use crate::api::auth::Login;
use crate::api::recovery::password_reset_open;
use crate::app::components::form::Refusal;
use crate::app::page::use_session;
use leptos::server_fn::ServerFn;

/// Redirects to the settings when someone already signed in opens the page.
#[component]
pub(super) fn WhenSignedOut(children: ChildrenFn) -> impl IntoView {
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
