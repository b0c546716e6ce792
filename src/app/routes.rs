//! Each page as a lazily loaded route: its code is split out of the main
//! WASM bundle (`cargo leptos build --release --split`) and fetched when the
//! page is first visited, or before hydration when it is the page being
//! loaded (`hydrate_lazy` in `lib.rs`).

use leptos::prelude::*;
use leptos_router::{lazy_route, LazyRoute};

/// Marks `<body>` once the page is interactive (browser tests wait for
/// it). Effects run after the view they belong to has been hydrated, so this
/// is set only when the lazily loaded page has its event handlers.
pub fn mark_hydrated() {
    Effect::new(|_| {
        #[cfg(feature = "hydrate")]
        if let Some(body) = web_sys::window()
            .and_then(|w| w.document())
            .and_then(|d| d.body())
        {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
}

macro_rules! lazy_page {
    ($(#[$doc:meta])* $name:ident => $component:path) => {
        $(#[$doc])*
        pub struct $name;

        #[lazy_route]
        impl LazyRoute for $name {
            fn data() -> Self {
                $name
            }

            fn view(_this: Self) -> AnyView {
                mark_hydrated();
                $component().into_any()
            }
        }
    };
}

lazy_page!(/// `/login`
    LoginRoute => super::auth::LoginPage);
lazy_page!(/// `/signup`
    SignupRoute => super::auth::SignupPage);
lazy_page!(/// `/settings/profile`
    ProfileRoute => super::settings::profile::ProfileSection);
lazy_page!(/// `/settings/tokens`
    TokensRoute => super::settings::tokens::TokensSection);
lazy_page!(/// `/settings/audit-log`
    AuditLogRoute => super::settings::audit_log::AuditLogSection);
lazy_page!(/// `/settings/security`
    SecurityRoute => super::settings::security::SecuritySection);
lazy_page!(/// `/settings/advanced`
    AdvancedRoute => super::settings::advanced::AdvancedSection);
lazy_page!(/// `/admin/users`
    UsersRoute => super::admin::UsersPage);
