//! Lesson 1: the land/sea map. A box model the reader drags, the truth revealed with
//! points A, B, C, and four density models compared by held-out log-likelihood.

use super::{publish, Widgets};
use crate::data::land::{LandMap, COLS, LESSON_TRAIN_SEED, ROWS, X_MAX, X_MIN, Y_MAX, Y_MIN};
use crate::data::Rng;
use crate::models::density2d::{
    mean_log_likelihood, BoxModel, Density2, Gaussian, Kde, Mixture, Pt,
};
use crate::plot::{fmt_num, fmt_pct, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::{svg_point, Drawing, Select, Slider};
use leptos::prelude::*;
use std::sync::Arc as Rc;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("land-box", || LandBox().into_any()),
    ("land-truth", || LandTruth().into_any()),
    ("land-models", || LandModels().into_any()),
];

const W: f64 = 560.0;
const H: f64 = 320.0;

fn frame() -> Figure {
    Figure::new(
        Scale::Linear {
            lo: X_MIN,
            hi: X_MAX,
        },
        Scale::Linear {
            lo: Y_MIN,
            hi: Y_MAX,
        },
    )
    .size(W, H)
    .labels("x₁ (longitude)", "x₂ (latitude)")
}

fn map_layer(land: &LandMap) -> Layer {
    Layer::Heatmap {
        values: land
            .land
            .iter()
            .map(|&l| if l { 1.0 } else { 0.0 })
            .collect(),
        cols: COLS,
        rows: ROWS,
        lo: 0.0,
        hi: 1.0,
        map: ColourMap::LandSea,
    }
}

fn train_points(land: &LandMap, n: usize) -> Vec<Pt> {
    land.sample(n, &mut Rng::new(LESSON_TRAIN_SEED))
}

fn box_layer(b: &BoxModel, label: &str) -> Layer {
    Layer::Rect {
        r: (b.x0, b.y0, b.x1, b.y1),
        fill: PALETTE[1].into(),
        stroke: PALETTE[1].into(),
        opacity: 0.12,
        label: Some(label.into()),
    }
}

#[derive(Clone, Copy, Debug)]
enum Drag {
    Move { dx: f64, dy: f64 },
    Corner { fix_x: f64, fix_y: f64 },
}

