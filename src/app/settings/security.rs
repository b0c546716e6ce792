//! `/settings/security`: change password; active sessions.

use crate::app::components::form::NewPasswordField;
use crate::app::components::form::Refusal;
use crate::app::components::table::DataTable;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::security::{list_sessions, ChangePassword, EndOtherSessions, EndSession};
use crate::model::account::SessionView;
use crate::model::time::format_utc;

#[component]
pub fn SecuritySection() -> impl IntoView {
    let sessions = Resource::new(|| (), |_| list_sessions());
    view! {
        <Title text="Security" />
        <h1>"Security"</h1>
        <ChangePasswordForm />
        <section class="card">
            <h2>"Active sessions"</h2>
            <p class="lead">"Browsers signed in to your account. Sign out any you do not recognise."</p>
            <Suspense>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => view! { <Sessions list /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn ChangePasswordForm() -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Change password"</h2>
            <form
                class="form"
                method="post"
                action={<ChangePassword as ServerFn>::PATH}
                data-enhance=""
                data-toast="Password changed. Your other sessions were signed out."
            >
                <div class="form-grid">
                    <div>
                        <label for="current_password">"Current password"</label>
                        <input
                            id="current_password"
                            name="current_password"
                            type="password"
                            autocomplete="current-password"
                            required
                            aria-describedby="current_password-error"
                        />
                        <p class="field-error" id="current_password-error"></p>
                    </div>
                    <div>
                        <NewPasswordField after="Your other sessions will be signed out." />
                    </div>
                </div>
                <Refusal action={<ChangePassword as ServerFn>::PATH} />
                <button class="button primary" type="submit" data-busy="Changing…">
                    "Change password"
                </button>
            </form>
        </section>
    }
}

#[component]
fn Sessions(list: Vec<SessionView>) -> impl IntoView {
    let others = list.iter().filter(|s| !s.current).count();
    let rows = list
        .into_iter()
        .map(|s| {
            view! {
                <tr>
                    <td>
                        <span title=s.user_agent.clone()>{s.device.clone()}</span>
                        {s.current.then(|| view! { <span class="badge badge-active">"This session"</span> })}
                    </td>
                    <td class="mono">{s.ip.clone().unwrap_or_else(|| "—".into())}</td>
                    <td class="nowrap">{format_utc(s.created_at)}</td>
                    <td class="nowrap">{format_utc(s.last_seen_at)}</td>
                    <td class="actions">
                        {(!s.current)
                            .then(|| {
                                view! {
                                    <form
                                        method="post"
                                        action={<EndSession as ServerFn>::PATH}
                                        data-enhance=""
                                        data-toast="Session signed out."
                                    >
                                        <input type="hidden" name="id" value=s.id />
                                        <button
                                            class="button secondary small"
                                            type="submit"
                                            aria-label=format!("Sign out {}, last seen {}", s.device, format_utc(s.last_seen_at))
                                        >
                                            "Sign out"
                                        </button>
                                    </form>
                                }
                            })}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Device", "IP address", "Started", "Last seen", ""]>{rows}</DataTable>
        <form
            method="post"
            action={<EndOtherSessions as ServerFn>::PATH}
            data-enhance=""
            data-toast="Your other sessions were signed out."
        >
            <button class="button secondary" type="submit" disabled=others == 0>
                "Sign out all other sessions"
            </button>
        </form>
    }
}
