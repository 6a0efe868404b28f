//! Lesson 7's names: the source with its exact probabilities, the bigram table, the
//! context-window MLP, sampling at a temperature, and every model's bits per symbol on the
//! held-out names beside the source's own.

use super::transformer::symbols;
use crate::data::names::{self, display, NameSource, END, VOCAB};
use crate::data::Rng;
use crate::models::autoregressive::{bits_per_symbol, sample_name, Bigram, Temper};
use crate::plot::{fmt_num, fmt_pct, Figure, PALETTE};
use crate::train::run::RunState;
use crate::ui::browser;
use crate::ui::kit::{heat_table, Choice, Slider, TrainPanel};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training::{self, ModelHandle};
use crate::ui::widgets::publish;
use leptos::prelude::*;

pub const MLP: &str = "names-mlp";
pub const GPT: &str = "names-gpt";
/// Names the bigram is counted from.
const BIGRAM_NAMES: usize = 20_000;
const BIGRAM_SEED: u64 = 71;
/// The bigram's add-α.
const BIGRAM_ALPHA: f64 = 0.01;
/// Names drawn for the sampling statistics.
const SAMPLED: usize = 200;
/// Names listed.
const LISTED: usize = 12;
/// Pause before each symbol of a name written slowly, ms.
const SLOW_MS: i32 = 600;