#[component]
pub fn LandBox() -> impl IntoView {
    let land = Rc::new(LandMap::world());
    let pts = train_points(&land, 120);
    let start = BoxModel::bounding(&pts);
    let bx = RwSignal::new(start);
    let samples = RwSignal::new(Vec::<Pt>::new());
    let drag = RwSignal::new(None::<Drag>);
    let draws = RwSignal::new(0u64);
    let pts2 = pts.clone();
    let svg = move || {
        let b = bx.get();
        frame()
            .title("P_model: a box around the data")
            .describe(format!(
                "{} data points and a box from x₁ = {:.0} to {:.0}, x₂ = {:.0} to {:.0}, with {} points sampled from the box.",
                pts2.len(), b.x0, b.x1, b.y0, b.y1, samples.get().len()
            ))
            .layer(box_layer(&b, "box model"))
            .layer(Layer::Scatter { pts: pts2.clone(), colour: "currentColor".into(), radius: 2.8, label: None })
            .layer(Layer::Scatter { pts: samples.get(), colour: PALETTE[1].into(), radius: 4.0, label: Some("sampled from the box".into()) })
            .to_svg()
    };
    let set_box = move |b: BoxModel| {
        let clamp = |v: f64, lo: f64, hi: f64| v.clamp(lo, hi);
        let nb = BoxModel {
            x0: clamp(b.x0.min(b.x1), X_MIN, X_MAX),
            x1: clamp(b.x0.max(b.x1), X_MIN, X_MAX),
            y0: clamp(b.y0.min(b.y1), Y_MIN, Y_MAX),
            y1: clamp(b.y0.max(b.y1), Y_MIN, Y_MAX),
        };
        bx.set(nb);
        samples.set(Vec::new());
    };
    let down = move |ev: web_sys::PointerEvent| {
        let Some((px, py)) = svg_point(&ev, W) else {
            return;
        };
        let f = frame();
        let (x, y) = f.to_data(px, py);
        let b = bx.get_untracked();
        let corners = [(b.x0, b.y0), (b.x1, b.y0), (b.x0, b.y1), (b.x1, b.y1)];
        let near = corners.iter().position(|&c| {
            let (cx, cy) = f.to_px(c);
            (cx - px).hypot(cy - py) < 14.0
        });
        let d = match near {
            Some(i) => Drag::Corner {
                fix_x: corners[3 - i].0,
                fix_y: corners[3 - i].1,
            },
            None if b.contains((x, y)) => Drag::Move {
                dx: x - b.x0,
                dy: y - b.y0,
            },
            None => {
                set_box(BoxModel {
                    x0: x,
                    y0: y,
                    x1: x,
                    y1: y,
                });
                Drag::Corner { fix_x: x, fix_y: y }
            }
        };
        drag.set(Some(d));
        if let Some(t) = ev
            .current_target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        {
            let _ = t.set_pointer_capture(ev.pointer_id());
        }
    };
    let moved = move |ev: web_sys::PointerEvent| {
        let Some(d) = drag.get_untracked() else {
            return;
        };
        let Some((px, py)) = svg_point(&ev, W) else {
            return;
        };
        let (x, y) = frame().to_data(px, py);
        let b = bx.get_untracked();
        match d {
            Drag::Move { dx, dy } => {
                let (w, h) = (b.x1 - b.x0, b.y1 - b.y0);
                let x0 = (x - dx).clamp(X_MIN, X_MAX - w);
                let y0 = (y - dy).clamp(Y_MIN, Y_MAX - h);
                set_box(BoxModel {
                    x0,
                    y0,
                    x1: x0 + w,
                    y1: y0 + h,
                });
            }
            Drag::Corner { fix_x, fix_y } => set_box(BoxModel {
                x0: fix_x,
                y0: fix_y,
                x1: x,
                y1: y,
            }),
        }
    };
    let key = move |ev: web_sys::KeyboardEvent| {
        let b = bx.get_untracked();
        let (dx, dy) = match ev.key().as_str() {
            "ArrowLeft" => (-5.0, 0.0),
            "ArrowRight" => (5.0, 0.0),
            "ArrowUp" => (0.0, 5.0),
            "ArrowDown" => (0.0, -5.0),
            _ => return,
        };
        ev.prevent_default();
        ev.stop_propagation();
        if ev.shift_key() {
            set_box(BoxModel {
                x1: (b.x1 + dx).max(b.x0 + 1.0),
                y1: (b.y1 + dy).max(b.y0 + 1.0),
                ..b
            });
        } else {
            set_box(BoxModel {
                x0: b.x0 + dx,
                x1: b.x1 + dx,
                y0: b.y0 + dy,
                y1: b.y1 + dy,
            });
        }
    };
    let sample = move |_| {
        let b = bx.get_untracked();
        let mut rng = Rng::new(500 + draws.get_untracked());
        draws.update(|d| *d += 1);
        let new: Vec<Pt> = (0..20).map(|_| b.sample(&mut rng)).collect();
        samples.update(|s| s.extend(new));
    };
    let pts3 = pts.clone();
    let inside = move || pts3.iter().filter(|&&p| bx.get().contains(p)).count();
    let n = pts.len();
    view! {
        <div class="plot-host draggable" data-testid="land-box-plot" tabindex="0"
            aria-label="The box model. Drag to move it, drag a corner to resize, drag outside to draw a new box; arrow keys move it, Shift+arrows resize it."
            on:pointerdown=down on:pointermove=moved on:pointerup=move |_| drag.set(None)
            on:keydown=key inner_html=svg></div>
        <p class="readout" data-testid="land-box-readout">
            {move || {
                let b = bx.get();
                format!(
                    "Box: x₁ from {:.0} to {:.0}, x₂ from {:.0} to {:.0}. It covers {} of the map and holds {} of the {n} data points.",
                    b.x0, b.x1, b.y0, b.y1, fmt_pct(b.area() / ((X_MAX - X_MIN) * (Y_MAX - Y_MIN))), inside()
                )
            }}
        </p>
        <div class="controls">
            <button class="primary" data-testid="sample-box" on:click=sample>"Sample 20 points from the box"</button>
            <button on:click=move |_| set_box(start)>"Reset the box"</button>
        </div>
    }
}

