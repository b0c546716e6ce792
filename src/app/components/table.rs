//! The tables of the pages (rendered by the server).

use leptos::prelude::*;

/// Rows under column headings. An empty heading is the column of row
/// actions, named for screen readers. On narrow screens (the stylesheet's
/// phone width) each row becomes a card, its cells one under another, each
/// labelled with its column's heading: the headings reach the cells' labels
/// as custom properties (`--c1`, `--c2`, …) on the table.
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
            <table class="table" style=labels(columns)>
                <thead>
                    <tr>{heads}</tr>
                </thead>
                <tbody>{children()}</tbody>
            </table>
        </div>
    }
}

/// `--c1: "Name"; --c2: "Token"; …` for the headings that have a name.
fn labels(columns: &[&str]) -> String {
    columns
        .iter()
        .enumerate()
        .filter(|(_, c)| !c.is_empty())
        .map(|(i, c)| {
            let text = c.replace('\\', "\\\\").replace('"', "\\\"");
            format!("--c{}: \"{text}\";", i + 1)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::labels;

    #[test]
    fn headings_become_quoted_custom_properties_and_the_actions_column_none() {
        assert_eq!(
            labels(&["Name", "Say \"hi\"", ""]),
            "--c1: \"Name\"; --c2: \"Say \\\"hi\\\"\";"
        );
    }
}