fn counted_bigram() -> Bigram {
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
type Drawn = Vec<(usize, f64)>;

fn letters(d: &Drawn) -> String {
    let t: Vec<usize> = d.iter().map(|c| c.0).take_while(|&c| c != END).collect();
    names::decode(&t)
}

/// Names as a list: each letter with its probability in its tooltip, ✓ where the source
/// could say the name, and its exact log₂ probability under the source.
fn name_list(drawn: &[Drawn], testid: &'static str) -> impl IntoView {
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

/// Of `drawn`, the share the source could say and their mean exact log₂ p.
fn sayable(drawn: &[Drawn]) -> (f64, f64) {
    let ps: Vec<f64> = drawn
        .iter()
        .map(|d| NameSource.prob(&letters(d)))
        .filter(|&p| p > 0.0)
        .collect();
    let share = ps.len() as f64 / drawn.len().max(1) as f64;
    let mean = ps.iter().map(|p| p.log2()).sum::<f64>() / ps.len().max(1) as f64;
    (share, mean)
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

/// "sample" rows (symbols and probabilities interleaved) as drawn names.
pub fn decode_drawn(rows: Vec<Vec<f32>>) -> Vec<Drawn> {
    rows.into_iter()
        .map(|r| r.chunks(2).map(|c| (c[0] as usize, c[1] as f64)).collect())
        .collect()
}

/// Which model samples.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Sampler {
    Bigram,
    Engine(&'static str),
}

/// Names drawn at a temperature and top-k from the chosen model, with the share the source
/// could say and their exact log-probability; one name's chain rule term by term.
pub fn sampling() -> impl IntoView {
    let b = StoredValue::new(counted_bigram());
    let who = RwSignal::new(Sampler::Engine(GPT));
    let temperature = RwSignal::new(1.0f64);
    let top_k = RwSignal::new(0.0f64);
    let seed = RwSignal::new(1u64);
    let (mlp, gpt) = (training::model(MLP), training::model(GPT));
    mlp.ensure_loaded();
    gpt.ensure_loaded();
    let drawn = async_memo(move || {
        let temper = Temper {
            temperature: temperature.get(),
            top_k: top_k.get() as usize,
        };
        let s = seed.get();
        let who = who.get();
        let f = match who {
            Sampler::Engine(name) => {
                let m = if name == GPT { gpt } else { mlp };
                Some(m.call_with(
                    "sample",
                    Vec::new(),
                    vec![
                        SAMPLED as f64,
                        temper.temperature,
                        temper.top_k as f64,
                        s as f64,
                    ],
                ))
            }
            Sampler::Bigram => None,
        };
        async move {
            match f {
                Some(f) => Some(decode_drawn(f.await?)),
                None => {
                    let mut rng = Rng::new(s);
                    Some(
                        (0..SAMPLED)
                            .map(|_| {
                                b.with_value(|b| {
                                    sample_name(
                                        |pre| b.next(pre.last().copied().unwrap_or(END)),
                                        temper,
                                        &mut rng,
                                    )
                                })
                            })
                            .collect(),
                    )
                }
            }
        }
    });
    // Of the names drawn: how many, the share the source could say and their mean exact
    // log₂ p, and how many differ; read by the line under them and the exercise.
    let summary = Memo::new(move |_| {
        drawn.get().map(|d| {
            let (share, mean) = sayable(&d);
            let distinct = d
                .iter()
                .map(letters)
                .collect::<std::collections::BTreeSet<_>>()
                .len();
            (d.len(), share, mean, distinct)
        })
    });
    Effect::new(move |_| {
        if let Some((_, share, _, distinct)) = summary.get() {
            publish("names.sayable-percent", 100.0 * share);
            let bigram = who.get_untracked() == Sampler::Bigram;
            publish("names.bigram", if bigram { 1.0 } else { 0.0 });
            publish("names.distinct", distinct as f64);
        }
    });
    let stats = move || {
        summary.get().map(|(n, share, mean, distinct)| {
            format!(
                "Of {n} names drawn: {} the source could say, {distinct} distinct; the sayable ones' mean exact log₂ p under the source is {} bits.",
                fmt_pct(share), fmt_num(mean)
            )
        })
    };
    let chosen = RwSignal::new(0usize);
    let chain = move || {
        drawn.get().and_then(|d| {
            let name = d.get(chosen.get().min(d.len().saturating_sub(1)))?.clone();
            let s = letters(&name);
            let mut sum = 0.0;
            let mut sum_true = 0.0;
            let rows = name
                .iter()
                .enumerate()
                .map(|(i, &(c, q))| {
                    sum += q.log2();
                    let truth = NameSource.next(&s[..i.min(s.len())]).map(|p| p[c]);
                    if let Some(t) = truth {
                        sum_true += t.log2();
                    }
                    let shown = if c == END { "end".to_string() } else { names::symbol(c).to_string() };
                    view! { <tr><td>{shown}</td><td class="num">{fmt_num(q)}</td><td class="num">{fmt_num(q.log2())}</td><td class="num">{fmt_num(sum)}</td>
                        <td class="num">{truth.map_or("0".to_string(), fmt_num)}</td><td class="num">{if truth.is_some() { fmt_num(sum_true) } else { "−∞".to_string() }}</td></tr> }
                })
                .collect::<Vec<_>>();
            Some(view! {
                <table class="data" tabindex="0" data-testid="names-chain">
                    <caption>{format!("{}, symbol by symbol: log₂ p(name) is the sum of the terms", display(&s))}</caption>
                    <thead><tr><th>"symbol"</th><th class="num">"p (as drawn)"</th><th class="num">"log₂"</th><th class="num">"sum"</th><th class="num">"p (source)"</th><th class="num">"sum"</th></tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            })
        })
    };
    // One name written slowly: before each symbol, the law it is drawn from (tempered).
    let slow_run = RwSignal::new(RunState::default());
    let slow_name = RwSignal::new(Drawn::new());
    let slow_law = RwSignal::new(None::<(String, Vec<f64>)>);
    let write_slowly = move |_| {
        slow_name.set(Vec::new());
        slow_law.set(None);
        let mut rng = Rng::new(0x51_0e ^ seed.get_untracked());
        let rng = std::rc::Rc::new(std::cell::RefCell::new(Rng::new(rng.next_u64())));
        run_kit::drive(slow_run, move |ticket| {
            let rng = rng.clone();
            async move {
                let temper = Temper {
                    temperature: temperature.get_untracked(),
                    top_k: top_k.get_untracked() as usize,
                };
                let so_far: Vec<usize> = slow_name.get_untracked().iter().map(|c| c.0).collect();
                let p = match who.get_untracked() {
                    Sampler::Bigram => {
                        Some(b.with_value(|b| b.next(so_far.last().copied().unwrap_or(END))))
                    }
                    Sampler::Engine(name) => {
                        let m = if name == GPT { gpt } else { mlp };
                        let row = vec![so_far.iter().map(|&t| t as f32).collect()];
                        m.call("next", row)
                            .await
                            .and_then(|r| r.into_iter().next())
                            .map(|r| r.into_iter().map(f64::from).collect())
                    }
                };
                let Some(mut p) = p else { return false };
                if so_far.len() == names::MAX_LEN {
                    p = (0..VOCAB).map(|i| (i == END) as u8 as f64).collect();
                }
                if !ticket.live() {
                    return false;
                }
                slow_law.set(Some((names::decode(&so_far), temper.apply(&p))));
                browser::sleep_ms(SLOW_MS).await;
                let (c, q) = temper.draw(&p, &mut rng.borrow_mut());
                slow_name.update(|n| n.push((c, q)));
                browser::sleep_ms(SLOW_MS / 2).await;
                c != END
            }
        });
    };
    let slow_view = move || {
        let n = slow_name.get();
        let (written, law) = slow_law.get()?;
        let svg = Figure::category_bars(
            &symbols(),
            vec![("drawn from".into(), PALETTE[0].into(), law.clone())],
        )
        .size(620.0, 220.0)
        .title(&format!("p(next | “{}”), as drawn", display(&written)))
        .labels("next symbol", "probability")
        .describe(format!(
            "The tempered law of the next symbol after “{written}”; its likeliest symbol has {}.",
            fmt_num(law.iter().cloned().fold(0.0, f64::max))
        ))
        .to_svg();
        Some(view! {
            <div class="plot-host" data-testid="names-slow-law" inner_html=svg></div>
            <div data-testid="names-slow-name">{name_list(&[n], "names-slow-list")}</div>
        })
    };
    let pick_buttons = move || {
        drawn.get().map(|d| {
            d.iter()
                .take(LISTED)
                .enumerate()
                .map(|(i, n)| view! { <button class:selected=move || chosen.get() == i on:click=move |_| chosen.set(i)>{display(&letters(n))}</button> })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <Choice label="Model:" options=vec![(Sampler::Bigram, "bigram", "names-sample-bigram"), (Sampler::Engine(MLP), "MLP", "names-sample-mlp"), (Sampler::Engine(GPT), "transformer", "names-sample-gpt")] value=who testid="names-model"/>
        <Slider label="Temperature" min=0.0 max=2.0 step=0.05 value=temperature testid="names-temperature"/>
        <Slider label="Top-k (0: all)" min=0.0 max=26.0 step=1.0 value=top_k testid="names-top-k"/>
        <div class="controls"><button data-testid="names-sample-again" on:click=move |_| seed.update(|s| *s += 1)>"Draw again"</button></div>
        <div class="controls">
            <button data-testid="names-slow" on:click=write_slowly disabled=move || slow_run.with(|r| r.running())>"Write one name slowly"</button>
        </div>
        {slow_view}
        <p data-testid="names-sample-stats">{stats}</p>
        {move || drawn.get().map(|d| name_list(&d, "names-sample-list"))}
        <div class="controls"><span>"Chain rule for:"</span>{pick_buttons}</div>
        {chain}
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
