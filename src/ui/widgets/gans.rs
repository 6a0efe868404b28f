//! Lesson 6: a GAN on 2-D points, drawn as GAN Lab draws it and measured against the ring
//! it imitates. The real points, the generator's fakes, the discriminator's belief D(x) as
//! a map behind them, the push D gives a few fakes, and over training: modes covered,
//! quality, and how often D is right about real and fake points.

use super::Widgets;
use crate::data::Rng;
use crate::models::gan2d::{ring_coverage, GanSettings, Target, MODE_SHARE, RING_MODES};
use crate::plot::{fmt_num, fmt_pct, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::TrainPanel;
use crate::ui::training::{self, async_memo, ModelHandle};
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("gan-ring", || {
        ring_gan("gan-ring", "the GAN with the fix", "gan").into_any()
    }),
    ("gan-ring-collapse", || {
        ring_gan(
            "gan-ring-collapse",
            "the GAN set up to collapse",
            "gan-collapse",
        )
        .into_any()
    }),
];

/// The plotted square's half-width, in data units (the ring has radius 0.8), unless fakes
/// lie further out; then wide enough to show them, up to [`MAX_SPAN`].
const SPAN: f64 = 1.25;
const MAX_SPAN: f64 = 6.0;
/// Points drawn of each kind.
const N: usize = 512;
/// The discriminator's map: cells a side.
const GRID: usize = 32;
/// Fakes whose push is drawn.
const ARROWS: usize = 40;
/// Steps of a run started in the tab.
const TAB_STEPS: u64 = 3000;

/// Everything one drawing needs, computed from one version of the weights.
#[derive(Clone, Debug, PartialEq)]
struct Frame {
    step: u64,
    fakes: Vec<(f64, f64)>,
    /// The plotted square's half-width, and D(x) on its grid, row 0 at the top.
    span: f64,
    belief: Vec<f64>,
    /// (fake, push) for the first [`ARROWS`] fakes.
    pushes: Vec<((f64, f64), (f64, f64))>,
    /// Share of real points D calls real, and of fakes it calls fake.
    right_on_real: f64,
    right_on_fake: f64,
}

/// One point of the curves under the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mark {
    step: u64,
    covered: usize,
    quality: f64,
    right_on_real: f64,
    right_on_fake: f64,
}

fn rows(pts: &[(f64, f64)]) -> Vec<Vec<f32>> {
    pts.iter().map(|&(x, y)| vec![x as f32, y as f32]).collect()
}

/// The half-width of a square that shows the ring and these fakes.
fn span(fakes: &[(f64, f64)]) -> f64 {
    let far = fakes
        .iter()
        .map(|p| p.0.abs().max(p.1.abs()))
        .filter(|v| v.is_finite())
        .fold(0.0, f64::max);
    (1.05 * far).clamp(SPAN, MAX_SPAN)
}

/// The centres of the grid's cells over [−span, span]², row by row from the top.
fn grid(span: f64) -> Vec<(f64, f64)> {
    let cell = 2.0 * span / GRID as f64;
    (0..GRID)
        .flat_map(|r| {
            (0..GRID).map(move |c| {
                (
                    -span + (c as f64 + 0.5) * cell,
                    span - (r as f64 + 0.5) * cell,
                )
            })
        })
        .collect()
}

/// The rest of a frame, once the generator's fakes have come back: D's map over a square
/// that shows them, its verdicts on real and fake points, and its push on a few fakes.
async fn finish(
    model: ModelHandle,
    step: u64,
    generated: Vec<Vec<f32>>,
    real: Vec<(f64, f64)>,
) -> Option<Frame> {
    let fakes: Vec<(f64, f64)> = generated
        .iter()
        .map(|p| (p[0] as f64, p[1] as f64))
        .collect();
    let span = span(&fakes);
    let belief: Vec<f64> = model
        .call("critic", rows(&grid(span)))
        .await?
        .iter()
        .map(|d| d[0] as f64)
        .collect();
    let judged = model
        .call(
            "critic",
            rows(&[real.as_slice(), fakes.as_slice()].concat()),
        )
        .await?;
    let share = |ds: &[Vec<f32>], real: bool| {
        ds.iter().filter(|d| (d[0] >= 0.5) == real).count() as f64 / ds.len().max(1) as f64
    };
    let shown = &fakes[..ARROWS.min(fakes.len())];
    let push = model.call("push", rows(shown)).await?;
    Some(Frame {
        step,
        pushes: shown
            .iter()
            .zip(&push)
            .map(|(&p, g)| (p, (g[0] as f64, g[1] as f64)))
            .collect(),
        right_on_real: share(&judged[..real.len()], true),
        right_on_fake: share(&judged[real.len()..], false),
        fakes,
        span,
        belief,
    })
}

