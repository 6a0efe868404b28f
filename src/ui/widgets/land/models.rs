//! Lesson 1's four models (box, Gaussian, EM mixture, kernel density) fitted to the
//! lesson's points or the reader's drawing, scored on held-out land points.

use super::{frame, W};
use crate::data::land::{LandMap, X_MAX, X_MIN, Y_MAX, Y_MIN};
use crate::models::density2d::{mean_log_likelihood, BoxModel, Density2, Gaussian, Kde, Mixture};
use crate::plot::{fmt_num, ColourMap, Figure, Layer, Scale, PALETTE};
use crate::ui::kit::{svg_point, Drawing, Select, Slider};
use crate::ui::widgets::publish;
use leptos::prelude::*;
use std::sync::Arc as Rc;

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
        let pts: Vec<(f64, f64)> = hist
            .iter()
            .enumerate()
            .map(|(i, &v)| (i as f64, v))
            .collect();
        Figure::new(
            // At least five iterations wide, so the axis counts whole iterations, with room
            // for the first dot.
            Scale::Linear {
                lo: -0.25,
                hi: (n.max(6) - 1) as f64,
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
            pts: pts.clone(),
            colour: PALETTE[3].into(),
            dashed: false,
            label: None,
        })
        // A dot per iteration, so the start shows before the first step.
        .layer(Layer::Scatter {
            pts,
            colour: PALETTE[3].into(),
            radius: 2.5,
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
