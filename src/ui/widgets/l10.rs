//! Lesson 10 (diffusion), the 2-D part: the forward process under two schedules, and a
//! DDPM trained here whose reverse process the reader watches particle by particle.

use super::panel::TrainPanel;
use super::Slider;
use crate::data::Rng;
use crate::models::diffusion::{self as dm, energy_distance, EpsModel, Schedule, ScheduleKind};
use crate::models::zoo::{schedule_2d, Net, T_2D};
use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::tensor::{Device, Tensor};
use crate::ui::training::{self, next_tick};
use leptos::prelude::*;

fn data(land: bool, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed);
    if land {
        dm::land_points(n, &mut rng)
    } else {
        dm::swiss_roll(n, &mut rng)
    }
}

fn plane(title: &str) -> Figure {
    Figure::new(
        Scale::Linear { lo: -2.5, hi: 2.5 },
        Scale::Linear { lo: -2.0, hi: 2.0 },
    )
    .size(380.0, 320.0)
    .labels("x₁", "x₂")
    .title(title)
}

fn data_toggle(land: RwSignal<bool>) -> impl IntoView {
    view! {
        <div class="controls">
            <span>"Data:"</span>
            <button class:selected=move || !land.get() on:click=move |_| land.set(false)>"swiss roll"</button>
            <button class:selected=move || land.get() data-testid="pick-land" on:click=move |_| land.set(true)>"land of the world map"</button>
        </div>
    }
}

#[component]
pub fn DiffusionForward() -> impl IntoView {
    let land = RwSignal::new(false);
    let cosine = RwSignal::new(false);
    let t = RwSignal::new(0.0);
    let schedules = [
        Schedule::new(ScheduleKind::Linear, T_2D),
        Schedule::new(ScheduleKind::Cosine, T_2D),
    ];
    let s2 = schedules.clone();
    let curves = move || {
        let tt = t.get();
        let mut f = Figure::new(
            Scale::Linear {
                lo: 0.0,
                hi: T_2D as f64,
            },
            Scale::Linear { lo: 0.0, hi: 1.0 },
        )
        .size(380.0, 260.0)
        .labels("t", "ᾱ_t (signal kept)")
        .title("Noise schedules")
        .describe("ᾱ_t against t for the linear and cosine schedules, with the chosen t marked.");
        for (i, (s, name)) in s2.iter().zip(["linear", "cosine"]).enumerate() {
            f.push(Layer::Line {
                pts: (0..=T_2D).map(|k| (k as f64, s.ab(k))).collect(),
                colour: PALETTE[i].into(),
                dashed: false,
                label: Some(name.into()),
            });
        }
        f.push(Layer::Line {
            pts: vec![(tt, 0.0), (tt, 1.0)],
            colour: "#888".into(),
            dashed: true,
            label: None,
        });
        f.to_svg()
    };
    let s3 = schedules.clone();
    let points = move || {
        let s = &s3[cosine.get() as usize];
        let k = t.get() as usize;
        let x0 = data(land.get(), 600, 3);
        let mut rng = Rng::new(4);
        let (a, b) = (s.ab(k).sqrt(), (1.0 - s.ab(k)).sqrt());
        let pts: Vec<(f64, f64)> = x0
            .iter()
            .map(|p| (a * p.0 + b * rng.normal(), a * p.1 + b * rng.normal()))
            .collect();
        plane(&format!("x_t at t = {k}"))
            .describe(format!("600 data points after {k} steps of noising."))
            .layer(Layer::Scatter {
                pts,
                colour: PALETTE[0].into(),
                radius: 2.0,
                label: None,
            })
            .to_svg()
    };
    let readout = move || {
        let s = &schedules[cosine.get() as usize];
        let k = t.get() as usize;
        format!(
            "t = {k}: ᾱ_t = {}, signal-to-noise ratio ᾱ/(1 − ᾱ) = {}",
            fmt_num(s.ab(k)),
            if k == 0 {
                "∞".to_string()
            } else {
                fmt_num(s.snr(k))
            }
        )
    };
    view! {
        {data_toggle(land)}
        <div class="controls">
            <span>"Schedule:"</span>
            <button class:selected=move || !cosine.get() on:click=move |_| cosine.set(false)>"linear"</button>
            <button class:selected=move || cosine.get() on:click=move |_| cosine.set(true)>"cosine"</button>
        </div>
        <Slider label="t" min=0.0 max=T_2D as f64 step=1.0 value=t testid="forward-t"/>
        <p class="readout" data-testid="forward-readout">{readout}</p>
        <div class="side-by-side">
            <div class="plot-host side" inner_html=curves></div>
            <div class="plot-host side" data-testid="forward-points" inner_html=points></div>
        </div>
    }
}

#[derive(Clone, PartialEq)]
struct Reverse {
    t: usize,
    xt: Vec<(f64, f64)>,
    x0: Vec<(f64, f64)>,
}

fn pairs(v: &[f32]) -> Vec<(f64, f64)> {
    v.chunks(2).map(|c| (c[0] as f64, c[1] as f64)).collect()
}

