//! Lesson 7's names: the source with its exact probabilities, the bigram table, the
//! context-window MLP, and every model's bits per symbol on the held-out names beside the
//! source's own; the helpers that list drawn names (sampling is in `sampling`).

use crate::data::names::{self, display, NameSource, END, VOCAB};
use crate::data::Rng;
use crate::models::autoregressive::{bits_per_symbol, sample_name, Bigram, Temper};
use crate::plot::fmt_num;
use crate::ui::kit::{heat_table, TrainPanel};
use crate::ui::run_kit::async_memo;
use crate::ui::training::{self, ModelHandle};
use leptos::prelude::*;

pub const MLP: &str = "names-mlp";
pub const GPT: &str = "names-gpt";
/// Names the bigram is counted from.
const BIGRAM_NAMES: usize = 20_000;
const BIGRAM_SEED: u64 = 71;
/// The bigram's add-α.
const BIGRAM_ALPHA: f64 = 0.01;
/// Names listed.
pub(super) const LISTED: usize = 12;

pub(super) fn counted_bigram() -> Bigram {
    Bigram::fit(
        &NameSource.sample_n(BIGRAM_NAMES, BIGRAM_SEED),
        BIGRAM_ALPHA,
    )
}

/// A name's letters as the engine's rows want them.
pub fn token_row(name: &str) -> Vec<f32> {
    names::encode(name)
        .unwrap_or_default()
        .into_iter()
        .map(|t| t as f32)
        .collect()
}

/// The held-out names' bits per symbol under a model in the engine (`None` until it has
/// weights).
fn engine_bits(m: ModelHandle) -> ReadSignal<Option<f64>> {
    async_memo(move || {
        let rows: Vec<Vec<f32>> = names::held_out().iter().map(|s| token_row(s)).collect();
        let f = m.call("bits", rows);
        async move {
            let b = f.await?;
            Some(bits_per_symbol(
                b.into_iter()
                    .map(|r| r.into_iter().map(f64::from).collect()),
            ))
        }
    })
}

/// One name as drawn: its symbols with their probabilities (the end last).
pub(super) type Drawn = Vec<(usize, f64)>;

pub(super) fn letters(d: &Drawn) -> String {
    let t: Vec<usize> = d.iter().map(|c| c.0).take_while(|&c| c != END).collect();
    names::decode(&t)
}

/// Names as a list: each letter with its probability in its tooltip, ✓ where the source
/// could say the name, and its exact log₂ probability under the source.
pub(super) fn name_list(drawn: &[Drawn], testid: &'static str) -> impl IntoView {
    let items = drawn
        .iter()
        .take(LISTED)
        .map(|d| {
            let s = letters(d);
            let p = NameSource.prob(&s);
            let spans = d
                .iter()
                .map(|&(c, q)| {
                    let shown = if c == END { "·".to_string() } else { names::symbol(c).to_string() };
                    view! { <span class="sym" title=format!("p = {}", fmt_num(q))>{shown}<small>{fmt_num(q)}</small></span> }
                })
                .collect::<Vec<_>>();
            let verdict = if p > 0.0 {
                format!("✓ the source: log₂ p = {}", fmt_num(p.log2()))
            } else {
                "✗ the source never says it".to_string()
            };
            view! { <li><strong>{display(&s)}</strong>" "<span class="syms">{spans}</span>" "<span class="muted">{verdict}</span></li> }
        })
        .collect::<Vec<_>>();
    view! { <ul class="names" data-testid=testid>{items}</ul> }
}

/// "sample" rows (symbols and probabilities interleaved) as drawn names.
pub(super) fn decode_drawn(rows: Vec<Vec<f32>>) -> Vec<Drawn> {
    rows.into_iter()
        .map(|r| r.chunks(2).map(|c| (c[0] as usize, c[1] as f64)).collect())
        .collect()
}

