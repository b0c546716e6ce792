//! `/settings/tokens`: generate, save, list, deactivate and delete tokens.

use leptos::prelude::*;
use leptos_meta::Title;

mod list;
mod new_token;

use super::{ExpiryNotice, TokensData};
use crate::api::tokens::{list_tokens, DeleteToken, GenerateToken, SaveToken, SetTokenActive};
use crate::app::shared::mark_hydrated;
use crate::app::components::dialog::Dialog;
use crate::app::components::toast::use_toasts;
use crate::model::token::{TokenView, TokensPage};
use list::TokenList;
use new_token::NewToken;

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

/// The page: the server renders it with the list it loaded for the
/// settings layout; [`TokensPanel`] makes it interactive.
#[component]
pub fn TokensSection() -> impl IntoView {
    let data = expect_context::<TokensData>();
    view! {
        <Title text="API tokens" />
        <Suspense>
            {move || Suspend::new(async move {
                match data.list.await {
                    Ok(page) => view! { <TokensPanel page /> }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[island]
fn TokensPanel(page: TokensPage) -> impl IntoView {
    mark_hydrated();
    let list = RwSignal::new(page);
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
    let reload = move || {
        leptos::task::spawn_local(async move {
            match list_tokens().await {
                Ok(page) => list.set(page),
                Err(e) => toasts.error(e.to_string()),
            }
        });
    };

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
        <ExpiryNotice page=list />
        <h1>"API tokens"</h1>
        <p class="lead">
            "Tokens let scripts and integrations use the REST API as you. Send one as "
            <code>"Authorization: Bearer <token>"</code> "."
        </p>
        {move || view! { <TokensView page=list.get() st /> }}
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
