//! A heat map as an HTML table: one coloured cell per value, the rows' and columns'
//! labels as headers (crisp at any width, unlike text in a scaled SVG), masked cells
//! hatched, each cell's value in its tooltip.

use crate::plot::{fmt_num, ColourMap};
use leptos::prelude::*;

/// `values` row by row (`rows.len()` × `cols.len()`), coloured from 0 to `hi`; cells where
/// `masked(row, col)` hatched instead.
pub fn heat_table(
    caption: String,
    rows: &[String],
    cols: &[String],
    values: &[f64],
    hi: f64,
    masked: impl Fn(usize, usize) -> bool,
    testid: &'static str,
) -> impl IntoView {
    let head = cols
        .iter()
        .map(|c| view! { <th scope="col">{c.clone()}</th> })
        .collect::<Vec<_>>();
    let body = rows
        .iter()
        .enumerate()
        .map(|(r, label)| {
            let cells = (0..cols.len())
                .map(|c| {
                    let v = values[r * cols.len() + c];
                    if masked(r, c) {
                        view! { <td class="masked" title="masked"></td> }.into_any()
                    } else {
                        let style = format!("background:{}", ColourMap::Blues.colour(v / hi));
                        let title = format!("{} → {}: {}", label, cols[c], fmt_num(v));
                        view! { <td style=style title=title></td> }.into_any()
                    }
                })
                .collect::<Vec<_>>();
            view! { <tr><th scope="row">{label.clone()}</th>{cells}</tr> }
        })
        .collect::<Vec<_>>();
    view! {
        <div class="heat-wrap" tabindex="0">
            <table class="heat" data-testid=testid>
                <caption>{caption}</caption>
                <thead><tr><th><span class="visually-hidden">"row → column"</span></th>{head}</tr></thead>
                <tbody>{body}</tbody>
            </table>
        </div>
    }
}
