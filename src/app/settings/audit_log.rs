//! `/settings/audit-log`: every use of the user's tokens and every account
//! event, newest first, filtered and paged through the address bar so a
//! view can be bookmarked and works before the WASM loads.

use crate::app::components::table::DataTable;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use leptos_router::params::ParamsMap;

use super::data::TokensData;
use crate::api::audit::get_audit_page;
use crate::model::audit::{AuditAction, AuditEventView, AuditQuery};
use crate::model::time::format_utc;
use crate::model::url::encode;

fn query_of(map: &ParamsMap) -> AuditQuery {
    let text = |k: &str| map.get(k).unwrap_or_default();
    AuditQuery {
        action: text("action"),
        token_id: map.get("token").and_then(|t| t.parse().ok()),
        from: text("from"),
        to: text("to"),
        before: map.get("before").and_then(|t| t.parse().ok()),
        after: map.get("after").and_then(|t| t.parse().ok()),
    }
}

/// The filters as a query string (no cursors), for links.
fn filters_of(q: &AuditQuery) -> String {
    let mut parts = Vec::new();
    let mut add = |k: &str, v: &str| {
        if !v.is_empty() {
            parts.push(format!("{k}={}", encode(v)));
        }
    };
    add("action", &q.action);
    add(
        "token",
        &q.token_id.map(|t| t.to_string()).unwrap_or_default(),
    );
    add("from", &q.from);
    add("to", &q.to);
    parts.join("&")
}

