//! Langevin particles on an energy known exactly (a mixture of three Gaussians),
//! measured against exact draws as they move; then an MLP energy trained here by
//! denoising score matching, its landscape with contour lines and Langevin particles run
//! on it in the engine.

use crate::data::Rng;
use crate::models::langevin::{energy_distance, langevin_step, GaussMix, Pt};
use crate::models::plane::{point_rows, row_points};
use crate::plot::contour::{contours, Grid};
use crate::plot::{fmt_num, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::train::run::RunState;
use crate::ui::kit::{plane_cells, plane_figure, svg_point, PlaneData, Slider, TrainPanel};
use crate::ui::run_kit::{self, async_memo};
use crate::ui::training;
use crate::ui::widgets::publish;
use leptos::prelude::*;

/// The energy the lesson trains and ships (on the ring of eight).
const EBM: &str = "ebm-ring";
/// Particles moved.
const PARTICLES: usize = 1000;
/// The plane's half-width and side in SVG units; the landscape's cells a side.
const SPAN: f64 = 1.25;
const PLANE: f64 = 360.0;
const GRID: usize = 48;
/// Langevin steps per drawn frame.
const STEPS_PER_FRAME: usize = 5;
/// Particles and exact draws the distance is measured on, and how often (in steps).
const MEASURED: usize = 300;
const MEASURE_EVERY: usize = 20;
/// Contour levels drawn: this many, evenly over the lowest energies shown.
const LEVELS: usize = 7;
/// Energies shown span this much above the lowest (higher ones are drawn as the highest).
const ENERGY_RANGE: f64 = 8.0;
/// Steps of a run started in the tab.
const TAB_STEPS: u64 = 3000;

/// The starting cloud: uniform over the plotted square.
fn uniform(n: usize, seed: u64) -> Vec<Pt> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|_| (rng.range(-SPAN, SPAN), rng.range(-SPAN, SPAN)))
        .collect()
}

/// The landscape over the plane: energies on the grid as a heat map (low energy dark),
/// contour lines, and the data when given; a legend entry for the particles, which
/// [`particles_svg`] draws on a copy of the same figure laid over it (so a frame of the
/// animation redraws only the particles).
fn landscape_svg(energies: &[f64], data: &[Pt], title: &str) -> String {
    let lo = energies.iter().copied().fold(f64::INFINITY, f64::min);
    let top = energies.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // At most ENERGY_RANGE above the lowest; a flatter landscape is stretched to fill it.
    let range = (top - lo).clamp(1e-6, ENERGY_RANGE);
    let hi = lo + range;
    let shown: Vec<f64> = energies.iter().map(|e| hi - e.min(hi)).collect();
    let mut f = plane_figure(SPAN, PLANE).title(title).describe(format!(
        "The energy as a map (dark: low energy, lowest {}), contour lines every {} up to {} above it; the particles are drawn over it.",
        fmt_num(lo),
        fmt_num(range / (LEVELS + 1) as f64),
        fmt_num(range),
    ));
    f.push(Layer::Heatmap {
        values: shown,
        cols: GRID,
        rows: GRID,
        lo: 0.0,
        hi: range,
        map: ColourMap::Blues,
    });
    let levels: Vec<f64> = (1..=LEVELS)
        .map(|i| lo + range * i as f64 / (LEVELS + 1) as f64)
        .collect();
    let grid = Grid {
        values: energies,
        cols: GRID,
        rows: GRID,
        x: (-SPAN, SPAN),
        y: (-SPAN, SPAN),
    };
    let mut lines = contours(grid, &levels).into_iter();
    for layer in legend_layers(
        !data.is_empty(),
        data.to_vec(),
        lines.next().unwrap_or_default(),
        Vec::new(),
    ) {
        f.push(layer);
    }
    for line in lines {
        f.push(Layer::Line {
            pts: line,
            colour: CONTOUR.into(),
            dashed: false,
            label: None,
        });
    }
    f.to_svg()
}

const CONTOUR: &str = "rgba(30, 30, 30, 0.35)";

/// The labelled layers both copies of the figure carry, in one order, so their legends
/// coincide: the first contour line, the data (when there is data), the particles.
fn legend_layers(
    with_data: bool,
    data: Vec<Pt>,
    contour: Vec<Pt>,
    particles: Vec<Pt>,
) -> Vec<Layer> {
    let mut out = vec![Layer::Line {
        pts: contour,
        colour: CONTOUR.into(),
        dashed: false,
        label: Some("contours of E".into()),
    }];
    if with_data {
        out.push(Layer::Scatter {
            pts: data,
            colour: PALETTE[2].into(),
            radius: 1.4,
            label: Some("data".into()),
        });
    }
    out.push(Layer::Scatter {
        pts: particles,
        colour: PALETTE[1].into(),
        radius: 1.5,
        label: Some("particles".into()),
    });
    out
}

/// The particles alone, on a copy of [`landscape_svg`]'s figure (same title and legend).
fn particles_svg(particles: &[Pt], with_data: bool, title: &str) -> String {
    let mut f = plane_figure(SPAN, PLANE)
        .title(title)
        .describe(format!("{} particles in orange.", particles.len()));
    for layer in legend_layers(with_data, Vec::new(), Vec::new(), particles.to_vec()) {
        f.push(layer);
    }
    f.to_svg()
}

