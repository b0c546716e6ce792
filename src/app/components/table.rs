//! The tables of the pages (rendered by the server).

use leptos::prelude::*;

/// Rows under column headings, scrolling sideways on narrow screens. An
/// empty heading is the column of row actions, named for screen readers.
#[component]
pub fn DataTable(columns: &'static [&'static str], children: Children) -> impl IntoView {
    let heads = columns
        .iter()
        .map(|&c| {
            if c.is_empty() {
                view! {
                    <th scope="col">
                        <span class="visually-hidden">"Actions"</span>
                    </th>
                }
                .into_any()
            } else {
                view! { <th scope="col">{c}</th> }.into_any()
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table">
                <thead>
                    <tr>{heads}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}
