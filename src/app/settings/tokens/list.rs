//! The saved tokens: status, live expiry warning, last use, and each row's
//! **Token actions** menu.

use leptos::prelude::*;

use crate::api::tokens::SetTokenActive;
use crate::app::components::menu::{MenuButton, MenuItem};
use crate::app::shared;
use crate::model::time::{format_date, format_utc};
use crate::model::token::{TokenPolicy, TokenStatus, TokenView};

/// The saved tokens.
#[component]
pub(super) fn TokenList(
    tokens: Vec<TokenView>,
    policy: TokenPolicy,
    server_now: i64,
    toggle: ServerAction<SetTokenActive>,
    ask_delete: Callback<TokenView>,
) -> impl IntoView {
    let clock = shared::clock();
    // The browser's clock, but never behind the server's reading of the list.
    let now = move || clock.get().map_or(server_now, |c| c.max(server_now));
    if tokens.is_empty() {
        return view! {
            <section class="card">
                <h2>"Your tokens"</h2>
                <p class="muted">"You have no tokens yet."</p>
            </section>
        }
        .into_any();
    }
    let rows = tokens
        .into_iter()
        .map(|t| {
            let row = t.clone();
            let expires = {
                let t = t.clone();
                move || match t.expires_at {
                    None => view! { <span>"Never"</span> }.into_any(),
                    Some(at) => {
                        let n = now();
                        let note = if t.status(n) == TokenStatus::Expired {
                            Some(("Expired".to_owned(), "badge badge-expired"))
                        } else {
                            t.warning(n, policy.warning_days).map(|w| (w, "warning"))
                        };
                        view! {
                            <span>{format_date(at)}</span>
                            {note.map(|(text, class)| view! { <span class=class>{text}</span> })}
                        }
                        .into_any()
                    }
                }
            };
            let status = {
                let t = t.clone();
                move || {
                    let s = t.status(now());
                    let class = match s {
                        TokenStatus::Active => "badge badge-active",
                        TokenStatus::Deactivated => "badge badge-off",
                        TokenStatus::Expired => "badge badge-expired",
                    };
                    view! { <span class=class>{s.label()}</span> }
                }
            };
            let last_used = match (t.last_used_at, t.last_used_ip.clone()) {
                (Some(at), Some(ip)) => format!("{} from {ip}", format_utc(at)),
                (Some(at), None) => format_utc(at),
                _ => "Never used".to_owned(),
            };
            let items = {
                let t = t.clone();
                Signal::derive(move || {
                    let mut items = Vec::new();
                    let expired = t.status(now()) == TokenStatus::Expired;
                    if t.deactivated && !expired {
                        let id = t.id;
                        items.push(MenuItem {
                            label: "Activate".into(),
                            danger: false,
                            on_select: Callback::new(move |_| {
                                toggle.dispatch(SetTokenActive { id, active: true });
                            }),
                        });
                    } else if !t.deactivated && !expired {
                        let id = t.id;
                        items.push(MenuItem {
                            label: "Deactivate".into(),
                            danger: false,
                            on_select: Callback::new(move |_| {
                                toggle.dispatch(SetTokenActive { id, active: false });
                            }),
                        });
                    }
                    let row = t.clone();
                    items.push(MenuItem {
                        label: "Delete".into(),
                        danger: true,
                        on_select: Callback::new(move |_| ask_delete.run(row.clone())),
                    });
                    items
                })
            };
            view! {
                <tr>
                    <td>
                        {if row.name.is_empty() {
                            view! { <span class="muted">"Unnamed"</span> }.into_any()
                        } else {
                            view! { <span>{row.name.clone()}</span> }.into_any()
                        }}
                    </td>
                    <td>
                        <code>{row.masked()}</code>
                    </td>
                    <td>{format_date(row.created_at)}</td>
                    <td class="expires">{expires}</td>
                    <td>{last_used}</td>
                    <td>{status}</td>
                    <td class="actions">
                        <MenuButton label="Token actions" items>
                            "⋯"
                        </MenuButton>
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card">
            <h2>"Your tokens"</h2>
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th scope="col">"Name"</th>
                            <th scope="col">"Token"</th>
                            <th scope="col">"Created"</th>
                            <th scope="col">"Expires"</th>
                            <th scope="col">"Last used"</th>
                            <th scope="col">"Status"</th>
                            <th scope="col">
                                <span class="visually-hidden">"Actions"</span>
                            </th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
