//! Lesson 7: autoregressive models. The chain rule on lesson 2's outfits (an outfit built
//! feature by feature, and the chain's divergence from P_data as the data grow), then
//! names (`names`, `sampling`), the transformer (`transformer`) and the PixelCNN (`pixels`).

mod names;
mod pixels;
mod sampling;
mod transformer;

use super::outfits::{n_of, n_slider};
use super::{avatar_svg, Widgets};
use crate::data::avatar::{Avatar, FEATURES, N_COMBINATIONS};
use crate::data::{PData, Rng};
use crate::models::autoregressive::{
    conditional_of_table, kl_sizes, table_chain_parameters, OutfitChain,
};
use crate::models::tabular::{independent_of_marginals, kl, FullTable, NaiveBayes};
use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::train::run::RunState;
use crate::ui::run_kit::{self, next_tick};
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("ar-outfit-chain", || outfit_chain().into_any()),
    ("ar-kl-vs-n", || kl_vs_n().into_any()),
    ("names-source", || names::source().into_any()),
    ("names-bigram", || names::bigram().into_any()),
    ("names-window", || names::window().into_any()),
    ("names-transformer", || {
        transformer::transformer().into_any()
    }),
    ("names-sample", || sampling::sampling().into_any()),
    ("names-truth", || names::against_truth().into_any()),
    ("pixels-draw", || pixels::draw().into_any()),
    ("pixels-complete", || pixels::complete().into_any()),
    ("pixels-bits", || pixels::against_independent().into_any()),
];

/// Outfits the chain is fitted to in the feature-by-feature step.
const CHAIN_N: usize = 5000;
/// Seed of those outfits (and of the N slider's data).
const OUTFIT_SEED: u64 = 70;

