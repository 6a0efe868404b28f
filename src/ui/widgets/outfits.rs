//! Lesson 2: fifty outfits, the full table, Laplace smoothing, naive Bayes, and how each
//! compares with the exact P_data of Avatar World.

mod data;

use super::{avatar_svg, Shared};
use super::{publish, Widgets};
use crate::data::avatar::{Avatar, FEATURES, N_COMBINATIONS};
use crate::data::{PData, Rng};
use crate::models::autoregressive::kl_sizes;
use crate::models::tabular::{independent_of_marginals, kl, FullTable, NaiveBayes};
use crate::plot::{fmt_num, fmt_pct, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::Slider;
use data::{avatar_row, observed, OutfitData};
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("outfit-data", || OutfitData().into_any()),
    ("full-table", || FullTableWidget().into_any()),
    ("laplace", || LaplaceWidget().into_any()),
    ("nb-counting", || NbCounting().into_any()),
    ("outfit-probability", || OutfitProbability().into_any()),
    ("generate-outfits", || GenerateOutfits().into_any()),
    ("kl-vs-n", || KlVsN().into_any()),
];

/// Largest data set on the KL plot.
const MAX_N: usize = 5000;

#[component]
pub fn FullTableWidget() -> impl IntoView {
    let people = observed();
    let table = Memo::new(move |_| FullTable::fit(&people.get()).counts);
    let samples = RwSignal::new(Vec::<Avatar>::new());
    let clicks = RwSignal::new(0u64);
    let sample = move |_| {
        let t = FullTable::fit(&people.get_untracked());
        let mut rng = Rng::new(0xF0 + clicks.get_untracked());
        clicks.update(|c| *c += 1);
        samples.set((0..10).map(|_| t.sample_mle(&mut rng)).collect());
    };
    let summary = move || {
        let c = table.get();
        let seen = c.iter().filter(|&&n| n > 0).count();
        format!(
            "{seen} different combinations appear among the {} outfits, so {seen} of the 4032 parameters θⱼ are above zero and {} are exactly zero.",
            people.with(Vec::len),
            N_COMBINATIONS - seen
        )
    };
    let repeated = move || {
        let c = table.get();
        let total = people.with(Vec::len);
        let mut rows: Vec<(usize, u32)> = c
            .iter()
            .enumerate()
            .filter(|(_, &n)| n >= 2)
            .map(|(i, &n)| (i, n))
            .collect();
        rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if rows.is_empty() {
            return view! { <p class="muted">"No combination appears twice in this data."</p> }
                .into_any();
        }
        view! {
            <table class="data" tabindex="0">
                <thead><tr><th><span class="visually-hidden">"picture"</span></th><th>"combination j"</th><th class="num">"nⱼ"</th><th class="num">"θⱼ = nⱼ / N"</th></tr></thead>
                <tbody>
                    {rows.into_iter().take(6).map(|(i, n)| {
                        let a = Avatar::from_index(i);
                        view! { <tr>
                            <td><div class="avatar" inner_html=avatar_svg(&a, 36)></div></td>
                            <td>{a.describe()}</td>
                            <td class="num">{n}</td>
                            <td class="num">{fmt_num(n as f64 / total as f64)}</td>
                        </tr> }
                    }).collect::<Vec<_>>()}
                </tbody>
            </table>
        }
        .into_any()
    };
    view! {
        <p class="readout" data-testid="full-table-summary">{summary}</p>
        {repeated}
        <div class="controls">
            <button class="primary" data-testid="sample-full-table" on:click=sample>"Sample 10 from the full table"</button>
        </div>
        <div data-testid="full-table-samples">
            {move || {
                let s = samples.get();
                let data = people.get();
                let copies = s.iter().filter(|a| data.contains(a)).count();
                view! {
                    {avatar_row(&s, 56, "table-sample", |_| "")}
                    {(!s.is_empty()).then(|| view! { <p class="readout">{format!("{copies} of {} samples are copies of an observed outfit.", s.len())}</p> })}
                }
            }}
        </div>
    }
}

