//! **Services** on the Users page: the platform's services that introspect
//! tokens, each with its credential (made with the secret shown once,
//! revoked with a confirmation).

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::admin::{AdminCreateService, AdminRevokeService};
use crate::app::components::clipboard::CopyButton;
use crate::app::components::dialog::{DialogFoot, ModalDialog, OpenDialog};
use crate::app::components::form::FieldError;
use crate::app::components::table::DataTable;
use crate::model::service::{CreatedService, ServiceView};
use crate::model::time::format_date;

/// The platform's services: what may ask `POST /oauth/introspect` about a
/// token, each with its own credential.
#[component]
pub(super) fn Services(
    services: Vec<ServiceView>,
    /// **Create service** (the Users page's island).
    children: Children,
) -> impl IntoView {
    let empty = services.is_empty();
    let rows = services
        .into_iter()
        .map(|s| {
            let when = |t: Option<i64>| t.map_or_else(|| "Never".to_owned(), format_date);
            let status = if s.revoked_at.is_some() { "Revoked" } else { "Active" };
            let name = s.name.clone();
            let revoke = s.revoked_at.is_none().then(move || {
                let s = (s.id, name);
                let dialog_id = format!("revoke-service-{}", s.0);
                view! {
                    <OpenDialog
                        id=dialog_id.clone()
                        class="button secondary small"
                        label=format!("Revoke {}", s.1)
                        button_id=format!("service-revoke-{}", s.0)
                    >
                        "Revoke"
                    </OpenDialog>
                    <ModalDialog id=dialog_id.clone() title=format!("Revoke {}?", s.1)>
                        <p>"Its introspection requests are refused from now on. The tokens it checked keep working elsewhere."</p>
                        <form method="post" action={<AdminRevokeService as ServerFn>::PATH} data-enhance="" data-toast=format!("Service {} revoked.", s.1)>
                            <input type="hidden" name="id" value=s.0 />
                            <DialogFoot id=dialog_id label="Revoke service" busy="Revoking…" danger=true />
                        </form>
                    </ModalDialog>
                }
            });
            view! {
                <tr>
                    <td>{s.name.clone()}</td>
                    <td><code>{s.client_id}</code></td>
                    <td>{format_date(s.created_at)}</td>
                    <td>{when(s.last_used_at)}</td>
                    <td>{status}</td>
                    <td>{revoke}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <section class="card" aria-labelledby="services-heading">
            <h2 id="services-heading">"Services"</h2>
            <p class="muted">
                "Services of the platform that hold a token and ask "
                <code>"POST /oauth/introspect"</code>
                " what it is, with HTTP Basic: the client id and secret."
            </p>
            {children()}
            {(!empty).then(|| view! {
                <DataTable columns=&["Name", "Client id", "Created", "Last used", "Status", ""]>{rows}</DataTable>
            })}
        </section>
    }
}

/// **Create service**: a name, then the credential, shown once.
#[component]
pub(super) fn CreateService() -> impl IntoView {
    let create = ServerAction::<AdminCreateService>::new();
    let name = RwSignal::new(String::new());
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    let created = move || create.value().get().and_then(Result::ok);
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if !create.pending().get_untracked() {
            create.dispatch(AdminCreateService {
                name: name.get_untracked(),
            });
        }
    };
    view! {
        {move || created().map(|c: CreatedService| {
            let secret = c.secret.clone();
            view! {
                <div class="banner" role="status">
                    <div class="banner-text">
                        <p><strong>{format!("Credential of {}", c.service.name)}</strong></p>
                        <p>"Client id: " <code class="mono" data-testid="service-client-id">{c.service.client_id}</code></p>
                        <p>"Secret: " <code class="mono" data-testid="service-secret">{c.secret}</code></p>
                        <p>"Shown only now: store it with the service."</p>
                    </div>
                    <CopyButton value=Signal::derive(move || Some(secret.clone())) />
                    <button class="button secondary" type="button" on:click=move |_| crate::app::page::reload()>
                        "Done"
                    </button>
                </div>
            }
        })}
        <form class="search-row" on:submit=on_submit>
            <label for="service-name">"Service name"</label>
            <input id="service-name" name="name" type="text" maxlength="64" placeholder="e.g. billing-api" required bind:value=name />
            <button class="button primary" type="submit" aria-busy=move || create.pending().get().to_string()>
                "Create service"
            </button>
        </form>
        <FieldError error field="name" />
    }
}