/// An outfit built one feature at a time: before each feature, the chain's distribution
/// of it given the features chosen so far, beside P_data's; the reader picks a value or
/// lets the model draw it; the log-probability builds up as a sum.
fn outfit_chain() -> impl IntoView {
    let chain = StoredValue::new(OutfitChain::fit(
        &PData::default().sample_n(CHAIN_N, OUTFIT_SEED),
    ));
    let truth = StoredValue::new(PData::default().table());
    let chosen = RwSignal::new(Vec::<u8>::new());
    let draws = RwSignal::new(0u64);
    let prefix = move || {
        let mut p = [0u8; 5];
        let c = chosen.get();
        p[..c.len()].copy_from_slice(&c);
        (c.len(), p)
    };
    let pick = move |v: u8| chosen.update(|c| c.push(v));
    let draw = move |_| {
        let (k, p) = prefix();
        if k == 5 {
            return;
        }
        draws.update(|d| *d += 1);
        let mut rng = Rng::new(0x0c4a_1e ^ draws.get_untracked());
        let q = chain.with_value(|c| c.conditional(k, &p));
        pick(rng.categorical(&q) as u8);
    };
    let bars = move || {
        let (k, p) = prefix();
        if k == 5 {
            return String::new();
        }
        let model = chain.with_value(|c| c.conditional(k, &p));
        let true_p = truth.with_value(|t| conditional_of_table(t, k, &p));
        let f = &FEATURES[k];
        Figure::category_bars(
            f.values,
            vec![
                ("the chain".into(), PALETTE[0].into(), model.clone()),
                ("P_data".into(), PALETTE[2].into(), true_p.clone()),
            ],
        )
        .size(560.0, 260.0)
        .title(&format!("p({} | the features chosen so far)", f.name))
        .labels(f.name, "probability")
        .describe(format!(
            "Bars of the next feature's distribution: {}",
            f.values
                .iter()
                .zip(&model)
                .zip(&true_p)
                .map(|((v, m), t)| format!("{v}: chain {}, P_data {}", fmt_num(*m), fmt_num(*t)))
                .collect::<Vec<_>>()
                .join("; ")
        ))
        .to_svg()
    };
    let buttons = move || {
        let (k, _) = prefix();
        (k < 5).then(|| {
            FEATURES[k]
                .values
                .iter()
                .enumerate()
                .map(|(i, v)| view! { <button data-testid="chain-pick" on:click=move |_| pick(i as u8)>{*v}</button> })
                .collect::<Vec<_>>()
        })
    };
    // One row per chosen feature: p under the chain and under P_data, and the running sums.
    let rows = move || {
        let c = chosen.get();
        let mut p = [0u8; 5];
        p[..c.len()].copy_from_slice(&c);
        let (mut sum_m, mut sum_t) = (0.0, 0.0);
        c.iter()
            .enumerate()
            .map(|(k, &v)| {
                let m = chain.with_value(|ch| ch.conditional(k, &p))[v as usize];
                let t = truth.with_value(|t| conditional_of_table(t, k, &p))[v as usize];
                sum_m += m.log2();
                sum_t += t.log2();
                view! {
                    <tr>
                        <td>{FEATURES[k].name}</td><td>{FEATURES[k].values[v as usize]}</td>
                        <td class="num">{fmt_num(m)}</td><td class="num">{fmt_num(m.log2())}</td><td class="num">{fmt_num(sum_m)}</td>
                        <td class="num">{fmt_num(t)}</td><td class="num">{fmt_num(sum_t)}</td>
                    </tr>
                }
            })
            .collect::<Vec<_>>()
    };
    let done = move || {
        let c = chosen.get();
        (c.len() == 5).then(|| {
            let a = Avatar([c[0], c[1], c[2], c[3], c[4]]);
            let pm = chain.with_value(|ch| ch.prob(&a));
            let pt = PData::default().prob(&a);
            view! {
                <div class="chain-done">
                    <div class="avatar" inner_html=avatar_svg(&a, 96)></div>
                    <p data-testid="chain-total">{format!(
                        "{}: p = {} under the chain (log₂ p = {}), {} under P_data (log₂ p = {}).",
                        a.describe(), fmt_num(pm), fmt_num(pm.log2()), fmt_num(pt), fmt_num(pt.log2())
                    )}</p>
                </div>
            }
        })
    };
    view! {
        <p class="muted">{format!("The chain was fitted to {CHAIN_N} outfits drawn from P_data.")}</p>
        <div class="plot-host" data-testid="chain-bars" inner_html=bars></div>
        <div class="controls">
            {buttons}
            <button class="primary" data-testid="chain-draw" on:click=draw disabled=move || chosen.with(|c| c.len() == 5)>"Let the chain draw it"</button>
            <button data-testid="chain-reset" on:click=move |_| chosen.set(Vec::new())>"Start again"</button>
        </div>
        <table class="data" tabindex="0" data-testid="chain-table">
            <thead><tr><th>"feature"</th><th>"value"</th><th class="num">"p (chain)"</th><th class="num">"log₂ p"</th><th class="num">"sum so far"</th><th class="num">"p (P_data)"</th><th class="num">"sum so far"</th></tr></thead>
            <tbody>{rows}</tbody>
        </table>
        {done}
    }
}

/// One point of the KL curves.
#[derive(Clone, Copy, Debug, PartialEq)]
struct KlPoint {
    n: usize,
    table: f64,
    naive: f64,
    chain: f64,
}

fn kl_point(truth: &[f64], data: &[Avatar]) -> KlPoint {
    KlPoint {
        n: data.len(),
        table: kl(truth, &FullTable::fit(data).laplace_table()),
        naive: kl(truth, &NaiveBayes::fit(data).table_smoothed(1.0)),
        chain: kl(truth, &OutfitChain::fit(data).table()),
    }
}

