//! The user interface: the HTML shell, the routes and the header. Each
//! settings section has its own module under `settings/`.

pub mod admin;
pub mod auth;
pub mod components;
pub mod routes;
pub mod settings;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::{path, Lazy, SsrMode};

use crate::api::auth::{get_me, Login, Logout, Signup};
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
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// What every page can ask about the session: the current user, and the
/// actions that change who it is (their versions refresh the user).
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub me: Resource<Option<CurrentUser>>,
    pub login: ServerAction<Login>,
    pub signup: ServerAction<Signup>,
    pub logout: ServerAction<Logout>,
    /// Bump after a change to the user (names, avatar, handle, deletion).
    pub refresh: RwSignal<u32>,
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

/// The application: routes and the header.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let login = ServerAction::<Login>::new();
    let signup = ServerAction::<Signup>::new();
    let logout = ServerAction::<Logout>::new();
    let refresh = RwSignal::new(0u32);
    let me = Resource::new(
        move || {
            (
                login.version().get(),
                signup.version().get(),
                logout.version().get(),
                refresh.get(),
            )
        },
        |_| async move { get_me().await.ok().flatten() },
    );
    provide_context(SessionContext {
        me,
        login,
        signup,
        logout,
        refresh,
    });

    view! {
        <Stylesheet id="leptos" href="/pkg/account-settings.css" />
        <Title formatter=|t: String| {
            if t.is_empty() { "Account Settings".to_owned() } else { format!("{t} · Account Settings") }
        } />
        <Router>
            <ToastRegion>
                <Header />
                <main class="main">
                    <Routes fallback=NotFound>
                        <Route path=path!("/") view=Home ssr=SsrMode::Async />
                        <Route
                            path=path!("/login")
                            view={Lazy::<routes::LoginRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <Route
                            path=path!("/signup")
                            view={Lazy::<routes::SignupRoute>::new()}
                            ssr=SsrMode::Async
                        />
                        <settings::SettingsRoutes />
                        <Route
                            path=path!("/admin/users")
                            view={Lazy::<routes::UsersRoute>::new()}
                            ssr=SsrMode::Async
                        />
                    </Routes>
                </main>
            </ToastRegion>
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
    let session = use_session();
    view! {
        <header class="topbar">
            <A href="/" attr:class="brand">
                <span class="brand-mark" aria-hidden="true">"◆"</span>
                " Account Settings"
            </A>
            <Transition>
                {move || Suspend::new(async move {
                    session.me.await.map(|user| view! { <AccountMenu user /> })
                })}
            </Transition>
        </header>
    }
}

/// The avatar button and its menu.
#[component]
fn AccountMenu(user: CurrentUser) -> impl IntoView {
    let logout = use_session().logout;
    let navigate = leptos_router::hooks::use_navigate();
    let is_admin = user.is_admin;
    let items = Signal::derive(move || {
        let to_settings = navigate.clone();
        let to_users = navigate.clone();
        let mut items = vec![MenuItem {
            label: "Account Settings".into(),
            danger: false,
            on_select: Callback::new(move |_| to_settings("/settings/profile", Default::default())),
        }];
        if is_admin {
            items.push(MenuItem {
                label: "Users".into(),
                danger: false,
                on_select: Callback::new(move |_| to_users("/admin/users", Default::default())),
            });
        }
        items.extend([MenuItem {
            label: "Sign out".into(),
            danger: false,
            on_select: Callback::new(move |_| {
                logout.dispatch(Logout {});
            }),
        }]);
        items
    });
    view! {
        <div class="account">
            <span class="account-name">{user.shown_name().to_owned()}</span>
            <MenuButton label="Account menu" items>
                <Avatar user />
            </MenuButton>
        </div>
    }
}
