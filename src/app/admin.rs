//! `/admin/users`: administrators list and search users, create them (with
//! a one-time initial password), edit, disable and enable them. Anyone else
//! sees "Page not found".

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Redirect;
use leptos_router::hooks::use_query_map;

use super::auth::{FieldError, FormError};
use super::components::clipboard::CopyButton;
use super::components::dialog::Dialog;
use super::components::toast::use_toasts;
use super::NotFound;
use crate::api::admin::{admin_list_users, AdminCreateUser, AdminSetDisabled, AdminUpdateUser};
use crate::error::AppError;
use crate::model::account::{AdminUser, AdminUsersPage, CreatedUser};
use crate::model::time::format_date;
use crate::model::url::encode;

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
    let users = Resource::new(
        move || (),
        {
            let search = search.clone();
            move |_| admin_list_users(search.clone(), page)
        },
    );
    view! {
        <Title text="Users" />
        <Suspense>
            {move || {
                let search = search.clone();
                Suspend::new(async move {
                    match users.await {
                        Ok(list) => view! { <UsersPanel list search /> }.into_any(),
                        Err(AppError::Unauthorized) => view! { <Redirect path="/login" /> }.into_any(),
                        Err(AppError::NotFound(_)) => view! { <NotFound /> }.into_any(),
                        Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}

/// The list, the search, and the create, edit and disable actions.
#[island]
fn UsersPanel(list: AdminUsersPage, search: String) -> impl IntoView {
    crate::app::shared::mark_hydrated();
    let toasts = use_toasts();
    let page = list.page;
    let list = RwSignal::new(list);
    let create = ServerAction::<AdminCreateUser>::new();
    let update = ServerAction::<AdminUpdateUser>::new();
    let toggle = ServerAction::<AdminSetDisabled>::new();
    let creating = RwSignal::new(false);
    let editing = RwSignal::new(None::<AdminUser>);
    let edit_open = RwSignal::new(false);
    let created = RwSignal::new(None::<CreatedUser>);
    let reload = {
        let search = search.clone();
        move || {
            let search = search.clone();
            leptos::task::spawn_local(async move {
                match admin_list_users(search, page).await {
                    Ok(p) => list.set(p),
                    Err(e) => toasts.error(e.to_string()),
                }
            });
        }
    };

    Effect::new({
        let reload = reload.clone();
        move |_| {
            if let Some(Ok(c)) = create.value().get() {
                creating.set(false);
                toasts.success(format!("User {} created.", c.user.handle));
                created.set(Some(c));
                reload();
            }
        }
    });
    Effect::new({
        let reload = reload.clone();
        move |_| {
            if let Some(Ok(u)) = update.value().get() {
                edit_open.set(false);
                toasts.success(format!("User {} saved.", u.handle));
                // It may have been yourself (name, role): the header follows.
                crate::app::shared::refresh_me();
                reload();
            }
        }
    });
    Effect::new(move |_| match toggle.value().get() {
        Some(Ok(u)) => {
            toasts.success(format!(
                "User {} {}.",
                u.handle,
                if u.disabled {
                    "disabled: their sessions ended and their tokens stopped working"
                } else {
                    "enabled"
                }
            ));
            reload();
        }
        Some(Err(e)) => toasts.error(e.to_string()),
        None => {}
    });
    let ask_edit = Callback::new(move |u: AdminUser| {
        // A failure shown for the last user edited is not this one's.
        update.value().set(None);
        editing.set(Some(u));
        edit_open.set(true);
    });

    let created_banner = move || {
        created.get().map(|c| {
            let pw = c.initial_password.clone();
            view! {
                <div class="banner" role="status">
                    <p>
                        <strong>{format!("Initial password for {}: ", c.user.handle)}</strong>
                        <code class="mono" data-testid="initial-password">{pw.clone()}</code>
                    </p>
                    <p>"Shown only now. Give it to them privately; they can change it under Security."</p>
                    <CopyButton value=Signal::derive(move || Some(pw.clone())) />
                    <button class="button secondary" type="button" on:click=move |_| created.set(None)>
                        "Done"
                    </button>
                </div>
            }
        })
    };

    let table = move || {
        let p = list.get();
        let pages = p.pages();
        let prev = (p.page > 1).then(|| format!("/admin/users?q={}&page={}", encode(&search), p.page - 1));
        let next = (p.page < pages).then(|| format!("/admin/users?q={}&page={}", encode(&search), p.page + 1));
        let rows = p.users.into_iter().map(|u| view! { <UserRow user=u toggle ask_edit /> }).collect_view();
        view! {
            <section class="card">
                <form class="search-row" method="get" action="/admin/users" role="search">
                    <label for="user-search" class="visually-hidden">"Search users"</label>
                    <input id="user-search" type="search" name="q" placeholder="Search handle, e-mail or name" value=search.clone() />
                    <button class="button secondary" type="submit">"Search"</button>
                </form>
                <p class="muted">{format!("{} user(s) · page {} of {}", p.total, p.page, pages)}</p>
                <div class="table-wrap">
                    <table class="table">
                        <thead>
                            <tr>
                                <th scope="col">"Handle"</th>
                                <th scope="col">"Name"</th>
                                <th scope="col">"Email"</th>
                                <th scope="col">"Role"</th>
                                <th scope="col">"Status"</th>
                                <th scope="col">"Created"</th>
                                <th scope="col"><span class="visually-hidden">"Actions"</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <nav class="pager" aria-label="Pages">
                    {prev.map(|h| view! { <a href=h>"Previous page"</a> })}
                    {next.map(|h| view! { <a href=h>"Next page"</a> })}
                </nav>
            </section>
        }
    };

    view! {
        <div class="page-head">
            <h1>"Users"</h1>
            <button class="button primary" type="button" on:click=move |_| creating.set(true)>
                "Create user"
            </button>
        </div>
        {created_banner}
        {table}
        <Dialog open=creating id="create-user" title="Create user">
            <CreateUserForm create />
        </Dialog>
        <Dialog open=edit_open id="edit-user" title="Edit user">
            {move || editing.get().map(|u| view! { <EditUserForm user=u update open=edit_open /> })}
        </Dialog>
    }
}

#[component]
fn UserRow(
    user: AdminUser,
    toggle: ServerAction<AdminSetDisabled>,
    ask_edit: Callback<AdminUser>,
) -> impl IntoView {
    let id = user.id;
    let disabled = user.disabled;
    let row = user.clone();
    view! {
        <tr>
            <td class="mono">{user.handle.clone()}</td>
            <td>{user.display_name.clone()}</td>
            <td>{user.email.clone()}</td>
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
                <button class="button secondary small" type="button" on:click=move |_| ask_edit.run(row.clone())>
                    "Edit"
                </button>
                <button
                    class="button secondary small"
                    type="button"
                    disabled=move || toggle.pending().get()
                    on:click=move |_| {
                        toggle.dispatch(AdminSetDisabled { id, disabled: !disabled });
                    }
                >
                    {if disabled { "Enable" } else { "Disable" }}
                </button>
            </td>
        </tr>
    }
}

#[component]
fn CreateUserForm(create: ServerAction<AdminCreateUser>) -> impl IntoView {
    let error = Signal::derive(move || create.value().get().and_then(Result::err));
    view! {
        <ActionForm action=create attr:class="form">
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
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || create.pending().get()
                    aria-busy=move || create.pending().get().to_string()
                >
                    "Create"
                </button>
            </div>
        </ActionForm>
    }
}

#[component]
fn EditUserForm(
    user: AdminUser,
    update: ServerAction<AdminUpdateUser>,
    open: RwSignal<bool>,
) -> impl IntoView {
    let error = Signal::derive(move || update.value().get().and_then(Result::err));
    let role = if user.is_admin { "admin" } else { "user" };
    view! {
        <p class="muted">{format!("Editing {}", user.handle)}</p>
        <ActionForm action=update attr:class="form">
            <input type="hidden" name="id" value=user.id />
            <div class="form-grid">
                <div>
                    <label for="edit-first">"First name"</label>
                    <input id="edit-first" name="first_name" type="text" maxlength="100" value=user.first_name.clone() />
                    <FieldError error field="first_name" />
                </div>
                <div>
                    <label for="edit-last">"Last name"</label>
                    <input id="edit-last" name="last_name" type="text" maxlength="100" value=user.last_name.clone() />
                    <FieldError error field="last_name" />
                </div>
                <div>
                    <label for="edit-display">"Display name"</label>
                    <input id="edit-display" name="display_name" type="text" maxlength="100" value=user.display_name.clone() />
                    <FieldError error field="display_name" />
                </div>
                <div>
                    <label for="edit-email">"Email"</label>
                    <input id="edit-email" name="email" type="email" maxlength="254" value=user.email.clone() />
                    <FieldError error field="email" />
                </div>
                <div>
                    <label for="edit-role">"Role"</label>
                    <select id="edit-role" name="role">
                        <option value="user" selected=role == "user">"User"</option>
                        <option value="admin" selected=role == "admin">"Administrator"</option>
                    </select>
                </div>
            </div>
            <FormError error />
            <div class="dialog-actions">
                <button class="button secondary" type="button" on:click=move |_| open.set(false)>
                    "Cancel"
                </button>
                <button
                    class="button primary"
                    type="submit"
                    disabled=move || update.pending().get()
                    aria-busy=move || update.pending().get().to_string()
                >
                    "Save"
                </button>
            </div>
        </ActionForm>
    }
}