/// Twelve names from the source with their exact probabilities, a box to try any name,
/// and the source's entropy.
pub fn source() -> impl IntoView {
    let seed = RwSignal::new(1u64);
    let drawn = move || {
        let list: Vec<(String, f64)> = NameSource
            .sample_n(LISTED, 0x5eed ^ seed.get())
            .into_iter()
            .map(|s| {
                let p = NameSource.prob(&s);
                (s, p)
            })
            .collect();
        list.into_iter()
            .map(|(s, p)| view! { <li><strong>{display(&s)}</strong>" "<span class="muted">{format!("p = {}, log₂ p = {}", fmt_num(p), fmt_num(p.log2()))}</span></li> })
            .collect::<Vec<_>>()
    };
    let typed = RwSignal::new("maren".to_string());
    let verdict = move || {
        let s = typed.get().to_lowercase();
        match names::encode(&s) {
            None => "Letters a–z only.".to_string(),
            Some(_) if s.is_empty() => String::new(),
            Some(_) => {
                let p = NameSource.prob(&s);
                if p > 0.0 {
                    format!(
                        "p({}) = {}: log₂ p = {} bits.",
                        display(&s),
                        fmt_num(p),
                        fmt_num(p.log2())
                    )
                } else {
                    format!("The source never says “{}”: p = 0.", display(&s))
                }
            }
        }
    };
    let held = names::held_out();
    let e = names::held_out_entropy();
    let entropy = format!(
        "Entropy of a name, estimated from {} names drawn from the source with their exact probabilities: {} ± {} bits. A name has {} symbols on average (its letters and the end), so the source's entropy rate is {} bits per symbol.",
        held.len(),
        fmt_num(e.per_name),
        fmt_num(e.stderr),
        fmt_num(e.symbols),
        fmt_num(e.per_symbol())
    );
    view! {
        <ul class="names" data-testid="names-source-list">{drawn}</ul>
        <div class="controls">
            <button data-testid="names-source-again" on:click=move |_| seed.update(|s| *s += 1)>"Draw 12 more"</button>
            <label>"Try a name: "<input type="text" maxlength="15" data-testid="names-source-try" prop:value=move || typed.get()
                on:input=move |ev| typed.set(event_target_value(&ev))/></label>
        </div>
        <p data-testid="names-source-p">{verdict}</p>
        <p data-testid="names-entropy">{entropy}</p>
    }
}

/// The bigram table p(next | previous) as a map, its bits per symbol beside the source's,
/// and names drawn from it.
pub fn bigram() -> impl IntoView {
    let b = StoredValue::new(counted_bigram());
    let held = names::held_out();
    let bits = b.with_value(|b| bits_per_symbol(held.iter().map(|s| b.symbol_bits(s))));
    let truth = names::held_out_entropy().per_symbol();
    // Only the symbols the source uses: the others' rows and columns are all zero counts.
    let used: Vec<usize> = b.with_value(|b| {
        (0..VOCAB)
            .filter(|&t| {
                b.counts[t].iter().sum::<f64>() > 0.0 || (0..VOCAB).any(|r| b.counts[r][t] > 0.0)
            })
            .collect()
    });
    let unused: String = (1..VOCAB)
        .filter(|t| !used.contains(t))
        .map(names::symbol)
        .collect::<Vec<_>>()
        .iter()
        .map(|c| c.to_string())
        .collect::<Vec<_>>()
        .join(", ");
    let labels: Vec<String> = used.iter().map(|&t| names::symbol(t).to_string()).collect();
    let values: Vec<f64> = b.with_value(|b| {
        used.iter()
            .flat_map(|&r| {
                let p = b.next(r);
                used.iter().map(move |&c| p[c]).collect::<Vec<_>>()
            })
            .collect()
    });
    let hi = values.iter().cloned().fold(0.0, f64::max);
    let map = heat_table(
        "p(next | previous): rows the previous symbol, columns the next; · is the boundary"
            .to_string(),
        &labels,
        &labels,
        &values,
        hi,
        |_, _| false,
        "names-bigram-map",
    );
    let seed = RwSignal::new(1u64);
    let drawn = move || {
        let mut rng = Rng::new(0xb16 ^ seed.get());
        let d: Vec<Drawn> = (0..LISTED)
            .map(|_| {
                b.with_value(|b| {
                    sample_name(
                        |pre| b.next(pre.last().copied().unwrap_or(END)),
                        Temper::PLAIN,
                        &mut rng,
                    )
                })
            })
            .collect();
        name_list(&d, "names-bigram-list")
    };
    view! {
        {map}
        <p class="muted">{format!("The letters the source never uses ({unused}) are left out: their counts are all zero.")}</p>
        <p data-testid="names-bigram-bits">{format!(
            "On 2000 held-out names: the bigram needs {} bits per symbol, the source itself {}. The table has {} free parameters.",
            fmt_num(bits), fmt_num(truth), Bigram::free_parameters()
        )}</p>
        <div class="controls"><button data-testid="names-bigram-again" on:click=move |_| seed.update(|s| *s += 1)>"Draw 12 names"</button></div>
        {drawn}
    }
}

