//! Lesson 8: normalizing flows. The change of variables on a line; a flow on the plane
//! trained here by exact likelihood (its density, samples and training panel, the data
//! and Glow's pieces chosen by the reader); the flow taken apart layer by layer, a grid
//! pushed from noise towards data and the data pushed towards noise, with every layer's
//! log-determinant; and lesson 1's table of held-out log-likelihoods with a flow added.

use super::{publish, Widgets};
use crate::data::land::LandMap;
use crate::data::Rng;
use crate::models::density2d::{mean_log_likelihood, BoxModel, Density2, Gaussian, Kde, Mixture};
use crate::models::diffusion::LAND_SCALE;
use crate::models::flow1d::{integral, normal_pdf, Bend, MIN_BEND};
use crate::models::plane::{point_rows, row_points, Target};
use crate::plot::{fmt_num, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::{
    plane_cells, plane_figure, span_of, svg_point, Choice, PlaneData, Slider, TrainPanel,
};
use crate::ui::run_kit::async_memo;
use crate::ui::training;

use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("flow-1d", || line_map().into_any()),
    ("flow-train", || train(FLOW).into_any()),
    ("flow-layers", || layers(FLOW, "flow").into_any()),
    ("flow-glow-layers", || layers(GLOW, "glow").into_any()),
    ("flow-table", || table().into_any()),
];

/// The flow the lesson trains (RealNVP on two moons, shipped), the Glow flow on the ring
/// it takes apart, and the flow on lesson 1's land map.
const FLOW: &str = "flow-moons";
const GLOW: &str = "flow-ring-glow";
const LAND: &str = "flow-land";

/// Steps of a run started in the tab.
const TAB_STEPS: u64 = 2000;
/// The plane's side in SVG units.
const PLANE: f64 = 360.0;
/// The density map's cells a side.
const GRID: usize = 48;
/// Points drawn of each kind.
const N: usize = 512;
/// Held-out points the readout measures.
const HELD: usize = 1000;
/// Data points walked through the layers.
const WALKED: usize = 300;

/// The plane over [−span, span]².
fn plane(span: f64) -> Figure {
    plane_figure(span, PLANE)
}

fn cells(span: f64) -> Vec<(f64, f64)> {
    plane_cells(span, GRID)
}

// ---------------------------------------------------------------------------------------
// The change of variables on a line.

