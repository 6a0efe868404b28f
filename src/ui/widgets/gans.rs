//! Lesson 6: a GAN on 2-D points, drawn as GAN Lab draws it and measured against the ring
//! it imitates. The real points, the generator's fakes, the discriminator's belief D(x) as
//! a map behind them, the push D gives a few fakes, and over training: modes covered,
//! quality, and how often D is right about real and fake points. Then the DCGAN on
//! Avatar World (`people`).

mod people;
mod plots;

use plots::{curves_svg, plane, plane_svg};

use super::{publish, Widgets};
use crate::data::Rng;
use crate::engine::protocol::JobStatus;
use crate::models::gan2d::{
    ring_coverage, Coverage, GanSettings, GeneratorLoss, Target, MODE_SHARE, RING_MODES,
};
use crate::models::plane::point_rows;
use crate::plot::{fmt_num, fmt_pct};
use crate::train::run::RunState;
use crate::ui::browser;
use crate::ui::kit::{plane_cells, span_of, svg_point, Choice, PlaneData, Slider, TrainPanel};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training::{self, ModelHandle};

use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("gan-ring", || {
        ring_gan(Setup {
            model: "gan-ring",
            title: "the GAN with the fix",
            testid: "gan",
            settings: true,
        })
        .into_any()
    }),
    ("gan-ring-collapse", || {
        ring_gan(Setup {
            model: "gan-ring-collapse",
            title: "the GAN set up to collapse",
            testid: "gan-collapse",
            settings: false,
        })
        .into_any()
    }),
    ("gan-people", || people::people().into_any()),
    ("gan-checkpoints", || people::checkpoints().into_any()),
    ("gan-walk", || people::noise_walk().into_any()),
    ("gan-truth", || people::against_truth().into_any()),
];

/// One 2-D GAN widget: its model, how the training panel names it, the prefix of its
/// test ids, and whether the reader can change its settings and draw the data.
#[derive(Clone, Copy)]
struct Setup {
    model: &'static str,
    title: &'static str,
    testid: &'static str,
    settings: bool,
}

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
/// The noise grid whose image under G is drawn: lines at these values of one noise
/// number, each traced over [−WARP_REACH, WARP_REACH] of another.
const WARP_LINES: [f64; 9] = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0];
const WARP_REACH: f64 = 2.5;
const WARP_POINTS: usize = 25;
/// The largest noise a reader can choose (the noise drawn for the fakes is this long; a
/// generator reads as many numbers as it has).
const MAX_NOISE: usize = 8;
/// The plane's side in SVG units.
const PLANE: f64 = 360.0;
/// Slow motion: steps a second, at first (the reader's slider goes from 1 to 20).
const SLOW_RATE: f64 = 3.0;

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
    /// How the fakes cover the ring (when the data are the ring).
    cov: Option<Coverage>,
    /// The image of the noise grid's lines under G: the generator's transport.
    warp: Vec<Vec<(f64, f64)>>,
}

/// One point of the curves under the plot.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Mark {
    step: u64,
    /// Modes covered and the share near a mode (on the ring).
    ring: Option<(usize, f64)>,
    right_on_real: f64,
    right_on_fake: f64,
}

/// The half-width of a square that shows the data and these fakes.
fn span(fakes: &[(f64, f64)]) -> f64 {
    span_of(fakes, SPAN, MAX_SPAN)
}

/// The centres of D's map's cells over [−span, span]², row by row from the top.
fn grid(span: f64) -> Vec<(f64, f64)> {
    plane_cells(span, GRID)
}