/// The context-window MLP: its parameters and bits per symbol, names drawn from it, and
/// its training panel.
pub fn window() -> impl IntoView {
    let m = training::model(MLP);
    m.ensure_loaded();
    let bits = engine_bits(m);
    let truth = names::held_out_entropy().per_symbol();
    let seed = RwSignal::new(1u64);
    let drawn = async_memo(move || {
        let f = m.call_with(
            "sample",
            Vec::new(),
            vec![LISTED as f64, 1.0, 0.0, seed.get() as f64],
        );
        async move { Some(decode_drawn(f.await?)) }
    });
    let count = async_memo(move || {
        let f = m.call("parameters", Vec::new());
        async move { Some(f.await?.first()?.first().copied()? as usize) }
    });
    view! {
        <p data-testid="names-mlp-bits">{move || match bits.get() {
            None => "Measuring the MLP on the held-out names…".to_string(),
            Some(b) => format!(
                "On the held-out names the MLP needs {} bits per symbol (the source {}), with {} parameters.",
                fmt_num(b), fmt_num(truth), count.get().map_or("…".to_string(), |c| c.to_string())
            ),
        }}</p>
        <div class="controls"><button data-testid="names-mlp-again" on:click=move |_| seed.update(|s| *s += 1)>"Draw 12 names"</button></div>
        {move || drawn.get().map(|d| name_list(&d, "names-mlp-list"))}
        <TrainPanel model=m steps=1500 title="the MLP"/>
    }
}

/// Every model's bits per symbol on the held-out names beside the source's.
pub fn against_truth() -> impl IntoView {
    let held = names::held_out();
    let truth = names::held_out_entropy().per_symbol();
    let b = counted_bigram();
    let bigram_bits = bits_per_symbol(held.iter().map(|s| b.symbol_bits(s)));
    let (mlp, gpt) = (training::model(MLP), training::model(GPT));
    mlp.ensure_loaded();
    gpt.ensure_loaded();
    let (mlp_bits, gpt_bits) = (engine_bits(mlp), engine_bits(gpt));
    let row = move |name: &'static str, bits: Option<f64>| {
        view! { <tr><td>{name}</td><td class="num">{bits.map_or("…".to_string(), fmt_num)}</td>
        <td class="num">{bits.map_or("…".to_string(), |b| format!("+{}", fmt_num(b - truth)))}</td></tr> }
    };
    view! {
        <table class="data" tabindex="0" data-testid="names-truth">
            <thead><tr><th>"model"</th><th class="num">"bits per symbol"</th><th class="num">"above the source"</th></tr></thead>
            <tbody>
                <tr><td>"the source (exact)"</td><td class="num">{fmt_num(truth)}</td><td class="num">"0"</td></tr>
                {row("bigram table", Some(bigram_bits))}
                {move || row("MLP over 4 symbols", mlp_bits.get())}
                {move || row("transformer", gpt_bits.get())}
            </tbody>
        </table>
        <p class="muted">{format!("Measured on the same {} held-out names (letters and ends: {} symbols).", held.len(), held.iter().map(|s| s.len() + 1).sum::<usize>())}</p>
    }
}