/// A Gaussian pushed through a monotone bend: the two densities, the map and its slope,
/// and the check that the pushed density still holds probability 1.
fn line_map() -> impl IntoView {
    let a = RwSignal::new(1.5);
    let c = RwSignal::new(0.5);
    let svg = move || {
        let b = Bend::new(a.get(), c.get());
        let (lo, hi) = (-5.0, 7.0);
        let xs: Vec<f64> = (0..=480)
            .map(|i| lo + (hi - lo) * i as f64 / 480.0)
            .collect();
        let pz: Vec<(f64, f64)> = xs.iter().map(|&z| (z, normal_pdf(z))).collect();
        let px: Vec<(f64, f64)> = xs.iter().map(|&x| (x, b.density(x))).collect();
        let top = px.iter().chain(&pz).map(|p| p.1).fold(0.0, f64::max) * 1.1;
        let mut dens = Figure::new(Scale::Linear { lo, hi }, Scale::Linear { lo: 0.0, hi: top })
            .size(420.0, 240.0)
            .labels("value", "density")
            .title("p_z (the Gaussian) and p_x (after the map)")
            .describe(format!(
                "The standard Gaussian and the density of x = f(z); the highest point of p_x is {}.",
                fmt_num(px.iter().map(|p| p.1).fold(0.0, f64::max))
            ));
        dens.push(Layer::Line {
            pts: pz,
            colour: PALETTE[0].into(),
            dashed: true,
            label: Some("p_z".into()),
        });
        dens.push(Layer::Line {
            pts: px,
            colour: PALETTE[1].into(),
            dashed: false,
            label: Some("p_x".into()),
        });
        let zs: Vec<f64> = (0..=240).map(|i| -3.5 + 7.0 * i as f64 / 240.0).collect();
        let map: Vec<(f64, f64)> = zs.iter().map(|&z| (z, b.f(z))).collect();
        let slope: Vec<(f64, f64)> = zs.iter().map(|&z| (z, b.slope(z))).collect();
        let ylo = map
            .iter()
            .chain(&slope)
            .map(|p| p.1)
            .fold(f64::INFINITY, f64::min)
            .min(0.0);
        let yhi = map
            .iter()
            .chain(&slope)
            .map(|p| p.1)
            .fold(f64::NEG_INFINITY, f64::max);
        let mut f = Figure::new(
            Scale::Linear { lo: -3.5, hi: 3.5 },
            Scale::Linear {
                lo: ylo - 0.2,
                hi: yhi + 0.2,
            },
        )
        .size(420.0, 240.0)
        .labels("z", "")
        .title("The map x = f(z) and its slope f′(z)")
        .describe("The monotone map and how much it stretches the line at each z.".to_string());
        f.push(Layer::Line {
            pts: map,
            colour: PALETTE[1].into(),
            dashed: false,
            label: Some("x = f(z)".into()),
        });
        f.push(Layer::Line {
            pts: slope,
            colour: PALETTE[2].into(),
            dashed: true,
            label: Some("f′(z) = |det J|".into()),
        });
        f.push(Layer::Line {
            pts: vec![(-3.5, 1.0), (3.5, 1.0)],
            colour: "#999".into(),
            dashed: true,
            label: None,
        });
        format!("{}{}", dens.to_svg(), f.to_svg())
    };
    let readout = move || {
        let b = Bend::new(a.get(), c.get());
        let z0 = c.get();
        let total = integral(|x| b.density(x), -12.0, 14.0, 8000);
        format!(
            "At z = {}: f′ = {}, so p_x(f(z)) = p_z(z) / f′(z) = {} / {} = {}. The area under p_x, summed on a fine grid: {}.",
            fmt_num(z0),
            fmt_num(b.slope(z0)),
            fmt_num(normal_pdf(z0)),
            fmt_num(b.slope(z0)),
            fmt_num(b.density(b.f(z0))),
            fmt_num(total)
        )
    };
    // For the exercise: the slope at c and the density it gives there.
    Effect::new(move |_| {
        let (b, z0) = (Bend::new(a.get(), c.get()), c.get());
        publish("flows.slope-at-c", b.slope(z0));
        publish("flows.density-at-c", b.density(b.f(z0)));
    });
    view! {
        <Slider label="Bend a" min=MIN_BEND max=3.0 step=0.05 value=a testid="flow1d-a"/>
        <Slider label="Where it bends, c" min=-2.0 max=2.0 step=0.1 value=c testid="flow1d-c"/>
        <div class="plots plot-host" data-testid="flow1d-plot" inner_html=svg></div>
        <p class="stats" data-testid="flow1d-readout">{readout}</p>
    }
}

// ---------------------------------------------------------------------------------------
// A flow trained on the plane.