/// The noise grid's lines, as noise rows of `dim` numbers (the first two vary, the rest
/// are 0; with one number, a single line): [`WARP_POINTS`] rows per line.
fn warp_noise(dim: usize) -> Vec<Vec<f32>> {
    let along = |i: usize| -WARP_REACH + 2.0 * WARP_REACH * i as f64 / (WARP_POINTS - 1) as f64;
    let row = |a: f64, b: f64| {
        let mut z = vec![0.0f32; dim];
        z[0] = a as f32;
        if dim > 1 {
            z[1] = b as f32;
        }
        z
    };
    if dim == 1 {
        return (0..WARP_POINTS).map(|i| row(along(i), 0.0)).collect();
    }
    WARP_LINES
        .iter()
        .flat_map(|&g| {
            let across = (0..WARP_POINTS).map(move |i| row(g, along(i)));
            let down = (0..WARP_POINTS).map(move |i| row(along(i), g));
            across.chain(down)
        })
        .collect()
}

/// The rest of a frame, once the generator's fakes have come back: D's map over a square
/// that shows them, its verdicts on real and fake points, its push on a few fakes, and
/// the generator's image of the noise grid.
async fn finish(
    model: ModelHandle,
    step: u64,
    dim: usize,
    generated: Vec<Vec<f32>>,
    real: Vec<(f64, f64)>,
    ring: bool,
) -> Option<Frame> {
    let fakes: Vec<(f64, f64)> = generated
        .iter()
        .map(|p| (p[0] as f64, p[1] as f64))
        .collect();
    let span = span(&fakes);
    let belief: Vec<f64> = model
        .call("critic", point_rows(&grid(span)))
        .await?
        .iter()
        .map(|d| d[0] as f64)
        .collect();
    let judged = model
        .call(
            "critic",
            point_rows(&[real.as_slice(), fakes.as_slice()].concat()),
        )
        .await?;
    let share = |ds: &[Vec<f32>], real: bool| {
        ds.iter().filter(|d| (d[0] >= 0.5) == real).count() as f64 / ds.len().max(1) as f64
    };
    let shown = &fakes[..ARROWS.min(fakes.len())];
    let push = model.call("push", point_rows(shown)).await?;
    let warped = model.call("generate", warp_noise(dim)).await?;
    Some(Frame {
        step,
        pushes: shown
            .iter()
            .zip(&push)
            .map(|(&p, g)| (p, (g[0] as f64, g[1] as f64)))
            .collect(),
        right_on_real: share(&judged[..real.len()], true),
        right_on_fake: share(&judged[real.len()..], false),
        cov: ring.then(|| ring_coverage(&fakes)),
        warp: warped
            .chunks(WARP_POINTS)
            .map(|line| line.iter().map(|p| (p[0] as f64, p[1] as f64)).collect())
            .collect(),
        fakes,
        span,
        belief,
    })
}

/// The reader's choices for a new run of the 2-D GAN, as signals.
#[derive(Clone, Copy)]
struct Choices {
    data: PlaneData,
    /// log₁₀ of each network's learning rate.
    lr_d: RwSignal<f64>,
    lr_g: RwSignal<f64>,
    noise: RwSignal<f64>,
    minimax: RwSignal<bool>,
    r1: RwSignal<bool>,
    seed: RwSignal<f64>,
}

impl Choices {
    fn new(s: &GanSettings) -> Choices {
        Choices {
            data: PlaneData::new(0),
            lr_d: RwSignal::new((s.lr_d as f64).log10()),
            lr_g: RwSignal::new((s.lr_g as f64).log10()),
            noise: RwSignal::new(s.noise_dim as f64),
            minimax: RwSignal::new(s.loss == GeneratorLoss::Minimax),
            r1: RwSignal::new(s.r1 > 0.0),
            seed: RwSignal::new(6.0),
        }
    }

    /// The settings these choices make of `base`.
    fn settings(&self, base: &GanSettings) -> GanSettings {
        GanSettings {
            lr_d: 10f64.powf(self.lr_d.get()) as f32,
            lr_g: 10f64.powf(self.lr_g.get()) as f32,
            noise_dim: self.noise.get() as usize,
            loss: if self.minimax.get() {
                GeneratorLoss::Minimax
            } else {
                GeneratorLoss::NonSaturating
            },
            r1: if self.r1.get() {
                GanSettings::stable().r1
            } else {
                0.0
            },
            target: self.data.target(),
            ..base.clone()
        }
    }
}

