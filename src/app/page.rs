//! What every page shares: the signed-in user, "Page not found", the round
//! avatar, the path being rendered, and going to (or reloading) a page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::model::user::{AvatarFace, CurrentUser};

/// The signed-in user, read once per request by the server-rendered parts
/// (header, redirects); islands get what they need as props.
#[derive(Clone, Copy)]
pub struct SessionContext {
    pub me: Resource<Option<CurrentUser>>,
}

pub fn use_session() -> SessionContext {
    expect_context::<SessionContext>()
}

#[component]
pub fn NotFound() -> impl IntoView {
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
/// handle, dark enough at every hue for white initials to stand out
/// (contrast at least 5:1, WCAG AA).
#[component]
pub fn Avatar(face: AvatarFace, #[prop(optional)] large: bool) -> impl IntoView {
    let style = format!("background: hsl({} 55% 28%)", face.hue);
    view! {
        <span class="avatar" class:avatar-large=large style=style aria-hidden="true">
            {match face.src {
                Some(src) => view! { <img src=src alt="" referrerpolicy="no-referrer" /> }.into_any(),
                None => face.initials.into_any(),
            }}
        </span>
    }
}

/// The path of the page being rendered, read from the request itself.
///
/// Not from the router's location: parts of a page inside `<Suspense>` are
/// rendered in parallel on several threads, and the location's memos, when
/// first computed by two of them at once, can be left empty or read after
/// their owner is gone; that part's render then never ends and the page
/// never arrives. The request is plain data.
pub fn request_path() -> String {
    #[cfg(feature = "ssr")]
    {
        with_context(|parts: &axum::http::request::Parts| parts.uri.path().to_owned())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "ssr"))]
    {
        leptos_router::hooks::use_location()
            .pathname
            .get_untracked()
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

/// Loads the page again: after a change the server renders it anew.
pub fn reload() {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().reload();
    }
}