/// The shipped flow's density over the plane, its samples beside the data, the held-out
/// log-likelihood, and its training panel with the data and Glow's pieces to choose.
fn train(name: &'static str) -> impl IntoView {
    let model = training::model(name);
    let data = PlaneData::new(1);
    let glow = RwSignal::new(false);
    let seed = RwSignal::new(8.0);
    let real = Memo::new(move |_| match data.target() {
        Target::Drawn(p) if p.is_empty() => Vec::new(),
        t => t.sample(N, &mut Rng::new(7)),
    });
    let held = Memo::new(move |_| match data.target() {
        Target::Drawn(p) if p.is_empty() => Vec::new(),
        t => t.sample(HELD, &mut Rng::new(70)),
    });
    let noise: Vec<Vec<f32>> = {
        let mut rng = Rng::new(6);
        (0..N)
            .map(|_| vec![rng.normal() as f32, rng.normal() as f32])
            .collect()
    };
    let frame = async_memo(move || {
        let span = span_of(&real.get(), 1.25, 2.0);
        let density = model.call("log-density", point_rows(&cells(span)));
        let samples = model.call("sample", noise.clone());
        let held_ll = model.call("log-density", point_rows(&held.get()));
        async move {
            let density: Vec<f64> = density.await?.iter().map(|r| (r[0] as f64).exp()).collect();
            let samples = row_points(&samples.await?);
            let ll: Vec<f64> = held_ll.await?.iter().map(|r| r[0] as f64).collect();
            Some((span, density, samples, ll))
        }
    });
    let svg = move || {
        frame.get().map(|(span, density, samples, _)| {
            let hi = density.iter().cloned().fold(0.0, f64::max).max(1e-12);
            let mut f = plane(span)
                .title("The flow's density, its samples and the data")
                .describe(format!(
                    "The learnt density p(x) as a map (darker: more probable, highest {}), {} samples from the flow in orange and {} data points in grey.",
                    fmt_num(hi), samples.len(), real.with(Vec::len)
                ));
            f.push(Layer::Heatmap { values: density, cols: GRID, rows: GRID, lo: 0.0, hi, map: ColourMap::Blues });
            f.push(Layer::Scatter { pts: real.get(), colour: "#555".into(), radius: 1.4, label: Some("data".into()) });
            f.push(Layer::Scatter { pts: samples, colour: PALETTE[1].into(), radius: 1.6, label: Some("flow samples".into()) });
            f.to_svg()
        })
    };
    let readout = move || {
        frame.get().map(|(span, density, _, ll)| {
            let cell = (2.0 * span / GRID as f64).powi(2);
            let mass: f64 = density.iter().sum::<f64>() * cell;
            let mean = ll.iter().sum::<f64>() / ll.len().max(1) as f64;
            format!(
                "Held-out log-likelihood: {} nats per point on {} fresh points of the chosen data. The density summed over the plotted square: {} (the rest lies outside it).",
                fmt_num(mean), ll.len(), fmt_num(mass)
            )
        })
    };
    let click = move |ev: web_sys::MouseEvent| {
        let span = frame.with_untracked(|f| f.as_ref().map_or(1.25, |f| f.0));
        if let Some((x, y)) = svg_point(&ev, PLANE) {
            let (x, y) = plane(span).to_data(x, y);
            if x.abs() <= span && y.abs() <= span {
                data.click(x, y);
            }
        }
    };
    let options = Signal::derive(move || {
        vec![
            data.target().option(),
            ("glow".into(), vec![f32::from(u8::from(glow.get()))]),
        ]
    });
    view! {
        <details class="settings" data-testid="flow-settings">
            <summary>"Settings for the next run"</summary>
            {data.view("flow-data", "flow-draw", "flow-draw-clear")}
            <Choice label="Glow's pieces:" options=vec![(false, "off (RealNVP)", ""), (true, "ActNorm + 2×2 mix", "flow-glow-on")] value=glow testid="flow-glow"/>
            <Slider label="Seed" min=1.0 max=99.0 step=1.0 value=seed testid="flow-seed"/>
        </details>
        <TrainPanel model=model steps=TAB_STEPS title="the flow" options=options seed=Signal::derive(move || seed.get() as u64)/>
        <div class="plot-host" class:clickable=move || data.drawing() data-testid="flow-plane" on:click=click inner_html=svg></div>
        <p class="stats" data-testid="flow-readout">{readout}</p>
    }
}

// ---------------------------------------------------------------------------------------
// The flow taken apart.

/// Lines of a grid in noise space: at these values of one coordinate, each traced over
/// [−REACH, REACH] of the other.
const LINES: [f64; 9] = [-2.0, -1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5, 2.0];
const REACH: f64 = 2.5;
const LINE_POINTS: usize = 33;

fn grid_lines() -> Vec<(f64, f64)> {
    let along = |i: usize| -REACH + 2.0 * REACH * i as f64 / (LINE_POINTS - 1) as f64;
    LINES
        .iter()
        .flat_map(|&g| {
            (0..LINE_POINTS)
                .map(move |i| (g, along(i)))
                .chain((0..LINE_POINTS).map(move |i| (along(i), g)))
        })
        .collect()
}

/// Each row of a "stages" answer split into its stages' points (and the log-determinants
/// after them): `k` layers.
fn split(rows: &[Vec<f32>], k: usize) -> (Vec<Vec<(f64, f64)>>, Vec<Vec<f64>>) {
    let stages = (0..=k)
        .map(|s| {
            rows.iter()
                .map(|r| (r[2 * s] as f64, r[2 * s + 1] as f64))
                .collect()
        })
        .collect();
    let logdets = (0..k)
        .map(|l| {
            rows.iter()
                .filter_map(|r| r.get(2 * (k + 1) + l).map(|&v| v as f64))
                .collect()
        })
        .collect();
    (stages, logdets)
}

