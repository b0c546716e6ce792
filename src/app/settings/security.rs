//! `/settings/security`: change password; active sessions.

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::security::{list_sessions, ChangePassword, EndOtherSessions, EndSession};
use crate::app::auth::{FieldError, FormError};
use crate::app::components::toast::use_toasts;
use crate::error::AppError;
use crate::model::account::SessionView;
use crate::model::time::format_utc;
use crate::model::validate;

#[component]
pub fn SecuritySection() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| list_sessions());
    view! {
        <Title text="Security" />
        <h1>"Security"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match sessions.await {
                    Ok(sessions) => view! { <SecurityPanel sessions /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

/// The sessions the page shows; reloaded after a change.
#[derive(Clone, Copy)]
struct SessionList(RwSignal<Vec<SessionView>>);

impl SessionList {
    fn reload(self) {
        leptos::task::spawn_local(async move {
            match list_sessions().await {
                Ok(list) => self.0.set(list),
                Err(e) => use_toasts().error(e.to_string()),
            }
        });
    }
}

#[island]
fn SecurityPanel(sessions: Vec<SessionView>) -> impl IntoView {
    crate::app::shared::mark_hydrated();
    let list = SessionList(RwSignal::new(sessions));
    view! {
        <ChangePasswordForm list />
        <Sessions list />
    }
}

#[component]
fn ChangePasswordForm(list: SessionList) -> impl IntoView {
    let toasts = use_toasts();
    let change = ServerAction::<ChangePassword>::new();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let local = RwSignal::new(None::<AppError>);
    let error = Signal::derive(move || {
        local
            .get()
            .or_else(|| change.value().get().and_then(Result::err))
    });
    Effect::new(move |_| {
        if let Some(Ok(ended)) = change.value().get() {
            current.set(String::new());
            new.set(String::new());
            let others = match ended {
                0 => String::new(),
                1 => " 1 other session was signed out.".to_owned(),
                n => format!(" {n} other sessions were signed out."),
            };
            toasts.success(format!("Password changed.{others}"));
            list.reload();
        }
    });
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if current.get_untracked().is_empty() {
            local.set(Some(AppError::invalid(
                "current_password",
                "Enter your current password.",
            )));
            return;
        }
        if let Err(e) = validate::password(&new.get_untracked(), "new_password") {
            local.set(Some(e));
            return;
        }
        local.set(None);
        change.dispatch(ChangePassword {
            current_password: current.get_untracked().into(),
            new_password: new.get_untracked().into(),
        });
    };
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            <form class="form" method="post" action={<ChangePassword as leptos::server_fn::ServerFn>::PATH} on:submit=on_submit novalidate>
                <div class="form-grid">
                    <div>
                        <label for="current_password">"Current password"</label>
                        <input
                            id="current_password"
                            name="current_password"
                            type="password"
                            autocomplete="current-password"
                            bind:value=current
                            aria-describedby="current_password-error"
                        />
                        <FieldError error field="current_password" />
                    </div>
                    <div>
                        <label for="new_password">"New password"</label>
                        <input
                            id="new_password"
                            name="new_password"
                            type="password"
                            autocomplete="new-password"
                            maxlength="128"
                            bind:value=new
                            aria-describedby="new_password-error new-password-hint"
                        />
                        <p class="hint" id="new-password-hint">
                            "12 to 128 characters; common passwords are refused. Your other sessions will be signed out."
                        </p>
                        <FieldError error field="new_password" />
                    </div>
                </div>
                <FormError error />
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || change.pending().get()
                    aria-busy=move || change.pending().get().to_string()
                >
                    {move || if change.pending().get() { "Changing…" } else { "Change password" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn Sessions(list: SessionList) -> impl IntoView {
    let toasts = use_toasts();
    let end = ServerAction::<EndSession>::new();
    let end_others = ServerAction::<EndOtherSessions>::new();
    Effect::new(move |_| match end.value().get() {
        Some(Ok(())) => {
            toasts.success("Session signed out.");
            list.reload();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match end_others.value().get() {
        Some(Ok(n)) => {
            toasts.success(match n {
                0 => "There were no other sessions.".to_owned(),
                n => format!("Signed out {n} other session(s)."),
            });
            list.reload();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    view! {
        <section class="card">
            <h2>"Active sessions"</h2>
            <p class="lead">"Browsers signed in to your account. Sign out any you do not recognise."</p>
            {move || {
                    let sessions = list.0.get();
                    let others = sessions.iter().filter(|s| !s.current).count();
                    let rows = sessions
                        .into_iter()
                        .map(|s| {
                            let id = s.id;
                            view! {
                                <tr>
                                    <td>
                                        <span title=s.user_agent.clone()>{s.device.clone()}</span>
                                        {s.current.then(|| view! { <span class="badge badge-active">"This session"</span> })}
                                    </td>
                                    <td class="mono">{s.ip.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td class="nowrap">{format_utc(s.created_at)}</td>
                                    <td class="nowrap">{format_utc(s.last_seen_at)}</td>
                                    <td>
                                        {(!s.current).then(|| view! {
                                            <button
                                                class="button secondary small"
                                                type="button"
                                                disabled=move || end.pending().get()
                                                on:click=move |_| {
                                                    end.dispatch(EndSession { id });
                                                }
                                            >
                                                "Sign out"
                                            </button>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view();
                    view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead>
                                    <tr>
                                        <th scope="col">"Device"</th>
                                        <th scope="col">"IP address"</th>
                                        <th scope="col">"Started"</th>
                                        <th scope="col">"Last seen"</th>
                                        <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                                    </tr>
                                </thead>
                                <tbody>{rows}</tbody>
                            </table>
                        </div>
                        <button
                            class="button secondary"
                            type="button"
                            disabled=move || others == 0 || end_others.pending().get()
                            aria-busy=move || end_others.pending().get().to_string()
                            on:click=move |_| {
                                end_others.dispatch(EndOtherSessions {});
                            }
                        >
                            "Sign out all other sessions"
                        </button>
                    }
                }}
        </section>
    }
}
