//! Lesson 7's transformer: type a prefix and see the next symbol's distribution beside the
//! source's exact one, and the attention weights of every head of every layer for that
//! text, the causal mask shaded; and its training panel.

use super::names::{token_row, GPT};
use crate::data::names::{self, display, NameSource, VOCAB};
use crate::plot::{fmt_num, Figure, PALETTE};
use crate::ui::kit::{heat_table, TrainPanel};
use crate::ui::run_kit::async_memo;
use crate::ui::training;
use leptos::prelude::*;

/// The symbols as bar labels: the end as "end", then a–z.
pub fn symbols() -> Vec<&'static str> {
    const S: [&str; VOCAB] = [
        "end", "a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k", "l", "m", "n", "o", "p", "q",
        "r", "s", "t", "u", "v", "w", "x", "y", "z",
    ];
    S.to_vec()
}

/// One head's attention over `text`: row i is where position i looks; the masked future
/// (above the diagonal) hatched.
fn attention_map(w: &[f32], text: &str, layer: usize, head: usize) -> impl IntoView {
    let labels: Vec<String> = std::iter::once("·".to_string())
        .chain(text.chars().map(|c| c.to_string()))
        .collect();
    let values: Vec<f64> = w.iter().map(|&v| v as f64).collect();
    heat_table(
        format!("layer {} · head {}", layer + 1, head + 1),
        &labels,
        &labels,
        &values,
        1.0,
        |q, k| k > q,
        "attention-map",
    )
}

pub fn transformer() -> impl IntoView {
    let m = training::model(GPT);
    m.ensure_loaded();
    let typed = RwSignal::new("mar".to_string());
    // Only a–z, at most the model's context less one.
    let text = Memo::new(move |_| {
        typed
            .get()
            .to_lowercase()
            .chars()
            .filter(|c| c.is_ascii_lowercase())
            .take(names::MAX_LEN - 1)
            .collect::<String>()
    });
    let next = async_memo(move || {
        let f = m.call("next", vec![token_row(&text.get())]);
        async move { f.await?.into_iter().next() }
    });
    let maps = async_memo(move || {
        let t = text.get();
        let f = m.call("attention", vec![token_row(&t)]);
        async move { Some((t, f.await?)) }
    });
    let bars = move || {
        let p = next.get()?;
        let t = text.get();
        let truth = NameSource.next(&t);
        let mut series = vec![(
            "transformer".to_string(),
            PALETTE[0].to_string(),
            p.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        )];
        if let Some(tp) = &truth {
            series.push(("the source".into(), PALETTE[2].into(), tp.clone()));
        }
        let best = (0..VOCAB)
            .max_by(|&a, &b| p[a].total_cmp(&p[b]))
            .unwrap_or(0);
        Some(
            Figure::category_bars(&symbols(), series)
                .size(620.0, 260.0)
                .title(&format!("p(next symbol | “{}”)", display(&t)))
                .labels("next symbol", "probability")
                .describe(format!(
                    "The transformer's likeliest next symbol is {} with {}{}",
                    symbols()[best],
                    fmt_num(p[best] as f64),
                    match &truth {
                        Some(tp) => format!("; the source gives it {}.", fmt_num(tp[best])),
                        None => ". The source never starts a name this way.".to_string(),
                    }
                ))
                .to_svg(),
        )
    };
    let grid = move || {
        let (t, rows) = maps.get()?;
        let head = rows.first()?;
        let (layers, heads) = (head[0] as usize, head[1] as usize);
        let items = (0..layers)
            .flat_map(|l| (0..heads).map(move |h| (l, h)))
            .map(|(l, h)| attention_map(&rows[1 + l * heads + h], &t, l, h))
            .collect::<Vec<_>>();
        Some(view! { <div class="attention-grid">{items}</div> })
    };
    view! {
        <div class="controls">
            <label>"Type the start of a name: "<input type="text" maxlength="14" data-testid="gpt-prefix" prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))/></label>
        </div>
        {move || (m.version.get() == 0).then(|| crate::ui::kit::weights_wait(m))}
        <div class="plot-host" data-testid="gpt-next" inner_html=move || bars().unwrap_or_default()></div>
        <p class="muted">{move || if NameSource.prefix_prob(&text.get()) > 0.0 { String::new() } else { "The source never starts a name like this: the model is guessing outside anything it saw.".to_string() }}</p>
        <div data-testid="gpt-attention">{grid}</div>
        <TrainPanel model=m steps=2000 title="the transformer"/>
    }
}