/// Everything the layer view draws, from one version of the weights.
#[derive(Clone, Debug, PartialEq)]
struct Taken {
    names: Vec<String>,
    /// The noise grid after 0…K layers towards the data.
    grid: Vec<Vec<(f64, f64)>>,
    /// The data after 0…K layers towards the noise.
    data: Vec<Vec<(f64, f64)>>,
    /// Each layer's mean log |det J| over the data (data-to-noise order).
    logdet: Vec<f64>,
    /// Mean log N(z) of the data's noise points.
    log_normal: f64,
}

/// The flow's layers one at a time: a slider walks from the noise (stage 0) to the data
/// (stage K), showing the noise grid pushed that far and the data pushed back to the same
/// place; and a table of every layer's mean log-determinant, which with log N(z) sums to
/// the mean log-likelihood.
fn layers(name: &'static str, testid: &'static str) -> impl IntoView {
    let model = training::model(name);
    model.ensure_loaded();
    let stage = RwSignal::new(0.0);
    let taken = async_memo(move || {
        let names = model.call("layers", vec![vec![0.0]]);
        let grid = model.call_with("stages", point_rows(&grid_lines()), vec![0.0]);
        // The data this flow was trained on (the shipped one's, or the reader's run's).
        let pts = model.call_with("data", Vec::new(), vec![WALKED as f64, 71.0]);
        async move {
            let data = model.call_with("stages", pts.await?, vec![1.0]);
            let names: Vec<String> = names
                .await?
                .iter()
                .map(|r| r.iter().filter_map(|&c| char::from_u32(c as u32)).collect())
                .collect();
            let k = names.len();
            let (grid, _) = split(&grid.await?, k);
            let (data, lds) = split(&data.await?, k);
            let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
            let z = data.last()?;
            let log_normal = mean(
                &z.iter()
                    .map(|p| -0.5 * (p.0 * p.0 + p.1 * p.1) - crate::models::flow2d::LN_2PI)
                    .collect::<Vec<_>>(),
            );
            Some(Taken {
                logdet: lds.iter().map(|l| mean(l)).collect(),
                names,
                grid,
                data,
                log_normal,
            })
        }
    });
    let k = move || taken.with(|t| t.as_ref().map_or(1, |t| t.names.len()));
    let svg = move || {
        taken.with(|t| {
            let t = t.as_ref()?;
            let k = t.names.len();
            let s = (stage.get() as usize).min(k);
            let grid = &t.grid[s];
            let data = &t.data[k - s];
            let span = span_of(&[grid.as_slice(), data.as_slice()].concat(), 1.25, 4.0);
            let title = match s {
                0 => "Noise side: z, a standard Gaussian".to_string(),
                s if s == k => "Data side: x".to_string(),
                s => format!("After {s} of {k} layers from the noise"),
            };
            let mut f = plane(span).title(&title).describe(format!(
                "A square grid of noise pushed through {s} layers towards the data, and {} data points pushed through {} layers towards the noise, meeting in the same space.",
                data.len(), k - s
            ));
            for (i, line) in grid.chunks(LINE_POINTS).enumerate() {
                f.push(Layer::Line { pts: line.to_vec(), colour: "rgba(0, 90, 160, 0.45)".into(), dashed: false, label: (i == 0).then(|| "noise grid".into()) });
            }
            f.push(Layer::Scatter { pts: data.clone(), colour: PALETTE[1].into(), radius: 1.8, label: Some("data".into()) });
            Some(f.to_svg())
        })
    };
    let table = move || {
        taken.with(|t| {
            let t = t.as_ref()?;
            let k = t.names.len();
            let s = (stage.get() as usize).min(k);
            let sum: f64 = t.logdet.iter().sum();
            // Walking from the noise, the layer just crossed is layer K − s + 1 (1-based, data
            // to noise).
            let rows = t.names.iter().zip(&t.logdet).enumerate().map(|(i, (n, ld))| {
                let here = s >= 1 && i == k - s;
                view! { <tr class:current=here><td>{i + 1}</td><td>{n.clone()}</td><td class="num">{fmt_num(*ld)}</td></tr> }
            }).collect_view();
            Some(view! {
                <table class="numbers" tabindex="0" data-testid=format!("{testid}-logdets")>
                    <thead><tr><th>"layer (data → noise)"</th><th>"kind"</th><th class="num">"mean log |det J|"</th></tr></thead>
                    <tbody>
                        {rows}
                        <tr><td></td><td>"all layers"</td><td class="num">{fmt_num(sum)}</td></tr>
                        <tr><td></td><td>"log N(z) at the data's noise points"</td><td class="num">{fmt_num(t.log_normal)}</td></tr>
                        <tr><td></td><td><strong>"mean log p(x)"</strong></td><td class="num" data-testid=format!("{testid}-loglik")>{fmt_num(sum + t.log_normal)}</td></tr>
                    </tbody>
                </table>
            })
        })
    };
    view! {
        {move || (model.version.get() == 0).then(|| crate::ui::kit::weights_wait(model))}
        {move || {
            let k = k();
            view! { <Slider label="Layers from the noise" min=0.0 max=k as f64 step=1.0 value=stage testid=if testid == "flow" { "flow-stage" } else { "glow-stage" }/> }
        }}
        <div class="plots">
            <div class="plot-host" data-testid=format!("{testid}-stages") inner_html=svg></div>
            <div>{table}</div>
        </div>
    }
}