#[component]
pub fn LaplaceWidget() -> impl IntoView {
    let people = observed();
    let view_rows = move || {
        let data = people.get();
        let t = FullTable::fit(&data);
        let p = PData::default();
        let truth = p.table();
        let n = data.len();
        let unseen = || (0..N_COMBINATIONS).filter(|&i| t.counts[i] == 0);
        let best = unseen().max_by(|&a, &b| truth[a].total_cmp(&truth[b]));
        let worst = unseen().min_by(|&a, &b| truth[a].total_cmp(&truth[b]));
        let common = (0..N_COMBINATIONS)
            .max_by(|&a, &b| t.counts[a].cmp(&t.counts[b]).then(b.cmp(&a)))
            .unwrap_or(0);
        let mut rows = vec![("most frequent in the data", common)];
        rows.extend(best.map(|i| ("unseen, plausible", i)));
        rows.extend(worst.map(|i| ("unseen, implausible", i)));
        let seen_mass = (n + t.seen()) as f64 / (n + N_COMBINATIONS) as f64;
        let unseen_text = match (best, worst) {
            (Some(best), Some(worst)) => format!(
                "Laplace smoothing gives both unseen outfits the same probability, 1 / {} = {}. The truth rates the plausible one {:.0} times as likely as the implausible one.",
                n + N_COMBINATIONS,
                fmt_num(1.0 / (n + N_COMBINATIONS) as f64),
                truth[best] / truth[worst],
            ),
            _ => "Every one of the 4032 combinations appears in this data, so no outfit is left at probability zero.".to_string(),
        };
        view! {
            <table class="data" tabindex="0" data-testid="laplace-table">
                <thead><tr><th><span class="visually-hidden">"picture"</span></th><th>"outfit"</th><th class="num">"nⱼ"</th><th class="num">"MLE"</th><th class="num">"Laplace"</th><th class="num">"P_data (true)"</th></tr></thead>
                <tbody>
                    {rows.iter().map(|&(what, i)| {
                        let a = Avatar::from_index(i);
                        view! { <tr>
                            <td><div class="avatar" inner_html=avatar_svg(&a, 40)></div></td>
                            <td><strong>{what}</strong><br/><span class="muted">{a.describe()}</span></td>
                            <td class="num">{t.counts[i]}</td>
                            <td class="num">{fmt_num(t.mle(&a))}</td>
                            <td class="num">{fmt_num(t.laplace(&a))}</td>
                            <td class="num">{fmt_num(truth[i])}</td>
                        </tr> }
                    }).collect::<Vec<_>>()}
                </tbody>
            </table>
            <p class="readout">
                {format!(
                    "{unseen_text} And all {n} observations together now keep only {} of the probability; the rest is spread evenly over outfits nobody has seen.",
                    fmt_pct(seen_mass)
                )}
            </p>
        }
    };
    view! { {view_rows} }
}

#[component]
pub fn NbCounting() -> impl IntoView {
    let people = observed();
    let counted = RwSignal::new(0usize);
    Effect::new(move |_| {
        people.track();
        counted.set(0);
    });
    let model = Memo::new(move |_| {
        let p = people.get();
        NaiveBayes::fit(&p[..counted.get().min(p.len())])
    });
    let total = move || people.with(Vec::len);
    let step = move |n: usize| counted.update(|c| *c = (*c + n).min(total()));
    let tables = move || {
        let m = model.get();
        FEATURES
            .iter()
            .enumerate()
            .map(|(k, f)| {
                let rows = f
                    .values
                    .iter()
                    .enumerate()
                    .map(|(l, v)| {
                        let th = m.theta(k, l);
                        view! { <tr>
                            <td>{*v}</td>
                            <td class="num">{m.counts[k][l]}</td>
                            <td class="num bar-cell"><div class="fill" style=format!("width:{:.1}%", 100.0 * th)></div>{if m.n == 0 { "–".to_string() } else { fmt_num(th) }}</td>
                        </tr> }
                    })
                    .collect::<Vec<_>>();
                view! {
                    <table class="data" tabindex="0" data-testid="nb-table">
                        <caption>{f.name}</caption>
                        <thead><tr><th>"value"</th><th class="num">"n"</th><th class="num">"θ = n / N"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }
            })
            .collect::<Vec<_>>()
    };
    view! {
        <div>{move || {
            let c = counted.get();
            avatar_row(&people.get(), 30, "nb-avatar", move |i| if i + 1 == c { "current" } else if i < c { "" } else { "uncounted" })
        }}</div>
        <div class="controls">
            <button class="primary" data-testid="count-next" on:click=move |_| step(1) disabled=move || { counted.get() >= total() }>"Count the next outfit"</button>
            <button on:click=move |_| step(10) disabled=move || { counted.get() >= total() }>"Count 10"</button>
            <button data-testid="count-all" on:click=move |_| step(total())>"Count all"</button>
            <button on:click=move |_| counted.set(0)>"Start over"</button>
            <span class="readout" data-testid="nb-counted">{move || format!("N = {} of {} counted", counted.get(), total())}</span>
        </div>
        <p class="muted">{move || {
            let c = counted.get();
            if c == 0 { "Nothing counted yet.".to_string() } else { format!("Just counted: {}.", people.get()[c - 1].describe()) }
        }}</p>
        <div class="tables">{tables}</div>
    }
}

