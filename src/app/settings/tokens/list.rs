//! The saved tokens: status, expiry warning (kept current by
//! `app::enhance`), last use, and each row's **Token actions** menu.

use crate::app::components::table::DataTable;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use super::dialogs::{details_id, regenerate_id, DetailsDialog, RegenerateDialog, ScopeBadges};
use crate::api::tokens::{DeleteToken, SetTokenActive};
use crate::app::components::dialog::{DialogFoot, ModalDialog, OpenDialog};
use crate::model::time::{format_date, format_utc};
use crate::model::token::{TokenStatus, TokenView, TokensPage};

/// What the page's forms reload after a change: the list and the banner.
pub const REFRESHED: &str = "token-list expiry-banner";

/// The saved tokens.
#[component]
pub(super) fn TokenList(page: TokensPage) -> impl IntoView {
    if page.tokens.is_empty() {
        return view! {
            <section class="card">
                <h2 id="your-tokens" tabindex="-1">"Your tokens"</h2>
                <p class="muted">"You have no tokens yet."</p>
            </section>
        }
        .into_any();
    }
    let (now, warning_days) = (page.now, page.policy.warning_days);
    let rows = page
        .tokens
        .into_iter()
        .map(|t| view! { <TokenRow t now warning_days /> })
        .collect_view();
    view! {
        <section class="card">
            <h2 id="your-tokens" tabindex="-1">"Your tokens"</h2>
            <DataTable columns=&["Name", "Token", "Created", "Expires", "Last used", "Status", ""]>{rows}</DataTable>
        </section>
    }
    .into_any()
}

#[component]
fn TokenRow(t: TokenView, now: i64, warning_days: u32) -> impl IntoView {
    let status = t.status(now);
    let badge = match status {
        TokenStatus::Active => "badge badge-active",
        TokenStatus::Deactivated => "badge badge-off",
        TokenStatus::Expired => "badge badge-expired",
    };
    let expires = t.expires_at.map(|at| {
        // Within the warning window the note counts down in the browser.
        let note = if status == TokenStatus::Expired {
            Some(view! { <span class="badge badge-expired">"Expired"</span> }.into_any())
        } else if t.deactivated {
            // It does not expire while it cannot be used.
            None
        } else {
            t.warning(now, warning_days).map(|w| {
                view! {
                    <span class="warning" data-countdown=at>
                        {w}
                    </span>
                }
                .into_any()
            })
        };
        view! {
            <span class="nowrap">{format_date(at)}</span>
            {note}
        }
        .into_any()
    });
    let last_used = match (t.last_used_at, t.last_used_ip.clone()) {
        (Some(at), Some(ip)) => format!("{} from {ip}", format_utc(at)),
        (Some(at), None) => format_utc(at),
        _ => "Never used".to_owned(),
    };
    let masked = t.masked();
    let menu_id = format!("token-menu-{}", t.id);
    let dialog_id = format!("delete-token-{}", t.id);
    let toggle = (status != TokenStatus::Expired).then(|| {
        let (label, done) = if t.deactivated {
            ("Activate", "activated")
        } else {
            ("Deactivate", "deactivated")
        };
        view! {
            <form
                method="post"
                action={<SetTokenActive as ServerFn>::PATH}
                data-enhance=""
                data-done="refresh"
                data-refresh=REFRESHED
                data-toast=format!("Token {masked} {done}.")
            >
                <input type="hidden" name="id" value=t.id />
                <input type="hidden" name="active" value=t.deactivated.to_string() />
                <button class="menu-item" role="menuitem" type="submit">
                    {label}
                </button>
            </form>
        }
    });
    view! {
        <tr id=format!("token-{}", t.id)>
            <td>
                {if t.name.is_empty() {
                    view! { <span class="muted">"Unnamed"</span> }.into_any()
                } else {
                    view! { <span>{t.name.clone()}</span> }.into_any()
                }}
                <ScopeBadges t=t.clone() />
            </td>
            <td>
                <code class="nowrap">{masked.clone()}</code>
            </td>
            <td class="nowrap">{format_date(t.created_at)}</td>
            <td class="expires">{expires.unwrap_or_else(|| view! { <span>"Never"</span> }.into_any())}</td>
            <td>{last_used}</td>
            <td>
                // An active token turns "Expired" in the browser when its time comes.
                <span
                    class=badge
                    data-expires-status=(status == TokenStatus::Active).then_some(t.expires_at).flatten()
                >
                    {status.label()}
                </span>
            </td>
            <td class="actions">
                <div class="menu-wrap">
                    <button
                        class="icon-button"
                        type="button"
                        id=format!("{menu_id}-button")
                        aria-label=format!("Token actions for {masked}")
                        aria-haspopup="menu"
                        popovertarget=menu_id.clone()
                    >
                        "⋯"
                    </button>
                    <div class="menu" id=menu_id popover="" role="menu">
                        <OpenDialog id=details_id(&t) class="menu-item" role="menuitem">
                            "Details"
                        </OpenDialog>
                        {(status == TokenStatus::Active)
                            .then(|| {
                                view! {
                                    <OpenDialog
                                        id=regenerate_id(&t)
                                        class="menu-item"
                                        role="menuitem"
                                    >
                                        "Regenerate"
                                    </OpenDialog>
                                }
                            })}
                        {toggle}
                        <OpenDialog id=dialog_id.clone() class="menu-item danger" role="menuitem">
                            "Delete"
                        </OpenDialog>
                    </div>
                </div>
                <DetailsDialog t=t.clone() />
                {(status == TokenStatus::Active)
                    .then(|| view! { <RegenerateDialog t=t.clone() refresh=REFRESHED /> })}
                <ModalDialog id=dialog_id.clone() title=format!("Delete {}?", t.named())>
                    <p>
                        "Deleting an API token is permanent: anything using " <code class="nowrap">{masked.clone()}</code>
                        " is refused from now on, and the token cannot be brought back. Its past requests stay in your audit log."
                    </p>
                    <form
                        method="post"
                        action={<DeleteToken as ServerFn>::PATH}
                        data-enhance=""
                        data-toast="Token deleted. It no longer works."
                        data-focus-after="your-tokens"
                    >
                        <input type="hidden" name="id" value=t.id />
                        <DialogFoot id=dialog_id label="Confirm" busy="Deleting…" danger=true />
                    </form>
                </ModalDialog>
            </td>
        </tr>
    }
}