fn plane_svg(real: &[(f64, f64)], f: &Frame) -> String {
    let sq = Scale::Linear {
        lo: -f.span,
        hi: f.span,
    };
    let cov = ring_coverage(&f.fakes);
    let mut fig = Figure::new(sq, sq)
        .size(360.0, 360.0)
        .labels("x₁", "x₂")
        .title("Real points, fakes, and what D believes")
        .describe(format!(
            "The ring of {RING_MODES} real modes in grey, {} fakes in orange over the discriminator's map (dark: D says real); {} of {RING_MODES} modes covered",
            f.fakes.len(),
            cov.covered
        ));
    fig.push(Layer::Heatmap {
        values: f.belief.clone(),
        cols: GRID,
        rows: GRID,
        lo: 0.0,
        hi: 1.0,
        map: ColourMap::Blues,
    });
    fig.push(Layer::Scatter {
        pts: real.to_vec(),
        colour: "#555".into(),
        radius: 1.6,
        label: Some("real".into()),
    });
    fig.push(Layer::Scatter {
        pts: f.fakes.clone(),
        colour: PALETTE[1].into(),
        radius: 1.8,
        label: Some("fake".into()),
    });
    // Each push as a short stroke, its length shown relative to the strongest one.
    let strongest = f
        .pushes
        .iter()
        .map(|(_, g)| g.0.hypot(g.1))
        .fold(0.0f64, f64::max);
    if strongest > 0.0 {
        for &((x, y), (gx, gy)) in &f.pushes {
            let k = 0.15 / strongest;
            fig.push(Layer::Line {
                pts: vec![(x, y), (x + k * gx, y + k * gy)],
                colour: "#b35900".into(),
                dashed: false,
                label: None,
            });
        }
    }
    fig.to_svg()
}

fn curves_svg(marks: &[Mark]) -> String {
    let last = marks.last().map_or(1, |m| m.step).max(1) as f64;
    let mut fig = Figure::new(
        Scale::Linear { lo: 0.0, hi: last },
        Scale::Linear { lo: 0.0, hi: 1.0 },
    )
    .size(360.0, 220.0)
    .labels("training step", "share")
    .title("Over training")
    .describe(match marks.last() {
        Some(m) => format!(
            "At step {}: {} of {RING_MODES} modes covered, {} of fakes near a mode; D right on {} of real and {} of fake points",
            m.step,
            m.covered,
            fmt_pct(m.quality),
            fmt_pct(m.right_on_real),
            fmt_pct(m.right_on_fake)
        ),
        None => "No training seen yet".into(),
    });
    let line = |pick: fn(&Mark) -> f64| marks.iter().map(|m| (m.step as f64, pick(m))).collect();
    let series: [(&str, fn(&Mark) -> f64, usize, bool); 4] = [
        (
            "modes covered / 8",
            |m| m.covered as f64 / RING_MODES as f64,
            0,
            false,
        ),
        ("fakes near a mode", |m| m.quality, 1, false),
        ("D right on real", |m| m.right_on_real, 2, true),
        ("D right on fake", |m| m.right_on_fake, 3, true),
    ];
    for (label, pick, c, dashed) in series {
        fig.push(Layer::Line {
            pts: line(pick),
            colour: PALETTE[c].into(),
            dashed,
            label: Some(label.into()),
        });
    }
    fig.push(Layer::Line {
        pts: vec![(0.0, 0.5), (last, 0.5)],
        colour: "#999".into(),
        dashed: true,
        label: Some("50 %: D guesses".into()),
    });
    fig.to_svg()
}

/// The ring, the model's fakes and D's map, redrawn whenever the engine publishes new
/// weights; its training panel; and the curves of coverage and D's accuracy.
fn ring_gan(model: &'static str, title: &'static str, testid: &'static str) -> impl IntoView {
    let model = training::model(model);
    let settings = GanSettings::stable();
    let mut rng = Rng::new(6);
    let noise: Vec<Vec<f32>> = (0..N)
        .map(|_| {
            (0..settings.noise_dim)
                .map(|_| rng.normal() as f32)
                .collect()
        })
        .collect();
    let real = Target::Ring.sample(N, &mut Rng::new(7));
    let latest = {
        let real = real.clone();
        // The first call is made here, not in the future, so that the memo follows the
        // weights' version (read by `call`) and asks again when it changes.
        async_memo(move || {
            let step = model.step.get_untracked();
            let generated = model.call("generate", noise.clone());
            let real = real.clone();
            async move { finish(model, step, generated.await?, real).await }
        })
    };
    let marks: RwSignal<Vec<Mark>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        if let Some(f) = latest.get() {
            let cov = ring_coverage(&f.fakes);
            let m = Mark {
                step: f.step,
                covered: cov.covered,
                quality: cov.quality,
                right_on_real: f.right_on_real,
                right_on_fake: f.right_on_fake,
            };
            marks.update(|ms| {
                // A new run starts the curves again.
                if ms.last().is_some_and(|l| l.step > m.step) {
                    ms.clear();
                }
                if ms.last() != Some(&m) {
                    ms.push(m);
                }
            });
        }
    });
    let plane = move || latest.get().map(|f| plane_svg(&real, &f));
    let readout = move || {
        latest.get().map(|f| {
            let cov = ring_coverage(&f.fakes);
            let lo = f.belief.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = f.belief.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            format!(
                "{} of {RING_MODES} modes covered (a mode counts when it holds at least {} of the fakes); {} of the fakes lie near a mode. D calls {} of the real points real and {} of the fakes fake; over the map, D(x) runs from {} to {} (white 0, dark blue 1).",
                cov.covered,
                fmt_pct(MODE_SHARE),
                fmt_pct(cov.quality),
                fmt_pct(f.right_on_real),
                fmt_pct(f.right_on_fake),
                fmt_num(lo),
                fmt_num(hi)
            )
        })
    };
    let curves = move || {
        let ms = marks.get();
        (ms.len() > 1).then(|| curves_svg(&ms))
    };
    view! {
        <TrainPanel model=model steps=TAB_STEPS title=title/>
        <div class="plots">
            <div class="plot-host" data-testid=format!("{testid}-plane") inner_html=plane></div>
            <div class="plot-host" data-testid=format!("{testid}-curves") inner_html=curves></div>
        </div>
        <p class="stats" data-testid=format!("{testid}-coverage")>{readout}</p>
    }
}
