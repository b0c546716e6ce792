//! `/admin/users`: administrators list and search users, create them (with
//! a one-time initial password), edit, disable and enable them; and the
//! platform's **Services** that introspect tokens (create, with the secret
//! shown once; revoke). Anyone else sees "Page not found".

use super::components::table::DataTable;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use super::components::clipboard::CopyButton;
use super::components::dialog::{Dialog, DialogFoot, ModalDialog, OpenDialog};
use super::components::form::{FieldError, FormError};
use super::components::toast::use_toasts;
use crate::api::admin::{
    admin_list_users, AdminCreateUser, AdminRetryMail, AdminSetDisabled, AdminUpdateUser,
};
use crate::app::page::NotFound;
use crate::error::AppError;
use crate::model::account::{AdminUser, AdminUsersPage, CreatedUser};
use crate::model::time::format_date;
use crate::model::url::encode;
use leptos::server_fn::ServerFn;

mod services;
use services::{CreateService, Services};

/// The page. Whether the visitor may see it is the server function's
/// answer: signed out → sign-in, not an administrator → "Page not found".
#[component]
pub fn UsersPage() -> impl IntoView {
    let query = use_query_map();
    let search = query.read_untracked().get("q").unwrap_or_default();
    let page = query
        .read_untracked()
        .get("page")
        .and_then(|p| p.parse::<i64>().ok())
        .unwrap_or(1);
    let users = Resource::new(|| (), {
        let search = search.clone();
        move |_| admin_list_users(search.clone(), page)
    });
    view! {
        <Title text="Users" />
        <Suspense>
            {move || {
                let search = search.clone();
                Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UsersList list search /> }.into_any(),
                        Err(AppError::Unauthorized) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

#[component]
fn UsersList(list: AdminUsersPage, search: String) -> impl IntoView {
    let pages = list.pages();
    let prev = (list.page > 1)
        .then(|| format!("/admin/users?q={}&page={}", encode(&search), list.page - 1));
    let next = (list.page < pages)
        .then(|| format!("/admin/users?q={}&page={}", encode(&search), list.page + 1));
    let summary = match list.total {
        0 if search.trim().is_empty() => "No users yet.".to_owned(),
        0 => format!("No users match “{}”.", search.trim()),
        1 => "1 user".to_owned(),
        n => format!("{n} users · page {} of {pages}", list.page),
    };
    let rows = list
        .users
        .into_iter()
        .map(|user| view! { <UserRow user /> })
        .collect_view();
    let failed = (list.failed_mail > 0).then(|| {
        let count = match list.failed_mail {
            1 => "1 mail could not be delivered.".to_owned(),
            n => format!("{n} mails could not be delivered."),
        };
        view! {
            <section class="card banner-failed" role="status">
                <h2>"Undelivered mail"</h2>
                <p>
                    {count} " The mail server's last answer: "
                    <code>{list.failed_mail_error.clone().unwrap_or_default()}</code>
                </p>
                <form
                    method="post"
                    action={<AdminRetryMail as ServerFn>::PATH}
                    data-enhance=""
                    data-toast="Queued again: the mail goes out within seconds."
                >
                    <button class="button secondary" type="submit">"Retry delivery"</button>
                </form>
            </section>
        }
    });
    view! {
        {failed}
        <Create service=false />
        <section class="card">
            <form class="search-row" method="get" action="/admin/users" role="search">
                <label for="user-search" class="visually-hidden">"Search users"</label>
                <input id="user-search" type="search" name="q" placeholder="Search handle, email or name" value=search />
                <button class="button secondary" type="submit">"Search"</button>
            </form>
            <p class="muted">{summary}</p>
            <DataTable columns=&["Handle", "Name", "Email", "Role", "Status", "Created", ""]>{rows}</DataTable>
            <nav class="pager" aria-label="Pages">
                {prev.map(|h| view! { <a href=h>"Previous page"</a> })}
                {next.map(|h| view! { <a href=h>"Next page"</a> })}
            </nav>
        </section>
        <Services services=list.services>
            <Create service=true />
        </Services>
    }
}

/// **Create user** (with the page's heading) or **Create service**: one
/// island for both, so the Users page's code is loaded once and shared
/// with no other page.
#[island(lazy)]
fn Create(service: bool) -> impl IntoView {
    crate::app::shared::mark_hydrated();
    if service {
        view! { <CreateService /> }.into_any()
    } else {
        view! { <CreateUser /> }.into_any()
    }
}

/// One user: Edit opens the user's own dialog; Disable/Enable is a form.
#[component]
fn UserRow(user: AdminUser) -> impl IntoView {
    let disabled = user.disabled;
    let dialog_id = format!("edit-user-{}", user.id);
    let toast = format!(
        "User {} {}.",
        user.handle,
        if disabled {
            "enabled"
        } else {
            "disabled: their sessions ended and their tokens stopped working"
        }
    );
    view! {
        <tr>
            <td class="mono">{user.handle.clone()}</td>
            <td>{user.display_name.clone()}</td>
            <td>
                {user.email.clone()}
                {(!user.email_verified)
                    .then(|| view! { <span class="badge badge-off" title="Not confirmed by its owner yet">"Unconfirmed"</span> })}
            </td>
            <td>{if user.is_admin { "Administrator" } else { "User" }}</td>
            <td>
                {if disabled {
                    view! { <span class="badge badge-off">"Disabled"</span> }
                } else {
                    view! { <span class="badge badge-active">"Active"</span> }
                }}
            </td>
            <td class="nowrap">{format_date(user.created_at)}</td>
            <td class="row-actions">
                <OpenDialog id=dialog_id.clone() class="button secondary small" label=format!("Edit {}", user.handle)>"Edit"</OpenDialog>
                {if disabled {
                    view! {
                        <form
                            method="post"
                            action={<AdminSetDisabled as ServerFn>::PATH}
                            data-enhance=""
                            data-toast=toast
                            data-focus-after=format!("user-toggle-{}", user.id)
                        >
                            <input type="hidden" name="id" value=user.id />
                            <input type="hidden" name="disabled" value="false" />
                            <button
                                class="button secondary small"
                                type="submit"
                                id=format!("user-toggle-{}", user.id)
                                aria-label=format!("Enable {}", user.handle)
                            >
                                "Enable"
                            </button>
                        </form>
                    }
                    .into_any()
                } else {
                    view! { <DisableUser id=user.id handle=user.handle.clone() toast /> }.into_any()
                }}
                <ModalDialog id=dialog_id.clone() title="Edit user">
                    <EditUserForm user dialog_id />
                </ModalDialog>
            </td>
        </tr>
    }
}

/// **Disable** asks first: what disabling does, then **Disable user**.
#[component]
fn DisableUser(id: i64, handle: String, toast: String) -> impl IntoView {
    let dialog_id = format!("disable-user-{id}");
    view! {
        <OpenDialog
            id=dialog_id.clone()
            class="button secondary small"
            label=format!("Disable {handle}")
            button_id=format!("user-toggle-{id}")
        >
            "Disable"
        </OpenDialog>
        <ModalDialog id=dialog_id.clone() title=format!("Disable {handle}?")>
            <p>
                "They are signed out everywhere, cannot sign in, and their API tokens stop working until the account is enabled again. Nothing is deleted."
            </p>
            <form method="post" action={<AdminSetDisabled as ServerFn>::PATH} data-enhance="" data-toast=toast>
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="disabled" value="true" />
                <DialogFoot id=dialog_id label="Disable user" busy="Disabling…" danger=true />
            </form>
        </ModalDialog>
    }
}

/// The heading with **Create user**: the dialog, then the one-time
/// password, shown once.
#[component]
fn CreateUser() -> impl IntoView {
    let toasts = use_toasts();
    let create = ServerAction::<AdminCreateUser>::new();
    let creating = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedUser>);
    Effect::new(move |_| {
        if let Some(Ok(c)) = create.value().get() {
            creating.set(false);
            toasts.success(format!("User {} created.", c.user.handle));
            created.set(Some(c));
        }
    });
    let created_banner = move || {
        created.get().map(|c| {
            let pw = c.initial_password.clone();
            view! {
                <div class="banner" role="status">
                    <div class="banner-text">
                        <p>
                            <strong>{format!("Initial password for {}: ", c.user.handle)}</strong>
                            <code class="mono" data-testid="initial-password">{pw.clone()}</code>
                        </p>
                        <p>"Shown only now. Give it to them privately; they can change it under Security."</p>
                    </div>
                    <CopyButton value=Signal::derive(move || Some(pw.clone())) />
                    // The list shows the new user once the page is loaded again.
                    <button class="button secondary" type="button" on:click=move |_| crate::app::page::reload()>
                        "Done"
                    </button>
                </div>
            }
        })
    };
    view! {
        <div class="page-head">
            <h1>"Users"</h1>
            <button class="button primary" type="button" on:click=move |_| creating.set(true)>
                "Create user"
            </button>
        </div>
        {created_banner}
        <Dialog open=creating id="create-user" title="Create user">
            <CreateUserForm create creating />
        </Dialog>
    }
}

#[component]
fn CreateUserForm(
    create: ServerAction<AdminCreateUser>,
    creating: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    // Read from the form itself: a typed form decoder would cost the WASM
    // far more than these few lines.
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        #[cfg(feature = "hydrate")]
        {
            use wasm_bindgen::JsCast;
            let Some(data) = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok())
                .and_then(|f| web_sys::FormData::new_with_form(&f).ok())
            else {
                return;
            };
            let get = |name: &str| data.get(name).as_string().unwrap_or_default();
            create.dispatch(AdminCreateUser {
                handle: get("handle"),
                email: get("email"),
                first_name: get("first_name"),
                last_name: get("last_name"),
                role: get("role"),
            });
        }
    };
    view! {
        <form class="form" on:submit=on_submit>
            <div class="form-grid">
                <div>
                    <label for="new-handle">"Handle"</label>
                    <input id="new-handle" name="handle" type="text" maxlength="39" required />
                    <FieldError error field="handle" />
                </div>
                <div>
                    <label for="new-email">"Email"</label>
                    <input id="new-email" name="email" type="email" maxlength="254" required />
                    <FieldError error field="email" />
                </div>
                <div>
                    <label for="new-first">"First name"</label>
                    <input id="new-first" name="first_name" type="text" maxlength="100" required />
                    <FieldError error field="first_name" />
                </div>
                <div>
                    <label for="new-last">"Last name"</label>
                    <input id="new-last" name="last_name" type="text" maxlength="100" required />
                    <FieldError error field="last_name" />
                </div>
                <div>
                    <label for="new-role">"Role"</label>
                    <select id="new-role" name="role">
                        <option value="user" selected>"User"</option>
                        <option value="admin">"Administrator"</option>
                    </select>
                    <FieldError error field="role" />
                </div>
            </div>
            <FormError error />
            <div class="dialog-actions">
                <button class="button secondary" type="button" on:click=move |_| creating.set(false)>
                    "Cancel"
                </button>
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || create.pending().get()
                    aria-busy=move || create.pending().get().to_string()
                >
                    "Create"
                </button>
            </div>
        </form>
    }
}