/// The controls of a new run: data, learning rates, noise, loss, penalty, seed.
fn settings_panel(c: Choices, testid: &'static str) -> impl IntoView {
    let rate = |v: f64| format!("{}", fmt_num(10f64.powf(v)));
    view! {
        <details class="settings" data-testid=format!("{testid}-settings")>
            <summary>"Settings for the next run"</summary>
            {c.data.view("gan-data", "gan-draw", "gan-draw-clear")}
            <Choice label="G's loss:" options=vec![(false, "non-saturating", ""), (true, "minimax (saturating)", "gan-minimax")] value=c.minimax testid="gan-loss"/>
            <Choice label="R1 penalty on D:" options=vec![(true, "on", ""), (false, "off", "gan-r1-off")] value=c.r1 testid="gan-r1"/>
            <Slider label="D's learning rate" min=-4.0 max=-1.5 step=0.1 value=c.lr_d show=Callback::new(rate) testid="gan-lr-d"/>
            <Slider label="G's learning rate" min=-4.0 max=-1.5 step=0.1 value=c.lr_g show=Callback::new(rate) testid="gan-lr-g"/>
            <Slider label="Noise numbers" min=1.0 max=MAX_NOISE as f64 step=1.0 value=c.noise testid="gan-noise"/>
            <Slider label="Seed" min=1.0 max=99.0 step=1.0 value=c.seed testid="gan-seed"/>
        </details>
    }
}

