//! Lesson 7's sampling: names drawn from the bigram, the MLP or the transformer at a
//! temperature and top-k, with the share the source could say; one name written slowly,
//! each symbol's law first; a drawn name's chain rule term by term.

use super::names::{counted_bigram, decode_drawn, letters, name_list, Drawn, GPT, LISTED, MLP};
use super::transformer::symbols;
use crate::data::names::{self, display, NameSource, END, VOCAB};
use crate::data::Rng;
use crate::models::autoregressive::{sample_name, Temper};
use crate::plot::{fmt_num, fmt_pct, Figure, PALETTE};
use crate::train::run::RunState;
use crate::ui::browser;
use crate::ui::kit::{Choice, Slider};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training;
use crate::ui::widgets::publish;
use leptos::prelude::*;

/// Names drawn for the sampling statistics.
const SAMPLED: usize = 200;
/// Pause before each symbol of a name written slowly, ms.
const SLOW_MS: i32 = 600;

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
    let net = move |name| if name == GPT { gpt } else { mlp };
    // Only the chosen network's weights are fetched.
    Effect::new(move |_| {
        if let Sampler::Engine(name) = who.get() {
            net(name).ensure_loaded();
        }
    });
    let drawn = async_memo(move || {
        let temper = Temper {
            temperature: temperature.get(),
            top_k: top_k.get() as usize,
        };
        let s = seed.get();
        let who = who.get();
        let f = match who {
            Sampler::Engine(name) => {
                let m = net(name);
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
                        let m = net(name);
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
