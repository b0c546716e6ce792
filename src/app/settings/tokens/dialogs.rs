//! A token row's **Details** (scopes, dates, the addresses it was used
//! from) and **Regenerate** (a new secret, shown once; a grace for the old
//! one) dialogs. Both are rendered by the server; `app::enhance` sends the
//! Regenerate form and shows the new secret in place of it.

use leptos::prelude::*;
use leptos::server_fn::ServerFn;

use crate::api::tokens::RegenerateToken;
use crate::app::components::dialog::{CloseDialog, ModalDialog};
use crate::model::rotation::GRACE_CHOICES;
use crate::model::time::{format_utc, span};
use crate::model::token::TokenView;

/// The dialog ids of a token's row.
pub(super) fn details_id(t: &TokenView) -> String {
    format!("token-details-{}", t.id)
}

pub(super) fn regenerate_id(t: &TokenView) -> String {
    format!("regenerate-token-{}", t.id)
}

/// Scopes as badges.
#[component]
pub(super) fn ScopeBadges(t: TokenView) -> impl IntoView {
    view! {
        <span class="scopes-list">
            {t
                .scope_names()
                .into_iter()
                .map(|s| view! { <span class="badge badge-scope">{s.to_owned()}</span> })
                .collect_view()}
        </span>
    }
}

/// Everything known about a token, and where it was used.
#[component]
pub(super) fn DetailsDialog(t: TokenView) -> impl IntoView {
    let id = details_id(&t);
    let title = if t.name.is_empty() {
        format!("Token {}", t.masked())
    } else {
        format!("Token “{}”", t.name)
    };
    let ips = if t.recent_ips.is_empty() {
        view! { <p class="muted">"Not used yet."</p> }.into_any()
    } else {
        let rows = t
            .recent_ips
            .iter()
            .map(|r| {
                view! {
                    <tr>
                        <td>
                            <code>{r.ip.clone()}</code>
                        </td>
                        <td>{format_utc(r.first_seen_at)}</td>
                        <td>{format_utc(r.last_seen_at)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <table class="table compact">
                <caption class="visually-hidden">"Addresses this token was used from"</caption>
                <thead>
                    <tr>
                        <th scope="col">"Address"</th>
                        <th scope="col">"First seen"</th>
                        <th scope="col">"Last seen"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <ModalDialog id=id.clone() title=title>
            <dl class="facts">
                <dt>"Token"</dt>
                <dd>
                    <code>{t.masked()}</code>
                </dd>
                <dt>"Scopes"</dt>
                <dd>
                    <ScopeBadges t=t.clone() />
                </dd>
                <dt>"Created"</dt>
                <dd>{format_utc(t.created_at)}</dd>
                {t
                    .rotated_at
                    .map(|at| {
                        view! {
                            <dt>"Regenerated"</dt>
                            <dd>{format_utc(at)}</dd>
                        }
                    })}
                <dt>"Expires"</dt>
                <dd>{t.expires_at.map_or_else(|| "Never".to_owned(), format_utc)}</dd>
            </dl>
            <h3>"Recent addresses"</h3>
            <p class="hint">
                "The last five addresses it was used from. One you do not know means someone else has it: regenerate or delete it."
            </p>
            {ips}
            <div class="dialog-actions">
                <CloseDialog id label="Close" primary=true />
            </div>
        </ModalDialog>
    }
}

/// Regenerate: choose how long the old secret keeps working, then see the
/// new one once (masked, **Reveal**, **Copy to Clipboard**).
#[component]
pub(super) fn RegenerateDialog(t: TokenView, refresh: &'static str) -> impl IntoView {
    let id = regenerate_id(&t);
    let masked = t.masked();
    let grace_id = format!("grace-{}", t.id);
    let secret_id = format!("new-secret-{}", t.id);
    let title = if t.name.is_empty() {
        format!("Regenerate {masked}?")
    } else {
        format!("Regenerate “{}”?", t.name)
    };
    let lifetime = match t.expires_at {
        Some(at) => format!(
            "It gets as long a life as before ({}) from today.",
            span(at - t.rotated_at.unwrap_or(t.created_at))
        ),
        None => "It keeps never expiring where this server allows that.".to_owned(),
    };
    view! {
        <ModalDialog id=id.clone() title=title>
            <form
                method="post"
                action={<RegenerateToken as ServerFn>::PATH}
                data-enhance=""
                data-done="secret"
                data-refresh=refresh
            >
                <p>
                    "A new secret replaces the one of " <code>{masked.clone()}</code>
                    ". The token keeps its name, scopes and history. " {lifetime}
                </p>
                <input type="hidden" name="id" value=t.id />
                <label for=grace_id.clone()>"The old secret stops working"</label>
                <select id=grace_id name="grace">
                    {GRACE_CHOICES
                        .iter()
                        .map(|(secs, label)| {
                            view! {
                                <option value=*secs selected=*secs == 0>
                                    {*label}
                                </option>
                            }
                        })
                        .collect_view()}
                </select>
                <p class="form-error" role="alert"></p>
                <div class="dialog-actions">
                    <CloseDialog id=id.clone() />
                    // Without the page's script the new secret could not be
                    // shown: the button waits for it.
                    <button
                        class="button primary"
                        type="submit"
                        disabled=""
                        data-needs-script=""
                        data-busy="Regenerating…"
                    >
                        "Regenerate"
                    </button>
                </div>
            </form>
            <div class="secret-result" data-secret-result="" hidden="">
                <label for=secret_id.clone()>"New secret"</label>
                <div class="token-row">
                    <input
                        id=secret_id.clone()
                        class="mono"
                        type="password"
                        readonly=""
                        autocomplete="off"
                        spellcheck="false"
                        data-secret=""
                    />
                    <button type="button" class="button secondary" data-reveal=secret_id.clone()>
                        "Reveal"
                    </button>
                    <button type="button" class="button secondary" data-copy=secret_id>
                        "Copy to Clipboard"
                    </button>
                    <span class="copied" role="status"></span>
                </div>
                <p class="hint" data-secret-note=""></p>
                <div class="dialog-actions">
                    <CloseDialog id label="Done" primary=true />
                </div>
            </div>
        </ModalDialog>
    }
}