/// The ring (or the chosen data), the model's fakes and D's map, redrawn whenever the
/// engine publishes new weights; its training panel, with the reader's settings and the
/// one-step buttons where `setup.settings`; and the curves of coverage and D's accuracy.
fn ring_gan(setup: Setup) -> impl IntoView {
    let Setup {
        model,
        title,
        testid,
        settings,
    } = setup;
    let model = training::model(model);
    let base = if settings {
        GanSettings::stable()
    } else {
        GanSettings::collapse()
    };
    let choices = Choices::new(&base);
    let chosen = {
        let base = base.clone();
        move || choices.settings(&base)
    };
    let mut rng = Rng::new(6);
    let noise: Vec<Vec<f32>> = (0..N)
        .map(|_| (0..MAX_NOISE).map(|_| rng.normal() as f32).collect())
        .collect();
    // The real points of the chosen data (none yet for an empty drawing).
    let real = {
        let chosen = chosen.clone();
        Memo::new(move |_| match chosen().target {
            Target::Drawn(p) if p.is_empty() => Vec::new(),
            t => t.sample(N, &mut Rng::new(7)),
        })
    };
    let latest = async_memo(move || {
        let step = model.step.get_untracked();
        let real = real.get();
        let ring = choices.data.index.get() == 0;
        // The first call is made here, not in the future, so that the memo follows the
        // weights' version (read by `call`) and asks again when it changes.
        let dim = model.call("noise-dim", Vec::new());
        let noise = noise.clone();
        async move {
            let dim = (dim.await?.first()?.first().copied()? as usize).clamp(1, MAX_NOISE);
            let z: Vec<Vec<f32>> = noise.iter().map(|z| z[..dim].to_vec()).collect();
            let generated = model.call("generate", z).await?;
            finish(model, step, dim, generated, real, ring).await
        }
    });
    let marks: RwSignal<Vec<Mark>> = RwSignal::new(Vec::new());
    Effect::new(move |_| {
        if let Some(f) = latest.get() {
            if settings {
                // For the exercise under the reader's GAN: modes covered by a run here.
                let covered = f.cov.as_ref().map_or(f64::NAN, |c| c.covered as f64);
                publish("gans.modes-covered", covered);
                publish("gans.steps-here", f.step as f64);
            }
            let m = Mark {
                step: f.step,
                ring: f.cov.as_ref().map(|c| (c.covered, c.quality)),
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
    let plane_view = move || latest.get().map(|f| plane_svg(&real.get(), &f));
    let draw_at = move |ev: web_sys::MouseEvent| {
        let span = latest.with_untracked(|f| f.as_ref().map_or(SPAN, |f| f.span));
        if let Some((x, y)) = svg_point(&ev, PLANE) {
            let (x, y) = plane(span).to_data(x, y);
            if x.abs() <= span && y.abs() <= span {
                choices.data.click(x, y);
            }
        }
    };
    let readout = move || {
        latest.get().map(|f| {
            let lo = f.belief.iter().copied().fold(f64::INFINITY, f64::min);
            let hi = f.belief.iter().copied().fold(f64::NEG_INFINITY, f64::max);
            let coverage = f.cov.as_ref().map_or(String::new(), |cov| {
                format!(
                    "{} of {RING_MODES} modes covered (a mode counts when it holds at least {} of the fakes); {} of the fakes lie near a mode. ",
                    cov.covered,
                    fmt_pct(MODE_SHARE),
                    fmt_pct(cov.quality),
                )
            });
            format!(
                "{coverage}D calls {} of the real points real and {} of the fakes fake; over the map, D(x) runs from {} to {} (white 0, dark blue 1).",
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
    let options = Signal::derive({
        let chosen = chosen.clone();
        move || chosen().options()
    });
    let seed = Signal::derive(move || choices.seed.get() as u64);
    // Slow motion: one step at a time, each drawn, a few a second (the run kit's loop).
    let slow = RwSignal::new(RunState::default());
    let rate = RwSignal::new(SLOW_RATE);
    let slowly = move || slow.with(|r| r.running());
    let idle =
        move || model.step.get() > 0 && model.status.get() != JobStatus::Running && !slowly();
    let play_slowly = move |_| {
        if slowly() {
            slow.update(|r| r.pause());
            return;
        }
        run_kit::drive(slow, move |ticket| async move {
            model.step_parts(1, Vec::new());
            browser::sleep_ms((1000.0 / rate.get_untracked()) as i32).await;
            while model.status.get_untracked() == JobStatus::Running && ticket.live() {
                run_kit::next_tick().await;
            }
            matches!(
                model.status.get_untracked(),
                JobStatus::Done | JobStatus::Paused
            )
        });
    };
    let step_buttons = move || {
        settings.then(|| {
            view! {
                <div class="controls">
                    <span>"Step by hand:"</span>
                    <button data-testid=format!("{testid}-step") on:click=move |_| model.step_parts(1, Vec::new()) disabled=move || !idle()>"One step"</button>
                    <button data-testid=format!("{testid}-step-d") on:click=move |_| model.step_parts(1, vec!["D".into()]) disabled=move || !idle()>"D only"</button>
                    <button data-testid=format!("{testid}-step-g") on:click=move |_| model.step_parts(1, vec!["G".into()]) disabled=move || !idle()>"G only"</button>
                    <button data-testid=format!("{testid}-slow") on:click=play_slowly disabled=move || !(idle() || slowly())>
                        {move || if slowly() { "Stop slow motion" } else { "Slow motion" }}
                    </button>
                </div>
                <Slider label="Slow motion, steps a second" min=1.0 max=20.0 step=1.0 value=rate testid="gan-slow-rate"/>
            }
        })
    };
    let panel = if settings {
        view! { <TrainPanel model=model steps=TAB_STEPS title=title options=options seed=seed/> }
            .into_any()
    } else {
        view! { <TrainPanel model=model steps=TAB_STEPS title=title/> }.into_any()
    };
    view! {
        {settings.then(|| settings_panel(choices, testid))}
        {panel}
        {step_buttons}
        <div class="plots">
            <div class="plot-host" class:clickable=move || choices.data.drawing() data-testid=format!("{testid}-plane") on:click=draw_at inner_html=plane_view></div>
            <div class="plot-host" data-testid=format!("{testid}-curves") inner_html=curves></div>
        </div>
        <p class="stats" data-testid=format!("{testid}-coverage")>{readout}</p>
    }
}
