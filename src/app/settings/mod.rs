//! `/settings`: the left-hand menu, the expiry banner, and one module per
//! section.

pub mod advanced;
pub mod audit_log;
pub mod data;
pub mod notifications;
pub mod profile;
pub mod security;
pub mod tokens;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, A};
use leptos_router::{path, SsrMode};

use crate::api::tokens::list_tokens;
use crate::app::page::use_session;
use crate::model::token::TokensPage;
use data::TokensData;

/// The routes under `/settings`.
#[component(transparent)]
pub fn SettingsRoutes() -> impl leptos_router::MatchNestedRoutes + Clone {
    view! {
        <ParentRoute path=path!("/settings") view=SettingsLayout ssr=SsrMode::Async>
            <Route path=path!("") view=|| view! { <Redirect path="/settings/profile" /> } />
            <Route path=path!("profile") view=profile::ProfileSection />
            <Route path=path!("tokens") view=tokens::TokensSection />
            <Route path=path!("audit-log") view=audit_log::AuditLogSection />
            <Route path=path!("security") view=security::SecuritySection />
            <Route path=path!("notifications") view=notifications::NotificationsSection />
            <Route path=path!("advanced") view=advanced::AdvancedSection />
        </ParentRoute>
    }
    .into_inner()
}

#[component]
fn SettingsLayout() -> impl IntoView {
    let me = use_session().me;
    let list = Resource::new(|| (), |_| list_tokens());
    provide_context(TokensData { list });
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
                <A href="/settings/notifications">"Notifications"</A>
                <A href="/settings/advanced">"Advanced"</A>
            </nav>
            <div class="settings-body">
                // Reloaded in place by the Tokens page after a change.
                <div id="expiry-banner">
                    <Suspense>
                        {move || Suspend::new(async move {
                            list.await.ok().map(|page| view! { <ExpiryBanner page /> })
                        })}
                    </Suspense>
                </div>
                <Outlet />
            </div>
        </div>
    }
}

/// The cookie that hides the expiry banner until the browser closes.
pub const BANNER_DISMISSED: &str = "expiry_banner=dismissed";

/// The banner on the settings pages while an active token is about to
/// expire; the browser counts the time down and **Dismiss** hides it for
/// the browser session (`app::enhance`).
#[component]
fn ExpiryBanner(page: TokensPage) -> impl IntoView {
    if banner_dismissed() {
        return None;
    }
    let warning_days = page.policy.warning_days;
    let soon: Vec<_> = page
        .tokens
        .iter()
        .filter(|t| !t.deactivated)
        .filter_map(|t| {
            let w = t.warning(page.now, warning_days)?;
            let at = t.expires_at?;
            let name = t.named();
            Some(view! {
                <li>
                    <span class="token-name">{name}</span>
                    " — "
                    <span data-countdown=at data-lower="">{w.to_lowercase()}</span>
                </li>
            })
        })
        .collect();
    // No link to the page the banner is on.
    let here = crate::app::page::request_path() == "/settings/tokens";
    (!soon.is_empty()).then(|| {
        view! {
            <div class="banner" role="status">
                <div class="banner-text">
                    <strong>"Token expiring soon."</strong>
                    <ul class="banner-list">{soon}</ul>
                    {(!here).then(|| view! { <a href="/settings/tokens">"Review your tokens"</a> })}
                </div>
                <button
                    type="button"
                    class="icon-button"
                    data-dismiss-banner=BANNER_DISMISSED
                    aria-label="Dismiss until the browser is closed"
                >
                    "×"
                </button>
            </div>
        }
    })
}

/// Whether this browser dismissed the banner (its cookie came with the
/// request).
fn banner_dismissed() -> bool {
    #[cfg(feature = "ssr")]
    {
        use_context::<axum::http::request::Parts>().is_some_and(|parts| {
            parts
                .headers
                .get_all(axum::http::header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .any(|c| c.trim() == BANNER_DISMISSED)
        })
    }
    #[cfg(not(feature = "ssr"))]
    false
}
