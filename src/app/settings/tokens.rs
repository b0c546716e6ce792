//! `/settings/tokens`: generate, save, list, deactivate and delete tokens.

use leptos::prelude::*;
use leptos_meta::Title;

use super::{use_clock, TokensData};
use crate::api::tokens::{DeleteToken, GenerateToken, SaveToken, SetTokenActive};
use crate::app::auth::FieldError;
use crate::app::components::clipboard::CopyButton;
use crate::app::components::dialog::Dialog;
use crate::app::components::menu::{MenuButton, MenuItem};
use crate::app::components::toast::use_toasts;
use crate::error::AppError;
use crate::model::time::{format_date, format_utc};
use crate::model::token::{
    TokenPolicy, TokenStatus, TokenView, TokensPage, DEFAULT_EXPIRY, EXPIRY_CHOICES,
};

/// What the page keeps while it is open, whatever the list reloads.
#[derive(Clone, Copy)]
struct PageState {
    /// The token in the field: generated, maybe saved, gone when the page is left.
    secret: RwSignal<Option<String>>,
    /// Whether the token in the field has been saved.
    saved: RwSignal<bool>,
    to_delete: RwSignal<Option<TokenView>>,
    dialog_open: RwSignal<bool>,
    generate: ServerAction<GenerateToken>,
    save: ServerAction<SaveToken>,
    toggle: ServerAction<SetTokenActive>,
    delete: ServerAction<DeleteToken>,
}

