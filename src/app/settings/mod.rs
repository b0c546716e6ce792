//! `/settings`: the left-hand menu, the expiry banner, and one module per
//! section.

pub mod advanced;
pub mod audit_log;
pub mod profile;
pub mod security;
pub mod tokens;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, A};
use leptos_router::{path, Lazy, SsrMode};

use super::routes;

use super::use_session;
use crate::api::tokens::list_tokens;
use crate::error::AppError;
use crate::model::time::now;
use crate::model::token::TokensPage;

/// The user's tokens, shared by the banner and the Tokens page. Bump
/// `version` after a change to reload them.
#[derive(Clone, Copy)]
pub struct TokensData {
    pub list: Resource<Result<TokensPage, AppError>>,
    pub version: RwSignal<u32>,
}

/// The routes under `/settings`.
#[component(transparent)]
pub fn SettingsRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/settings") view=SettingsLayout ssr=SsrMode::Async>
            <Route path=path!("") view=|| view! { <Redirect path="/settings/profile" /> } />
            <Route path=path!("profile") view={Lazy::<routes::ProfileRoute>::new()} />
            <Route path=path!("tokens") view={Lazy::<routes::TokensRoute>::new()} />
            <Route path=path!("audit-log") view={Lazy::<routes::AuditLogRoute>::new()} />
            <Route path=path!("security") view={Lazy::<routes::SecurityRoute>::new()} />
            <Route path=path!("advanced") view={Lazy::<routes::AdvancedRoute>::new()} />
        </ParentRoute>
    }
    .into_inner()
}

#[component]
fn SettingsLayout() -> impl IntoView {
    let me = use_session().me;
    let version = RwSignal::new(0u32);
    let list = Resource::new(move || version.get(), |_| list_tokens());
    provide_context(TokensData { list, version });
    // The section is created at once, not inside a Suspense that waits for
    // the user: resources and boundaries are then made in the same order on
    // the server and in the browser, which hydration depends on. Signed out,
    // the server functions refuse and the redirect below takes over (on the
    // server it is a 302 before anything is sent).
    view! {
        <Suspense>
            {move || Suspend::new(async move {
                me.await.is_none().then(|| view! { <Redirect path="/login" /> })
            })}
        </Suspense>
        <div class="settings">
            <nav class="side-nav" aria-label="Settings">
                <A href="/settings/profile">"Profile"</A>
                <A href="/settings/tokens">"Tokens"</A>
                <A href="/settings/audit-log">"Audit Log"</A>
                <A href="/settings/security">"Security"</A>
                <A href="/settings/advanced">"Advanced"</A>
            </nav>
            <div class="settings-body">
                <ExpiryBanner />
                <Outlet />
            </div>
        </div>
    }
}

/// A banner while any token is about to expire.
#[component]
fn ExpiryBanner() -> impl IntoView {
    let data = expect_context::<TokensData>();
    let clock = use_clock();
    view! {
        <Transition>
            {move || Suspend::new(async move {
                let page = data.list.await.ok()?;
                let soon: Vec<_> = page
                    .tokens
                    .iter()
                    .filter(|t| t.expires_soon(page.now, page.policy.warning_days).is_some())
                    .cloned()
                    .collect();
                let warning_days = page.policy.warning_days;
                (!soon.is_empty())
                    .then(|| {
                        view! {
                            <div class="banner" role="status">
                                <strong>"Token expiring soon. "</strong>
                                {move || {
                                    let now = clock.get().map_or(page.now, |c| c.max(page.now));
                                    soon.iter()
                                        .filter_map(|t| {
                                            t.warning(now, warning_days).map(|w| format!("{} — {}", t.masked(), w.to_lowercase()))
                                        })
                                        .collect::<Vec<_>>()
                                        .join("; ")
                                }}
                                ". "
                                <A href="/settings/tokens">"Review your tokens"</A>
                            </div>
                        }
                    })
            })}
        </Transition>
    }
}

/// The browser's clock, ticking every 30 seconds once hydrated; `None` on
/// the server (pages use the server's time then).
pub fn use_clock() -> ReadSignal<Option<i64>> {
    if let Some(clock) = use_context::<ReadSignal<Option<i64>>>() {
        return clock;
    }
    let (clock, set_clock) = signal(None::<i64>);
    #[cfg(feature = "hydrate")]
    {
        set_clock.set(Some(now()));
        // Stops doing anything once the page's signals are gone.
        gloo_timers::callback::Interval::new(30_000, move || {
            set_clock.try_set(Some(now()));
        })
        .forget();
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (set_clock, now);
    provide_context(clock);
    clock
}
