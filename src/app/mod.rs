//! The user interface: the HTML shell, the routes and the header. Each
//! settings section has its own module under `settings/`.

pub mod admin;
pub mod auth;
pub mod components;
pub mod settings;
pub mod shared;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::api::auth::{get_me, logout};
use crate::model::user::CurrentUser;
use components::menu::{MenuButton, MenuItem};
use components::toast::ToastRegion;


/// The HTML document around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The signed-in user, read once per request by the server-rendered parts
/// (header, redirects); islands get what they need as props.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub me: Resource<Option<CurrentUser>>,
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// The application: routes and the header. Only the islands (`#[island]`)
/// run in the browser; everything else is rendered by the server, and links
/// are ordinary page loads.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let me = Resource::new(|| (), |_| async move { get_me().await.ok().flatten() });
    provide_context(SessionContext { me });

    view! {
        <Stylesheet id="leptos" href="/pkg/account-settings.css" />
        <Title formatter=|t: String| {
            if t.is_empty() { "Account Settings".to_owned() } else { format!("{t} · Account Settings") }
        } />
        <Router>
            <Header />
            <main class="main">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=auth::SignupPage ssr=SsrMode::Async />
                    <settings::SettingsRoutes />
                    <Route path=path!("/admin/users") view=admin::UsersPage ssr=SsrMode::Async />
                </Routes>
            </main>
            <ToastRegion />
        </Router>
    }
}

/// `/`: to the settings when signed in, to sign-in otherwise.
#[component]
fn Home() -> impl IntoView {
    let me = use_session().me;
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                match me.await {
                    Some(_) => view! { <Redirect path="/settings/profile" /> }.into_any(),
                    None => view! { <Redirect path="/login" /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub(crate) fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(res) = use_context::<leptos_axum::ResponseOptions>() {
        res.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found" />
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <A href="/">"Go to your account"</A>
        </section>
    }
}

/// The round avatar: the picture, or initials on a colour derived from the
/// handle.
#[component]
pub fn Avatar(user: CurrentUser, #[prop(optional)] large: bool) -> impl IntoView {
    let style = format!("background: hsl({} 55% 42%)", user.avatar_hue());
    let initials = user.initials();
    view! {
        <span class="avatar" class:avatar-large=large style=style aria-hidden="true">
            {match user.avatar {
                Some(src) => view! { <img src=src alt="" referrerpolicy="no-referrer" /> }.into_any(),
                None => initials.into_any(),
            }}
        </span>
    }
}

#[component]
fn Header() -> impl IntoView {
    let me = use_session().me;
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Account Settings"
            </A>
            <Suspense>
                {move || Suspend::new(async move {
                    me.await.map(|user| view! { <AccountMenu user /> })
                })}
            </Suspense>
        </header>
    }
}

/// Goes to another page of the site.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// The avatar button and its menu. It shows the user the server rendered
/// until a page changes it (`shared::me`).
#[island]
fn AccountMenu(user: CurrentUser) -> impl IntoView {
    shared::mark_hydrated();
    let changed = shared::me();
    let is_admin = user.is_admin;
    let current = move || changed.get().unwrap_or_else(|| user.clone());
    let items = Signal::derive(move || {
        let mut items = vec![MenuItem {
            label: "Account Settings".into(),
            danger: false,
            on_select: Callback::new(|_| go_to("/settings/profile")),
        }];
        if changed.with(|c| c.as_ref().map_or(is_admin, |u| u.is_admin)) {
            items.push(MenuItem {
                label: "Users".into(),
                danger: false,
                on_select: Callback::new(|_| go_to("/admin/users")),
            });
        }
        items.push(MenuItem {
            label: "Sign out".into(),
            danger: false,
            on_select: Callback::new(|_| {
                leptos::task::spawn_local(async {
                    // The server function's answer sends the browser to /login.
                    let _ = logout().await;
                });
            }),
        });
        items
    });
    let name = {
        let current = current.clone();
        move || current().shown_name().to_owned()
    };
    view! {
        <div class="account">
            <span class="account-name">{name}</span>
            <MenuButton label="Account menu" items>
                {move || view! { <Avatar user=current() /> }}
            </MenuButton>
        </div>
    }
}