/// The cell centre nearest `target` that satisfies `want(is_land, inside_box)`, well clear
/// of the coast and of the box's edges so that its label is unambiguous.
fn find_point(
    land: &LandMap,
    b: &BoxModel,
    target: Pt,
    want: impl Fn(bool, bool) -> bool,
) -> Option<Pt> {
    let mut best: Option<(f64, Pt)> = None;
    for r in 2..ROWS - 2 {
        for c in 2..COLS - 2 {
            let p = LandMap::cell_centre(c, r);
            let solid = [(-4.0, 0.0), (4.0, 0.0), (0.0, -4.0), (0.0, 4.0)]
                .iter()
                .all(|(dx, dy)| land.is_land(p.0 + dx, p.1 + dy) == land.is_land(p.0, p.1));
            let inside = BoxModel {
                x0: b.x0 + 8.0,
                y0: b.y0 + 8.0,
                x1: b.x1 - 8.0,
                y1: b.y1 - 8.0,
            }
            .contains(p);
            let outside = !BoxModel {
                x0: b.x0 - 10.0,
                y0: b.y0 - 10.0,
                x1: b.x1 + 10.0,
                y1: b.y1 + 10.0,
            }
            .contains(p);
            if solid && (inside || outside) && want(land.is_land(p.0, p.1), inside) {
                let d = (p.0 - target.0).hypot(p.1 - target.1);
                if best.is_none_or(|(bd, _)| d < bd) {
                    best = Some((d, p));
                }
            }
        }
    }
    best.map(|b| b.1)
}

#[component]
pub fn LandTruth() -> impl IntoView {
    let land = LandMap::world();
    let pts = train_points(&land, 120);
    // A box a reader might draw: the data's bounding box, shrunk a little.
    let bb = BoxModel::bounding(&pts);
    let b = BoxModel {
        x0: bb.x0 + 0.15 * (bb.x1 - bb.x0),
        x1: bb.x1 - 0.1 * (bb.x1 - bb.x0),
        y0: bb.y0 + 0.15 * (bb.y1 - bb.y0),
        y1: bb.y1 - 0.05 * (bb.y1 - bb.y0),
    };
    let centre = ((b.x0 + b.x1) / 2.0, (b.y0 + b.y1) / 2.0);
    let a = find_point(&land, &b, centre, |is_land, inside| !is_land && inside);
    let bpt = find_point(&land, &b, (centre.0, b.y0 - 30.0), |is_land, inside| {
        is_land && !inside
    });
    let c = find_point(
        &land,
        &b,
        (centre.0 + 0.3 * (b.x1 - b.x0), centre.1),
        |is_land, inside| is_land && inside,
    );
    let revealed = RwSignal::new(false);
    // Exact shares from the mask: how much of the box is sea, how much land lies outside it.
    let (mut box_cells, mut box_sea, mut land_cells, mut land_out) = (0, 0, 0, 0);
    for r in 0..ROWS {
        for col in 0..COLS {
            let p = LandMap::cell_centre(col, r);
            let l = land.is_land(p.0, p.1);
            if b.contains(p) {
                box_cells += 1;
                box_sea += (!l) as usize;
            }
            if l {
                land_cells += 1;
                land_out += (!b.contains(p)) as usize;
            }
        }
    }
    let map = map_layer(&land);
    let svg = move || {
        let mut f = frame()
            .title(if revealed.get() { "P_data revealed: uniform on land" } else { "The data and a box model" })
            .describe("Data points, a box model, and the labelled points A (in the box, at sea), B (on land outside the box) and C (on land in the box).".to_string());
        if revealed.get() {
            f.push(map.clone());
        }
        f.push(box_layer(&b, "box model"));
        f.push(Layer::Scatter {
            pts: pts.clone(),
            colour: "currentColor".into(),
            radius: 2.6,
            label: None,
        });
        for (p, t) in [(a, "A"), (bpt, "B"), (c, "C")] {
            if let Some(p) = p {
                f.push(Layer::Scatter {
                    pts: vec![p],
                    colour: PALETTE[3].into(),
                    radius: 5.0,
                    label: None,
                });
                f.push(Layer::Text {
                    at: (p.0 + 7.0, p.1 + 7.0),
                    text: t.into(),
                });
            }
        }
        f.to_svg()
    };
    view! {
        <div class="plot-host" data-testid="land-truth-plot" inner_html=svg></div>
        <div class="controls">
            <button class="primary" data-testid="reveal" aria-pressed=move || revealed.get().to_string()
                on:click=move |_| revealed.update(|r| *r = !*r)>
                {move || if revealed.get() { "Hide the truth" } else { "Reveal P_data" }}
            </button>
        </div>
        <p class="readout">
            {format!(
                "Measured on the map: {} of this box is sea, so that share of the box model's samples could never come from P_data; and {} of the land lies outside the box, where P_data puts points that the model can never produce. Land covers {} of the whole map.",
                fmt_pct(box_sea as f64 / box_cells.max(1) as f64),
                fmt_pct(land_out as f64 / land_cells.max(1) as f64),
                fmt_pct(land.land_fraction())
            )}
        </p>
    }
}