#[component]
pub fn AuditLogSection() -> impl IntoView {
    // Read once, as a plain value: the page is rendered by the server with
    // its parts in parallel, and a memo that two of them compute at once
    // can be left empty (one part's render then never ends).
    let query = StoredValue::new(query_of(&use_query_map().read_untracked()));
    let page = Resource::new(move || query.get_value(), get_audit_page);
    let tokens = expect_context::<TokensData>().list;

    view! {
        <Title text="Audit log" />
        <h1>"Audit log"</h1>
        <p class="lead">"Every request made with your tokens and every change to your account, newest first."</p>
        <section class="card">
            <form method="get" action="/settings/audit-log" class="filters">
                <div>
                    <label for="filter-action">"Action"</label>
                    <select id="filter-action" name="action">
                        <option value="" selected=move || query.read_value().action.is_empty()>"All actions"</option>
                        {AuditAction::ALL
                            .iter()
                            .map(|a| {
                                let name = a.as_str();
                                view! {
                                    <option value=name selected=move || query.read_value().action == name>
                                        {a.label()}
                                    </option>
                                }
                            })
                            .collect_view()}
                    </select>
                </div>
                <div>
                    <label for="filter-token">"Token"</label>
                    <select id="filter-token" name="token">
                        <option value="">"All tokens"</option>
                        <Transition>
                            {move || Suspend::new(async move {
                                tokens
                                    .await
                                    .map(|p| {
                                        p.tokens
                                            .into_iter()
                                            .map(|t| {
                                                let id = t.id;
                                                let label = t.named();
                                                view! {
                                                    <option
                                                        value=id.to_string()
                                                        selected=move || query.read_value().token_id == Some(id)
                                                    >
                                                        {label}
                                                    </option>
                                                }
                                            })
                                            .collect_view()
                                    })
                                    .ok()
                            })}
                        </Transition>
                    </select>
                </div>
                <div>
                    <label for="filter-from">"From"</label>
                    <input id="filter-from" type="date" name="from" value=move || query.read_value().from.clone() />
                </div>
                <div>
                    <label for="filter-to">"To"</label>
                    <input id="filter-to" type="date" name="to" value=move || query.read_value().to.clone() />
                </div>
                <div class="filter-buttons">
                    <button class="button secondary" type="submit">"Filter"</button>
                    <A href="/settings/audit-log" attr:class="button link">"Clear"</A>
                </div>
            </form>
            <ActiveFilters query=query.get_value() />
            <div class="export">
                <a
                    class="button secondary"
                    href=move || format!("/settings/audit-log/export.csv?{}", filters_of(&query.read_value()))
                    download="audit-log.csv"
                >
                    "Export CSV"
                </a>
                <a
                    class="button secondary"
                    href=move || format!("/settings/audit-log/export.json?{}", filters_of(&query.read_value()))
                    download="audit-log.json"
                >
                    "Export JSON"
                </a>
            </div>
        </section>
        <section class="card">
            <Transition fallback=|| view! { <p class="loading">"Loading events…"</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Ok(p) => {
                            let filters = filters_of(&query.get_value());
                            view! {
                                <EventTable events=p.events />
                                <nav class="pager" aria-label="Pages">
                                    <PageLink
                                        label="Previous page"
                                        href=p.prev_cursor.map(|c| format!("?{filters}&after={c}"))
                                    />
                                    <PageLink
                                        label="Next page"
                                        href=p.next_cursor.map(|c| format!("?{filters}&before={c}"))
                                    />
                                </nav>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// What the list is filtered by, in words ("Showing only: Token created ·
/// CI deploy (ast_…c17R) · from 2026-11-01"), or nothing when unfiltered.
#[component]
fn ActiveFilters(query: AuditQuery) -> impl IntoView {
    let tokens = expect_context::<TokensData>().list;
    let action = AuditAction::ALL
        .iter()
        .find(|a| a.as_str() == query.action)
        .map(|a| a.label().to_owned());
    let token = query.token_id;
    let from = (!query.from.is_empty()).then(|| format!("from {}", query.from));
    let to = (!query.to.is_empty()).then(|| format!("to {}", query.to));
    if action.is_none() && token.is_none() && from.is_none() && to.is_none() {
        return None;
    }
    let words = move || {
        let (action, from, to) = (action.clone(), from.clone(), to.clone());
        Suspend::new(async move {
            let token = match token {
                Some(id) => Some(
                    tokens
                        .await
                        .ok()
                        .and_then(|p| p.tokens.into_iter().find(|t| t.id == id))
                        .map_or_else(|| format!("token #{id}"), |t| t.named()),
                ),
                None => None,
            };
            [action, token, from, to]
                .into_iter()
                .flatten()
                .collect::<Vec<_>>()
                .join(" · ")
        })
    };
    Some(view! {
        <p class="active-filters" role="status">
            "Showing only: " <Transition>{words}</Transition> ". "
            <A href="/settings/audit-log">"Show all events"</A>
        </p>
    })
}

#[component]
fn PageLink(label: &'static str, href: Option<String>) -> impl IntoView {
    match href {
        Some(href) => view! { <A href=href attr:class="button secondary">{label}</A> }.into_any(),
        None => view! { <button class="button secondary" disabled>{label}</button> }.into_any(),
    }
}

#[component]
fn EventTable(events: Vec<AuditEventView>) -> impl IntoView {
    if events.is_empty() {
        return view! { <p class="muted">"No events match."</p> }.into_any();
    }
    let rows = events
        .into_iter()
        .map(|e| {
            let request = e.request().unwrap_or_default();
            view! {
                <tr>
                    <td class="nowrap">{format_utc(e.created_at)}</td>
                    <td>{e.action_label()}</td>
                    <td>
                        {e.token.clone().map(|t| view! { <code class="nowrap">{t}</code> })}
                    </td>
                    <td>
                        <code>{request}</code>
                        {e.status.map(|s| view! { <span class="status">{s}</span> })}
                        {e.detail.clone().map(|d| view! { <span class="detail">{d}</span> })}
                    </td>
                    <td>{e.ip.clone().unwrap_or_default()}</td>
                    <td class="ua" title=e.user_agent.clone().unwrap_or_default()>
                        {e.user_agent.as_deref().map(crate::model::agent::summary).unwrap_or_default()}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <DataTable columns=&["Time (UTC)", "Action", "Token", "Details", "IP", "Client"]>{rows}</DataTable>
    }
    .into_any()
}
