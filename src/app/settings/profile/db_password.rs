//! The workspace database password: the connection string, masked, with
//! **Reveal**, **Copy to Clipboard** and **Rotate Password**.

use leptos::prelude::*;

use crate::api::profile::{get_db_connection, RotateDbPassword};
use crate::app::components::clipboard::CopyButton;
use crate::app::components::dialog::Dialog;
use crate::app::components::toast::use_toasts;
use crate::error::AppError;
use crate::model::account::DbConnection;

#[island(lazy)]
pub(super) fn DbPasswordCard() -> impl IntoView {
    crate::app::shared::mark_hydrated();
    let toasts = use_toasts();
    // Fetched by the browser once the card is interactive: the password
    // never sits in the page's HTML.
    let loaded = RwSignal::new(None::<Result<DbConnection, AppError>>);
    Effect::new(move |_| {
        leptos::task::spawn_local(async move {
            loaded.set(Some(get_db_connection().await));
        });
    });
    let rotate = ServerAction::<RotateDbPassword>::new();
    let confirm = RwSignal::new(false);
    let revealed = RwSignal::new(false);
    // The newest connection string: the loaded one until a rotation.
    let current = RwSignal::new(None::<DbConnection>);

    Effect::new(move |_| match rotate.value().get() {
        Some(Ok(c)) => {
            current.set(Some(c));
            revealed.set(true);
            confirm.set(false);
            toasts.success("Database password rotated. The old password no longer works.");
        }
        Some(Err(e)) => {
            confirm.set(false);
            toasts.error(e.to_string());
        }
        None => {}
    });

    view! {
        <section class="card">
            <h2>"Database password"</h2>
            <p class="lead">
                "Use this connection string to reach your workspace database. Keep it secret: anyone with it can connect as you."
            </p>
            {move || {
                    match loaded.get() {
                        None => view! { <p class="loading">"Loading…"</p> }.into_any(),
                        Some(Err(e)) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                        Some(Ok(first)) => {
                            let conn = move || current.get().unwrap_or_else(|| first.clone());
                            let full = Signal::derive({
                                let conn = conn.clone();
                                move || Some(conn().full)
                            });
                            view! {
                                <label for="db-connection">"Connection string"</label>
                                <div class="token-row">
                                    <input
                                        id="db-connection"
                                        class="mono"
                                        type="text"
                                        readonly
                                        spellcheck="false"
                                        autocomplete="off"
                                        prop:value=move || {
                                            let c = conn();
                                            if revealed.get() { c.full } else { c.masked }
                                        }
                                    />
                                    <button
                                        type="button"
                                        class="button secondary"
                                        on:click=move |_| revealed.update(|r| *r = !*r)
                                    >
                                        {move || if revealed.get() { "Hide" } else { "Reveal" }}
                                    </button>
                                    <CopyButton value=full />
                                    <button
                                        type="button"
                                        class="button secondary"
                                        on:click=move |_| confirm.set(true)
                                    >
                                        "Rotate Password"
                                    </button>
                                </div>
                            }
                                .into_any()
                        }
                    }
                }}
        </section>
        <Dialog open=confirm id="rotate-db" title="Rotate database password?">
            <p>
                "A new password is made at once and the current one stops working: connections and tools using it must be updated."
            </p>
            <div class="dialog-actions">
                <button class="button secondary" type="button" on:click=move |_| confirm.set(false)>
                    "Cancel"
                </button>
                <button
                    class="button danger"
                    type="button"
                    disabled=move || rotate.pending().get()
                    aria-busy=move || rotate.pending().get().to_string()
                    on:click=move |_| {
                        rotate.dispatch(RotateDbPassword {});
                    }
                >
                    "Confirm"
                </button>
            </div>
        </Dialog>
    }
}