#[component]
pub fn OutfitProbability() -> impl IntoView {
    let people = observed();
    let choice = RwSignal::new(Avatar([1, 7, 2, 5, 3]));
    let clicks = RwSignal::new(0u64);
    let truth = PData::default().table();
    let mut order: Vec<usize> = (0..N_COMBINATIONS).collect();
    order.sort_by(|&a, &b| truth[b].total_cmp(&truth[a]));
    let mut rank = vec![0usize; N_COMBINATIONS];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r + 1;
    }
    let selects = (0..5)
        .map(|k| {
            let f = &FEATURES[k];
            view! {
                <label class="select">{f.name}
                    <select data-testid=format!("feature-{k}") on:change=move |ev| {
                        let v: u8 = event_target_value(&ev).parse().unwrap_or(0);
                        choice.update(|a| a.0[k] = v);
                    }>
                        {f.values.iter().enumerate().map(|(l, v)| view! {
                            <option value=l.to_string() selected=move || choice.get().get(k) == l>{*v}</option>
                        }).collect::<Vec<_>>()}
                    </select>
                </label>
            }
        })
        .collect::<Vec<_>>();
    let table = move || {
        let a = choice.get();
        let data = people.get();
        let t = FullTable::fit(&data);
        let nb = NaiveBayes::fit(&data);
        let p = truth[a.index()];
        let rows = [
            ("full table, maximum likelihood", t.mle(&a)),
            ("full table, Laplace smoothing", t.laplace(&a)),
            ("naive Bayes", nb.prob(&a)),
            ("P_data (exact)", p),
        ];
        view! {
            <table class="data" tabindex="0" data-testid="probability-table">
                <thead><tr><th>"model"</th><th class="num">"probability"</th><th class="num">"÷ truth"</th></tr></thead>
                <tbody>{rows.iter().map(|&(name, q)| view! {
                    <tr><td>{name}</td><td class="num" data-testid="prob">{fmt_num(q)}</td><td class="num">{fmt_num(q / p)}</td></tr>
                }).collect::<Vec<_>>()}</tbody>
            </table>
            <p class="readout">{format!(
                "This person ({}) appears {} times in the data and is number {} of 4032 in order of true probability.",
                a.describe(), t.counts[a.index()], rank[a.index()]
            )}</p>
        }
    };
    let random = move |_| {
        let mut rng = Rng::new(0xC0 + clicks.get_untracked());
        clicks.update(|c| *c += 1);
        choice.set(PData::default().sample(&mut rng));
    };
    view! {
        <div class="image-row">
            <div class="avatar" data-testid="chosen-avatar" inner_html=move || avatar_svg(&choice.get(), 112)></div>
            <div class="controls">{selects}</div>
        </div>
        <div class="controls"><button on:click=random>"A random person from P_data"</button></div>
        {table}
    }
}

