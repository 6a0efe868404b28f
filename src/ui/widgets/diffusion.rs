//! Lesson 10 (diffusion): the forward process under two schedules; a DDPM on 2-D points
//! trained here whose reverse process the reader watches particle by particle; and the
//! conditional U-Net on Avatar World, sampled from a prompt with classifier-free guidance
//! on the page's device (WebGPU or the CPU), step by step with progress and cancel.

use super::{publish, Widgets};
use crate::data::avatar::{Avatar, FEATURES};
use crate::data::Rng;
use crate::engine::protocol::SampleSpec;
use crate::models::diffusion::{self as dm, energy_distance, Schedule, ScheduleKind};
use crate::models::plane::Target;
use crate::models::zoo::T_2D;
use crate::plot::{fmt_num, Figure, Layer, Scale, PALETTE};
use crate::train::run::RunState;
use crate::ui::engine;
use crate::ui::kit::{
    image_grid, run_status, sample_into, svg_point, Choice, PlaneData, SampleBatch, Select, Slider,
    TrainPanel,
};
use crate::ui::training;
use leptos::prelude::*;

/// The widgets of this lesson, by the names its Markdown uses (see `lessons::COURSE`).
pub const WIDGETS: Widgets = &[
    ("diffusion-forward", || DiffusionForward().into_any()),
    ("diffusion-2d", || Diffusion2d().into_any()),
    ("diffusion-images", || DiffusionImages().into_any()),
];

fn data(land: bool, n: usize, seed: u64) -> Vec<(f64, f64)> {
    let mut rng = Rng::new(seed);
    if land {
        dm::land_points(n, &mut rng)
    } else {
        dm::swiss_roll(n, &mut rng)
    }
}

/// The data sets of the 2-D DDPM with shipped models, by their place in the plane's
/// choice ([`crate::models::plane::TARGET_NAMES`]).
const SWISS_ROLL: u8 = 2;
const LAND: u8 = 3;
/// The width of the 2-D planes, in SVG units.
const PLANE_W: f64 = 380.0;

/// The reverse process's particles at step `t` over the data in grey (also what maps a
/// click on that plot to the plane).
fn particles_figure(t: usize, truth: Vec<(f64, f64)>, xt: Vec<(f64, f64)>) -> Figure {
    plane(&format!("particles x_t, t = {t}"))
        .layer(data_layer(truth))
        .layer(Layer::Scatter {
            pts: xt,
            colour: PALETTE[1].into(),
            radius: 2.0,
            label: Some("x_t".into()),
        })
}

/// The data, in grey, under the particles and the guesses of x₀.
fn data_layer(truth: Vec<(f64, f64)>) -> Layer {
    Layer::Scatter {
        pts: truth,
        colour: "#cccccc".into(),
        radius: 1.5,
        label: Some("data".into()),
    }
}

fn plane(title: &str) -> Figure {
    Figure::new(
        Scale::Linear { lo: -2.5, hi: 2.5 },
        Scale::Linear { lo: -2.0, hi: 2.0 },
    )
    .size(PLANE_W, 320.0)
    .labels("x₁", "x₂")
    .title(title)
}

fn data_toggle(land: RwSignal<bool>) -> impl IntoView {
    let options = vec![
        (false, "swiss roll", ""),
        (true, "land of the world map", "pick-land"),
    ];
    view! { <Choice label="Data:" options value=land testid="diffusion-data"/> }
}

/// The prompt's drop-downs, by feature (their keys in the step's address).
const PROMPT_IDS: [&str; 5] = ["prompt-0", "prompt-1", "prompt-2", "prompt-3", "prompt-4"];

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
    // For the exercise: the signal both schedules keep at t, and the linear one a step before.
    let s4 = schedules.clone();
    Effect::new(move |_| {
        let k = t.get() as usize;
        publish("diffusion.t", k as f64);
        publish("diffusion.linear-ab", s4[0].ab(k));
        publish("diffusion.linear-ab-before", s4[0].ab(k.saturating_sub(1)));
        publish("diffusion.cosine-ab", s4[1].ab(k));
    });
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
        <Choice label="Schedule:" options=vec![(false, "linear", ""), (true, "cosine", "")] value=cosine testid="diffusion-schedule"/>
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
    let step_once = move |ticket: Option<training::Ticket>| {
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
        training::drive(run, move |t| step_once(Some(t)));
    };
    let resume = move |_| training::drive(run, move |t| step_once(Some(t)));
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

