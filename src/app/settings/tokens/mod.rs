//! `/settings/tokens`: generate, save, list, deactivate and delete tokens.
//!
//! The list is rendered by the server; only the *New token* card is an
//! island. Saving, deactivating or activating a token reloads the list in
//! place (`data-refresh`), so a token just generated stays in its field;
//! so does closing the dialog that showed a regenerated secret. Deleting
//! one reloads the page, which empties the field.

use leptos::prelude::*;
use leptos_meta::Title;

mod dialogs;
mod list;
mod new_token;

use crate::app::settings::data::TokensData;
use list::TokenList;
use new_token::{NewToken, ScopeChoices};

#[component]
pub fn TokensSection() -> impl IntoView {
    let data = expect_context::<TokensData>();
    view! {
        <Title text="API tokens" />
        <h1>"API tokens"</h1>
        <p class="lead">
            "Tokens let scripts and integrations use the REST API as you. Send one as "
            <code>"Authorization: Bearer <token>"</code> "."
        </p>
        <Suspense>
            {move || Suspend::new(async move {
                match data.list.await {
                    Ok(page) => {
                        let platform = page.platform.clone();
                        view! {
                            <NewToken policy=page.policy count=page.tokens.len() as u32 server_now=page.now>
                                <ScopeChoices platform=platform.clone() />
                            </NewToken>
                            <div id="token-list">
                                <TokenList page />
                            </div>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}
