//! The user interface: the HTML shell, the routes and the header. Each
//! settings section has its own module under `settings/`.

pub mod admin;
pub mod auth;
pub mod components;
#[cfg(feature = "hydrate")]
pub mod enhance;
pub mod page;
pub mod recovery;
pub mod settings;
pub mod shared;
pub mod signup;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Redirect, Route, Router, Routes, A};
use leptos_router::{path, SsrMode};

use crate::api::auth::{get_me, Logout};
use crate::model::user::CurrentUser;
use components::toast::ToastRegion;
use leptos::server_fn::ServerFn;
use page::{request_path, use_session, Avatar, NotFound, SessionContext};

/// The HTML document around the app. Its inline scripts carry this
/// answer's nonce, which the security layer made before rendering and its
/// Content-Security-Policy names (`server::headers`).
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light dark" />
                <HydrationScripts options islands=true />
                <script nonce=leptos::nonce::use_nonce() inner_html=HOLD_CLICKS></script>
                // Without JavaScript, what the script would reveal is shown.
                <noscript>
                    <style>"[data-shown-if-changed][hidden] { display: block; }"</style>
                </noscript>
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Runs before anything else on the page: a click on an island's control
/// before its island is interactive (on a slow link the island's code may
/// still be loading) is held, the control marked busy, and clicked again
/// once every island is (when `app::shared::count_hydrated` marks `<body>`).
/// Only controls that do nothing by themselves are held: buttons that open
/// dialogs and menus natively (`commandfor`, `popovertarget`), and submits
/// of forms with an `action`, work without the island. An Enter in an
/// island's own form is held the same way.
const HOLD_CLICKS: &str = r#"(() => {
  const held = new Set();
  const ready = () => document.body && document.body.hasAttribute("data-hydrated");
  const sel = "leptos-island button:not([commandfor]):not([popovertarget]), leptos-island input[type=checkbox]";
  addEventListener("click", (e) => {
    if (ready() || !(e.target instanceof Element)) return;
    const c = e.target.closest(sel);
    if (!c || c.disabled || (c.type === "submit" && c.form && c.form.hasAttribute("action"))) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    held.add(c);
    c.setAttribute("aria-busy", "true");
  }, true);
  addEventListener("submit", (e) => {
    const f = e.target;
    if (ready() || !f.closest("leptos-island") || f.hasAttribute("action")) return;
    e.preventDefault();
    e.stopImmediatePropagation();
    held.add(f);
  }, true);
  const replay = () => {
    for (const c of held) {
      if (c instanceof HTMLFormElement) { c.requestSubmit(); continue; }
      c.removeAttribute("aria-busy");
      if (c.isConnected && !c.disabled) c.click();
    }
    held.clear();
  };
  new MutationObserver(() => { if (ready()) replay(); }).observe(document.documentElement,
    { subtree: true, attributes: true, attributeFilter: ["data-hydrated"] });
})();"#;

/// The application: routes and the header. Only the islands (`#[island(lazy)]`)
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
            // First in the tab order: past the header to the page itself.
            <a class="skip-link" href="#main">"Skip to content"</a>
            <Header />
            <main class="main" id="main" tabindex="-1">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=Home ssr=SsrMode::Async />
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=signup::SignupPage ssr=SsrMode::Async />
                    <Route
                        path=path!("/signup/sent")
                        view=signup::SignupSentPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/signup/finish")
                        view=signup::FinishSignupPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/forgot-password")
                        view=recovery::ForgotPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/reset-password")
                        view=recovery::ResetPasswordPage
                        ssr=SsrMode::Async
                    />
                    <Route
                        path=path!("/confirm-email")
                        view=recovery::ConfirmEmailPage
                        ssr=SsrMode::Async
                    />
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

/// The link to the Notifications page, with how many notices are unread
/// (none shown on that page itself: opening it reads them).
#[component]
fn NoticeCount(unread: i64) -> impl IntoView {
    let here = request_path() == "/settings/notifications";
    let unread = if here { 0 } else { unread };
    let label = match unread {
        0 => "Notifications".to_owned(),
        1 => "Notifications: 1 unread".to_owned(),
        n => format!("Notifications: {n} unread"),
    };
    view! {
        <a class="notice-link" href="/settings/notifications" aria-label=label title="Notifications">
            <svg aria-hidden="true" viewBox="0 0 16 16" width="18" height="18">
                <path
                    fill="currentColor"
                    d="M8 16a2 2 0 0 0 1.98-1.75h-3.96A2 2 0 0 0 8 16ZM3 5a5 5 0 0 1 10 0v2.9l1.4 2.8a.75.75 0 0 1-.67 1.05H2.27a.75.75 0 0 1-.67-1.05L3 7.9Z"
                />
            </svg>
            {(unread > 0).then(|| view! { <span class="notice-count">{unread.min(99)}</span> })}
        </a>
    }
}

/// The avatar button and its menu: a popover the browser opens and closes
/// by itself (`popovertarget`); `app::enhance` adds the arrow keys.
#[component]
fn AccountMenu(user: CurrentUser) -> impl IntoView {
    view! {
        <div class="account">
            <NoticeCount unread=user.unread_notices />
            <span class="account-name">{user.shown_name().to_owned()}</span>
            <div class="menu-wrap">
                <button
                    class="icon-button"
                    type="button"
                    id="account-menu-button"
                    aria-label="Account menu"
                    aria-haspopup="menu"
                    popovertarget="account-menu"
                >
                    <Avatar face=user.face() />
                </button>
                <div class="menu" id="account-menu" popover="" role="menu">
                    <a class="menu-item" role="menuitem" href="/settings/profile">
                        "Account Settings"
                    </a>
                    {user
                        .is_admin
                        .then(|| {
                            view! {
                                <a class="menu-item" role="menuitem" href="/admin/users">
                                    "Users"
                                </a>
                            }
                        })}
                    <form method="post" action={<Logout as ServerFn>::PATH} data-enhance="">
                        <button class="menu-item" role="menuitem" type="submit">
                            "Sign out"
                        </button>
                    </form>
                </div>
            </div>
        </div>
    }
}