/// The landscape with the particles laid over it.
fn stacked(
    testid: &'static str,
    base: impl Fn() -> Option<String> + Send + Sync + 'static,
    over: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <div class="plot-stack" data-testid=testid>
            <div class="plot-host" inner_html=base></div>
            <div class="plot-host plot-over" inner_html=over></div>
        </div>
    }
}

/// The particles' step size ε (as log₁₀) and temperature T, as sliders.
fn dynamics_sliders(
    eps: RwSignal<f64>,
    temp: RwSignal<f64>,
    testid: &'static str,
) -> impl IntoView {
    let step = |v: f64| fmt_num(10f64.powf(v));
    view! {
        <Slider label="Step size ε" min=-4.0 max=-1.5 step=0.25 value=eps show=Callback::new(step) testid=if testid == "langevin" { "langevin-eps" } else { "ebm-eps" }/>
        <Slider label="Temperature T (noise)" min=0.0 max=4.0 step=0.05 value=temp testid=if testid == "langevin" { "langevin-temp" } else { "ebm-temp" }/>
    }
}

// ---------------------------------------------------------------------------------------
// A known energy.

/// Langevin on the known mixture: play, pause, start again; the particles over the
/// landscape, and their energy distance to exact draws over the steps, beside the
/// distance between two sets of exact draws.
pub(super) fn known() -> impl IntoView {
    let mix = GaussMix::lesson();
    let energies: Vec<f64> = plane_cells(SPAN, GRID)
        .iter()
        .map(|&p| mix.energy(p))
        .collect();
    let exact = mix.sample(MEASURED, &mut Rng::new(2));
    let floor = energy_distance(&exact, &mix.sample(MEASURED, &mut Rng::new(3)));
    let particles = RwSignal::new(uniform(PARTICLES, 1));
    let steps = RwSignal::new(0usize);
    let history = RwSignal::new(Vec::<(f64, f64)>::new());
    let eps = RwSignal::new(-2.5);
    let temp = RwSignal::new(1.0);
    let run = RwSignal::new(RunState::default());
    let rng = StoredValue::new(Rng::new(4));
    let measure = {
        let exact = exact.clone();
        move || {
            let d = particles.with_untracked(|p| energy_distance(&p[..MEASURED], &exact));
            history.update(|h| h.push((steps.get_untracked() as f64, d)));
        }
    };
    measure();
    let restart = {
        let measure = measure.clone();
        move |_| {
            run.update(|r| r.pause());
            particles.set(uniform(PARTICLES, 1 + steps.get_untracked() as u64));
            steps.set(0);
            history.set(Vec::new());
            measure();
        }
    };
    let play = {
        let mix = mix.clone();
        move |_| {
            if run.with_untracked(|r| r.running()) {
                run.update(|r| r.pause());
                return;
            }
            let (mix, measure) = (mix.clone(), measure.clone());
            run_kit::drive(run, move |_ticket| {
                let (mix, measure) = (mix.clone(), measure.clone());
                async move {
                    let (e, t) = (10f64.powf(eps.get_untracked()), temp.get_untracked());
                    particles.update(|p| {
                        rng.update_value(|rng| {
                            for _ in 0..STEPS_PER_FRAME {
                                let g: Vec<Pt> = p.iter().map(|&q| mix.grad(q)).collect();
                                langevin_step(p, &g, e, t, rng);
                            }
                        })
                    });
                    let before = steps.get_untracked();
                    steps.set(before + STEPS_PER_FRAME);
                    if (before + STEPS_PER_FRAME) / MEASURE_EVERY > before / MEASURE_EVERY {
                        measure();
                    }
                    true
                }
            });
        }
    };
    const KNOWN: &str = "E(x) = −log p(x), three Gaussian wells";
    let base = Memo::new(move |_| landscape_svg(&energies, &[], KNOWN));
    let over = move || Some(particles.with(|p| particles_svg(p, false, KNOWN)));
    let curve = move || {
        let h = history.get();
        let last = h.last().map_or(1.0, |p| p.0).max(1.0);
        let top = h.iter().map(|p| p.1).fold(floor, f64::max) * 1.1;
        let mut f = Figure::new(Scale::Linear { lo: 0.0, hi: last }, Scale::Linear { lo: 0.0, hi: top.max(1e-3) })
            .size(360.0, 220.0)
            .labels("Langevin steps", "energy distance")
            .title("Particles against exact draws")
            .describe(format!(
                "Energy distance between {MEASURED} particles and {MEASURED} exact draws over the steps; the dashed line is the distance between two sets of exact draws ({}).",
                fmt_num(floor)
            ));
        f.push(Layer::Line {
            pts: h,
            colour: PALETTE[1].into(),
            dashed: false,
            label: Some("particles vs exact".into()),
        });
        f.push(Layer::Line {
            pts: vec![(0.0, floor), (last, floor)],
            colour: "#999".into(),
            dashed: true,
            label: Some("two exact sets".into()),
        });
        f.to_svg()
    };
    let readout = move || {
        let d = history.with(|h| h.last().map_or(f64::NAN, |p| p.1));
        format!(
            "{} steps at ε = {}, T = {}: energy distance to exact draws {} (two sets of exact draws: {}).",
            steps.get(),
            fmt_num(10f64.powf(eps.get())),
            fmt_num(temp.get()),
            fmt_num(d),
            fmt_num(floor)
        )
    };
    // For the exercise: each measurement, as a multiple of the exact draws' distance.
    Effect::new(move |_| {
        let d = history.with(|h| h.last().map_or(f64::NAN, |p| p.1));
        publish("langevin.ratio", d / floor);
        publish("langevin.steps", steps.get_untracked() as f64);
        publish("langevin.temp", temp.get_untracked());
    });
    let running = move || run.with(|r| r.running());
    view! {
        {dynamics_sliders(eps, temp, "langevin")}
        <div class="controls">
            <button class="primary" data-testid="langevin-play" on:click=play>{move || if running() { "Pause" } else { "Run Langevin" }}</button>
            <button data-testid="langevin-restart" on:click=restart>"Scatter the particles again"</button>
        </div>
        <div class="plots">
            {stacked("langevin-plane", move || Some(base.get()), over)}
            <div class="plot-host" data-testid="langevin-curve" inner_html=curve></div>
        </div>
        <p class="stats" data-testid="langevin-readout">{readout}</p>
    }
}