#[component]
pub fn GenerateOutfits() -> impl IntoView {
    let people = observed();
    let generated = RwSignal::new(Vec::<Avatar>::new());
    let clicks = RwSignal::new(0u64);
    let generate = move |_| {
        let nb = NaiveBayes::fit(&people.get_untracked());
        let mut rng = Rng::new(0x6E0 + clicks.get_untracked());
        clicks.update(|c| *c += 1);
        generated.set((0..10).map(|_| nb.sample(&mut rng)).collect());
    };
    view! {
        <div class="controls">
            <button class="primary" data-testid="generate-10" on:click=generate>"Generate 10 outfits"</button>
        </div>
        <div data-testid="generated">{move || {
            let g = generated.get();
            let data = people.get();
            let fresh: Vec<bool> = g.iter().map(|a| !data.contains(a)).collect();
            let n_new = fresh.iter().filter(|&&f| f).count();
            let p = PData::default();
            let mean_true = if g.is_empty() { 0.0 } else { g.iter().map(|a| p.prob(a)).sum::<f64>() / g.len() as f64 };
            view! {
                {avatar_row(&g, 72, "generated-avatar", move |i| if fresh[i] { "new" } else { "" })}
                {(!g.is_empty()).then(|| view! { <p class="readout">{format!(
                    "{n_new} of 10 were never in the data (marked “new”). Their average true probability is {}, against 1/4032 = {} for an outfit picked uniformly at random.",
                    fmt_num(mean_true), fmt_num(1.0 / N_COMBINATIONS as f64)
                )}</p> })}
            }
        }}</div>
    }
}

/// Sample sizes on the KL plot: 10 · 2^(k/2) up to 5000.
struct KlRow {
    n: usize,
    laplace: f64,
    nb: f64,
    nb_smooth: f64,
    seen: usize,
}

fn kl_at(truth: &[f64], data: &[Avatar]) -> KlRow {
    let t = FullTable::fit(data);
    let nb = NaiveBayes::fit(data);
    KlRow {
        n: data.len(),
        laplace: kl(truth, &t.laplace_table()),
        nb: kl(truth, &nb.table()),
        nb_smooth: kl(truth, &nb.table_smoothed(1.0)),
        seen: t.seen(),
    }
}

/// N for the slider's position `log_n` (log₁₀ N), 10 … `max`.
pub fn n_of(log_n: f64, max: usize) -> usize {
    (10f64.powf(log_n).round() as usize).clamp(10, max)
}

/// The N slider of the KL plots: log-scaled, 10 … `max`.
pub fn n_slider(log_n: RwSignal<f64>, max: usize, testid: &'static str) -> impl IntoView {
    // One step above log₁₀ max, so the step grid reaches it (N is clamped to max).
    let top = (max as f64).log10() + 0.01;
    view! {
        <Slider label="N" min=1.0 max=top step=0.01 value=log_n testid=testid
            show=Callback::new(move |v: f64| n_of(v, max).to_string())/>
    }
}