#[component]
fn EditUserForm(user: AdminUser, dialog_id: String) -> impl IntoView {
    let role = if user.is_admin { "admin" } else { "user" };
    let id = user.id;
    let f = move |name: &str| format!("edit-{id}-{name}");
    let toast = format!("User {} saved.", user.handle);
    view! {
        <p class="muted">{format!("Editing {}", user.handle)}</p>
        <form class="form" method="post" action={<AdminUpdateUser as ServerFn>::PATH} data-enhance="" data-toast=toast>
            <input type="hidden" name="id" value=id />
            <div class="form-grid">
                <div>
                    <label for=f("first")>"First name"</label>
                    <input id=f("first") name="first_name" type="text" maxlength="100" value=user.first_name />
                </div>
                <div>
                    <label for=f("last")>"Last name"</label>
                    <input id=f("last") name="last_name" type="text" maxlength="100" value=user.last_name />
                </div>
                <div>
                    <label for=f("display")>"Display name"</label>
                    <input id=f("display") name="display_name" type="text" maxlength="100" value=user.display_name />
                </div>
                <div>
                    <label for=f("email")>"Email"</label>
                    <input id=f("email") name="email" type="email" maxlength="254" value=user.email />
                </div>
                <div>
                    <label for=f("role")>"Role"</label>
                    <select id=f("role") name="role">
                        <option value="user" selected=role == "user">"User"</option>
                        <option value="admin" selected=role == "admin">"Administrator"</option>
                    </select>
                </div>
            </div>
            <DialogFoot id=dialog_id label="Save" busy="Saving…" />
        </form>
    }
}