// ---------------------------------------------------------------------------------------
// Lesson 1's table with a flow.

/// Lesson 1's four models fitted to its 300 training points, and the flow trained on the
/// land map, by mean log-likelihood on lesson 1's 1000 held-out points (in degrees).
fn table() -> impl IntoView {
    let model = training::model(LAND);
    model.ensure_loaded();
    let land = LandMap::world();
    let (train, test) = (land.lesson_train(), land.lesson_test());
    let mut mixture = Mixture::init(&train, 6, 1);
    for _ in 0..200 {
        mixture.em_step(&train);
    }
    let fitted: Vec<(&str, Box<dyn Density2>)> = vec![
        ("box", Box::new(BoxModel::bounding(&train))),
        ("Gaussian", Box::new(Gaussian::fit(&train))),
        ("mixture of 6 Gaussians (200 EM steps)", Box::new(mixture)),
        (
            "kernel density, h = 6°",
            Box::new(Kde {
                pts: train.clone(),
                h: 6.0,
            }),
        ),
    ];
    let scores: Vec<(String, f64)> = fitted
        .iter()
        .map(|(n, m)| (n.to_string(), mean_log_likelihood(m.as_ref(), &test)))
        .collect();
    // The flow lives in scaled units: a density per degree² is the density per unit²
    // times the scale's Jacobian.
    let jacobian = (LAND_SCALE.0 * LAND_SCALE.1).ln();
    let scaled: Vec<(f64, f64)> = test
        .iter()
        .map(|&(x, y)| (x * LAND_SCALE.0, y * LAND_SCALE.1))
        .collect();
    let flow = async_memo(move || {
        let f = model.call("log-density", point_rows(&scaled));
        async move {
            let v = f.await?;
            Some(v.iter().map(|r| r[0] as f64 + jacobian).sum::<f64>() / v.len().max(1) as f64)
        }
    });
    let truth = -land.land_area().ln();
    view! {
        <table class="data" tabindex="0" data-testid="flow-table">
            <thead><tr><th>"model"</th><th class="num">"held-out log-likelihood (nats per point)"</th></tr></thead>
            <tbody>
                {scores.into_iter().map(|(n, s)| view! { <tr><td>{n}</td><td class="num">{fmt_num(s)}</td></tr> }).collect_view()}
                <tr><td>"flow (RealNVP, trained on fresh draws from the map)"</td><td class="num" data-testid="flow-table-flow">{move || flow.get().map_or("…".to_string(), fmt_num)}</td></tr>
                <tr><td>"the truth: uniform on land"</td><td class="num">{fmt_num(truth)}</td></tr>
            </tbody>
        </table>
        <p class="muted">{format!("On lesson 1's {} held-out points; its four models fitted to its {} training points, in degrees of longitude and latitude.", test.len(), train.len())}</p>
    }
}