#[component]
pub fn TokensSection() -> impl IntoView {
    let data = expect_context::<TokensData>();
    let toasts = use_toasts();
    let st = PageState {
        secret: RwSignal::new(None),
        saved: RwSignal::new(false),
        to_delete: RwSignal::new(None),
        dialog_open: RwSignal::new(false),
        generate: ServerAction::new(),
        save: ServerAction::new(),
        toggle: ServerAction::new(),
        delete: ServerAction::new(),
    };
    let reload = move || data.version.update(|v| *v += 1);

    Effect::new(move |_| match st.generate.value().get() {
        Some(Ok(t)) => {
            st.secret.set(Some(t.secret));
            st.saved.set(false);
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match st.save.value().get() {
        Some(Ok(t)) => {
            st.saved.set(true);
            toasts.success(format!(
                "Token {} saved. Copy it now: it will not be shown again.",
                t.masked()
            ));
            reload();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match st.toggle.value().get() {
        Some(Ok(t)) => {
            let what = if t.deactivated {
                "deactivated"
            } else {
                "activated"
            };
            toasts.success(format!("Token {} {what}.", t.masked()));
            reload();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    Effect::new(move |_| match st.delete.value().get() {
        Some(Ok(())) => {
            st.dialog_open.set(false);
            st.secret.set(None);
            st.saved.set(false);
            toasts.success("Token deleted. It no longer works.");
            reload();
        }
        Some(Err(e)) => {
            st.dialog_open.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });

    view! {
        <Title text="API tokens" />
        <h1>"API tokens"</h1>
        <p class="lead">
            "Tokens let scripts and integrations use the REST API as you. Send one as "
            <code>"Authorization: Bearer <token>"</code> "."
        </p>
        <Transition fallback=|| view! { <p class="loading">"Loading tokens…"</p> }>
            {move || Suspend::new(async move {
                match data.list.await {
                    Ok(page) => view! { <TokensView page st /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
        <Dialog open=st.dialog_open id="delete-token" title="Delete API token?">
            <p>
                "Deleting an API token is permanent. Anything using "
                <code>{move || st.to_delete.get().map(|t| t.masked()).unwrap_or_default()}</code>
                " stops working at once."
            </p>
            <div class="dialog-actions">
                <button
                    class="button secondary"
                    type="button"
                    on:click=move |_| st.dialog_open.set(false)
                >
                    "Cancel"
                </button>
                <button
                    class="button danger"
                    type="button"
                    disabled=move || st.delete.pending().get()
                    aria-busy=move || st.delete.pending().get().to_string()
                    on:click=move |_| {
                        if let Some(t) = st.to_delete.get_untracked() {
                            st.delete.dispatch(DeleteToken { id: t.id });
                        }
                    }
                >
                    "Confirm"
                </button>
            </div>
        </Dialog>
    }
}

/// The form and the list, for one load of the list.
#[component]
fn TokensView(page: TokensPage, st: PageState) -> impl IntoView {
    let policy = page.policy;
    let at_limit = page.at_limit();
    let server_now = page.now;
    let save_error = Signal::derive(move || st.save.value().get().and_then(Result::err));
    let ask_delete = Callback::new(move |t: TokenView| {
        st.to_delete.set(Some(t));
        st.dialog_open.set(true);
    });
    view! {
        <NewToken
            policy
            at_limit
            server_now
            secret=st.secret
            saved=st.saved
            generate=st.generate
            save=st.save
            save_error
        />
        <TokenList tokens=page.tokens policy server_now toggle=st.toggle ask_delete />
    }
}

/// The *API token* field, Generate, Expiration Date, Name and Save.
#[component]
fn NewToken(
    policy: TokenPolicy,
    at_limit: bool,
    server_now: i64,
    secret: RwSignal<Option<String>>,
    saved: RwSignal<bool>,
    generate: ServerAction<GenerateToken>,
    save: ServerAction<SaveToken>,
    save_error: Signal<Option<AppError>>,
) -> impl IntoView {
    let revealed = RwSignal::new(false);
    let expiry = RwSignal::new(DEFAULT_EXPIRY.to_owned());
    let expires_on = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let clock = use_clock();

    let expiry_hint = move || {
        let now = clock.get().map_or(server_now, |c| c.max(server_now));
        let choice = crate::model::token::Expiry::parse(&expiry.get(), &expires_on.get());
        match choice.and_then(|c| c.resolve(now, &policy)) {
            Ok(Some(at)) => format!("The token will expire on {}.", format_utc(at)),
            Ok(None) => "The token will never expire.".to_owned(),
            Err(e) => e.to_string(),
        }
    };
    let max_date = format_date(server_now + i64::from(policy.max_lifetime_days) * 86_400);
    let min_date = format_date(server_now + 86_400);
    let can_save = move || secret.get().is_some() && !saved.get() && !save.pending().get();
    let on_save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(s) = secret.get_untracked() else {
            return;
        };
        save.dispatch(SaveToken {
            secret: s,
            name: name.get_untracked(),
            expiry: expiry.get_untracked(),
            expires_on: expires_on.get_untracked(),
        });
    };

    view! {
        <section class="card">
            <h2>"New token"</h2>
            <form class="form" on:submit=on_save>
                <label for="api-token">"API token"</label>
                <div class="token-row">
                    <input
                        id="api-token"
                        class="mono"
                        type=move || if revealed.get() { "text" } else { "password" }
                        readonly
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="Press Generate to create a token"
                        prop:value=move || secret.get().unwrap_or_default()
                        aria-describedby="api-token-hint secret-error"
                    />
                    <button
                        type="button"
                        class="button secondary"
                        aria-pressed=move || revealed.get().to_string()
                        disabled=move || secret.get().is_none()
                        on:click=move |_| revealed.update(|r| *r = !*r)
                    >
                        "Reveal"
                    </button>
                    <CopyButton value=Signal::derive(move || secret.get()) />
                    <button
                        type="button"
                        class="button secondary"
                        disabled=move || at_limit || generate.pending().get()
                        aria-busy=move || generate.pending().get().to_string()
                        on:click=move |_| {
                            generate.dispatch(GenerateToken {});
                        }
                    >
                        "Generate"
                    </button>
                </div>
                <FieldError error=save_error field="secret" />
                <p class="hint" id="api-token-hint">
                    {move || {
                        if saved.get() {
                            "Saved. This is the only time the whole token is shown: copy it now. Once you leave this page only its prefix and last four characters are shown."
                        } else if secret.get().is_some() {
                            "Not valid yet: choose an expiration date and press Save. The whole token is shown only until you leave this page."
                        } else {
                            "A token is shown in full only until you leave this page; afterwards only its prefix and last four characters are shown."
                        }
                    }}
                </p>
                {at_limit
                    .then(|| {
                        view! {
                            <p class="notice" role="status">
                                {crate::model::token::limit_notice(policy.max_per_user)}
                            </p>
                        }
                    })}
                <div class="form-grid">
                    <div>
                        <label for="token-expiry">"Expiration Date"</label>
                        <select
                            id="token-expiry"
                            name="expiry"
                            on:change=move |ev| expiry.set(event_target_value(&ev))
                            prop:value=move || expiry.get()
                        >
                            {EXPIRY_CHOICES
                                .iter()
                                .map(|(value, label)| {
                                    view! {
                                        <option value=*value selected=*value == DEFAULT_EXPIRY>
                                            {*label}
                                        </option>
                                    }
                                })
                                .collect_view()}
                            <option value="custom">"Custom…"</option>
                            {policy
                                .allow_non_expiring
                                .then(|| view! { <option value="never">"No expiration"</option> })}
                        </select>
                        <FieldError error=save_error field="expiry" />
                    </div>
                    <Show when=move || expiry.get() == "custom">
                        <div>
                            <label for="token-expires-on">"Custom expiration date"</label>
                            <input
                                id="token-expires-on"
                                type="date"
                                min=min_date.clone()
                                max=max_date.clone()
                                bind:value=expires_on
                            />
                            <FieldError error=save_error field="expires_on" />
                        </div>
                    </Show>
                    <div>
                        <label for="token-name">"Name (optional)"</label>
                        <input
                            id="token-name"
                            type="text"
                            maxlength="100"
                            placeholder="e.g. CI deploy"
                            bind:value=name
                        />
                        <FieldError error=save_error field="name" />
                    </div>
                </div>
                <p class="hint">{expiry_hint}</p>
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || !can_save()
                    aria-busy=move || save.pending().get().to_string()
                >
                    {move || if save.pending().get() { "Saving…" } else { "Save" }}
                </button>
            </form>
        </section>
    }
}

/// The saved tokens.
#[component]
fn TokenList(
    tokens: Vec<TokenView>,
    policy: TokenPolicy,
    server_now: i64,
    toggle: ServerAction<SetTokenActive>,
    ask_delete: Callback<TokenView>,
) -> impl IntoView {
    let clock = use_clock();
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
