//! Lesson 0: a discriminator and a generator on the same 2-D paintings.

use super::{publish, Widgets};
use crate::data::toys::paintings;
use crate::data::Rng;
use crate::models::density2d::{Density2, Mixture};
use crate::models::logistic::Logistic;
use crate::plot::{fmt_num, fmt_pct, fmt_prob, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::svg_point;
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("paintings-classifier", || PaintingsClassifier().into_any()),
    ("paintings-generator", || PaintingsGenerator().into_any()),
];

const SEED: u64 = 7;
const W: f64 = 480.0;
const H: f64 = 340.0;

fn frame() -> Figure {
    Figure::new(
        Scale::Linear { lo: 0.0, hi: 1.0 },
        Scale::Linear { lo: 0.0, hi: 1.0 },
    )
    .size(W, H)
    .labels("brush-stroke curl", "colour saturation")
}

fn points(data: &[((f64, f64), u8)], class: u8) -> Vec<(f64, f64)> {
    data.iter().filter(|d| d.1 == class).map(|d| d.0).collect()
}

fn grid(f: impl Fn((f64, f64)) -> f64, cols: usize, rows: usize) -> Vec<f64> {
    let mut v = Vec::with_capacity(cols * rows);
    for r in 0..rows {
        for c in 0..cols {
            v.push(f((
                (c as f64 + 0.5) / cols as f64,
                1.0 - (r as f64 + 0.5) / rows as f64,
            )));
        }
    }
    v
}

#[component]
pub fn PaintingsClassifier() -> impl IntoView {
    let data = paintings(60, SEED);
    let mut model = Logistic::default();
    let loss0 = model.loss(&data);
    model.train(&data, 1500, 2.0);
    let acc = model.accuracy(&data);
    let loss = model.loss(&data);
    let query = RwSignal::new(None::<(f64, f64)>);
    let heat = grid(|p| model.prob(p), 60, 40);
    let (m2, d2) = (model.clone(), data.clone());
    let svg = move || {
        let mut f = frame()
            .title("P(Van Gogh | painting)")
            .describe(format!(
                "Heat map of the classifier's probability that a painting is a Van Gogh, over the plane, with {} Van Gogh paintings (orange) and {} others (blue).",
                points(&d2, 1).len(),
                points(&d2, 0).len()
            ))
            .layer(Layer::Heatmap { values: heat.clone(), cols: 60, rows: 40, lo: 0.0, hi: 1.0, map: ColourMap::Diverging })
            .layer(Layer::Scatter { pts: points(&d2, 0), colour: PALETTE[0].into(), radius: 3.5, label: Some("other painters".into()) })
            .layer(Layer::Scatter { pts: points(&d2, 1), colour: PALETTE[1].into(), radius: 3.5, label: Some("Van Gogh".into()) });
        if let Some(q) = query.get() {
            f.push(Layer::Text {
                at: q,
                text: format!("✕ {}", fmt_prob(m2.prob(q))),
            });
        }
        f.to_svg()
    };
    let m3 = model.clone();
    // For the exercise: the answer at the reader's point, and how far the nearest painting is.
    let (m4, d4) = (model.clone(), data.clone());
    Effect::new(move |_| {
        let Some(q) = query.get() else { return };
        let near = d4
            .iter()
            .map(|&((x, y), _)| (x - q.0).hypot(y - q.1))
            .fold(f64::INFINITY, f64::min);
        let p = m4.prob(q);
        publish("paintings.query-prob", p);
        publish("paintings.query-doubt", 1.0 - p);
        publish("paintings.query-distance", near);
    });
    view! {
        <div class="plot-host clickable" data-testid="classifier-plot"
            on:click=move |ev| if let Some((x, y)) = svg_point(&ev, W) { query.set(Some(frame().to_data(x, y))) }
            inner_html=svg></div>
        <p class="readout" data-testid="classifier-readout">
            {move || match query.get() {
                Some(q) => format!("At ({}, {}): P(Van Gogh | x) = {}.", fmt_num(q.0), fmt_num(q.1), fmt_prob(m3.prob(q))),
                None => "Click the plot to ask the model about a painting.".to_string(),
            }}
        </p>
        <p class="stats">
            {format!("Trained by 1500 steps of gradient descent: cross-entropy {} → {}, training accuracy {}.", fmt_num(loss0), fmt_num(loss), fmt_pct(acc))}
        </p>
        <div class="controls">
            <button disabled=true aria-describedby="no-sample-why">"Sample a new Van Gogh"</button>
            <span id="no-sample-why" class="muted">"A discriminative model has no p(x) to sample from."</span>
        </div>
    }
}

#[component]
pub fn PaintingsGenerator() -> impl IntoView {
    let data = paintings(60, SEED);
    let vg = points(&data, 1);
    let mut mix = Mixture::init(&vg, 3, 1);
    for _ in 0..60 {
        mix.em_step(&vg);
    }
    let heat = grid(|p| mix.log_density(p).exp(), 60, 40);
    let hi = heat.iter().cloned().fold(0.0, f64::max);
    let samples = RwSignal::new(Vec::<(f64, f64)>::new());
    let draws = RwSignal::new(0u64);
    let m2 = mix.clone();
    let sample = move |_| {
        let mut rng = Rng::new(1000 + draws.get_untracked());
        draws.update(|d| *d += 1);
        let new: Vec<(f64, f64)> = (0..10).map(|_| m2.sample(&mut rng)).collect();
        samples.update(|s| s.extend(new));
    };
    let svg = move || {
        let s = samples.get();
        frame()
            .title("p(x | Van Gogh), a mixture of 3 Gaussians")
            .describe(format!(
                "Heat map of the fitted density of Van Gogh paintings; {} training paintings in orange and {} sampled paintings in green.",
                vg.len(),
                s.len()
            ))
            .layer(Layer::Heatmap { values: heat.clone(), cols: 60, rows: 40, lo: 0.0, hi, map: ColourMap::Blues })
            .layer(Layer::Scatter { pts: vg.clone(), colour: PALETTE[1].into(), radius: 3.5, label: Some("Van Gogh (data)".into()) })
            .layer(Layer::Scatter { pts: s, colour: PALETTE[2].into(), radius: 4.5, label: Some("sampled".into()) })
            .to_svg()
    };
    view! {
        <div class="plot-host" data-testid="generator-plot" inner_html=svg></div>
        <div class="controls">
            <button class="primary" data-testid="sample-paintings" on:click=sample>"Sample 10 new paintings"</button>
            <button on:click=move |_| samples.set(Vec::new())>"Clear samples"</button>
            <span class="muted" data-testid="sample-count">{move || format!("{} sampled", samples.get().len())}</span>
        </div>
    }
}