/// KL(P_data ‖ model) against N for the Laplace table, naive Bayes and the chain, with the
/// best naive Bayes as a floor; the curves fill in a size per browser turn.
fn kl_vs_n() -> impl IntoView {
    let max_n = 5000usize;
    let pdata = PData::default();
    let truth = StoredValue::new(pdata.table());
    let floor = kl(
        &pdata.table(),
        &independent_of_marginals(&[0, 1, 2, 3, 4].map(|k| pdata.marginal(k))),
    );
    let data = StoredValue::new(pdata.sample_n(max_n, OUTFIT_SEED ^ 0x5a));
    let curve = RwSignal::new(Vec::<KlPoint>::new());
    let run = RwSignal::new(RunState::default());
    run_kit::run_in_background(run, move |ticket| async move {
        for n in kl_sizes(max_n) {
            next_tick().await;
            if !ticket.live() {
                return;
            }
            let p = truth.with_value(|t| data.with_value(|d| kl_point(t, &d[..n])));
            curve.update(|c| c.push(p));
        }
    });
    let log_n = RwSignal::new(2.0f64);
    let n = move || n_of(log_n.get(), max_n);
    let current = Memo::new(move |_| {
        let n = n();
        truth.with_value(|t| data.with_value(|d| kl_point(t, &d[..n])))
    });
    let svg = move || {
        let c = curve.get();
        let cur = current.get();
        let line =
            |f: fn(&KlPoint) -> f64| c.iter().map(|p| (p.n as f64, f(p))).collect::<Vec<_>>();
        Figure::new(Scale::Log { lo: 10.0, hi: max_n as f64 }, Scale::Log { lo: 0.01, hi: 10.0 })
            .size(560.0, 320.0)
            .title("KL(P_data ‖ model) as the data grow")
            .labels("N, number of observed outfits", "KL divergence (nats)")
            .describe(format!(
                "Log-log plot. At N = {}: Laplace table {}, naive Bayes {}, the chain {}; the best naive Bayes {}.",
                cur.n, fmt_num(cur.table), fmt_num(cur.naive), fmt_num(cur.chain), fmt_num(floor)
            ))
            .layer(Layer::Line { pts: vec![(cur.n as f64, 0.01), (cur.n as f64, 10.0)], colour: "currentColor".into(), dashed: true, label: None })
            .layer(Layer::Line { pts: vec![(10.0, floor), (max_n as f64, floor)], colour: PALETTE[2].into(), dashed: true, label: Some("best naive Bayes".into()) })
            .layer(Layer::Line { pts: line(|p| p.table), colour: PALETTE[3].into(), dashed: false, label: Some("Laplace table".into()) })
            .layer(Layer::Line { pts: line(|p| p.naive), colour: PALETTE[1].into(), dashed: false, label: Some("naive Bayes".into()) })
            .layer(Layer::Line { pts: line(|p| p.chain), colour: PALETTE[0].into(), dashed: false, label: Some("the chain".into()) })
            .to_svg()
    };
    view! {
        {n_slider(log_n, max_n, "ar-n-slider")}
        <div class="plot-host" data-testid="ar-kl-plot" inner_html=svg></div>
        <table class="data" tabindex="0" data-testid="ar-kl-table">
            <thead><tr><th>"model"</th><th class="num">"free parameters"</th><th class="num">{move || format!("KL at N = {}", current.get().n)}</th></tr></thead>
            <tbody>
                <tr><td>"full table, Laplace smoothing (a chain of tabular conditionals)"</td><td class="num">{table_chain_parameters()}</td><td class="num">{move || fmt_num(current.get().table)}</td></tr>
                <tr><td>"naive Bayes, add-one smoothing"</td><td class="num">{NaiveBayes::free_parameters()}</td><td class="num" data-testid="ar-kl-nb">{move || fmt_num(current.get().naive)}</td></tr>
                <tr><td>"the chain of softmax conditionals"</td><td class="num">{OutfitChain::free_parameters()}</td><td class="num" data-testid="ar-kl-chain">{move || fmt_num(current.get().chain)}</td></tr>
                <tr><td>"best any naive Bayes can do"</td><td class="num">"—"</td><td class="num">{fmt_num(floor)}</td></tr>
            </tbody>
        </table>
        <p class="muted">{format!("All {N_COMBINATIONS} combinations are summed exactly for every divergence.")}</p>
    }
}