#[component]
pub fn Diffusion2d() -> impl IntoView {
    let land = RwSignal::new(false);
    let models = [
        training::model("ddpm-swiss-roll"),
        training::model("ddpm-land"),
    ];
    for m in models {
        m.ensure_loaded();
    }
    let state = RwSignal::new(None::<Reverse>);
    let running = RwSignal::new(false);
    let run_id = RwSignal::new(0u64);
    let n = 400;
    // One reverse step on the CPU with the current weights of the chosen model.
    let step_once = move || -> bool {
        let Some(cur) = state.get_untracked() else {
            return false;
        };
        if cur.t == 0 {
            return false;
        }
        let m = models[land.get_untracked() as usize];
        let x = Tensor::new(
            cur.xt
                .iter()
                .flat_map(|p| [p.0 as f32, p.1 as f32])
                .collect(),
            &[n, 2],
            &Device::Cpu,
        )
        .expect("sizes agree");
        let next = m
            .with(|net, p| {
                let Net::Denoiser2d(d) = net else { return None };
                let eps = d.eps(p, &x, cur.t, &[]).ok()?;
                dm::ddpm_step(schedule_2d(), &x, &eps, cur.t, false, 1000 + cur.t as u64).ok()
            })
            .flatten();
        match next {
            Some((xn, x0)) => {
                state.set(Some(Reverse {
                    t: cur.t - 1,
                    xt: pairs(&xn.cpu_values().unwrap_or_default()),
                    x0: pairs(&x0.cpu_values().unwrap_or_default()),
                }));
                cur.t > 1
            }
            None => false,
        }
    };
    let start = move |_| {
        let mut rng = Rng::new(run_id.get_untracked() + 1);
        let xt: Vec<(f64, f64)> = (0..n).map(|_| (rng.normal(), rng.normal())).collect();
        state.set(Some(Reverse {
            t: T_2D,
            x0: xt.clone(),
            xt,
        }));
        run_id.update(|r| *r += 1);
        running.set(true);
        let id = run_id.get_untracked();
        leptos::task::spawn_local(async move {
            while running.get_untracked() && run_id.get_untracked() == id && step_once() {
                next_tick().await;
            }
            if run_id.get_untracked() == id {
                running.set(false);
            }
        });
    };
    let resume = move |_| {
        running.set(true);
        let id = run_id.get_untracked();
        leptos::task::spawn_local(async move {
            while running.get_untracked() && run_id.get_untracked() == id && step_once() {
                next_tick().await;
            }
            running.set(false);
        });
    };
    let plots = move || {
        let truth = data(land.get(), 400, 8);
        let st = state.get();
        let (t, xt, x0) = match &st {
            Some(r) => (r.t, r.xt.clone(), r.x0.clone()),
            None => (T_2D, Vec::new(), Vec::new()),
        };
        let faint = Layer::Scatter {
            pts: truth.clone(),
            colour: "#cccccc".into(),
            radius: 1.5,
            label: Some("data".into()),
        };
        let a = plane(&format!("particles x_t, t = {t}"))
            .describe(format!(
                "{} particles of the reverse process at step {t}, over the data in grey.",
                xt.len()
            ))
            .layer(faint.clone())
            .layer(Layer::Scatter {
                pts: xt.clone(),
                colour: PALETTE[1].into(),
                radius: 2.0,
                label: Some("x_t".into()),
            })
            .to_svg();
        let b = plane("the model's guess of x₀ from x_t")
            .describe("The denoiser's prediction of the clean point for each particle.")
            .layer(faint)
            .layer(Layer::Scatter {
                pts: x0,
                colour: PALETTE[2].into(),
                radius: 2.0,
                label: Some("x̂₀".into()),
            })
            .to_svg();
        let score = (st.is_some() && t == 0).then(|| {
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
                <div class="plot-host side" data-testid="reverse-xt" inner_html=a></div>
                <div class="plot-host side" inner_html=b></div>
            </div>
            <p class="readout" data-testid="reverse-readout">{score.unwrap_or_else(|| format!("step {} of {T_2D}", T_2D - t))}</p>
        }
    };
    view! {
        {data_toggle(land)}
        {move || {
            let m = models[land.get() as usize];
            view! { <TrainPanel model=m steps=2000 title=if land.get() { "the land model" } else { "the swiss-roll model" }/> }
        }}
        <div class="controls">
            <button class="primary" data-testid="reverse-run" on:click=start>"Run the reverse process"</button>
            <button data-testid="reverse-pause" on:click=move |_| running.set(false) disabled=move || !running.get()>"Pause"</button>
            <button on:click=resume disabled=move || running.get() || state.get().is_none_or(|s| s.t == 0)>"Resume"</button>
            <button data-testid="reverse-step" on:click=move |_| { step_once(); } disabled=move || running.get() || state.get().is_none_or(|s| s.t == 0)>"One step"</button>
        </div>
        {plots}
    }
}