// ---------------------------------------------------------------------------------------
// Images: the conditional U-Net on Avatar World.

/// One finished or running batch of images: the job, and what the feature classifier
/// reads in each finished sample (the run itself is a [`SampleBatch`] beside it).
#[derive(Clone, PartialEq)]
struct ImageBatch {
    job: dm::ImageJob,
    read: Option<Vec<[usize; 5]>>,
}

/// The share of people in P_data who carry every value of `prompt`.
fn pdata_share(prompt: &[Option<u8>; 5]) -> f64 {
    let table = crate::models::autoencoder::pdata().table();
    table
        .iter()
        .enumerate()
        .filter(|(i, _)| {
            let a = Avatar::from_index(*i);
            (0..5).all(|f| prompt[f].is_none_or(|v| a.get(f) == v as usize))
        })
        .map(|(_, p)| p)
        .sum()
}

/// How many of the read samples carry each requested value, and all of them.
fn matches(prompt: &[Option<u8>; 5], read: &[[usize; 5]]) -> (Vec<(usize, usize)>, usize) {
    let per: Vec<(usize, usize)> = (0..5)
        .filter_map(|f| {
            let v = prompt[f]? as usize;
            Some((f, read.iter().filter(|r| r[f] == v).count()))
        })
        .collect();
    let all = read
        .iter()
        .filter(|r| (0..5).all(|f| prompt[f].is_none_or(|v| r[f] == v as usize)))
        .count();
    (per, all)
}

fn prompt_text(prompt: &[Option<u8>; 5]) -> String {
    let parts: Vec<String> = (0..5)
        .filter_map(|f| {
            prompt[f].map(|v| format!("{} {}", FEATURES[f].values[v as usize], FEATURES[f].name))
        })
        .collect();
    if parts.is_empty() {
        "no prompt".into()
    } else {
        parts.join(", ")
    }
}

/// Samples one batch in the engine, step by step, into `run`, and has the classifier read
/// the samples into `out`; stops when `live` says so.
async fn sample_batch(
    job: dm::ImageJob,
    (out, run): (RwSignal<Option<ImageBatch>>, RwSignal<SampleBatch>),
    live: impl Fn() -> bool,
    classifier: training::ModelHandle,
) {
    let _ = out.try_set(Some(ImageBatch { job, read: None }));
    let values = sample_into("avatar-unet", SampleSpec::Images(job), run, live).await;
    if let Some(x) = values {
        let rows = x.chunks(dm::AVATAR_PIXELS).map(<[f32]>::to_vec).collect();
        let read = classifier
            .call("classify", rows)
            .await
            .map(|r| crate::models::zoo::classified(&r));
        let _ = out.try_update(|b| {
            if let Some(b) = b {
                b.read = read;
            }
        });
    }
}

fn batch_view(b: ImageBatch, r: &SampleBatch, testid: &'static str) -> impl IntoView {
    let readout = b.read.as_ref().map(|read| {
        let (per, all) = matches(&b.job.prompt, read);
        let n = read.len();
        let mut parts: Vec<String> = per
            .iter()
            .map(|&(f, k)| {
                let v = b.job.prompt[f].unwrap_or(0) as usize;
                let p = crate::models::autoencoder::pdata().marginal(f)[v];
                format!(
                    "{} ({}): {k} of {n} (P_data: {} %)",
                    FEATURES[f].values[v],
                    FEATURES[f].name,
                    fmt_num(100.0 * p)
                )
            })
            .collect();
        if per.len() > 1 {
            parts.push(format!(
                "all of them: {all} of {n} (P_data: {} %)",
                fmt_num(100.0 * pdata_share(&b.job.prompt))
            ));
        }
        if parts.is_empty() {
            format!("The feature classifier read {n} samples (no prompt to check).")
        } else {
            format!("The feature classifier finds {}.", parts.join("; "))
        }
    });
    view! {
        <div class="image-batch" data-testid=testid data-finished=r.finished.to_string() data-count=r.images.len().to_string()>
            <p class="muted small">{format!("{} · guidance w = {} · {}", prompt_text(&b.job.prompt), fmt_num(b.job.w as f64), match b.job.sampler { dm::Sampler::Ddpm => "DDPM", dm::Sampler::Ddim => "DDIM" })}</p>
            {run_status(r, testid, "showing the current guess x̂₀")}
            {image_grid(&r.images, 32, 56, 8, "sample")}
            {readout.map(|r| view! { <p class="readout" data-testid=format!("{testid}-readout")>{r}</p> })}
        </div>
    }
}