#[component]
pub fn KlVsN() -> impl IntoView {
    let shared = expect_context::<Shared>();
    let log_n = RwSignal::new(2.0f64);
    let pdata = PData::default();
    let truth = pdata.table();
    let floor = kl(
        &truth,
        &independent_of_marginals(&[0, 1, 2, 3, 4].map(|k| pdata.marginal(k))),
    );
    let big =
        Memo::new(move |_| PData::default().sample_n(MAX_N, shared.outfit_seed.get() ^ 0xA5A5));
    let t2 = truth.clone();
    let curves = Memo::new(move |_| {
        let d = big.get();
        kl_sizes(MAX_N)
            .into_iter()
            .map(|n| {
                let r = kl_at(&t2, &d[..n]);
                (r.n, r.laplace, r.nb, r.nb_smooth)
            })
            .collect::<Vec<_>>()
    });
    let n = move || n_of(log_n.get(), MAX_N);
    let t4 = truth.clone();
    let own = move || {
        let own = shared.own_outfits.get()?;
        let r = kl_at(&t4, &own.people);
        Some(view! { <p class="readout" data-testid="kl-own">{format!(
            "Your file {} ({} outfits, {} of 4032 combinations seen): the Laplace-smoothed table is {} nats from P_data, naive Bayes {}, naive Bayes with add-one smoothing {}.",
            own.file, r.n, r.seen, fmt_num(r.laplace), fmt_num(r.nb), fmt_num(r.nb_smooth)
        )}</p> })
    };
    let t3 = truth.clone();
    let current = Memo::new(move |_| {
        let r = kl_at(&t3, &big.get()[..n()]);
        (r.n, r.laplace, r.nb, r.nb_smooth, r.seen)
    });
    // For the exercise: N, and how far smoothed naive Bayes and the table are there.
    Effect::new(move |_| {
        let (n, laplace, _, nb_smooth, _) = current.get();
        publish("outfits.kl-n", n as f64);
        publish("outfits.nb-gap", nb_smooth - floor);
        publish("outfits.kl-laplace", laplace);
    });
    let svg = move || {
        let c = curves.get();
        let (cn, ..) = current.get();
        let line = |f: &dyn Fn(&(usize, f64, f64, f64)) -> f64| {
            c.iter().map(|r| (r.0 as f64, f(r))).collect::<Vec<_>>()
        };
        Figure::new(Scale::Log { lo: 10.0, hi: MAX_N as f64 }, Scale::Log { lo: 0.01, hi: 10.0 })
            .size(560.0, 320.0)
            .title("KL(P_data ‖ P_model) as the data grows")
            .labels("N, number of observed outfits", "KL divergence (nats)")
            .describe(format!(
                "Log-log plot. At N = {}: Laplace-smoothed table {}, naive Bayes {}, naive Bayes with add-one smoothing {}; best possible naive Bayes {}. The unsmoothed table is infinite throughout.",
                c.last().map_or(0, |r| r.0), fmt_num(c.last().map_or(0.0, |r| r.1)), fmt_num(c.last().map_or(0.0, |r| r.2)), fmt_num(c.last().map_or(0.0, |r| r.3)), fmt_num(floor)
            ))
            .layer(Layer::Line { pts: vec![(cn as f64, 0.01), (cn as f64, 10.0)], colour: "currentColor".into(), dashed: true, label: None })
            .layer(Layer::Line { pts: vec![(10.0, floor), (MAX_N as f64, floor)], colour: PALETTE[2].into(), dashed: true, label: Some("best naive Bayes".into()) })
            .layer(Layer::Line { pts: line(&|r| r.1), colour: PALETTE[0].into(), dashed: false, label: Some("Laplace table".into()) })
            .layer(Layer::Line { pts: line(&|r| r.2), colour: PALETTE[1].into(), dashed: false, label: Some("naive Bayes".into()) })
            .layer(Layer::Line { pts: line(&|r| r.3), colour: PALETTE[3].into(), dashed: false, label: Some("NB + add-one".into()) })
            .to_svg()
    };
    view! {
        {n_slider(log_n, MAX_N, "n-slider")}
        <div class="plot-host" data-testid="kl-plot" inner_html=svg></div>
        <table class="data" tabindex="0" data-testid="kl-table">
            <thead><tr><th>"model"</th><th class="num">{move || format!("KL at N = {}", current.get().0)}</th></tr></thead>
            <tbody>
                <tr><td>{move || format!("full table, maximum likelihood ({} of 4032 combinations seen)", current.get().4)}</td><td class="num">{move || if current.get().4 == N_COMBINATIONS { "finite".to_string() } else { "∞".to_string() }}</td></tr>
                <tr><td>"full table, Laplace smoothing"</td><td class="num">{move || fmt_num(current.get().1)}</td></tr>
                <tr><td>"naive Bayes"</td><td class="num" data-testid="kl-nb">{move || fmt_num(current.get().2)}</td></tr>
                <tr><td>"naive Bayes with add-one smoothing"</td><td class="num">{move || fmt_num(current.get().3)}</td></tr>
                <tr><td>"best any naive Bayes can do"</td><td class="num">{fmt_num(floor)}</td></tr>
            </tbody>
        </table>
        {own}
    }
}
