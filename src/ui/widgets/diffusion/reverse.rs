//! Lesson 10's DDPM on points: the reader's data, a run trained here or the shipped
//! weights, and the reverse process watched particle by particle beside the guesses of x₀.

use super::{data_layer, particles_figure, plane, LAND, PLANE_W, SWISS_ROLL};
use crate::data::Rng;
use crate::models::diffusion::energy_distance;
use crate::models::plane::Target;
use crate::models::zoo::T_2D;
use crate::plot::{fmt_num, Layer, PALETTE};
use crate::train::run::RunState;
use crate::ui::kit::{svg_point, PlaneData, TrainPanel};
use crate::ui::run_kit;
use crate::ui::training;
use leptos::prelude::*;

#[derive(Clone, PartialEq)]
struct Reverse {
    t: usize,
    xt: Vec<(f64, f64)>,
    x0: Vec<(f64, f64)>,
}

#[component]
pub fn Diffusion2d() -> impl IntoView {
    // The reader's data: the swiss roll and the land have shipped models; any other choice
    // (the ring, the moons, a drawing) trains the swiss roll's network on it here.
    let data = PlaneData::new(SWISS_ROLL);
    let land = Memo::new(move |_| data.index.get() == LAND);
    let shipped_data = Memo::new(move |_| matches!(data.index.get(), SWISS_ROLL | LAND));
    let models = [
        training::model("ddpm-swiss-roll"),
        training::model("ddpm-land"),
    ];
    for m in models {
        m.ensure_loaded();
    }
    let state = RwSignal::new(None::<Reverse>);
    let run = RwSignal::new(RunState::default());
    let running = move || run.with(|r| r.running());
    let n = 400;
    // One reverse step, in the engine, with the current weights of the chosen model.
    // `ticket`: the run the step belongs to (a step answered after a pause is dropped).
    let step_once = move |ticket: Option<run_kit::Ticket>| {
        let cur = state.get_untracked().filter(|r| r.t > 0);
        let m = models[land.get_untracked() as usize];
        let answer = cur.as_ref().map(|cur| {
            let rows = cur
                .xt
                .iter()
                .map(|p| vec![p.0 as f32, p.1 as f32])
                .collect();
            m.call_with(
                "reverse-step",
                rows,
                vec![cur.t as f64, 1000.0 + cur.t as f64],
            )
        });
        async move {
            let (Some(cur), Some(answer)) = (cur, answer) else {
                return false;
            };
            let Some(rows) = answer.await else {
                return false;
            };
            let pick = |i: usize| {
                rows.iter()
                    .map(|r| (r[i] as f64, r[i + 1] as f64))
                    .collect()
            };
            // The reader may have paused or restarted meanwhile: only a step of a live run
            // from the current state counts.
            let live = ticket.is_none_or(|t| t.live());
            if live
                && state
                    .get_untracked()
                    .is_some_and(|now| now.t == cur.t && now.xt == cur.xt)
            {
                state.set(Some(Reverse {
                    t: cur.t - 1,
                    xt: pick(0),
                    x0: pick(2),
                }));
            }
            cur.t > 1
        }
    };
    let start = move |_| {
        let mut rng = Rng::new(run.get_untracked().tickets() + 1);
        let xt: Vec<(f64, f64)> = (0..n).map(|_| (rng.normal(), rng.normal())).collect();
        state.set(Some(Reverse {
            t: T_2D,
            x0: xt.clone(),
            xt,
        }));
        run_kit::drive(run, move |t| step_once(Some(t)));
    };
    let resume = move |_| run_kit::drive(run, move |t| step_once(Some(t)));
    // A click on the particles' plane adds a point to the drawing.
    let click = move |ev: web_sys::MouseEvent| {
        if let Some((x, y)) = svg_point(&ev, PLANE_W) {
            let (x, y) = particles_figure(0, Vec::new(), Vec::new()).to_data(x, y);
            data.click(x, y);
        }
    };
    let plots = move || {
        let truth = match data.target() {
            Target::Drawn(p) if p.is_empty() => Vec::new(),
            t => t.sample(400, &mut Rng::new(8)),
        };
        let st = state.get();
        let (t, xt, x0) = match &st {
            Some(r) => (r.t, r.xt.clone(), r.x0.clone()),
            None => (T_2D, Vec::new(), Vec::new()),
        };
        let a = particles_figure(t, truth.clone(), xt.clone())
            .describe(format!(
                "{} particles of the reverse process at step {t}, over the data in grey.",
                xt.len()
            ))
            .to_svg();
        let b = plane("the model's guess of x₀ from x_t")
            .describe("The denoiser's prediction of the clean point for each particle.")
            .layer(data_layer(truth.clone()))
            .layer(Layer::Scatter {
                pts: x0,
                colour: PALETTE[2].into(),
                radius: 2.0,
                label: Some("x̂₀".into()),
            })
            .to_svg();
        let score = (st.is_some() && t == 0 && !truth.is_empty()).then(|| {
            let e = energy_distance(&xt, &truth);
            let mut g = Rng::new(5);
            let noise: Vec<(f64, f64)> = (0..400).map(|_| (g.normal(), g.normal())).collect();
            format!(
                "Done. Energy distance to the data: {} (plain Gaussian noise: {}).",
                fmt_num(e),
                fmt_num(energy_distance(&noise, &truth))
            )
        });
        view! {
            <div class="side-by-side">
                <div class="plot-host side" class:clickable=move || data.drawing() data-testid="reverse-xt" on:click=click inner_html=a></div>
                <div class="plot-host side" inner_html=b></div>
            </div>
            <p class="readout" data-testid="reverse-readout">{score.unwrap_or_else(|| format!("step {} of {T_2D}", T_2D - t))}</p>
        }
    };
    let options = Signal::derive(move || match data.target() {
        Target::SwissRoll | Target::Land => Vec::new(),
        t => vec![t.option()],
    });
    view! {
        {data.view("diffusion-2d-data", "diffusion-draw", "diffusion-draw-clear")}
        {move || {
            let m = models[land.get() as usize];
            let title = match (land.get(), shipped_data.get()) {
                (true, _) => "the land model",
                (false, true) => "the swiss-roll model",
                (false, false) => "the denoiser on the chosen data",
            };
            view! { <TrainPanel model=m steps=2000 title=title options=options/> }
        }}
        {move || (!shipped_data.get()).then(|| view! {
            <p class="muted small" data-testid="diffusion-data-note">
                "The shipped weights learnt the swiss roll: train a run here on the chosen data, then run the reverse process to see it learnt."
            </p>
        })}
        <div class="controls">
            <button class="primary" data-testid="reverse-run" on:click=start>"Run the reverse process"</button>
            <button data-testid="reverse-pause" on:click=move |_| run.update(|r| r.pause()) disabled=move || !running()>"Pause"</button>
            <button data-testid="reverse-resume" on:click=resume disabled=move || running() || state.get().is_none_or(|s| s.t == 0)>"Resume"</button>
            <button data-testid="reverse-step" on:click=move |_| { let step = step_once(None); leptos::task::spawn_local(async move { step.await; }); } disabled=move || running() || state.get().is_none_or(|s| s.t == 0)>"One step"</button>
        </div>
        {plots}
    }
}