#[derive(Clone, Copy, PartialEq, Debug)]
enum Kind {
    Box,
    Gaussian,
    Mixture,
    Kde,
}

/// The fewest drawn points the models fit (as many as the mixture's largest K).
const MIN_DRAWN: usize = 12;

/// The density map's figure before its layers.
fn models_frame() -> Figure {
    frame().title("Model density (darker = more probable)")
}

/// The density map's layout, legend included: what maps a click to the map.
fn models_click_frame() -> Figure {
    models_frame().layer(Layer::Scatter {
        pts: Vec::new(),
        colour: PALETTE[1].into(),
        radius: 2.2,
        label: Some("training points".into()),
    })
}

/// The points the models fit, with the two fits that have no parameters to train: one
/// place that fits them when the points change, read by the scores and the map.
#[derive(Clone, PartialEq)]
struct Fitted {
    pts: Rc<Vec<(f64, f64)>>,
    bx: BoxModel,
    gauss: Gaussian,
}

impl Fitted {
    fn of(pts: Rc<Vec<(f64, f64)>>) -> Self {
        let (bx, gauss) = (BoxModel::bounding(&pts), Gaussian::fit(&pts));
        Fitted { pts, bx, gauss }
    }
}

#[component]
pub fn LandModels() -> impl IntoView {
    let land = Rc::new(LandMap::world());
    let lesson = Rc::new(land.lesson_train());
    let test = Rc::new(land.lesson_test());
    // The points the models fit: the lesson's, or the reader's drawing once it has enough.
    let own = RwSignal::new(false);
    // Drawing or not travels in the step's address, as the points do.
    crate::ui::kit::state::share(
        "land-draw",
        move || if own.get() { "on" } else { "off" }.to_string(),
        move |text| match text {
            "on" | "off" => {
                own.set(text == "on");
                Ok(())
            }
            _ => Err(format!("“{text}” is not on or off")),
        },
    );
    let drawing = Drawing::new();
    let train = Memo::new(move |_| {
        let drawn = drawing.pairs();
        Fitted::of(if own.get() && drawn.len() >= MIN_DRAWN {
            Rc::new(drawn)
        } else {
            lesson.clone()
        })
    });
    let kind = RwSignal::new(Kind::Mixture);
    let k = RwSignal::new(6.0);
    let h = RwSignal::new(6.0);
    let t2 = train.get_untracked().pts;
    let mixture = RwSignal::new(Mixture::init(&t2, 6, 1));
    let history = RwSignal::new(vec![
        mixture.get_untracked().log_likelihood(&t2) / t2.len() as f64,
    ]);
    let reset = move || {
        let t = train.get_untracked().pts;
        let m = Mixture::init(&t, k.get_untracked() as usize, 1);
        history.set(vec![m.log_likelihood(&t) / t.len() as f64]);
        mixture.set(m);
    };
    // New points start EM again.
    Effect::new(move |seen: Option<()>| {
        train.track();
        if seen.is_some() {
            reset();
        }
    });
    let em = move |steps: usize| {
        let t = train.get_untracked().pts;
        let mut m = mixture.get_untracked();
        let mut hist = history.get_untracked();
        for _ in 0..steps {
            m.em_step(&t);
            hist.push(m.log_likelihood(&t) / t.len() as f64);
        }
        mixture.set(m);
        history.set(hist);
    };
    let em2 = em;

    let kde = Memo::new(move |_| Kde {
        pts: train.with(|f| f.pts.to_vec()),
        h: h.get(),
    });

    // Held-out and training mean log-likelihoods of every model, recomputed as they change.
    let te = test.clone();
    let scores = Memo::new(move |_| {
        let Fitted { pts: t6, bx, gauss } = train.get();
        let m = mixture.get();
        let kd = kde.get();
        let models: [(&str, &dyn Density2); 4] = [
            ("box", &bx),
            ("Gaussian", &gauss),
            ("mixture of Gaussians", &m),
            ("kernel density", &kd),
        ];
        models
            .iter()
            .map(|(name, md)| {
                (
                    name.to_string(),
                    mean_log_likelihood(*md, &t6),
                    mean_log_likelihood(*md, &te),
                )
            })
            .collect::<Vec<_>>()
    });
    let truth = -land.land_area().ln();
    // For the exercises under the widget: each model's held-out score, the KDE's
    // training score, and the truth's (on the lesson's points, not a drawing).
    Effect::new(move |_| {
        if own.get() {
            return;
        }
        scores.with(|rows| {
            let get = |i: usize| rows.get(i).map_or((f64::NAN, f64::NAN), |r| (r.1, r.2));
            publish("land.gaussian-heldout", get(1).1);
            publish("land.mixture-heldout", get(2).1);
            publish("land.kde-train", get(3).0);
            publish("land.kde-heldout", get(3).1);
            publish("land.truth", truth);
        })
    });

    let svg = move || {
        let (cols, rows) = (96, 48);
        let Fitted { pts: t7, bx, gauss } = train.get();
        let m = mixture.get();
        let kd = kde.get();
        let md: &dyn Density2 = match kind.get() {
            Kind::Box => &bx,
            Kind::Gaussian => &gauss,
            Kind::Mixture => &m,
            Kind::Kde => &kd,
        };
        let mut vals = Vec::with_capacity(cols * rows);
        for r in 0..rows {
            for c in 0..cols {
                let x = X_MIN + (c as f64 + 0.5) / cols as f64 * (X_MAX - X_MIN);
                let y = Y_MAX - (r as f64 + 0.5) / rows as f64 * (Y_MAX - Y_MIN);
                vals.push(md.log_density((x, y)).exp());
            }
        }
        let hi = vals.iter().cloned().fold(0.0, f64::max).max(1e-300);
        let mut f = models_frame()
            .describe(format!(
                "Heat map of the selected model's density over the map, with {} training points.",
                t7.len()
            ))
            .layer(Layer::Heatmap {
                values: vals,
                cols,
                rows,
                lo: 0.0,
                hi,
                map: ColourMap::Blues,
            })
            .layer(Layer::Scatter {
                pts: (*t7).clone(),
                colour: PALETTE[1].into(),
                radius: 2.2,
                label: Some("training points".into()),
            });
        // A drawing still too small to fit is shown over the lesson's points.
        if own.get() && drawing.points.with(Vec::len) < MIN_DRAWN {
            f.push(Layer::Scatter {
                pts: drawing.pairs(),
                colour: PALETTE[3].into(),
                radius: 3.0,
                label: None,
            });
        }
        if kind.get() == Kind::Mixture {
            for g in &m.parts {
                let (angle, a, b) = g.axes();
                f.push(Layer::Ellipse {
                    c: g.mean,
                    rx: 2.0 * a,
                    ry: 2.0 * b,
                    angle,
                    colour: PALETTE[3].into(),
                });
            }
        }
        f.to_svg()
    };
    let curve = move || {
        let hist = history.get();
        let n = hist.len();
        let lo = hist.iter().cloned().fold(f64::INFINITY, f64::min);
        let hi = hist.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
        let pad = ((hi - lo) * 0.1).max(0.05);
        Figure::new(
            Scale::Linear {
                lo: 0.0,
                hi: (n.max(2) - 1) as f64,
            },
            Scale::Linear {
                lo: lo - pad,
                hi: hi + pad,
            },
        )
        .size(W, 200.0)
        .title("EM: training log-likelihood per point")
        .labels("EM iteration", "mean log p(x)")
        .describe(format!(
            "After {} EM iterations the mean training log-likelihood is {}; it never decreases.",
            n - 1,
            fmt_num(hist[n - 1])
        ))
        .layer(Layer::Line {
            pts: hist
                .iter()
                .enumerate()
                .map(|(i, &v)| (i as f64, v))
                .collect(),
            colour: PALETTE[3].into(),
            dashed: false,
            label: None,
        })
        .to_svg()
    };
    let iterations = move || history.get().len() - 1;
    // The truth's score on the training points (−∞ for a drawn point in the sea).
    let truth_train = move || {
        let t = train.get().pts;
        let sum: f64 = t.iter().map(|&(x, y)| land.density(x, y).ln()).sum();
        fmt_num(sum / t.len() as f64)
    };
    // A click on the density map adds a point to the drawing.
    let click = move |ev: web_sys::MouseEvent| {
        if !own.get_untracked() {
            return;
        }
        if let Some((px, py)) = svg_point(&ev, W) {
            let (x, y) = models_click_frame().to_data(px, py);
            if (X_MIN..=X_MAX).contains(&x) && (Y_MIN..=Y_MAX).contains(&y) {
                drawing.add(x, y);
            }
        }
    };
    view! {
        <div class="controls">
            <label>
                <input type="checkbox" data-testid="land-draw" prop:checked=move || own.get()
                    on:change=move |_| own.update(|o| *o = !*o)/>
                " Draw your own training points"
            </label>
        </div>
        {move || own.get().then(|| view! {
            {drawing.view("the models fit them once there are 12 or more, and are still scored on the held-out land points", "land-drawn", "land-draw-clear")}
        })}
        <div class="controls">
            <Select label="Model" value=kind testid="model-kind" options=vec![
                (Kind::Box, "Box", "box"),
                (Kind::Gaussian, "Gaussian", "gaussian"),
                (Kind::Mixture, "Mixture of Gaussians (EM)", "mixture"),
                (Kind::Kde, "Kernel density", "kde"),
            ]/>
        </div>
        <Show when=move || kind.get() == Kind::Mixture>
            <div class="controls">
                <Slider label="components K" min=1.0 max=12.0 step=1.0 value=k testid="k-slider"
                    on_change=Callback::new({ let r = reset.clone(); move |_| r() })/>
                <button class="primary" data-testid="em-step" on:click={ let e = em.clone(); move |_| e(1) }>"EM step"</button>
                <button on:click={ let e = em2.clone(); move |_| e(10) }>"10 steps"</button>
                <button on:click={ let r = reset.clone(); move |_| r() }>"Restart"</button>
                <span class="muted" data-testid="em-iterations">{move || format!("{} iterations", iterations())}</span>
            </div>
        </Show>
        <Show when=move || kind.get() == Kind::Kde>
            <div class="controls">
                <Slider label="bandwidth h (degrees)" min=0.5 max=40.0 step=0.5 value=h testid="h-slider"/>
            </div>
        </Show>
        <div class="plot-host" class:clickable=move || own.get() data-testid="land-models-plot" on:click=click inner_html=svg></div>
        <Show when=move || kind.get() == Kind::Mixture>
            <div class="plot-host" data-testid="em-curve" inner_html=curve></div>
        </Show>
        <table class="data" tabindex="0" data-testid="scores">
            <caption class="muted">"Mean log-likelihood per point (higher is better). Held out: 1000 fresh points from P_data."</caption>
            <thead><tr><th>"model"</th><th class="num">"training"</th><th class="num">"held out"</th></tr></thead>
            <tbody>
                {move || scores.get().into_iter().map(|(name, tr, te)| view! {
                    <tr><td>{name}</td><td class="num">{fmt_num(tr)}</td><td class="num">{fmt_num(te)}</td></tr>
                }).collect::<Vec<_>>()}
                <tr><td>"P_data (the truth)"</td><td class="num">{truth_train}</td><td class="num">{fmt_num(truth)}</td></tr>
            </tbody>
        </table>
    }
}
