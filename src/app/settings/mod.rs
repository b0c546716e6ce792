//! `/settings`: the left-hand menu, the expiry banner, and one module per
//! section.

pub mod advanced;
pub mod audit_log;
pub mod profile;
pub mod security;
pub mod tokens;

use leptos::prelude::*;
use leptos_router::components::{Outlet, ParentRoute, Redirect, Route, A};
use leptos_router::{path, SsrMode};

use super::use_session;
use crate::api::tokens::list_tokens;
use crate::error::AppError;
use crate::model::token::TokensPage;

/// The user's tokens, loaded once per page by the server for the banner
/// and the Audit Log's token filter.
#[derive(Clone, Copy)]
pub struct TokensData {
    pub list: Resource<Result<TokensPage, AppError>>,
}

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

/// The banner on the settings pages while a token is about to expire; the
/// browser counts the time down (`app::enhance`).
#[component]
fn ExpiryBanner(page: TokensPage) -> impl IntoView {
    let warning_days = page.policy.warning_days;
    let soon: Vec<_> = page
        .tokens
        .iter()
        .filter_map(|t| {
            let w = t.warning(page.now, warning_days)?;
            let at = t.expires_at?;
            Some(view! {
                <li>
                    <code>{t.masked()}</code>
                    " — "
                    <span data-countdown=at data-lower="">{w.to_lowercase()}</span>
                </li>
            })
        })
        .collect();
    (!soon.is_empty()).then(|| {
        view! {
            <div class="banner" role="status">
                <strong>"Token expiring soon."</strong>
                <ul class="banner-list">{soon}</ul>
                <a href="/settings/tokens">"Review your tokens"</a>
            </div>
        }
    })
}
