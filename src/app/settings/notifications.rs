//! `/settings/notifications`: which optional mail is sent, and the latest
//! notices with how each was delivered.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::notifications::{get_notifications, SetNotification};
use crate::app::components::table::DataTable;
use crate::model::notice::{Delivery, Kind, NoticeView, NotificationsView};
use crate::model::time::format_utc;

#[component]
pub fn NotificationsSection() -> impl IntoView {
    let data = Resource::new(|| (), |_| get_notifications());
    view! {
        <Title text="Notifications" />
        <h1>"Notifications"</h1>
        <Suspense>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(view) => view! { <Notifications view /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Notifications(view: NotificationsView) -> impl IntoView {
    let switches = view
        .switches
        .into_iter()
        .map(|(kind, on)| view! { <Switch kind on /> })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Mail me when"</h2>
            {(!view.mail_enabled)
                .then(|| {
                    view! {
                        <p class="notice-info">
                            "This server is not set up to send mail: notices are only listed below."
                        </p>
                    }
                })}
            <ul class="switches">{switches}</ul>
            <p class="hint">
                "Security mail is always sent: your password or email address changed, a sign-in from a new browser, your account deleted."
            </p>
        </section>
        <section class="card">
            <h2>"Latest notices"</h2>
            <NoticeList notices=view.notices />
        </section>
    }
}

/// One optional kind: what it is, whether it is mailed, and the button
/// that turns it the other way (a plain form: it works without script).
#[component]
fn Switch(kind: Kind, on: bool) -> impl IntoView {
    let label = if on { "Turn off" } else { "Turn on" };
    let toast = if on {
        "Mail turned off."
    } else {
        "Mail turned on."
    };
    view! {
        <li class="switch-row">
            <span class="switch-text">{kind.describe()}</span>
            <span class=if on { "badge badge-active" } else { "badge badge-off" }>
                {if on { "Mailed" } else { "Not mailed" }}
            </span>
            <form
                method="post"
                action={<SetNotification as ServerFn>::PATH}
                data-enhance=""
                data-toast=toast
            >
                <input type="hidden" name="kind" value=kind.as_str() />
                <input type="hidden" name="mail" value=if on { "false" } else { "true" } />
                <button
                    class="button secondary small"
                    type="submit"
                    aria-label=format!("{label}: {}", kind.describe())
                >
                    {label}
                </button>
            </form>
        </li>
    }
}

#[component]
fn NoticeList(notices: Vec<NoticeView>) -> impl IntoView {
    if notices.is_empty() {
        return view! { <p class="muted">"Nothing yet. Notices about your tokens and your account appear here."</p> }
            .into_any();
    }
    let rows = notices
        .into_iter()
        .map(|n| {
            let delivery = match n.delivery {
                Delivery::Failed => "badge badge-expired",
                Delivery::Sent => "badge badge-active",
                _ => "badge badge-off",
            };
            view! {
                <tr class:unread=!n.read>
                    <td class="nowrap">{format_utc(n.created_at)}</td>
                    <td>
                        {n.summary}
                        {(!n.read).then(|| view! { <span class="badge badge-scope">"New"</span> })}
                    </td>
                    <td>
                        <span class=delivery>{n.delivery.describe()}</span>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! { <DataTable columns=&["When", "What happened", "Mail"]>{rows}</DataTable> }.into_any()
}