// ---------------------------------------------------------------------------------------
// An energy learnt from data.

/// The shipped energy (or one trained here on the reader's data): its landscape with
/// contours, the data, and Langevin particles run on it in the engine.
pub(super) fn trained() -> impl IntoView {
    let model = training::model(EBM);
    model.ensure_loaded();
    let data = PlaneData::new(0);
    let eps = RwSignal::new(-2.5);
    let temp = RwSignal::new(1.0);
    let particles = RwSignal::new(uniform(PARTICLES, 5));
    let steps = RwSignal::new(0usize);
    let run = RwSignal::new(RunState::default());
    let land = async_memo(move || {
        let e = model.call("energy", point_rows(&plane_cells(SPAN, GRID)));
        let d = model.call_with("data", Vec::new(), vec![500.0, 7.0]);
        async move {
            let e: Vec<f64> = e.await?.iter().map(|r| r[0] as f64).collect();
            let d = row_points(&d.await?);
            Some((e, d))
        }
    });
    let play = move |_| {
        if run.with_untracked(|r| r.running()) {
            run.update(|r| r.pause());
            return;
        }
        run_kit::drive(run, move |ticket| async move {
            let args = vec![
                STEPS_PER_FRAME as f64,
                10f64.powf(eps.get_untracked()),
                temp.get_untracked(),
                steps.get_untracked() as f64,
            ];
            let now = particles.get_untracked();
            let Some(moved) = model.call_with("langevin", point_rows(&now), args).await else {
                return false;
            };
            if !ticket.live() {
                return false;
            }
            particles.set(row_points(&moved));
            steps.update(|s| *s += STEPS_PER_FRAME);
            true
        });
    };
    let restart = move |_| {
        run.update(|r| r.pause());
        particles.set(uniform(PARTICLES, 5 + steps.get_untracked() as u64));
        steps.set(0);
    };
    const LEARNT: &str = "The learnt energy";
    let base = move || land.with(|l| l.as_ref().map(|(e, d)| landscape_svg(e, d, LEARNT)));
    let over = move || {
        land.with(|l| l.is_some())
            .then(|| particles.with(|p| particles_svg(p, true, LEARNT)))
    };
    let click = move |ev: web_sys::MouseEvent| {
        if let Some((x, y)) = svg_point(&ev, PLANE) {
            let (x, y) = plane_figure(SPAN, PLANE).to_data(x, y);
            if x.abs() <= SPAN && y.abs() <= SPAN {
                data.click(x, y);
            }
        }
    };
    let options = Signal::derive(move || vec![data.target().option()]);
    let running = move || run.with(|r| r.running());
    view! {
        <details class="settings" data-testid="ebm-settings">
            <summary>"Settings for the next run"</summary>
            {data.view("ebm-data", "ebm-draw", "ebm-draw-clear")}
        </details>
        <TrainPanel model=model steps=TAB_STEPS title="the energy" options=options/>
        {dynamics_sliders(eps, temp, "ebm")}
        <div class="controls">
            <button class="primary" data-testid="ebm-play" disabled=move || model.version.get() == 0 on:click=play>{move || if running() { "Pause" } else { "Run Langevin" }}</button>
            <button data-testid="ebm-restart" on:click=restart>"Scatter the particles again"</button>
        </div>
        <div class:clickable=move || data.drawing() on:click=click>{stacked("ebm-plane", base, over)}</div>
        <p class="stats" data-testid="ebm-readout">{move || format!("{} Langevin steps at ε = {}, T = {}.", steps.get(), fmt_num(10f64.powf(eps.get())), fmt_num(temp.get()))}</p>
    }
}
