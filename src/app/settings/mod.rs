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

use super::shared;
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
    // The Tokens page shows the banner itself, so that it follows changes.
    let on_tokens = leptos_router::hooks::use_location()
        .pathname
        .get_untracked()
        .starts_with("/settings/tokens");
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
                <Suspense>
                    {move || Suspend::new(async move {
                        let page = list.await.ok()?;
                        let soon = !on_tokens
                            && page.tokens.iter().any(|t| t.expires_soon(page.now, page.policy.warning_days).is_some());
                        soon.then(|| view! { <ExpiryBanner page /> })
                    })}
                </Suspense>
                <Outlet />
            </div>
        </div>
    }
}

/// The banner on the settings pages while a token is about to expire.
#[island]
fn ExpiryBanner(page: TokensPage) -> impl IntoView {
    shared::mark_hydrated();
    let page = Signal::stored(page);
    view! { <ExpiryNotice page /> }
}

/// A banner while any token is about to expire, counting down.
#[component]
pub fn ExpiryNotice(#[prop(into)] page: Signal<TokensPage>) -> impl IntoView {
    let clock = shared::clock();
    move || {
        let page = page.get();
        let now = clock.get().map_or(page.now, |c| c.max(page.now));
        let warning_days = page.policy.warning_days;
        let soon: Vec<String> = page
            .tokens
            .iter()
            .filter(|t| t.expires_soon(page.now, warning_days).is_some())
            .filter_map(|t| {
                t.warning(now, warning_days)
                    .map(|w| format!("{} — {}", t.masked(), w.to_lowercase()))
            })
            .collect();
        (!soon.is_empty()).then(|| {
            view! {
                <div class="banner" role="status">
                    <strong>"Token expiring soon. "</strong>
                    {soon.join("; ")}
                    ". "
                    <a href="/settings/tokens">"Review your tokens"</a>
                </div>
            }
        })
    }
}