#[component]
pub fn DiffusionImages() -> impl IntoView {
    let unet = training::model("avatar-unet");
    let classifier = training::model("feature-classifier");
    unet.ensure_loaded();
    classifier.ensure_loaded();
    // The prompt: one value per feature or "any"; the lesson opens on red hair + hoodie.
    let prompt: [RwSignal<Option<u8>>; 5] = [
        RwSignal::new(None),
        RwSignal::new(None),
        RwSignal::new(Some(0)),
        RwSignal::new(Some(4)),
        RwSignal::new(None),
    ];
    let w = RwSignal::new(3.0);
    let steps = RwSignal::new(50.0);
    let ddim = RwSignal::new(true);
    let seed = RwSignal::new(1u64);
    let run = RwSignal::new(RunState::default());
    let running = move || run.with(|r| r.running());
    let main = (
        RwSignal::new(None::<ImageBatch>),
        RwSignal::new(SampleBatch::default()),
    );
    let plain = (
        RwSignal::new(None::<ImageBatch>),
        RwSignal::new(SampleBatch::default()),
    );
    let job = move |guided: bool| dm::ImageJob {
        sampler: if ddim.get_untracked() {
            dm::Sampler::Ddim
        } else {
            dm::Sampler::Ddpm
        },
        steps: steps.get_untracked() as usize,
        n: 16,
        prompt: if guided {
            prompt.map(|p| p.get_untracked())
        } else {
            [None; 5]
        },
        w: if guided {
            w.get_untracked() as f32
        } else {
            0.0
        },
        seed: seed.get_untracked(),
    };
    type Out = (RwSignal<Option<ImageBatch>>, RwSignal<SampleBatch>);
    let launch = move |jobs: Vec<(dm::ImageJob, Out)>| {
        training::run_in_background(run, move |ticket| async move {
            for (j, out) in jobs {
                sample_batch(j, out, move || ticket.live(), classifier).await;
                if !ticket.live() {
                    break;
                }
            }
        });
    };
    let generate = move |_| {
        plain.0.set(None);
        launch(vec![(job(true), main)]);
    };
    let compare = move |_| {
        let mut j = job(false);
        if let Some(b) = main.0.get_untracked() {
            j.seed = b.job.seed;
            j.sampler = b.job.sampler;
            j.steps = b.job.steps;
        }
        launch(vec![(j, plain)]);
    };
    let cancel = move |_| run.update(|r| r.pause());
    let engine_state = engine::state();
    let ready = move || {
        matches!(unet.weights.get(), training::WeightsState::Ready(_))
            && engine_state.get() == engine::EngineState::Ready
    };
    let selects = (0..5)
        .map(|f| {
            let sig = prompt[f];
            let mut options = vec![(None, "any", "any")];
            options.extend(
                FEATURES[f]
                    .values
                    .iter()
                    .enumerate()
                    .map(|(i, &name)| (Some(i as u8), name, name)),
            );
            view! { <Select label=FEATURES[f].name options value=sig testid=PROMPT_IDS[f]/> }
        })
        .collect_view();
    view! {
        <TrainPanel model=unet steps=2000 title="the U-Net"/>
        <div class="controls prompt">{selects}</div>
        <Slider label="guidance w" min=0.0 max=8.0 step=0.5 value=w testid="guidance"/>
        <Choice label="Sampler:" options=vec![(true, "DDIM", "sampler-ddim"), (false, "DDPM", "sampler-ddpm")] value=ddim testid="sampler"/>
        <Slider label="steps" min=10.0 max=250.0 step=10.0 value=steps testid="sample-steps"/>
        <div class="controls">
            <button class="primary" data-testid="generate" on:click=generate disabled=move || running() || !ready()>"Generate 16 people"</button>
            <button data-testid="generate-plain" on:click=compare disabled=move || running() || !ready()>"Same noise, no prompt"</button>
            <button data-testid="cancel-sampling" on:click=cancel disabled=move || !running()>"Cancel"</button>
            <button on:click=move |_| seed.update(|s| *s += 1) disabled=move || running()>"New noise"</button>
            <span class="muted small">{move || format!("noise seed {}", seed.get())}</span>
        </div>
        {move || main.0.get().map(|b| batch_view(b, &main.1.get(), "samples"))}
        {move || plain.0.get().map(|b| batch_view(b, &plain.1.get(), "samples-plain"))}
    }
}
